"""The I/O flow of one cycle: read, decide (pure), write, once each per feed. Pipeline
only holds the jobs together; each lives in its own module:

    tracker.poller     fetch on threads, parse + extract on every core (concurrency only)
    tracker.poll       the writer: a batch read, decided, written in one transaction
    tracker.countdown  the clock tick
    tracker.outbox     deliver (claim, silence, hold, throttle, send) and digests

    poll(now):                                                       tracker.poll
        for each batch of due feeds, claimed a window at a time (store.coordination:
        no other worker polls them; the poll's record ends the claim) (tracker.poller: fetch on threads, parse + extract on
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
    tick(now):    (tracker.countdown) in ONE transaction: tx.open_pauses -> lifecycle.tick (pure)
                  -> save_updates (as above)
    deliver(now): (tracker.outbox) claim due alerts, ten at a time (store.coordination: "sending",
                  no other worker sends them) -> silences (alerts.plan, pure) -> the channel's shared
                  hold and send turn -> owned again (still this worker's claim) -> channel.send (I/O) -> mark sent, or
                  retry (alerts.plan.retry_delay / peer_wait) or failed for good
    digest(ch):   (tracker.outbox) pauses, changes since the last digest, stale feeds (feeds.health) (store)
                  -> render (pure) -> the outbox

Failures are per item: a bad feed or a dead channel is recorded and logged, the cycle
goes on. Takes `now` from its caller (the daemon or the CLI). Decides nothing itself:
what a poll means is tracker.decide's, how alerts group alerts.plan's, when to poll
feeds.policy's, whether a feed is healthy feeds.health's.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from . import countdown
from .alerts.digest import Digest, DigestRenderer
from .alerts.plan import router
from .feeds.fetch import FetcherType
from .lifecycle import Ancestors, Zones, country_only, no_zones
from .outbox import CLAIM_SECONDS, DeliveryReport, Outbox, Outlet, render_with
from .poll import PollEngine, PollReport
from .poller import DEFAULT_WORKERS, Poller
from .store.api import PollStore
from .store.coordination import Coordination
from .types import SavedChange


def new_worker_id() -> str:
    """This process's name in leases and claims: host, pid and a random part (a pid is
    reused after a restart; the random part is not)."""
    return f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"


class Pipeline:
    """The poll engine, the clock tick and the outbox over one store and one set of outlets."""

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
        coord: Coordination | None = None,
    ):
        self.store = store
        self.worker = worker or new_worker_id()
        self.fetcher = fetcher
        self.outlets = dict(outlets)
        self.route = router([(name, o.rules) for name, o in self.outlets.items()], ancestors)
        self.poller = Poller(fetcher, workers=workers or DEFAULT_WORKERS, processes=processes)
        self.coord = coord or Coordination(store)  # what several workers on one database share
        self.polls = PollEngine(store, self.poller, self.outlets, self.route, ancestors, zones, rng, self.coord, self.worker, claim_seconds, monotonic)
        self.outbox = Outbox(store, self.outlets, self.worker, ancestors, digests, max_attempts, rng, sleep, monotonic, self.coord, claim_seconds)

    def poll(
        self,
        now: datetime,
        due_only: bool = True,
        stop: threading.Event | None = None,
        on_changes: Callable[[list[SavedChange]], None] | None = None,
    ) -> list[PollReport]:
        """tracker.poll.PollEngine.poll: the due feeds (or all), a report per feed."""
        return self.polls.poll(now, due_only, stop, on_changes)

    def tick(self, now: datetime) -> list[SavedChange]:
        """tracker.countdown.tick: the countdown over open pauses, with its alerts."""
        return countdown.tick(self.store, now, self.route, render_with(self.outlets, now))

    def deliver(self, now: datetime, stop: threading.Event | None = None, flush: bool = False) -> DeliveryReport:
        """tracker.outbox.Outbox.deliver: send the due alerts."""
        return self.outbox.deliver(now, stop, flush)

    def digest(self, channel: str, now: datetime, queue: bool = True) -> Digest:
        """tracker.outbox.Outbox.digest: render a channel's digest and queue it."""
        return self.outbox.digest(channel, now, queue)

    def close(self) -> None:
        """Stop the poller's digest processes (the fetcher and store are closed by their owner)."""
        self.poller.close()
