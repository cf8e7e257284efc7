"""Concurrency for polls: many feeds fetched at once, parsed and read on every core,
handed to one writer (tracker.poll) in batches. What a poll *means* (policy, reconcile,
alerts, health) is tracker.decide's; this module only moves feeds through the stages.

    feeds (an iterator: the store reads them a page at a time)
      -> fetch    `workers` threads (the Fetcher is thread-safe), fed by a dispatching
                  thread. At most the Fetcher's per_host_limit feeds of one host are
                  dispatched at once, so workers never sit waiting for a busy host while
                  other hosts have feeds due.
      -> digest   parse + extract the new body (pure functions of bytes): in `processes`
                  worker processes, so parsing uses every core without stalling the
                  fetchers; in the fetching thread while a run is small (a pool costs a few
                  hundred ms to start, once, and is then kept) or when processes = 0.
      -> write    the calling thread, `write(batch)` with what is ready (up to `batch`
                  feeds gathered for at most `linger`, in the order they were dispatched,
                  a slow feed holding the others back for at most `reorder_wait`): the
                  pipeline saves a batch in one transaction.

Memory stays flat however many feeds there are: at most `window` feeds are in flight (each
holding one body, at most [fetch] max_bytes, until it is digested; then its articles until
written), and the feeds are consumed from an iterator, never listed.

The digest processes are started with multiprocessing's "forkserver" method (children of
a clean process that imported this module, never forks of a threaded parent). Like
"spawn", it imports the program's main module in each child: a script that polls must
keep its work under `if __name__ == "__main__":` (the `tracker` command does).

Every feed handed in comes back to `write` exactly once (with an error if its fetch, its
digest or this engine failed), unless `stop` is set before its fetch started.
Does not touch the store, does not decide when to poll, does not read the clock (`now` is
passed in; `monotonic` only measures how long a feed took).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import TrackerError
from .extract import extract
from .feeds.parse import parse
from .lifecycle import fill_place_from_context
from .types import Article, Mention

if TYPE_CHECKING:  # the worker processes import this module: keep requests and SQL out of them
    from .feeds.fetch import Fetched, FetcherType
    from .store.db import FeedState

log = logging.getLogger("tracker")

#: Fetching threads ([fetch] workers). Mostly waiting on the network, so more than cores.
DEFAULT_WORKERS = 16
#: Feeds a run polls in-process before it starts (or uses) the worker processes.
POOL_AFTER = 32
#: Feeds handed to `write` at most at once (one transaction).
DEFAULT_BATCH = 64
#: Seconds a feed in flight holds back the writing of feeds dispatched after it.
REORDER_WAIT = 0.5
#: Seconds the writer waits for more finished feeds to fill a batch (while some are in
#: flight): a transaction per feed costs ~3 ms of CPU, a feed in a batch of 20 ~0.2 ms.
LINGER = 0.05
#: Seconds between a digest process's checks that the tracker is still alive.
PARENT_CHECK_SECONDS = 1.0
#: With no feed finishing for this long (beyond the fetch cap), the run gives up.
STALL_SECONDS = 300.0


def default_processes() -> int:
    """Digest processes: one per core (the parent's threads mostly wait on sockets)."""
    return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- the pure part


@dataclass(frozen=True, slots=True)
class Digested:
    """A body parsed and read: the feed's articles and, aligned with them, the mentions
    in each (place filled from the article's context)."""

    articles: tuple[Article, ...]
    mentions: tuple[tuple[Mention, ...], ...]
    ttl_seconds: int | None = None
    warning: str | None = None


def digest(body: bytes, url: str, content_type: str | None, now: datetime) -> Digested:
    """Parse feed bytes and extract every article. Pure: no I/O, no clock (articles without
    a date are read as of `now`). Raises ParseError.

    Every article is read, not only the new ones: which are new is the writer's to know
    (the store), and reading costs ~50 us an article against ~300 us to parse it. An
    article whose reading raises (a date past year 9999 in its text) is kept with no
    mentions and named in the warning: one item never fails its feed."""
    parsed = parse(body, url, content_type, now)
    mentions: list[tuple[Mention, ...]] = []
    unread: list[str] = []
    for a in parsed.articles:
        try:
            mentions.append(tuple(fill_place_from_context(extract(f"{a.title}\n\n{a.text}", a.published or now))))
        except Exception as e:  # noqa: BLE001 - a bug or an odd text in one article: skip it, say so
            mentions.append(())
            unread.append(f"{a.key!r} ({e.__class__.__name__}: {e})")
    warning = parsed.warning
    if unread:
        warning = "; ".join(w for w in (warning, f"{len(unread)} entries could not be read, kept without mentions: {', '.join(unread[:3])}") if w)
    return Digested(parsed.articles, tuple(mentions), getattr(parsed, "ttl_seconds", None), warning)


def _exit_with(parent: int) -> None:
    """In each digest process: exit when `parent` (the tracker) is gone. A worker's parent is
    the forkserver, not the tracker, and its queues keep pipes open, so after kill -9 of the
    tracker nothing else would end it (each held ~100 MB)."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            try:
                os.kill(parent, 0)
            except (ProcessLookupError, PermissionError):  # gone (or its pid taken by someone else)
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Polled:
    """One feed through fetch and digest, for the writer.

    order    its place in the run: the order it was dispatched in (and is written in)
    jitter   the random draw for its next poll, drawn when it was dispatched
    started  monotonic time its fetch began
    fetched  what the fetch returned, with the body dropped once digested (b"")
    digest   the parsed and read body; None when not modified, unchanged, or failed
    error    why it failed (fetch, parse, or this engine)
    """

    order: int
    feed: FeedState
    jitter: float
    started: float
    fetched: Fetched | None = None
    digest: Digested | None = None
    error: TrackerError | None = None


def unchanged(feed: FeedState, fetched: Fetched) -> bool:
    """A 304, or a 200 whose body hashes as the last one did: nothing to parse."""
    return fetched.not_modified or bool(fetched.sha256 and fetched.sha256 == feed.body_sha256)


# --------------------------------------------------------------------------- the engine


class Poller:
    """Runs feeds through fetch and digest concurrently; see the module docstring.

    fetcher     the Fetcher (thread-safe; its per-host limit is honoured when dispatching)
    workers     fetching threads
    processes   digest processes (0: digest in the fetching thread)
    pool_after  feeds a run digests in-process before it starts the processes
    batch       feeds handed to `write` at most at once
    window      feeds in flight at most (fetching, digesting, or waiting for the writer)
    reorder_wait  seconds a slow feed holds back the writing of the feeds after it
    linger      seconds the writer waits for a batch to fill while feeds are in flight
    """

    def __init__(
        self,
        fetcher: FetcherType,
        *,
        workers: int = DEFAULT_WORKERS,
        processes: int | None = None,
        pool_after: int = POOL_AFTER,
        batch: int = DEFAULT_BATCH,
        window: int | None = None,
        reorder_wait: float = REORDER_WAIT,
        linger: float = LINGER,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        if workers < 1 or batch < 1:
            raise ValueError("workers and batch must be at least 1")
        self.fetcher = fetcher
        self.workers = workers
        self.processes = default_processes() if processes is None else max(0, processes)
        self.pool_after = pool_after
        self.batch = batch
        self.window = window or (2 * workers + 4 * self.processes + 8)
        self.per_host = max(1, fetcher.hosts.limit)
        self.reorder_wait = reorder_wait
        self.linger = linger
        self.monotonic = monotonic
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Stop the digest processes (started on first need, kept between runs)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Poller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pool(self) -> ProcessPoolExecutor:
        """The digest processes, started now if needed (forkserver: children of a clean
        process that imported this module once, never forks of a threaded parent)."""
        with self._pool_lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["tracker.poller", "tracker.extract.preload"])  # compiled once, there
                self._pool = ProcessPoolExecutor(self.processes, mp_context=ctx, initializer=_exit_with, initargs=(os.getpid(),))
            return self._pool

    def _discard_pool(self, broken: ProcessPoolExecutor) -> None:
        with self._pool_lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """Process ids of the digest workers (for benchmarks that measure them)."""
        pool = self._pool
        return list(getattr(pool, "_processes", None) or {}) if pool else []

    # a run -----------------------------------------------------------------

    def run(
        self,
        feeds: Iterable[FeedState],
        now: datetime,
        write: Callable[[Sequence[Polled]], None],
        *,
        stop: threading.Event | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> int:
        """Poll `feeds`, calling `write` (in this thread) with batches of finished feeds,
        while a dispatching thread keeps the fetchers busy. Returns how many were written.

        Feeds are written in the order they were dispatched (so a run over fast feeds saves
        exactly what a one-by-one poll would), except that a feed still in flight
        `reorder_wait` seconds after it started no longer holds back the feeds after it.
        `stop` ends dispatching; feeds already started are still written. Raises what
        reading `feeds` raised (after writing the feeds in flight), and TrackerError when
        nothing finishes for STALL_SECONDS beyond the fetch cap (a bug, not a slow feed:
        fetches are capped)."""
        run = _Run(self, feeds, now, stop, jitter)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="fetch") as threads:
            dispatcher = threading.Thread(target=run.dispatch, args=(threads,), name="poll-dispatch", daemon=True)
            dispatcher.start()
            try:
                return run.collect(write)
            finally:
                run.abort.set()
                dispatcher.join(60)

    # the stages ------------------------------------------------------------

    def _work(
        self,
        order: int,
        feed: FeedState,
        now: datetime,
        jitter: float,
        out: queue.SimpleQueue | None,
        release: Callable[[str], None] | None,
        use_pool: bool = False,
    ) -> Polled:
        """Fetch one feed, then digest it (here, or in the pool: its callback delivers)."""
        started = self.monotonic()
        polled = Polled(order, feed, jitter, started)
        try:
            try:
                fetched = self.fetcher.fetch(feed.effective_url, feed.etag, feed.last_modified)
            finally:
                if release is not None:
                    release(_host(feed.effective_url))
            polled = replace(polled, fetched=fetched)
            if unchanged(feed, fetched):
                return _deliver(out, polled)
            polled = replace(polled, fetched=replace(fetched, body=b""))  # the digest keeps what matters
            if use_pool and out is not None:
                if self._submit(polled, fetched, now, out):
                    return polled
            return _deliver(out, replace(polled, digest=digest(fetched.body, feed.effective_url, fetched.content_type, now)))
        except TrackerError as e:
            return _deliver(out, replace(polled, error=e))
        except Exception as e:  # a bug must not lose the feed (or hang the run): it is recorded as failed
            log.exception("poller: feed %s crashed", feed.name, extra={"feed": feed.name})
            return _deliver(out, replace(polled, error=TrackerError(f"internal error: {e.__class__.__name__}: {e}")))

    def _submit(self, polled: Polled, fetched: Fetched, now: datetime, out: queue.SimpleQueue) -> bool:
        """Hand the body to a digest process; False when the pool cannot take it."""
        pool = self.pool()
        try:
            fut = pool.submit(digest, fetched.body, polled.feed.effective_url, fetched.content_type, now)
        except (BrokenProcessPool, RuntimeError) as e:
            log.warning("digest processes unavailable (%s); digesting in-process", e)
            self._discard_pool(pool)
            return False

        def done(f: Future) -> None:
            try:
                item = replace(polled, digest=f.result())
            except TrackerError as e:  # ParseError, raised in the worker (errors pickle)
                item = replace(polled, error=e)
            except BrokenProcessPool as e:
                self._discard_pool(pool)
                item = replace(polled, error=TrackerError(f"the digest process died: {e}"))
            except Exception as e:  # a bug in parse/extract, raised in the worker
                log.error("poller: digesting feed %s crashed: %s: %s", polled.feed.name, e.__class__.__name__, e, extra={"feed": polled.feed.name})
                item = replace(polled, error=TrackerError(f"internal error: {e.__class__.__name__}: {e}"))
            out.put(item)

        fut.add_done_callback(done)
        return True


class _Run:
    """One Poller.run, shared by the dispatching thread and the collecting (writing) one.

    `started` (order -> dispatch time, ascending), `busy` (host -> fetches in flight) and
    `queued` (fetches not finished) are guarded by `lock`; `slots` bounds the feeds in
    flight (fetching, digesting, or waiting to be written) to the window."""

    def __init__(self, poller: Poller, feeds: Iterable[FeedState], now: datetime, stop: threading.Event | None, jitter: Callable[[], float]):
        self.p = poller
        self.feeds = feeds
        self.now = now
        self.stop = stop
        self.jitter = jitter
        self.out: queue.SimpleQueue[Polled | _Dispatched] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.host_free = threading.Condition(self.lock)
        self.slots = threading.Semaphore(poller.window)
        self.started: dict[int, float] = {}
        self.busy: Counter[str] = Counter()
        self.queued: dict[Future, int] = {}
        self.abort = threading.Event()  # the collector is gone (it raised): stop dispatching

    def stopping(self) -> bool:
        return self.abort.is_set() or (self.stop is not None and self.stop.is_set())

    # the dispatching thread ------------------------------------------------

    def dispatch(self, threads: ThreadPoolExecutor) -> None:
        p = self.p
        seq = 0
        error: BaseException | None = None
        try:
            source = iter(self.feeds)
            pending: deque[FeedState] = deque()
            lookahead = max(4 * p.window, 256)
            exhausted = False
            while not self.stopping():
                while not exhausted and len(pending) < lookahead:
                    try:
                        feed = next(source, None)
                    except Exception as e:  # reading the feeds failed: those read still go
                        error, feed = e, None
                    if feed is None:
                        exhausted = True
                    else:
                        pending.append(feed)
                if not pending:
                    break
                feed = self._take(pending)
                if feed is None:
                    continue  # every pending feed's host is busy: waited for one to free up
                host = _host(feed.effective_url)
                while not self.slots.acquire(timeout=0.2):
                    if self.stopping():
                        if host:
                            self.release(host)
                        raise _Stopped
                use_pool = p.processes > 0 and (p._pool is not None or seq >= p.pool_after)
                with self.lock:
                    self.started[seq] = p.monotonic()
                fut = threads.submit(p._work, seq, feed, self.now, self.jitter(), self.out, self.release if host else None, use_pool)
                with self.lock:
                    self.queued[fut] = seq
                fut.add_done_callback(self._forget)
                seq += 1
        except _Stopped:
            pass
        except BaseException as e:  # a bug here: raised by the collector
            error = e
        cancelled = 0
        if self.stopping():
            with self.lock:
                queued = list(self.queued.items())
            # outside the lock: cancel() runs the done callback (_forget), which takes it
            for f, n in queued:
                if f.cancel():  # never started: not polled this time
                    with self.lock:
                        self.started.pop(n, None)
                    cancelled += 1
        self.out.put(_Dispatched(seq - cancelled, error))

    def _take(self, pending: deque[FeedState]) -> FeedState | None:
        """The first pending feed whose host has a free slot (taken); None after waiting a
        little when there is none."""
        with self.lock:
            for i, feed in enumerate(pending):
                host = _host(feed.effective_url)
                if not host:
                    del pending[i]
                    return feed
                if self.busy[host] < self.p.per_host:
                    self.busy[host] += 1
                    del pending[i]
                    return feed
            self.host_free.wait(0.05)
        return None

    def release(self, host: str) -> None:
        with self.host_free:
            self.busy[host] -= 1
            self.host_free.notify()

    def _forget(self, f: Future) -> None:
        with self.lock:
            self.queued.pop(f, None)

    # the collecting thread (the caller's) ----------------------------------

    def collect(self, write: Callable[[Sequence[Polled]], None]) -> int:
        p = self.p
        held: dict[int, Polled] = {}
        written = 0
        total: int | None = None
        error: BaseException | None = None
        stall = STALL_SECONDS + p.fetcher.total_timeout
        last_progress = p.monotonic()
        while total is None or written < total:
            ready = self._ready(held)
            if ready:
                for i in range(0, len(ready), p.batch):
                    part = ready[i : i + p.batch]
                    write(part)
                    self.slots.release(len(part))
                written += len(ready)
                continue
            wait = 1.0
            with self.lock:
                oldest = next(iter(self.started.values()), None)
            if oldest is not None and held:  # held back: until the oldest feed in flight stops counting
                wait = max(0.001, oldest + p.reorder_wait - p.monotonic())
            try:
                item = self.out.get(timeout=wait)
            except queue.Empty:
                with self.lock:
                    in_flight = len(self.started)
                if in_flight and p.monotonic() - last_progress > stall:
                    raise TrackerError(f"poller stalled: {in_flight} feed(s) in flight, none finished in {stall:.0f} s") from None
                continue
            last_progress = p.monotonic()
            linger_until = last_progress + p.linger
            while True:  # gather a batch: what is there, and what comes within `linger`
                if isinstance(item, _Dispatched):
                    total, error = item.total, item.error
                else:
                    with self.lock:
                        self.started.pop(item.order, None)
                    held[item.order] = item
                with self.lock:
                    in_flight = bool(self.started)
                left = linger_until - p.monotonic()
                if not in_flight or len(held) >= p.batch or left <= 0:
                    break
                try:
                    item = self.out.get(timeout=left)
                except queue.Empty:
                    break
        if error is not None:
            raise error
        return written

    def _ready(self, held: dict[int, Polled]) -> list[Polled]:
        """The held feeds no feed in flight may precede: those before the first feed still in
        flight that started less than `reorder_wait` ago. Removed from `held`, in order."""
        if not held:
            return []
        young = self.p.monotonic() - self.p.reorder_wait
        with self.lock:
            limit = next((n for n, t in self.started.items() if t > young), None)
        ready = sorted(n for n in held if limit is None or n < limit)
        return [held.pop(n) for n in ready]


@dataclass(frozen=True, slots=True)
class _Dispatched:
    """The dispatcher is done: `total` feeds will come back; `error` is why it stopped early."""

    total: int
    error: BaseException | None = None


class _Stopped(Exception):
    pass


def _deliver(out: queue.SimpleQueue | None, polled: Polled) -> Polled:
    if out is not None:
        out.put(polled)
    return polled


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
