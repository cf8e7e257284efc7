"""Several `tracker run` workers on one database (issue #16): who is alive, who polls which
feed, who sends which alert, what every sender must respect, which jobs run once.

I/O, SQL only (the store's module for it; see docs/design.md "Several workers"). Built for
PostgreSQL, where workers race: feeds and alerts are claimed with `FOR UPDATE SKIP LOCKED`
(a claimer never waits for rows another is claiming), a host's in-flight limit is counted
under a per-host `pg_try_advisory_xact_lock`, shared state sits in rows updated in one
statement or under a row lock, and a trigger (migration 0004) NOTIFYs `tracker_alerts`
when alerts are committed (AlertListener). The same calls are correct on SQLite, where
every write transaction holds the database's write lock (BEGIN IMMEDIATE): there is
simply nothing to race, and SQLite keeps one worker (the daemon lease).

A worker holds what it claimed until its claim's time, which its heartbeat renews: a
worker that dies stops renewing, and after its lease another takes its feeds, alerts and
unfinished singletons over. Does not decide what to poll or send, nor when to run a job:
the daemon and the flow call these at the points docs/design.md names.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine, and_, case, delete, func, or_, select, text, update
from sqlmodel import Session

from ..errors import StoreError
from .db import SQLITE_BUSY_SECONDS, Store, _db, _insert_ignore, _utc
from .models import AlertRow, ChannelStateRow, FeedRow, SingletonRow, WorkerRow

#: The NOTIFY channel the alert trigger (migration 0004) signals on.
ALERTS_CHANNEL = "tracker_alerts"
#: First key of the per-host advisory locks (two int4 keys: this class, the host's hash).
HOST_LOCK_CLASS = 0x7061_7573  # "paus"
#: How many due feeds a claim looks at per feed it wants (the rest may be on full hosts).
SCAN_FACTOR = 4


def several_workers(url: str) -> bool:
    """Whether workers share the work on this database: PostgreSQL yes, SQLite no (one
    daemon, refused beside another: the daemon lease). Pure."""
    return url.startswith("postgresql")


def feed_host(url: str) -> str:
    """The host a feed is fetched from, for politeness limits ("" for a path: no limit). Pure."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def send_key(channel: str, webhook_url: str | None = None) -> str:
    """The channel_state key of a channel: its name, or for a rate kept per webhook (Slack)
    a hash of the webhook URL, so two channels posting to one webhook share its rate and the
    URL (a secret) is never stored. Pure."""
    if webhook_url:
        return "webhook:" + hashlib.sha256(webhook_url.encode()).hexdigest()[:24]
    return channel


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A worker and what it holds now. `registered` False: a process that claims without a
    worker row (`tracker run --once`, or a daemon from before the workers table)."""

    id: str
    host: str
    pid: int | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    expires_at: datetime | None
    feeds: int  # feeds it is polling (live claims)
    alerts: int  # alerts it is sending (live claims)
    jobs: tuple[str, ...]  # singletons it is running
    registered: bool = True

    def alive(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now

    def to_json(self, now: datetime) -> dict:
        at = lambda d: d.isoformat() if d else None  # noqa: E731
        return {
            "id": self.id, "host": self.host, "pid": self.pid, "registered": self.registered, "alive": self.alive(now),
            "started_at": at(self.started_at), "heartbeat_at": at(self.heartbeat_at), "expires_at": at(self.expires_at),
            "heartbeat_age_s": round((now - self.heartbeat_at).total_seconds(), 1) if self.heartbeat_at else None,
            "feeds": self.feeds, "alerts": self.alerts, "jobs": list(self.jobs),
        }  # fmt: skip


class Coordination:
    """The coordination calls, over the store's connections and transactions
    (Coordination(store)). Every method is one short transaction; `now` is passed in."""

    def __init__(self, store: Store):
        self.store = store
        self.is_pg = not store.is_sqlite

    def _session(self) -> AbstractContextManager[Session]:
        return self.store.session()

    # workers -------------------------------------------------------------

    def register(self, worker: str, host: str, pid: int, now: datetime, seconds: float) -> None:
        """Add (or refresh) this worker's row, alive for `seconds` unless renewed."""
        until = _db(now + timedelta(seconds=seconds))
        with self._session() as s:
            row = s.get(WorkerRow, worker)
            if row is None:
                s.add(WorkerRow(id=worker, host=host, pid=pid, started_at=_db(now), heartbeat_at=_db(now), expires_at=until))
            else:
                row.heartbeat_at, row.expires_at = _db(now), until

    def heartbeat(self, worker: str, now: datetime, seconds: float) -> bool:
        """Renew the worker and everything it holds (feed and alert claims, unfinished
        singletons) to at least now + `seconds`, in one transaction. False when its row is
        gone: it was expired by another worker (it stalled past its lease) and its claims
        freed; it should register again and not record what it was doing as its own."""
        until = _db(now + timedelta(seconds=seconds))
        w, f, a, j = WorkerRow.__table__, FeedRow.__table__, AlertRow.__table__, SingletonRow.__table__
        with self._session() as s:
            if s.execute(update(w).where(w.c.id == worker).values(heartbeat_at=_db(now), expires_at=until)).rowcount != 1:
                return False
            later = lambda col: case((col < until, until), else_=col)  # noqa: E731  (never shortens a claim)
            s.execute(update(f).where(f.c.claimed_by == worker).values(claimed_until=later(f.c.claimed_until)))
            s.execute(update(a).where(a.c.claimed_by == worker, a.c.status == "sending").values(claimed_until=later(a.c.claimed_until)))
            s.execute(update(j).where(j.c.worker == worker, j.c.done == False).values(until=later(j.c.until)))  # noqa: E712
            return True

    def unregister(self, worker: str, now: datetime) -> None:
        """A clean stop: free what it holds at once (an alert it was sending is due again),
        and remove its row, so no one waits out its lease."""
        with self._session() as s:
            self._free(s, [worker], now)
            s.execute(delete(WorkerRow.__table__).where(WorkerRow.__table__.c.id == worker))

    def expire(self, now: datetime) -> list[str]:
        """Remove the workers whose lease ran out (killed, or stalled past it) and free what
        they held, so others take it over now. Returns their ids. Any worker may call it."""
        w = WorkerRow.__table__
        with self._session() as s:
            dead = list(s.execute(select(w.c.id).where(w.c.expires_at <= _db(now)).with_for_update(skip_locked=True)).scalars())
            if dead:
                self._free(s, dead, now)
                s.execute(delete(w).where(w.c.id.in_(dead)))
            return dead

    @staticmethod
    def _free(s: Session, workers: Sequence[str], now: datetime) -> None:
        f, a, j = FeedRow.__table__, AlertRow.__table__, SingletonRow.__table__
        s.execute(update(f).where(f.c.claimed_by.in_(workers)).values(claimed_by=None, claimed_until=None))
        # a "sending" alert whose claim has run out is due again (Store._due)
        s.execute(update(a).where(a.c.claimed_by.in_(workers), a.c.status == "sending").values(claimed_until=_db(now)))
        s.execute(update(j).where(j.c.worker.in_(workers), j.c.done == False).values(until=_db(now)))  # noqa: E712

    def workers(self, now: datetime) -> list[WorkerInfo]:
        """Every registered worker (a dead one until someone expires it), then every process
        holding a live claim without a worker row, with what each holds. Reads only."""
        f, a, j = FeedRow.__table__, AlertRow.__table__, SingletonRow.__table__
        with self._session() as s:
            rows = list(s.execute(select(WorkerRow).order_by(WorkerRow.started_at, WorkerRow.id)).scalars())
            feeds = dict(s.execute(select(f.c.claimed_by, func.count()).where(f.c.claimed_until > _db(now)).group_by(f.c.claimed_by)).all())
            alerts = dict(
                s.execute(
                    select(a.c.claimed_by, func.count()).where(a.c.status == "sending", a.c.claimed_until > _db(now)).group_by(a.c.claimed_by)
                ).all()
            )
            jobs: dict[str, list[str]] = {}
            for name, worker in s.execute(select(j.c.name, j.c.worker).where(j.c.done == False, j.c.until > _db(now)).order_by(j.c.name)):  # noqa: E712
                jobs.setdefault(worker, []).append(name)
        out = [
            WorkerInfo(r.id, r.host, r.pid, _utc(r.started_at), _utc(r.heartbeat_at), _utc(r.expires_at),
                       feeds.get(r.id, 0), alerts.get(r.id, 0), tuple(jobs.get(r.id, ())))
            for r in rows
        ]  # fmt: skip
        known = {r.id for r in rows}
        for other in sorted((set(feeds) | set(alerts) | set(jobs)) - known - {None}):
            host, _, rest = other.partition("/")
            pid = rest.partition("/")[0]
            out.append(WorkerInfo(other, host, int(pid) if pid.isdigit() else None, None, None, None,
                                  feeds.get(other, 0), alerts.get(other, 0), tuple(jobs.get(other, ())), registered=False))  # fmt: skip
        return out

    # feeds ---------------------------------------------------------------

    def claim_feeds(self, worker: str, now: datetime, seconds: float, limit: int, per_host: int) -> list[int]:
        """Claim up to `limit` due feeds (enabled, next poll at or before `now`, unclaimed or
        their claim run out), most overdue first, for `seconds` (the heartbeat renews it),
        with at most `per_host` feeds of one host claimed at once across all workers (the
        claim is the in-flight mark; a feed without a host has no limit). Returns their ids.

        PostgreSQL: the due rows are read FOR UPDATE SKIP LOCKED, so claimers never wait on
        each other's rows; each host's count is read under pg_try_advisory_xact_lock of
        that host, so two claimers never both fill its last slot (a host another claimer is
        counting is skipped this round). The count is read after the locks, in its own
        statement (READ COMMITTED): any claim of that host made earlier is committed."""
        f = FeedRow.__table__
        due = and_(
            f.c.enabled == True,  # noqa: E712
            f.c.next_poll_at <= _db(now),
            or_(f.c.claimed_until.is_(None), f.c.claimed_until <= _db(now)),
        )
        with self._session() as s:
            q = select(f.c.id, f.c.url, f.c.fetch_url).where(due).order_by(f.c.next_poll_at, f.c.id)
            rows = s.execute(q.limit(limit * SCAN_FACTOR).with_for_update(skip_locked=True)).all()
            if not rows:
                return []
            hosts = {r.id: feed_host(r.fetch_url or r.url) for r in rows}
            allowed = {h for h in set(hosts.values()) if h}
            if self.is_pg:
                # in a stable order; a try-lock never waits, so no deadlock either way
                allowed = {h for h in sorted(allowed) if s.execute(text("SELECT pg_try_advisory_xact_lock(:c, :k)"), {"c": HOST_LOCK_CLASS, "k": _host_key(h)}).scalar()}
            busy = Counter(
                feed_host(fetch_url or url)
                for url, fetch_url in s.execute(select(f.c.url, f.c.fetch_url).where(f.c.claimed_until > _db(now)))
            )
            picked: list[int] = []
            for r in rows:
                host = hosts[r.id]
                if host and (host not in allowed or busy[host] >= per_host):
                    continue
                busy[host] += 1
                picked.append(r.id)
                if len(picked) == limit:
                    break
            if picked:
                s.execute(update(f).where(f.c.id.in_(picked)).values(claimed_by=worker, claimed_until=_db(now + timedelta(seconds=seconds))))
            return picked

    def release_feeds(self, worker: str, feed_ids: Sequence[int]) -> int:
        """Give up claims on feeds this worker polled (after their outcome is recorded);
        how many were still its own."""
        f = FeedRow.__table__
        with self._session() as s:
            return s.execute(update(f).where(f.c.id.in_(list(feed_ids)), f.c.claimed_by == worker).values(claimed_by=None, claimed_until=None)).rowcount

    # alerts --------------------------------------------------------------

    def claim_alerts(self, worker: str, now: datetime, until: datetime, limit: int, flush: bool = False) -> list[int]:
        """Claim up to `limit` due alerts (Store._due: pending and due, or claimed by a
        sender whose claim ran out), oldest first, as one batch: status "sending",
        claimed_by, claimed_until. On PostgreSQL the due rows are read FOR UPDATE SKIP
        LOCKED, so several workers take disjoint batches without waiting; each alert is
        claimed by one. Returns their ids; Store.mark_sent and the others take them as
        claimed by `worker`."""
        a = AlertRow.__table__
        with self._session() as s:
            q = select(a.c.id).where(Store._due(now, flush)).order_by(a.c.id).limit(limit).with_for_update(skip_locked=True)
            ids = list(s.execute(q).scalars())
            if ids:
                s.execute(update(a).where(a.c.id.in_(ids)).values(status="sending", claimed_by=worker, claimed_until=_db(until)))
            return ids

    def own_alert(self, worker: str, alert_id: int, clock: Callable[[], datetime], seconds: float) -> bool:
        """Right before its send: whether `worker` still holds the alert (status "sending",
        claimed by it), its claim then renewed to `seconds` from now, in one conditional
        UPDATE. A batch is claimed at once and sent one by one, and the last waits behind
        the others' sends, send turns and holds (and, on SQLite, the write lock): its claim
        may have run out meanwhile and another worker claimed it. False then: the alert is
        not ours to send. An alert whose claim ran out and that nobody took is still ours
        (claimed_by is only changed by a claim or a record), so renewing it is safe: the
        UPDATE is atomic (the row lock on PostgreSQL, the write lock on SQLite). `now` is
        read from `clock` once the transaction holds the write lock (SQLite: BEGIN
        IMMEDIATE may wait for it), so the renewed claim is not dated back by that wait."""
        a = AlertRow.__table__
        with self._session() as s:
            s.connection()  # begin: on SQLite, the write lock is ours from here
            until = clock() + timedelta(seconds=seconds)
            mine = and_(a.c.id == alert_id, a.c.status == "sending", a.c.claimed_by == worker)
            return s.execute(update(a).where(mine).values(claimed_until=_db(until))).rowcount == 1

    @property
    def write_wait(self) -> float:
        """The longest a write may wait for the database before it fails: SQLite's busy
        timeout (0 on PostgreSQL, where writers do not take one lock). A claim outlasts it,
        so that a sender waiting to record a send is not taken over meanwhile."""
        return 0.0 if self.is_pg else float(SQLITE_BUSY_SECONDS)

    # channels ------------------------------------------------------------

    def _channel_row(self, s: Session, key: str) -> ChannelStateRow:
        s.execute(_insert_ignore(self.store, ChannelStateRow.__table__).values(key=key))
        return s.execute(select(ChannelStateRow).where(ChannelStateRow.key == key).with_for_update()).scalar_one()

    def hold(self, key: str, until: datetime) -> datetime:
        """A peer asked us to wait (Retry-After): no worker sends on `key` before `until`
        (a later hold already there is kept). Returns the hold now in force."""
        with self._session() as s:
            row = self._channel_row(s, key)
            held = _utc(row.hold_until)
            if held is None or held < until:
                row.hold_until = _db(until)
                held = until
            return held

    def held_until(self, key: str, now: datetime) -> datetime | None:
        """When `key` may be sent to again, if a hold is in force at `now`."""
        with self._session() as s:
            held = _utc(s.execute(select(ChannelStateRow.hold_until).where(ChannelStateRow.key == key)).scalar())
        return held if held is not None and held > now else None

    def reserve_send(self, key: str, min_interval: float, now: datetime) -> float:
        """Take the next send slot on `key` (at least `min_interval` seconds after the last
        slot any worker took) and return how many seconds to wait for it (0: send now).
        Slots are handed out under the row's lock, so workers sharing a Slack webhook send
        one message a second between them, not one each."""
        with self._session() as s:
            row = self._channel_row(s, key)
            last = _utc(row.last_send_at)
            slot = now if last is None else max(now, last + timedelta(seconds=min_interval))
            row.last_send_at = _db(slot)
            return (slot - now).total_seconds()

    @contextmanager
    def send_turn(self, key: str, min_interval: float, clock: Callable[[], datetime], sleep: Callable[[float], None]) -> Iterator[SendTurn]:
        """A turn to send on `key`, a channel with a rate (Slack: one message a second per
        webhook), for every worker together: the turn starts `min_interval` seconds after
        the last send on `key` was ANSWERED (its arrival was before that), and its own end
        (when the body of the `with` leaves, having sent) is what the next turn counts
        from. The turn tells whether a hold (Retry-After) is in force when it starts; a hold
        the send earns is set with SendTurn.hold and written with the turn's end.

        PostgreSQL: the channel_state row is locked (FOR UPDATE) from before the wait until
        after the send, so workers take turns in line, and one that dies mid-send frees the
        row with its connection. Counting from the slot taken instead of from the answer is
        what let two workers' messages arrive 0.18 s apart: a worker descheduled between its
        slot and its request arrived late, the next one on time. SQLite cannot hold its write
        lock across a send (it would stop every writer): there the slot is reserved as
        before (reserve_send) and its end written after the send; SQLite runs one daemon,
        so that only a `run --once` beside it shares the channel."""
        if self.is_pg:
            with self._session() as s:
                row = self._channel_row(s, key)  # waits for the worker whose turn it is
                last = _utc(row.last_send_at)
                wait = 0.0 if last is None else (last + timedelta(seconds=min_interval) - clock()).total_seconds()
                if wait > 0:
                    sleep(wait)
                held = _utc(row.hold_until)
                turn = SendTurn(held if held is not None and held > clock() else None)
                failed: BaseException | None = None
                try:
                    yield turn
                except BaseException as e:  # noqa: BLE001 - recorded all the same (the send may have gone out), raised below
                    failed = e
                self._end_turn(row, turn, clock())
            if failed is not None:
                raise failed
            return
        wait = self.reserve_send(key, min_interval, clock())
        if wait > 0:
            sleep(wait)
        turn = SendTurn(self.held_until(key, clock()))
        try:
            yield turn
        finally:
            with self._session() as s:
                self._end_turn(self._channel_row(s, key), turn, clock())

    @staticmethod
    def _end_turn(row: ChannelStateRow, turn: SendTurn, now: datetime) -> None:
        if turn.sent:
            last = _utc(row.last_send_at)
            row.last_send_at = _db(now if last is None else max(last, now))  # a slot reserved later is kept (SQLite)
        held = _utc(row.hold_until)
        if turn.hold_until is not None and (held is None or held < turn.hold_until):
            row.hold_until = _db(turn.hold_until)

    # singletons ----------------------------------------------------------

    def begin_once(self, name: str, period: datetime, worker: str, now: datetime, seconds: float) -> bool:
        """Whether `worker` runs job `name` for `period` (its start: the minute of a tick, a
        digest's fire time): True for exactly one worker per period, unless that one's
        lease ran out before it called finish_once (it died): then another takes it over.
        A period older than the last one taken is never run again."""
        j = SingletonRow.__table__
        until = _db(now + timedelta(seconds=seconds))
        with self._session() as s:
            row = dict(name=name, period=_db(period), worker=worker, until=until, done=False)
            if s.execute(_insert_ignore(self.store, j).values(**row).returning(j.c.name)).first() is not None:
                return True  # the first run of this job (rowcount is not reliable for an ignored insert)
            free = or_(j.c.period < _db(period), and_(j.c.period == _db(period), j.c.done == False, j.c.until <= _db(now)))  # noqa: E712
            return s.execute(update(j).where(j.c.name == name, free).values(period=_db(period), worker=worker, until=until, done=False)).rowcount == 1

    def finish_once(self, name: str, period: datetime, worker: str) -> bool:
        """Mark the job's period done (it is not taken over). False when it was no longer
        this worker's (its lease ran out and another took it)."""
        j = SingletonRow.__table__
        with self._session() as s:
            done = s.execute(update(j).where(j.c.name == name, j.c.period == _db(period), j.c.worker == worker).values(done=True))
            return done.rowcount == 1


