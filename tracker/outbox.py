"""The outbox: due alerts claimed, silenced, held (a peer's Retry-After), throttled (a
channel's min_interval) and sent, each outcome recorded; digests rendered into it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .alerts.channels import Channel
from .alerts.digest import Digest, DigestInput, DigestRenderer, StaleFeed
from .alerts.plan import RenderFn, admits, peer_wait, retry_delay, silenced_by
from .alerts.render import Renderer
from .config import ChannelRules
from .errors import TrackerError
from .feeds import health
from .lifecycle import Ancestors
from .store.api import PollStore
from .store.coordination import Coordination
from .types import Change, ChangeView, Delivery, DueAlert, Evidence, Mention, Pause, Rendered

log = logging.getLogger("tracker")

CLAIM_BATCH = 10  # due alerts claimed at once (a run claims batch after batch until none is due)
#: Seconds added to a channel's min_interval between two sends (Coordination.send_turn counts
#: from the last send's answer; a receiver counts arrivals: a few ms of jitter must not make 0.999 s).
SLOT_MARGIN = 0.02
CLAIM_SECONDS = 60.0  # an alert's claim lasts this beyond its channel's timeout ([tracker] lease)


@dataclass(frozen=True, slots=True)
class Outlet:
    """A configured channel: how to send, what it takes, how to render for it."""

    channel: Channel
    rules: ChannelRules
    renderer: Renderer


def render_with(outlets: Mapping[str, Outlet], now: datetime) -> RenderFn:
    """How a pause's changes read on each channel at `now` (its outlet's renderer)."""

    def render(pause: Pause, views: list[ChangeView], channel: str) -> tuple[Rendered, list[str]]:
        return outlets[channel].renderer.render_noted(pause, views, now)

    return render


def _alert_ids(d: DueAlert) -> dict:
    return {"alert": d.msg.key, "channel": d.msg.channel, **({"pause": d.pause_id} if d.pause_id else {})}


def _as_change(p: Pause, c: ChangeView) -> Change:
    """A saved change with its quote, as the digest reads it."""
    ev = None
    if c.quote:
        m = Mention(p.kind, c.new_status or p.status, None, p.location, p.country, (), None, None, c.quote, 1.0)
        ev = Evidence(m, "", c.source or "", c.link, c.published or c.at)
    return Change(c.event, c.at, c.summary, c.old_status, c.new_status, ev, c.key)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    silenced: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)


class Outbox:
    """Delivers the outbox and queues digests; see the module docstring."""

    def __init__(
        self,
        store: PollStore,
        outlets: Mapping[str, Outlet],
        worker: str,
        ancestors: Ancestors,
        digests: DigestRenderer | None,
        max_attempts: int,
        rng: Callable[[], float],
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        coord: Coordination,
        claim_seconds: float = CLAIM_SECONDS,
    ):
        self.store = store
        self.outlets = outlets
        self.worker = worker
        self.ancestors = ancestors
        self.digests = digests
        self.max_attempts = max_attempts
        self.rng = rng
        self.sleep = sleep
        self.monotonic = monotonic
        self.coord = coord  # claims, holds and send turns, shared by every worker
        self.claim_seconds = claim_seconds
        # a claim, renewed right before each send, outlasts the send and its record: the lease,
        # plus the slowest channel's timeout, plus the longest a write may wait (SQLite's lock)
        self.claim_for = claim_seconds + max((o.channel.timeout for o in outlets.values()), default=0.0) + coord.write_wait

    def deliver(self, now: datetime, stop: threading.Event | None = None, flush: bool = False) -> DeliveryReport:
        """Send the due alerts, claimed a batch at a time (Coordination.claim_alerts: each
        alert by one worker of all those sharing the database), each marked sent only after
        its channel accepted it; a claim held past its time (its worker died, or hung longer
        than the claim) makes the alert due again for anyone.

        Silenced alerts are kept as silenced. A channel whose peer asked us to wait
        (Retry-After) holds all its alerts until then, for every worker; a channel with a
        rate limit (`min_interval` seconds between messages) is never sent to faster by all
        workers together (send turns). Each alert is owned again right before its send
        (Coordination.own_alert). `flush` also sends alerts still waiting out
        their group window (`run --once`: the cycle is over).
        """
        report = DeliveryReport()
        started = self.monotonic()

        def clock() -> datetime:
            """`now` moved on by the time this run has taken (sends are throttled)."""
            return now + timedelta(seconds=self.monotonic() - started)

        silences: list | None = None
        seen: set[int] = set()  # an alert comes once per run: one due again at once (a retry in 0 s) waits for the next
        while stop is None or not stop.is_set():
            at = clock()
            ids = self.coord.claim_alerts(self.worker, at, at + timedelta(seconds=self.claim_for), CLAIM_BATCH, flush)
            again = [i for i in ids if i in seen]
            for i in again:
                self.store.postpone(i, at, self.worker)
            due = self.store.alerts_by_id([i for i in ids if i not in seen])
            if not due:
                break
            seen.update(d.id for d in due)
            silences = self.store.silences(now) if silences is None else silences
            pauses = self.store.pauses_by_id(d.pause_id for d in due if d.pause_id) if silences else {}
            self._deliver_page(due, now, clock, silences, pauses, report, stop)
            if len(ids) < CLAIM_BATCH:
                break
        return report

    def _deliver_page(self, due: list[DueAlert], now: datetime, clock: Callable[[], datetime], silences, pauses, report: DeliveryReport, stop) -> None:
        for k, d in enumerate(due):
            if stop is not None and stop.is_set():
                for rest in due[k:]:  # claimed, not tried: due again now, for anyone
                    self.store.postpone(rest.id, clock(), self.worker)
                break
            try:
                self._deliver_one(d, now, clock, silences, pauses, report)
            except Exception as e:  # one alert's odd answer, or a bug in a channel, never stops the others
                log.exception("delivering alert %s to %s crashed", d.msg.key, d.msg.channel, extra=_alert_ids(d))
                error = f"internal error while sending: {e.__class__.__name__}: {e}"
                delay = retry_delay(d.attempts, self.rng())
                try:
                    self.store.mark_failed(d.id, now, error, None if d.attempts + 1 >= self.max_attempts else clock() + timedelta(seconds=delay), self.worker)
                except TrackerError as e2:
                    log.error("could not record the failure of alert %s: %s", d.msg.key, e2)
                report.retrying += 1
                report.errors.append(f"{d.msg.channel}: {error}")

    def _deliver_one(self, d: DueAlert, now: datetime, clock: Callable[[], datetime], silences, pauses, report: DeliveryReport) -> None:
        """Send (or hold, silence or fail) one claimed alert and record what happened, each
        record only while the claim is still ours."""
        msg = d.msg
        outlet = self.outlets.get(msg.channel)
        w = self.worker
        if outlet is None:
            error = f"channel {msg.channel!r} is no longer configured"
            self.store.mark_failed(d.id, now, error, None, w)
            report.failed += 1
            report.errors.append(f"{msg.channel}: {error}")
            return
        pause = pauses.get(d.pause_id) if d.pause_id else None
        silence = silenced_by(silences, pause, msg.channel, now, self.ancestors) if pause else None
        if silence is not None:
            self.store.mark_silenced(d.id, now, f"silenced by #{silence.id} until {silence.until:%Y-%m-%d %H:%M} UTC: {silence.reason}", w)
            report.silenced += 1
            return
        if self._held(d, clock, report):
            return
        if outlet.channel.min_interval:
            # one send at a time on this channel across workers, a min_interval after the last was answered
            with self.coord.send_turn(msg.channel, outlet.channel.min_interval + SLOT_MARGIN, clock, self.sleep) as turn:
                if turn.held is not None:  # the send before this turn (maybe another worker's) was told to wait
                    self.store.postpone(d.id, turn.held, w)
                    report.held += 1
                    return
                # a hold is written with the turn's end, before the next turn
                result = self._send(d, outlet, now, clock, turn.hold, sending=lambda: setattr(turn, "sent", True))
        else:
            result = self._send(d, outlet, now, clock, lambda until: self.coord.hold(msg.channel, until))
        if result is None:
            return
        wait = peer_wait(result.retry_after)
        if result.ok:
            if not self.store.mark_sent(d.id, now, result.error, w):
                log.warning("alert %s was sent, but its claim had run out (the send took longer than the claim)", msg.key, extra=_alert_ids(d))
            report.sent += 1
            return
        if not result.retry or d.attempts + 1 >= self.max_attempts:
            self.store.mark_failed(d.id, now, result.error or "failed", None, w, result.rest)
            report.failed += 1
            log.error("alert %s to %s failed for good: %s", msg.key, msg.channel, result.error, extra=_alert_ids(d))
        else:
            # the peer's Retry-After when it gave one, else exponential backoff with jitter
            delay = wait if wait is not None else retry_delay(d.attempts, self.rng())
            self.store.mark_failed(d.id, now, result.error or "failed", clock() + timedelta(seconds=delay), w, result.rest)
            report.retrying += 1
            log.warning(
                "alert %s to %s failed, retry in %.0f s: %s", msg.key, msg.channel, delay, result.error,
                extra={**_alert_ids(d), "retry_in_s": round(delay, 1)},
            )
        report.errors.append(f"{msg.channel}: {result.error}")

    def _send(self, d: DueAlert, outlet: Outlet, now: datetime, clock: Callable[[], datetime], hold, sending=lambda: None) -> Delivery | None:
        """Send the alert if it is still ours (`_own`; None when not): `sending()` is told
        just before the request, and a peer's wait goes to `hold(until)`, counted from the
        answer, not from the start of the run (a run can take seconds)."""
        if not self._own(d, clock):
            return None
        sending()
        result = outlet.channel.send(d.msg, now)
        wait = peer_wait(result.retry_after)  # a channel's own figure is clamped too
        if wait:
            hold(clock() + timedelta(seconds=wait))
        return result

    def _own(self, d: DueAlert, clock: Callable[[], datetime]) -> bool:
        """Whether the alert is still ours to send, right before its send (Coordination.own_alert):
        its claim renewed to cover the send, however long it waited in its batch. False:
        this worker was slower than its claim and another took the alert over."""
        if self.coord.own_alert(self.worker, d.id, clock, self.claim_for):
            return True
        log.warning(
            "alert %s not sent by this worker: its claim ran out before its turn came and another worker took it over",
            d.msg.key, extra=_alert_ids(d),
        )  # fmt: skip
        return False

    def _held(self, d: DueAlert, clock: Callable[[], datetime], report: DeliveryReport) -> bool:
        """Whether the channel is held (a peer's Retry-After, for every worker): the alert is
        then postponed to the hold's end."""
        hold = self.coord.held_until(d.msg.channel, clock())
        if hold is not None:
            self.store.postpone(d.id, hold, self.worker)
            report.held += 1
        return hold is not None

    def digest(self, channel: str, now: datetime, queue: bool = True) -> Digest:
        """Render the digest for a channel (what its rules admit) and, with `queue`, write
        it into the outbox (once per channel and minute) for the next delivery."""
        outlet = self.outlets[channel]
        if self.digests is None:
            raise TrackerError("digests need the digest templates (tracker.app builds them)")
        since = self.store.last_digest(channel)
        admitted = lambda p: admits(outlet.rules, p, self.ancestors)  # noqa: E731
        pauses = tuple(p for p in self.store.pauses() if admitted(p))
        changes = tuple((p, _as_change(p, c)) for p, c in self.store.changes_since(since, now) if admitted(p))
        stale = tuple(
            StaleFeed(f.name, f.url, f.last_success_at, f.last_error)
            for f in self.store.feeds()
            if health.is_stale(f, now)
        )
        d = self.digests.render(DigestInput(now, since, outlet.rules.timezone, pauses, changes, stale))
        if queue:
            parts = [Rendered(d.subject, d.text, d.html, part, d.webhook) for part in d.slack_parts]
            if outlet.channel.type != "slack":
                parts = parts[:1]  # one email, one webhook body; Slack gets every part
            summary = f"digest: {len(pauses)} pause(s), {len(changes)} change(s), {len(stale)} stale source(s)"
            if self.store.queue_digest(now, channel, parts, summary):
                log.info("digest for %s queued: %s", channel, summary, extra={"channel": channel})
        return d
