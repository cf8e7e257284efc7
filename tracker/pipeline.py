"""The I/O flow of one cycle: read, decide (pure), write, once each per feed.

    poll(now):
        for each batch of due feeds (tracker.poller: fetch on threads, parse + extract on
        every core, handed here in dispatch order):
            in ONE transaction (store.api.WriteTx):
                fresh = tx.new_or_changed(the batch's articles)                 read
                for each feed:
                    failed     -> decide.failed(feed, error)                     decide
                    304, same  -> decide.unchanged(feed, fetched)
                    new body   -> evidence = decide.evidence(...); when any (or an
                                  edit): the candidate pauses (read once per batch,
                                  kept in memory while nobody else writes pauses)
                                  decide.fetched(feed, ..., evidence, pauses) -> FeedIntent
                    write the intent: articles, then save_updates():               write
                        tx.save_updates (pauses, evidence, changes: ids given)
                        alerts.plan.plan_alerts over tx.pending_alerts  (pure: route,
                        group, withdraw, render)  -> tx.write_alerts
                tx.record_polls(each feed's outcome: its next poll)
            after commit: log; queue the intents' health alerts; on_changes(changes)
        a batch that fails is saved again one feed per transaction: only the feed at fault
        is recorded as failed
    tick(now):    in ONE transaction: tx.open_pauses -> lifecycle.tick (pure)
                  -> save_updates (as above)
    deliver(now): due alerts (store) -> claim each ("sending": no other process sends it)
                  -> silences (alerts.plan, pure) -> channel.send (I/O) -> mark sent, or
                  retry (alerts.plan.retry_delay / peer_wait) or failed for good
    digest(ch):   pauses, changes since the last digest, stale feeds (feeds.health) (store)
                  -> render (pure) -> the outbox

Failures are per item: a bad feed or a dead channel is recorded and logged, the cycle
goes on. Takes `now` from its caller (the daemon or the CLI). Decides nothing itself:
what a poll means is tracker.decide's, how alerts group alerts.plan's, when to poll
feeds.policy's, whether a feed is healthy feeds.health's.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from . import decide
from .alerts.channels import Channel
from .alerts.digest import Digest, DigestInput, DigestRenderer, StaleFeed
from .alerts.plan import RenderFn, Route, admits, involved, peer_wait, plan_alerts, retry_delay, router, routes_health, silenced_by
from .alerts.render import Renderer, health_alert
from .config import ChannelRules
from .errors import TrackerError
from .feeds import health
from .feeds.fetch import FetcherType
from .lifecycle import Ancestors, Zones, country_only, is_candidate, no_zones, tick
from .poller import DEFAULT_WORKERS, Polled, Poller
from .store.api import PollStore, WriteTx
from .types import (
    Article,
    Change,
    ChangeView,
    DueAlert,
    Evidence,
    FeedIntent,
    FeedState,
    Mention,
    Pause,
    PollOutcome,
    Rendered,
    SavedChange,
    Update,
)

log = logging.getLogger("tracker")

DELIVER_PAGE = 100  # due alerts read at once (a run delivers every due alert, page by page)
CLAIM_SECONDS = 60.0  # an alert's claim lasts this beyond its channel's timeout ([tracker] lease)


def new_worker_id() -> str:
    """This process's name in leases and claims: host, pid and a random part (a pid is
    reused after a restart; the random part is not)."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


@dataclass
class PollReport:
    feed: str
    status: str  # "ok", "not modified", "error"
    articles: int = 0  # new or changed articles examined
    error: str | None = None
    changes: list[SavedChange] = field(default_factory=list)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    silenced: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PollSummary:
    """The counts of one poll's reports, as `run --once` prints them and the daemon logs them."""

    feeds: int
    ok: int
    not_modified: int
    failed: int
    articles: int  # new or changed articles examined
    changes: int

    @classmethod
    def of(cls, reports: Sequence[PollReport]) -> PollSummary:
        count = lambda status: sum(r.status == status for r in reports)  # noqa: E731
        articles, changes = sum(r.articles for r in reports), sum(len(r.changes) for r in reports)
        return cls(len(reports), count("ok"), count("not modified"), count("error"), articles, changes)


