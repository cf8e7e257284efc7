"""The I/O flow of one cycle, calling the pure core at each step.

    poll:    fetch (I/O) -> parse (pure) -> new or changed articles (store)
             -> extract (pure) -> reconcile with open pauses (pure)
             -> save articles, pauses, evidence, changes and their alerts in ONE transaction
    tick:    open pauses (store) -> countdown (pure) -> save changes and alerts (one transaction)
    deliver: due alerts from the outbox -> channel.send (I/O) -> mark sent, or retry later

Failures are per item: a bad feed or a dead channel is recorded and logged, the cycle
goes on. Takes `now` from its caller (the daemon or the CLI).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .alerts.channels import Channel
from .alerts.plan import planner
from .alerts.render import Renderer
from .errors import TrackerError
from .extract import extract
from .feeds.fetch import Fetcher
from .feeds.parse import parse
from .lifecycle import country_only as ancestors
from .lifecycle import fill_place_from_context, reconcile, source_of, tick
from .store.db import FeedState, SavedChange, Store
from .types import Evidence

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
    errors: list[str] = field(default_factory=list)


class Pipeline:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        channels: Mapping[str, Channel],
        renderer: Renderer,
        max_attempts: int = 10,
        rng: Callable[[], float] = random.random,
    ):
        self.store = store
        self.fetcher = fetcher
        self.channels = dict(channels)
        self.renderer = renderer
        self.max_attempts = max_attempts
        self.rng = rng

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
        jitter = 1 + (self.rng() - 0.5) * 0.2  # +-10 %, so feeds do not poll in lockstep
        next_ok = now + timedelta(seconds=feed.every_seconds * jitter)
        try:
            fetched = self.fetcher.fetch(feed.url, feed.etag, feed.last_modified)
            if fetched.not_modified:
                self.store.record_poll(feed.id, now, next_ok, "not modified")
                return PollReport(feed.name, "not modified")
            parsed = parse(fetched.body, feed.url, fetched.content_type)
            if parsed.warning:
                log.warning("feed %s: %s", feed.name, parsed.warning)
            articles, replaced = self.store.new_or_changed(parsed.articles)
            evidence = []
            for a in articles:
                mentions = fill_place_from_context(extract(f"{a.title}\n\n{a.text}", a.published or now))
                src = source_of(a.link, feed.name, a.text)
                evidence += [Evidence(m, a.key, src, a.link, a.published or now) for m in mentions]
            updates = []
            if evidence or replaced:
                candidates = self.store.candidates(now)
                known = self.store.evidence([p.id for p in candidates])
                updates = reconcile(candidates, evidence, now, known, replaced, ancestors)
            plan = planner(list(self.channels), self.renderer.render, now)
            changes = self.store.save(now, feed.id, articles, updates, plan)
            self.store.record_poll(feed.id, now, next_ok, f"ok {fetched.status}", etag=fetched.etag, last_modified=fetched.last_modified)
            for c in changes:
                log.info("pause #%s %s", c.pause.id, c.change.summary)
            return PollReport(feed.name, "ok", len(articles), None, changes)
        except TrackerError as e:
            backoff = min(feed.every_seconds * 2 ** min(feed.consecutive_failures, 4), 86400)
            log.warning("feed %s failed (attempt %d), next try in %d s: %s", feed.name, feed.consecutive_failures + 1, backoff, e)
            try:
                self.store.record_poll(feed.id, now, now + timedelta(seconds=backoff * jitter), "error", error=str(e))
            except TrackerError as e2:
                log.error("could not record the failure of feed %s: %s", feed.name, e2)
            return PollReport(feed.name, "error", error=str(e))

    # countdown -----------------------------------------------------------

    def tick(self, now: datetime) -> list[SavedChange]:
        """Run the countdown clock over open pauses; save what fired, with its alerts."""
        updates = tick(self.store.pauses(open_only=True), now)
        if not updates:
            return []
        changes = self.store.save(now, None, [], updates, planner(list(self.channels), self.renderer.render, now))
        for c in changes:
            log.info("pause #%s %s", c.pause.id, c.change.summary)
        return changes

    # delivery ------------------------------------------------------------

    def deliver(self, now: datetime, stop: threading.Event | None = None) -> DeliveryReport:
        """Send the due alerts. Each is marked sent only after its channel accepted it."""
        report = DeliveryReport()
        for alert_id, attempts, msg in self.store.due_alerts(now):
            if stop is not None and stop.is_set():
                break
            channel = self.channels.get(msg.channel)
            if channel is None:
                self.store.mark_failed(alert_id, now, f"channel {msg.channel!r} is no longer configured", None)
                report.failed += 1
                continue
            result = channel.send(msg, now)
            if result.ok:
                self.store.mark_sent(alert_id, now)
                report.sent += 1
                continue
            if not result.retry or attempts + 1 >= self.max_attempts:
                self.store.mark_failed(alert_id, now, result.error or "failed", None)
                report.failed += 1
                log.error("alert %s to %s failed for good: %s", msg.key, msg.channel, result.error)
            else:
                delay = min(RETRY_BASE * 2**attempts, RETRY_CAP) * (0.5 + self.rng())
                delay = max(delay, result.retry_after or 0)
                self.store.mark_failed(alert_id, now, result.error or "failed", now + timedelta(seconds=delay))
                report.retrying += 1
                log.warning("alert %s to %s failed, retry in %.0f s: %s", msg.key, msg.channel, delay, result.error)
            report.errors.append(f"{msg.channel}: {result.error}")
        return report
