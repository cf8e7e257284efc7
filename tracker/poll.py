"""The poll engine: due feeds through the poller (tracker.poller: fetch on threads, parse
and extract on every core) to one writer, each batch read, decided (tracker.decide, pure)
and written in one transaction, with the pause cache between batches."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from . import decide
from .alerts.plan import RenderFn, Route, involved, plan_alerts, routes_health
from .alerts.render import health_alert
from .errors import TrackerError
from .feeds import health
from .lifecycle import Ancestors, Zones, is_candidate
from .outbox import Outlet, render_with
from .poller import Polled, Poller
from .store.api import PollStore, WriteTx
from .store.coordination import Coordination
from .types import Article, Evidence, FeedIntent, FeedState, Pause, PollOutcome, SavedChange, Update

log = logging.getLogger("tracker")


@dataclass
class PollReport:
    feed: str
    status: str  # "ok", "not modified", "error"
    articles: int = 0  # new or changed articles examined
    error: str | None = None
    changes: list[SavedChange] = field(default_factory=list)


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


def change_ids(c: SavedChange, feed: str | None = None) -> dict:
    """The `extra=` of a change's log line (tracker.logs): its pause, what changed, the feed."""
    return {"pause": c.pause.id, "change": c.change.event, **({"feed": feed} if feed else {})}



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


class PollEngine:
    """Polls the due feeds and writes what they say; see the module docstring."""

    def __init__(
        self,
        store: PollStore,
        poller: Poller,
        outlets: Mapping[str, Outlet],
        route: Route,
        ancestors: Ancestors,
        zones: Zones,
        rng: Callable[[], float],
        coord: Coordination,
        worker: str,
        claim_seconds: float,
        monotonic: Callable[[], float],
    ):
        self.store = store
        self.coord = coord  # feed claims, shared by every worker
        self.worker = worker
        self.claim_seconds = claim_seconds
        self.monotonic = monotonic
        self.poller = poller
        self.outlets = outlets
        self.route = route
        self.ancestors = ancestors
        self.zones = zones
        self.rng = rng
        self._pauses: tuple[tuple, PauseState] | None = None  # (fingerprint, state) after the last batch
        self._began = 0.0  # the poller's monotonic time at the start of this poll (see _from_fetch)

    def render(self, now: datetime) -> RenderFn:
        return render_with(self.outlets, now)

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
        reports: list[tuple[tuple[int, int], PollReport]] = []
        runs = 0
        self._began = self.poller.monotonic()
        began = self.monotonic()  # `now`, on this engine's clock: claims count from it

        def write(batch: Sequence[Polled]) -> None:
            done = self._settle(batch, now)
            reports.extend(zip(((runs, p.order) for p in batch), done, strict=True))
            changes = [c for r in done for c in r.changes]
            if changes and on_changes is not None:
                on_changes(changes)

        try:
            if not due_only:  # every feed, now (`run --once`): not claimed
                self.poller.run(self.store.due_feeds(None), now, write, stop=stop, jitter=self.rng)
            while due_only and (stop is None or not stop.is_set()):
                claimed: list[int] = []
                written = self.poller.run(self._claimed(now, began, claimed), now, write, stop=stop, jitter=self.rng)
                if claimed:  # those not written (stopped before their fetch) go back now
                    self.coord.release_feeds(self.worker, claimed)
                if not claimed or written < len(claimed):
                    break
                runs += 1  # more came due for us meanwhile (hosts were full): another round
        finally:
            self._pauses = None  # not kept between polls (memory; and `now` moves on)
        reports.sort(key=lambda r: r[0])
        return [r for _, r in reports]

    def _claimed(self, now: datetime, began: float, claimed: list[int]) -> Iterator[FeedState]:
        """The due feeds this worker claims (Coordination.claim_feeds: each feed by one worker,
        at most the fetcher's per-host limit of one host in flight across workers), a window
        at a time until none is left to claim; their ids added to `claimed`. A claim lasts
        `claim_seconds` from when it is made (the heartbeat renews it); recording the feed's
        poll ends it. `began`: the engine's monotonic time at `now` (the poll's start), which
        the claim's end is counted from, however many rounds ago the poll began: counted from
        the round's start instead, a later round's claims ran out as they were made, and
        another worker polled the same feeds (test_workers: 29 feeds 0.5 s apart)."""
        while True:
            seconds = self.claim_seconds + (self.monotonic() - began)
            ids = self.coord.claim_feeds(self.worker, now, seconds, limit=self.poller.window, per_host=self.poller.per_host)
            if not ids:
                return
            claimed += ids
            yield from self.store.feeds_by_id(ids)

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
            return [self._failed(batch[0], now, e)]
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
            outcomes.append((feed.id, self._from_fetch(intent.outcome, p)))
            if intent.health is not None:
                (after if p.error is not None else quiet).append(partial(self._unhealthy, intent.health, now))
            for c in changes:
                after.append(lambda c=c, f=feed.name: log.info("pause #%s %s", c.pause.id, c.change.summary, extra=change_ids(c, f)))
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

    def _from_fetch(self, outcome: PollOutcome, p: Polled) -> PollOutcome:
        """The next poll counted from when the feed's fetch began, in whole seconds, not from
        the poll's `now`: a round of many feeds (a worker's first, every feed due) takes a
        while, and a feed fetched late in it was polled again less than a period after
        (test_workers: "a feed polled twice within a period"). The decider stays pure: it
        counts from the `now` it is given; this shifts what it decided."""
        late = int(p.started - self._began)
        if outcome.next_poll_at is None or late <= 0:
            return outcome
        return replace(outcome, next_poll_at=outcome.next_poll_at + timedelta(seconds=late))

    def _failed(self, p: Polled, now: datetime, e: TrackerError) -> PollReport:
        """Record a failed poll on its own (its batch could not be saved)."""
        feed = p.feed
        intent = decide.failed(feed, e, p.jitter, now)
        self._log(intent)
        try:
            with self.store.transaction() as tx:
                tx.record_polls(now, [(feed.id, self._from_fetch(intent.outcome, p))])
            if intent.health is not None:
                self._unhealthy(intent.health, now)
        except TrackerError as e2:
            log.error("could not record the failure of feed %s: %s", feed.name, e2, extra={"feed": feed.name})
        return PollReport(feed.name, "error", error=str(e))

    def _unhealthy(self, alert: health.HealthAlert, now: datetime) -> None:
        outputs = [(name, health_alert(alert.feed, alert.url, alert.problem, alert.detail, now)) for name, o in self.outlets.items() if routes_health(o.rules)]
        if self.store.queue_health(now, alert.key, alert.summary, outputs):
            log.warning("source unhealthy: %s: %s", alert.feed, alert.problem, extra={"feed": alert.feed})

