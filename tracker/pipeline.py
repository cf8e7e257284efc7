"""The I/O flow of one cycle, calling the pure core at each step.

    poll:    fetch (I/O) -> parse (pure) -> new or changed articles (store)
             -> extract (pure) -> reconcile with candidate pauses (pure)
             -> save articles, pauses, evidence, changes and their routed, rendered
                alerts in ONE transaction (store)
    tick:    open pauses (store) -> countdown (pure) -> save changes and alerts
    deliver: due alerts from the outbox -> silences (pure) -> channel.send (I/O)
             -> mark sent, or retry later with backoff, or failed for good
    digest:  pauses, changes since the last digest, stale feeds (store) -> render (pure)
             -> the outbox

Failures are per item: a bad feed or a dead channel is recorded and logged, the cycle
goes on. Takes `now` from its caller (the daemon or the CLI).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .alerts.channels import Channel
from .alerts.digest import Digest, DigestInput, DigestRenderer, StaleFeed
from .alerts.plan import admits, router, routes_health, silenced_by
from .alerts.render import Renderer, health_alert
from .config import ChannelRules
from .errors import TrackerError
from .extract import extract
from .feeds import policy
from .feeds.fetch import Fetcher
from .feeds.parse import parse
from .lifecycle import Ancestors, country_only, fill_place_from_context, reconcile, source_of, tick
from .store.db import FeedState, PollOutcome, SavedChange, SavedChangeRow, Store
from .types import Change, ChangeView, Evidence, Mention, Pause, Rendered

UNHEALTHY_FAILURES = 3  # consecutive failed polls that raise a "source unhealthy" alert
STALE_FAILURES = UNHEALTHY_FAILURES  # and make the feed stale in digests
STALE_PERIODS = 4  # or no successful poll for this many of its intervals

log = logging.getLogger("tracker")

RETRY_BASE = 60.0  # seconds before the first retry of a failed alert
RETRY_CAP = 3600.0


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
class Outlet:
    """A configured channel: how to send, what it takes, how to render for it."""

    channel: Channel
    rules: ChannelRules
    renderer: Renderer


def _as_change(p: Pause, c: SavedChangeRow) -> Change:
    """A saved change with its quote, as the digest reads it."""
    ev = None
    if c.quote:
        m = Mention(p.kind, c.new_status or p.status, None, p.location, p.country, (), None, None, c.quote, 1.0)
        ev = Evidence(m, "", c.source or "", c.link, c.published or c.at)
    return Change(c.event, c.at, c.summary, c.old_status, c.new_status, ev, c.key)


def is_stale(f: FeedState, now: datetime) -> bool:
    """A feed failing for STALE_FAILURES polls, or without success for STALE_PERIODS intervals."""
    if f.consecutive_failures >= STALE_FAILURES:
        return True
    last = f.last_success_at
    return last is not None and now - last > timedelta(seconds=f.every_seconds * STALE_PERIODS)


class Pipeline:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        outlets: Mapping[str, Outlet],
        max_attempts: int = 10,
        rng: Callable[[], float] = random.random,
        ancestors: Ancestors = country_only,
        digests: DigestRenderer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.fetcher = fetcher
        self.outlets = dict(outlets)
        self.max_attempts = max_attempts
        self.rng = rng
        self.ancestors = ancestors
        self.digests = digests
        self.sleep = sleep
        self.monotonic = monotonic
        self.route = router([(name, o.rules) for name, o in self.outlets.items()], ancestors)
        self._hold: dict[str, datetime] = {}  # channel -> no sends before (a peer's Retry-After)
        self._last_send: dict[str, float] = {}  # channel -> monotonic time of its last send

    def render(self, now: datetime):
        def render(pause: Pause, views: list[ChangeView], channel: str) -> tuple[Rendered, list[str]]:
            return self.outlets[channel].renderer.render_noted(pause, views, now)

        return render

    # poll ----------------------------------------------------------------

    def poll(self, now: datetime, due_only: bool = True, stop: threading.Event | None = None) -> list[PollReport]:
        """Poll the feeds that are due (or all). One feed's failure does not stop the others."""
        reports = []
        for feed in self.store.feeds(due_at=now if due_only else None):
            if stop is not None and stop.is_set():
                break
            reports.append(self.poll_feed(feed, now))
        return reports

    def poll_feed(self, feed: FeedState, now: datetime) -> PollReport:
        """Fetch, parse, extract, reconcile and save one feed; schedule its next poll
        (tracker.feeds.policy) and raise a "source unhealthy" alert when it keeps failing,
        is gone, or has gone silent."""
        jitter = self.rng()
        try:
            fetched = self.fetcher.fetch(feed.effective_url, feed.etag, feed.last_modified)
            moved, move = policy.decide_move(feed.effective_url, fetched.permanent_url, policy.MoveState(feed.moved_to, feed.moved_count))
            if moved:
                log.warning("feed %s moved permanently: %s -> %s", feed.name, feed.effective_url, moved)
            if fetched.not_modified or (fetched.sha256 and fetched.sha256 == feed.body_sha256):
                status = "not modified" if fetched.not_modified else "unchanged"
                nxt = policy.next_poll_after_success(now, feed.every_seconds, fresh_for=fetched.fresh_for, ttl_seconds=feed.ttl_seconds, jitter=jitter)
                state = self.store.record_poll(
                    feed.id, now,
                    PollOutcome(status, nxt.at, etag=fetched.etag or feed.etag, last_modified=fetched.last_modified or feed.last_modified,
                                fetch_url=moved, moved_to=move.target, moved_count=move.count),
                )
                self._check_silence(state, now)
                return PollReport(feed.name, "not modified")
            parsed = parse(fetched.body, feed.effective_url, fetched.content_type)
            if parsed.warning:
                log.warning("feed %s: %s", feed.name, parsed.warning)
            articles, replaced = self.store.new_or_changed(parsed.articles, feed.id)
            evidence = []
            for a in articles:
                mentions = fill_place_from_context(extract(f"{a.title}\n\n{a.text}", a.published or now))
                src = source_of(a.link, feed.name, a.text)
                evidence += [Evidence(m, a.key, src, a.link, a.published or now) for m in mentions]
            updates = []
            if evidence or replaced:
                candidates = self.store.candidates(now)
                known = self.store.evidence([p.id for p in candidates])
                updates = reconcile(candidates, evidence, now, known, replaced, self.ancestors)
            changes = self.store.save(now, feed.id, articles, updates, self.route, self.render(now))
            ttl = getattr(parsed, "ttl_seconds", None)
            nxt = policy.next_poll_after_success(now, feed.every_seconds, fresh_for=fetched.fresh_for, ttl_seconds=ttl, jitter=jitter)
            new_articles = len(articles) - len(replaced)
            state = self.store.record_poll(
                feed.id, now,
                PollOutcome(f"ok {fetched.status}", nxt.at, etag=fetched.etag, last_modified=fetched.last_modified,
                            body_sha256=fetched.sha256, ttl_seconds=ttl, fetch_url=moved, moved_to=move.target,
                            moved_count=move.count, new_articles=new_articles),
            )
            if not new_articles:
                self._check_silence(state, now)
            for c in changes:
                log.info("pause #%s %s", c.pause.id, c.change.summary)
            return PollReport(feed.name, "ok", len(articles), None, changes)
        except TrackerError as e:
            failures = feed.consecutive_failures + 1
            nxt = policy.next_poll_after_error(now, feed.every_seconds, failures, e, jitter=jitter)
            gone = nxt.at is None
            log.warning("feed %s failed (%d in a row): %s; %s", feed.name, failures, e, nxt.why)
            try:
                self.store.record_poll(feed.id, now, PollOutcome("gone" if gone else "error", nxt.at, error=str(e)))
                if gone:
                    self._unhealthy(feed, now, f"health/feed-{feed.id}/gone", "the publisher removed it (HTTP 410); it is disabled", str(e))
                elif failures == UNHEALTHY_FAILURES:
                    self._unhealthy(
                        feed, now, f"health/feed-{feed.id}/failing/{(feed.failing_since or now).isoformat()}",
                        f"{failures} polls in a row failed", f"last error: {e}",
                    )
            except TrackerError as e2:
                log.error("could not record the failure of feed %s: %s", feed.name, e2)
            return PollReport(feed.name, "error", error=str(e))

    def _check_silence(self, feed: FeedState | None, now: datetime) -> None:
        if feed is None or feed.last_article_at is None:
            return
        quiet = now - feed.last_article_at
        if quiet.total_seconds() > feed.silent_after_seconds:
            hours = quiet.total_seconds() / 3600
            self._unhealthy(
                feed, now, f"health/feed-{feed.id}/silent/{feed.last_article_at.isoformat()}",
                f"no new article for {hours:.0f} hours", f"it answers, but has published nothing new since {feed.last_article_at:%Y-%m-%d %H:%M} UTC",
            )

    def _unhealthy(self, feed: FeedState, now: datetime, key: str, problem: str, detail: str) -> None:
        outputs = [(name, health_alert(feed.name, feed.effective_url, problem, detail, now)) for name, o in self.outlets.items() if routes_health(o.rules)]
        if self.store.queue_health(now, key, f"source unhealthy: {feed.name}: {problem}", outputs):
            log.warning("source unhealthy: %s: %s", feed.name, problem)

    # countdown -----------------------------------------------------------

    def tick(self, now: datetime) -> list[SavedChange]:
        """Run the countdown clock over open pauses; save what fired, with its alerts."""
        updates = tick(self.store.pauses(open_only=True), now)
        if not updates:
            return []
        changes = self.store.save(now, None, [], updates, self.route, self.render(now))
        for c in changes:
            log.info("pause #%s %s", c.pause.id, c.change.summary)
        return changes

    # delivery ------------------------------------------------------------

    def deliver(self, now: datetime, stop: threading.Event | None = None, flush: bool = False) -> DeliveryReport:
        """Send the due alerts. Each is marked sent only after its channel accepted it.

        Silenced alerts are kept as silenced. A channel whose peer asked us to wait
        (Retry-After) holds all its alerts until then; a channel with a rate limit
        (`min_interval` seconds between messages) is never sent to faster. `flush` also
        sends alerts still waiting out their group window (`run --once`: the cycle is over).
        """
        report = DeliveryReport()
        due = self.store.due_alerts(now, flush=flush)
        if not due:
            return report
        silences = self.store.silences(now)
        pauses = self.store.pauses_by_id(d.pause_id for d in due if d.pause_id) if silences else {}
        for d in due:
            if stop is not None and stop.is_set():
                break
            msg = d.msg
            outlet = self.outlets.get(msg.channel)
            if outlet is None:
                self.store.mark_failed(d.id, now, f"channel {msg.channel!r} is no longer configured", None)
                report.failed += 1
                continue
            pause = pauses.get(d.pause_id) if d.pause_id else None
            silence = silenced_by(silences, pause, msg.channel, now, self.ancestors) if pause else None
            if silence is not None:
                self.store.mark_silenced(d.id, now, f"silenced by #{silence.id} until {silence.until:%Y-%m-%d %H:%M} UTC: {silence.reason}")
                report.silenced += 1
                continue
            hold = self._hold.get(msg.channel)
            if hold and now < hold:
                self.store.postpone(d.id, hold)
                report.held += 1
                continue
            self._throttle(msg.channel, getattr(outlet.channel, "min_interval", 0.0))
            result = outlet.channel.send(msg, now)
            self._last_send[msg.channel] = self.monotonic()
            if result.ok:
                self.store.mark_sent(d.id, now, result.error)
                report.sent += 1
                continue
            if result.retry_after:
                self._hold[msg.channel] = now + timedelta(seconds=result.retry_after)
            if not result.retry or d.attempts + 1 >= self.max_attempts:
                self.store.mark_failed(d.id, now, result.error or "failed", None)
                report.failed += 1
                log.error("alert %s to %s failed for good: %s", msg.key, msg.channel, result.error)
            else:
                # the peer's Retry-After when it gave one, else exponential backoff with jitter
                delay = result.retry_after if result.retry_after is not None else min(RETRY_BASE * 2**d.attempts, RETRY_CAP) * (0.5 + self.rng())
                self.store.mark_failed(d.id, now, result.error or "failed", now + timedelta(seconds=delay))
                report.retrying += 1
                log.warning("alert %s to %s failed, retry in %.0f s: %s", msg.key, msg.channel, delay, result.error)
            report.errors.append(f"{msg.channel}: {result.error}")
        return report

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
            if is_stale(f, now)
        )
        d = self.digests.render(DigestInput(now, since, outlet.rules.timezone, pauses, changes, stale))
        if queue:
            parts = [Rendered(d.subject, d.text, d.html, part, d.webhook) for part in d.slack_parts]
            if getattr(outlet.channel, "type", "") != "slack":
                parts = parts[:1]  # one email, one webhook body; Slack gets every part
            summary = f"digest: {len(pauses)} pause(s), {len(changes)} change(s), {len(stale)} stale source(s)"
            if self.store.queue_digest(now, channel, parts, summary):
                log.info("digest for %s queued: %s", channel, summary)
        return d

    def _throttle(self, channel: str, min_interval: float) -> None:
        last = self._last_send.get(channel)
        if min_interval and last is not None:
            wait = last + min_interval - self.monotonic()
            if wait > 0:
                self.sleep(wait)