@dataclass(slots=True)
class SendTurn:
    """One send's turn on a rated channel (Coordination.send_turn). `held`: a hold in force
    when the turn came (do not send; postpone to it). The sender sets `sent` when it
    sends, and `hold` when the peer asked it to wait."""

    held: datetime | None
    sent: bool = False
    hold_until: datetime | None = None

    def hold(self, until: datetime) -> None:
        self.hold_until = until if self.hold_until is None else max(self.hold_until, until)


class AlertListener:
    """Wakes a waiting sender when alerts are committed (LISTEN tracker_alerts; the trigger
    of migration 0004 NOTIFYs on every insert into alert). PostgreSQL only. Its own psycopg
    connection, in autocommit; one thread uses it. A lost connection is reopened on the next
    wait, and reported as a wake-up (a delivery run too many beats an alert left waiting)."""

    def __init__(self, engine: Engine):
        if engine.dialect.name != "postgresql":
            raise StoreError("LISTEN/NOTIFY needs PostgreSQL")
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = None
        self._connect()

    def _connect(self) -> None:
        import psycopg

        try:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
            self._conn.execute(f"LISTEN {ALERTS_CHANNEL}")
        except psycopg.Error as e:
            self._conn = None
            raise StoreError(f"cannot listen for new alerts: {e.__class__.__name__}") from e

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True when alerts were written meanwhile (every
        notification already queued is consumed too)."""
        import psycopg

        try:
            if self._conn is None:
                self._connect()
            woke = any(True for _ in self._conn.notifies(timeout=timeout, stop_after=1))
            if woke:
                for _ in self._conn.notifies(timeout=0.01):
                    pass
            return woke
        except (psycopg.Error, StoreError):
            self.close()
            time.sleep(min(timeout, 1.0))
            return True

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _host_key(host: str) -> int:
    """A signed 32-bit key for the host's advisory lock (stable across processes)."""
    return int.from_bytes(hashlib.blake2b(host.encode(), digest_size=4).digest(), "big", signed=True)


def minute(now: datetime) -> datetime:
    """The period of a once-a-minute job (the tick). Pure."""
    return now.astimezone(UTC).replace(second=0, microsecond=0)