def _change_ids(c: SavedChange, feed: str | None = None) -> dict:
    """The `extra=` of a change's log line (tracker.logs): its pause, what changed, the feed."""
    return {"pause": c.pause.id, "change": c.change.event, **({"feed": feed} if feed else {})}


def _alert_ids(d: DueAlert) -> dict:
    return {"alert": d.msg.key, "channel": d.msg.channel, **({"pause": d.pause_id} if d.pause_id else {})}


@dataclass(frozen=True, slots=True)
class Outlet:
    """A configured channel: how to send, what it takes, how to render for it."""

    channel: Channel
    rules: ChannelRules
    renderer: Renderer


def _as_change(p: Pause, c: ChangeView) -> Change:
    """A saved change with its quote, as the digest reads it."""
    ev = None
    if c.quote:
        m = Mention(p.kind, c.new_status or p.status, None, p.location, p.country, (), None, None, c.quote, 1.0)
        ev = Evidence(m, "", c.source or "", c.link, c.published or c.at)
    return Change(c.event, c.at, c.summary, c.old_status, c.new_status, ev, c.key)


@dataclass
class PauseState:
    """The candidate pauses and their evidence, read once and kept up to date as batches
    save, so that a poll with many feeds with mentions does not read every pause and all
    its evidence per feed. Valid while the store's pause fingerprint says nobody else (the
    clock, another process) changed a pause: a batch holds the write lock while it uses it."""

    now: datetime
    candidates: list[Pause]
    known: dict[int, list[Evidence]]

    @classmethod
    def load(cls, tx: WriteTx, now: datetime) -> PauseState:
        candidates = tx.candidates(now)
        return cls(now, candidates, tx.evidence([c.id for c in candidates]))

    def cite(self, tx: WriteTx, replaced: frozenset[str]) -> None:
        """Add the pauses that edited articles spoke of and are not candidates (closed long
        ago), so that they too are refolded without the old evidence."""
        have = {p.id for p in self.candidates}
        extra = [p for p in tx.pauses_citing(replaced) if p.id not in have]
        if extra:
            self.candidates += extra
            self.known.update(tx.evidence([p.id for p in extra]))

    def saved(self, updates: Sequence[Update], pauses: Sequence[Pause], replaced: frozenset[str], now: datetime) -> None:
        """Apply what one feed saved: the updated and new pauses, their new evidence, and
        the evidence of edited articles (deleted by the store) gone."""
        if replaced:
            self.known = {pid: [e for e in evs if e.article_key not in replaced] for pid, evs in self.known.items()}
        by_id = {p.id: i for i, p in enumerate(self.candidates)}
        for u, p in zip(updates, pauses, strict=True):
            if p.id in by_id:
                self.candidates[by_id[p.id]] = p
            else:
                self.candidates.append(p)
            self.known.setdefault(p.id, []).extend(ev.as_stored() for ev in u.evidence)
        self.candidates = [p for p in self.candidates if is_candidate(p, now)]


def save_updates(
    tx: WriteTx, now: datetime, article_ids: dict[str, int], updates: Sequence[Update], route: Route, render: RenderFn | None
) -> list[tuple[Pause, list[SavedChange]]]:
    """Write pause updates and the alerts they cause, in `tx`: the pauses, evidence and
    changes (store), then the alerts, their grouping decided by alerts.plan (pure) over
    the pending alerts of the pauses involved (store). Returns each pause as saved with
    its saved changes."""
    saved = tx.save_updates(article_ids, updates)
    done = [(u, pause, changes) for u, (pause, changes) in zip(updates, saved, strict=True)]
    ids = involved(done, route)
    writes = plan_alerts(done, tx.pending_alerts(ids) if ids else [], route, render, now)
    if writes:
        tx.write_alerts(now, writes)
    return saved


class Pipeline:
    def __init__(
        self,
        store: PollStore,
        fetcher: FetcherType,
        outlets: Mapping[str, Outlet],
        max_attempts: int = 10,
        rng: Callable[[], float] = random.random,
        ancestors: Ancestors = country_only,
        digests: DigestRenderer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        workers: int | None = None,
        processes: int | None = None,
        zones: Zones = no_zones,
        worker: str | None = None,
        claim_seconds: float = CLAIM_SECONDS,
    ):
        self.store = store
        self.worker = worker or new_worker_id()
        self.claim_seconds = claim_seconds
        self.fetcher = fetcher
        self.outlets = dict(outlets)
        self.max_attempts = max_attempts
        self.rng = rng
        self.ancestors = ancestors
        self.zones = zones
        self.digests = digests
        self.sleep = sleep
        self.monotonic = monotonic
        self.route = router([(name, o.rules) for name, o in self.outlets.items()], ancestors)
        self._hold: dict[str, datetime] = {}  # channel -> no sends before (a peer's Retry-After)
        self._last_send: dict[str, float] = {}  # channel -> monotonic time of its last send
        self.poller = Poller(fetcher, workers=workers or DEFAULT_WORKERS, processes=processes)
        self._pauses: tuple[tuple, PauseState] | None = None  # (fingerprint, state) after the last batch

    def render(self, now: datetime):
        def render(pause: Pause, views: list[ChangeView], channel: str) -> tuple[Rendered, list[str]]:
            return self.outlets[channel].renderer.render_noted(pause, views, now)

        return render

    # poll ----------------------------------------------------------------

    def poll(
        self,
        now: datetime,
        due_only: bool = True,
        stop: threading.Event | None = None,
        on_changes: Callable[[list[SavedChange]], None] | None = None,
    ) -> list[PollReport]:
        """Poll the feeds that are due (or all), concurrently (tracker.poller), and return a
        report per feed in the order they were due. One feed's failure does not stop the
        others. `on_changes` is called (in this thread) as soon as a batch with changes is
        committed, so alerts can go out while the rest of the feeds are still polled."""
        reports: list[tuple[int, PollReport]] = []

        def write(batch: Sequence[Polled]) -> None:
            done = self._settle(batch, now)
            reports.extend(zip((p.order for p in batch), done, strict=True))
            changes = [c for r in done for c in r.changes]
            if changes and on_changes is not None:
                on_changes(changes)

        try:
            self.poller.run(self.store.due_feeds(now if due_only else None), now, write, stop=stop, jitter=self.rng)
        finally:
            self._pauses = None  # not kept between polls (memory; and `now` moves on)
        reports.sort(key=lambda r: r[0])
        return [r for _, r in reports]

    def close(self) -> None:
        """Stop the poller's digest processes (the fetcher and store are closed by their owner)."""
        self.poller.close()

    def _settle(self, batch: Sequence[Polled], now: datetime) -> list[PollReport]:
        """Save a batch of polled feeds in ONE transaction: their articles, the pauses,
        evidence, changes and alerts their mentions cause, and each feed's poll outcome.
        When that fails, each feed is saved in its own transaction, so that only the feed
        at fault is recorded as failed."""
        try:
            with self.store.transaction() as tx:
                reports, after = self._write(tx, batch, now)
        except TrackerError as e:
            self._pauses = None  # what the failed batch applied to it was rolled back
            if len(batch) > 1:
                log.warning("saving a batch of %d feeds failed (%s); saving them one by one", len(batch), e, extra={"feeds": len(batch)})
                return [r for p in batch for r in self._settle([p], now)]
            return [self._failed(batch[0].feed, now, batch[0].jitter, e)]
        for fn in after:
            fn()
        return reports

    def _write(self, tx: WriteTx, batch: Sequence[Polled], now: datetime) -> tuple[list[PollReport], list[Callable[[], None]]]:
        """The body of _settle: for each feed, read what the decider needs (new or changed
        articles; the candidate pauses when there is evidence), decide (tracker.decide,
        pure), write the intent through `tx`. Returns the reports, and what to do once
        committed (logs, health alerts)."""
        reports: list[PollReport] = []
        after: list[Callable[[], None]] = []
        quiet: list[Callable[[], None]] = []  # silence alerts: raised after the rest
        outcomes: list[tuple[int, PollOutcome]] = []
        digested = [p for p in batch if p.error is None and p.digest is not None]
        fresh = dict(zip((id(p) for p in digested), tx.new_or_changed([(p.feed.id, p.digest.articles) for p in digested]), strict=True))
        plain: list[tuple[int, Article]] = []  # articles without evidence: saved together
        pauses: PauseState | None = None
        for p in batch:
            feed = p.feed
            changes: list[SavedChange] = []
            if p.error is not None:
                intent = decide.failed(feed, p.error, p.jitter, now)
            elif p.digest is None:  # 304, or the same body again
                intent = decide.unchanged(feed, p.fetched, p.jitter, now)
            else:
                articles, replaced = fresh[id(p)]
                evidence = decide.evidence(feed, p.digest, articles, now)
                candidates = decide.NO_CANDIDATES
                if evidence or replaced:
                    if plain:  # saved first: this feed's reconcile must see them stored
                        tx.upsert_articles(now, plain, want=())
                        plain = []
                    if pauses is None:
                        pauses = self._pause_state(tx, now)
                    if replaced:
                        pauses.cite(tx, replaced)
                    candidates = decide.Candidates(pauses.candidates, pauses.known)
                intent = decide.fetched(
                    feed, p.fetched, p.digest, articles, replaced, evidence, candidates, now, p.jitter,
                    tx.reused_guids.pop(feed.id, 0), self.ancestors, self.zones,
                )  # fmt: skip
                if evidence or replaced:
                    ids = tx.upsert_articles(now, [(feed.id, a) for a in intent.articles], {ev.article_key for u in intent.updates for ev in u.evidence})
                    saved = save_updates(tx, now, ids, intent.updates, self.route, self.render(now))
                    pauses.saved(intent.updates, [pause for pause, _ in saved], replaced, now)
                    changes = [c for _, cs in saved for c in cs]
                else:
                    plain += [(feed.id, a) for a in intent.articles]
            self._log(intent)
            outcomes.append((feed.id, intent.outcome))
            if intent.health is not None:
                (after if p.error is not None else quiet).append(partial(self._unhealthy, intent.health, now))
            for c in changes:
                after.append(lambda c=c, f=feed.name: log.info("pause #%s %s", c.pause.id, c.change.summary, extra=_change_ids(c, f)))
            reports.append(PollReport(feed.name, intent.status, len(intent.articles), intent.error, changes))
        if plain:
            tx.upsert_articles(now, plain, want=())
        if pauses is not None:  # kept for the next batch while nobody else changes pauses
            self._pauses = (tx.pause_fingerprint(), pauses)
        tx.record_polls(now, outcomes)
        return reports, after + quiet

    @staticmethod
    def _log(intent: FeedIntent) -> None:
        feed = intent.feed
        if intent.error is not None:
            failures = feed.consecutive_failures + 1
            log.warning(
                "feed %s failed (%d in a row): %s; %s", feed.name, failures, intent.error, intent.warnings[0],
                extra={"feed": feed.name, "failures": failures},
            )  # fmt: skip
            return
        if intent.moved:
            log.warning("feed %s moved permanently: %s -> %s", feed.name, feed.effective_url, intent.moved, extra={"feed": feed.name, "url": intent.moved})
        for w in intent.warnings:
            log.warning("feed %s: %s", feed.name, w, extra={"feed": feed.name})

    def _pause_state(self, tx: WriteTx, now: datetime) -> PauseState:
        """The candidate pauses and their evidence: kept from the last batch when no pause or
        evidence changed since (the fingerprint), else read."""
        kept, self._pauses = self._pauses, None  # a batch that fails must not leave it half-applied
        if kept is not None and kept[1].now == now and kept[0] == tx.pause_fingerprint():
            return kept[1]
        return PauseState.load(tx, now)

    def _failed(self, feed: FeedState, now: datetime, jitter: float, e: TrackerError) -> PollReport:
        """Record a failed poll on its own (its batch could not be saved)."""
        intent = decide.failed(feed, e, jitter, now)
        self._log(intent)
        try:
            with self.store.transaction() as tx:
                tx.record_polls(now, [(feed.id, intent.outcome)])
            if intent.health is not None:
                self._unhealthy(intent.health, now)
        except TrackerError as e2:
            log.error("could not record the failure of feed %s: %s", feed.name, e2, extra={"feed": feed.name})
        return PollReport(feed.name, "error", error=str(e))

    def _unhealthy(self, alert: health.HealthAlert, now: datetime) -> None:
        outputs = [(name, health_alert(alert.feed, alert.url, alert.problem, alert.detail, now)) for name, o in self.outlets.items() if routes_health(o.rules)]
        if self.store.queue_health(now, alert.key, alert.summary, outputs):
            log.warning("source unhealthy: %s: %s", alert.feed, alert.problem, extra={"feed": alert.feed})

    # countdown -----------------------------------------------------------

    def tick(self, now: datetime) -> list[SavedChange]:
        """Run the countdown clock over open pauses; save what fired, with its alerts. Read,
        computed and saved in one transaction (under the writers' lock), so two processes
        ticking at once fire each countdown event once."""
        with self.store.transaction() as tx:
            updates = tick(tx.open_pauses(), now)
            saved = save_updates(tx, now, {}, updates, self.route, self.render(now)) if updates else []
        changes = [c for _, cs in saved for c in cs]
        for c in changes:
            log.info("pause #%s %s", c.pause.id, c.change.summary, extra=_change_ids(c))
        return changes

    # delivery ------------------------------------------------------------

    def deliver(self, now: datetime, stop: threading.Event | None = None, flush: bool = False) -> DeliveryReport:
        """Send the due alerts. Each is claimed first (Store.claim: one that another process
        claimed, sent or silenced meanwhile is skipped), and marked sent only after its
        channel accepted it; a claim this process holds past its time (it died, or hung
        longer than the channel's timeout) makes the alert due again for anyone.

        Silenced alerts are kept as silenced. A channel whose peer asked us to wait
        (Retry-After) holds all its alerts until then; a channel with a rate limit
        (`min_interval` seconds between messages) is never sent to faster. `flush` also
        sends alerts still waiting out their group window (`run --once`: the cycle is over).
        """
        report = DeliveryReport()
        started = self.monotonic()

        def clock() -> datetime:
            """`now` moved on by the time this run has taken (sends are throttled)."""
            return now + timedelta(seconds=self.monotonic() - started)

        silences: list | None = None
        after = 0  # every due alert, a page at a time (by id: a held or failed one is not read twice)
        while stop is None or not stop.is_set():
            due = self.store.due_alerts(now, limit=DELIVER_PAGE, flush=flush, after_id=after)
            if not due:
                break
            after = due[-1].id
            silences = self.store.silences(now) if silences is None else silences
            pauses = self.store.pauses_by_id(d.pause_id for d in due if d.pause_id) if silences else {}
            self._deliver_page(due, now, clock, silences, pauses, report, stop, flush)
            if len(due) < DELIVER_PAGE:
                break
        return report

    def _deliver_page(self, due: list[DueAlert], now: datetime, clock: Callable[[], datetime], silences, pauses, report: DeliveryReport, stop, flush: bool) -> None:
        for d in due:
            if stop is not None and stop.is_set():
                break
            try:
                self._deliver_one(d, now, clock, silences, pauses, report, flush)
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

    def _deliver_one(self, d: DueAlert, now: datetime, clock: Callable[[], datetime], silences, pauses, report: DeliveryReport, flush: bool = False) -> None:
        """Claim one due alert, then send (or hold, silence or fail) it and record what
        happened, each record only while the claim is still ours."""
        msg = d.msg
        outlet = self.outlets.get(msg.channel)
        # the claim outlasts the longest a send may take: the channel's timeout, plus the lease
        timeout = outlet.channel.timeout if outlet else 0.0
        at = clock()
        if not self.store.claim(d.id, self.worker, at, at + timedelta(seconds=self.claim_seconds + timeout), flush):
            log.debug("alert %s was claimed by another process", msg.key, extra=_alert_ids(d))
            return
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
        hold = self._hold.get(msg.channel)
        if hold and clock() < hold:
            self.store.postpone(d.id, hold, w)
            report.held += 1
            return
        self._throttle(msg.channel, outlet.channel.min_interval)
        result = outlet.channel.send(msg, now)
        self._last_send[msg.channel] = self.monotonic()
        if result.ok:
            if not self.store.mark_sent(d.id, now, result.error, w):
                log.warning("alert %s was sent, but its claim had run out (the send took longer than the claim)", msg.key, extra=_alert_ids(d))
            report.sent += 1
            return
        wait = peer_wait(result.retry_after)  # a channel's own figure is clamped too
        if wait:
            # counted from the answer, not from the start of the run: a run can take seconds
            self._hold[msg.channel] = clock() + timedelta(seconds=wait)
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

    # digests -------------------------------------------------------------

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

    def _throttle(self, channel: str, min_interval: float) -> None:
        last = self._last_send.get(channel)
        if min_interval and last is not None:
            wait = last + min_interval - self.monotonic()
            if wait > 0:
                self.sleep(wait)
