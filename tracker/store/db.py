"""The database: the only module that knows SQL and SQLAlchemy's exceptions.

I/O. SQLite (WAL, busy timeout, write transactions taken with BEGIN IMMEDIATE so the
poller and the sender queue for the write lock instead of deadlocking on an upgrade)
or PostgreSQL, through the same code. Scheduling state lives here: each feed's next
poll, each alert's attempts and next try, its claim while it is being sent, the daemon
lease. A store opened `readonly` never writes and never takes the write lock (the
reading commands).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, event, func, insert, or_, text, tuple_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, create_engine, select

from ..config import FeedSettings, mask_db
from ..errors import StoreError
from ..lifecycle import CANDIDATE_DAYS, Update, is_candidate
from ..types import (
    CLOSED_STATUSES,
    Actor,
    AlertWrite,
    Article,
    ChangeView,
    DueAlert,
    Evidence,
    FeedState,
    Mention,
    Outgoing,
    Pause,
    PendingAlert,
    PollOutcome,
    Rendered,
    SavedChange,
    Silence,
    guid_key,
)
from . import migrate
from .models import AlertRow, ArticleRow, ChangeRow, EvidenceRow, FeedRow, InstallRow, LeaseRow, PauseRow, SilenceRow


def _utc(value: datetime | None) -> datetime | None:
    """Columns hold UTC; SQLite hands naive datetimes back, PostgreSQL aware ones."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _db(value: datetime | None) -> datetime | None:
    """Datetimes go to the database as aware UTC."""
    return value.astimezone(UTC) if value is not None else None


@dataclass(frozen=True, slots=True)
class AlertState:
    id: int
    key: str
    pause_id: int | None
    channel: str
    status: str
    attempts: int
    next_try_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    summary: str
    kind: str = "change"
    note: str | None = None
    changes: int = 0


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a lease (Store.acquire_lease)."""

    name: str
    worker: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Outlook:
    """What is open and what is due next (Store.outlook)."""

    open_pauses: int
    next_feed: str | None  # the enabled feed polled next, and when (None: no enabled feed)
    next_poll_at: datetime | None
    pending_alerts: int
    next_alert_at: datetime | None  # the next try of a pending alert


@dataclass(frozen=True, slots=True)
class PauseDetail:
    """A pause with its evidence as (evidence, why it joined, article title) and its changes."""

    pause: Pause
    evidence: list[tuple[Evidence, str, str]]
    changes: list[ChangeView]


#: pg_advisory_xact_lock key taken by every Store.transaction on PostgreSQL ("pause-wr").
WRITE_LOCK_KEY = 0x7061757365_7772


#: How long a SQLite write waits for the write lock (busy_timeout) before it fails. A claim
#: (an alert being sent) must outlast it: its holder may wait this long to record the send.
SQLITE_BUSY_SECONDS = 30


class Store:
    def __init__(self, url: str, readonly: bool = False):
        """`readonly`: for commands that only look. SQLite is opened with mode=ro and
        deferred transactions (no write lock, no WAL switch; in a read-only folder without
        a -wal file, as immutable); PostgreSQL sessions are READ ONLY. Any write fails."""
        self.url = url
        self.readonly = readonly
        self.is_sqlite = url.startswith("sqlite")
        self._install_id: str | None = None
        try:
            if self.is_sqlite:
                args = {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
                self.engine = create_engine(url, connect_args=args)
                if readonly and self.engine.url.database and self.engine.url.database != ":memory:":
                    self.engine.dispose()
                    path = self.engine.url.database
                    self.engine = create_engine(url, creator=lambda: _sqlite_readonly(path, args["timeout"]))
                event.listen(self.engine, "connect", _sqlite_on_connect_ro if readonly else _sqlite_on_connect)
                event.listen(self.engine, "begin", _sqlite_on_begin_ro if readonly else _sqlite_on_begin)
            else:
                connect_args = {"options": "-c default_transaction_read_only=on"} if readonly else {}
                self.engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        except (SQLAlchemyError, ImportError, ValueError) as e:
            raise StoreError(f"cannot use database {mask_db(url)}: {e}") from e

    def upgrade(self) -> migrate.Upgraded:
        """Create or migrate the tables to the newest revision (tracker.store.migrate):
        an empty database gets every table, one made before migrations is stamped as
        the baseline first, one newer than this code is refused (StoreError)."""
        with self._wrapped("cannot upgrade"):
            return migrate.upgrade(self.engine)

    def schema(self) -> migrate.SchemaState:
        """Where the database stands against this code's migrations. Changes nothing."""
        with self._wrapped("cannot read the schema revision of"):
            return migrate.state(self.engine)

    def require_current(self) -> migrate.SchemaState:
        """For commands that only read: the database must be at head already; else a
        StoreError naming the command to run. Creates no table (nor a missing SQLite file)."""
        with self._wrapped("cannot read the schema revision of"):
            return migrate.require_current(self.engine)

    @contextmanager
    def _wrapped(self, what: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as e:
            raise StoreError(f"{what} {mask_db(self.url)}: {e.__class__.__name__}: {getattr(e, 'orig', None) or e}") from e
        except StoreError as e:
            raise StoreError(f"{mask_db(self.url)}: {e}") from e

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on error, errors wrapped."""
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                with s.begin():
                    yield s
        except SQLAlchemyError as e:
            raise StoreError(f"database error: {e.__class__.__name__}: {getattr(e, 'orig', None) or e}") from e

    # feeds ---------------------------------------------------------------

    def sync_feeds(self, feeds: Sequence[FeedSettings], now: datetime) -> None:
        """Make the feed table follow the config: add new feeds (due now), update names and
        intervals, disable config feeds no longer listed (their articles stay). Imported
        feeds (`tracker feeds import`) are left alone; a feed the publisher removed (410)
        stays disabled. Under the writers' lock (see transaction): workers starting together
        on PostgreSQL would otherwise each insert a new feed, and all but one fail on its url."""
        with self.transaction() as tx:
            s = tx.s
            rows = {r.url: r for r in s.exec(select(FeedRow))}
            for f in feeds:
                row = rows.pop(f.url, None)
                if row is None:
                    s.add(FeedRow(url=f.url, name=f.name, every_seconds=f.every_seconds, next_poll_at=_db(now), silent_after_seconds=f.silent_after_seconds))
                else:
                    row.name, row.every_seconds, row.origin = f.name, f.every_seconds, "config"
                    row.silent_after_seconds = f.silent_after_seconds
                    row.enabled = row.disabled_reason is None
            for row in rows.values():
                if row.origin == "config":
                    row.enabled = False

    def import_feeds(self, feeds: Sequence[tuple[str, str]], every_seconds: int, now: datetime) -> int:
        """Add feeds (url, name) that are not there yet; returns how many were added."""
        added = 0
        with self.session() as s:
            known = set(s.exec(select(FeedRow.url)))
            for url, name in feeds:
                if url not in known:
                    s.add(FeedRow(url=url, name=name, every_seconds=every_seconds, next_poll_at=_db(now), origin="import"))
                    known.add(url)
                    added += 1
        return added

    def feeds(self, due_at: datetime | None = None, include_disabled: bool = False) -> list[FeedState]:
        """Enabled feeds (all with `include_disabled`), with their number of stored articles;
        only those due when `due_at` is given."""
        with self.session() as s:
            counts = dict(s.exec(select(ArticleRow.feed_id, func.count()).group_by(ArticleRow.feed_id)).all())
            q = select(FeedRow).order_by(FeedRow.id)
            if not include_disabled:
                q = q.where(FeedRow.enabled == True)  # noqa: E712
            if due_at is not None:
                q = q.where(FeedRow.next_poll_at <= _db(due_at)).order_by(FeedRow.next_poll_at)
            return [_feed_state(r, counts.get(r.id, 0)) for r in s.exec(q)]

    def due_feeds(self, due_at: datetime | None = None, page: int = 500) -> Iterator[FeedState]:
        """Enabled feeds (only those due when `due_at` is given), most overdue first, read a
        page at a time (keyset), so that 10,000 feeds never sit in memory at once. A feed
        whose next poll moves past `due_at` while this runs is not returned again.
        Does not count articles (FeedState.articles is 0)."""
        last: tuple | None = None
        while True:
            with self.session() as s:
                q = select(FeedRow).where(FeedRow.enabled == True)  # noqa: E712
                if due_at is not None:
                    q = q.where(FeedRow.next_poll_at <= _db(due_at))
                    if last is not None:
                        q = q.where(tuple_(FeedRow.next_poll_at, FeedRow.id) > tuple_(*last))
                    q = q.order_by(FeedRow.next_poll_at, FeedRow.id)
                else:
                    if last is not None:
                        q = q.where(FeedRow.id > last[1])
                    q = q.order_by(FeedRow.id)
                rows = list(s.exec(q.limit(page)))
                states = [_feed_state(r, 0) for r in rows]
                if rows:
                    last = (rows[-1].next_poll_at, rows[-1].id)
            yield from states
            if len(rows) < page:
                return

    def feeds_by_id(self, ids: Sequence[int]) -> list[FeedState]:
        """The feeds with these ids (claimed for polling), in the order given. Does not count
        articles (FeedState.articles is 0)."""
        if not ids:
            return []
        with self.session() as s:
            rows = {r.id: r for r in s.exec(select(FeedRow).where(FeedRow.id.in_(list(ids))))}
            return [_feed_state(rows[i], 0) for i in ids if i in rows]

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction for a batch of work (the poller's writer): everything done
        through the Tx is committed together or not at all. Errors wrapped as in session().

        Writers of pauses take turns, on both databases: SQLite's BEGIN IMMEDIATE, and on
        PostgreSQL a transaction advisory lock, so that two processes (a daemon and `run
        --once`) never reconcile or tick against pauses the other is saving."""
        with self.session() as s:
            if not self.is_sqlite:
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
            yield Tx(s)

    # articles ------------------------------------------------------------

    # pauses --------------------------------------------------------------

    def pauses(self, open_only: bool = False) -> list[Pause]:
        with self.session() as s:
            q = select(PauseRow).order_by(PauseRow.id)
            if open_only:
                q = q.where(PauseRow.status.not_in(tuple(CLOSED_STATUSES)))
            rows = list(s.exec(q))
            fired = _fired(s, [r.id for r in rows])
            return [_pause(r, fired.get(r.id, frozenset())) for r in rows]

    def evidence(self, pause_ids: Sequence[int]) -> dict[int, list[Evidence]]:
        """The evidence attached to each pause."""
        with self.session() as s:
            return Tx(s).evidence(pause_ids)

    def pause(self, pause_id: int) -> PauseDetail | None:
        """One pause with its evidence (and why each joined it) and its changes, oldest first."""
        with self.session() as s:
            row = s.get(PauseRow, pause_id)
            if row is None:
                return None
            evidence = [
                (_evidence(e, key), e.reason, title)
                for e, key, title in s.exec(
                    select(EvidenceRow, ArticleRow.key, ArticleRow.title)
                    .join(ArticleRow, ArticleRow.id == EvidenceRow.article_id)
                    .where(EvidenceRow.pause_id == pause_id)
                    .order_by(EvidenceRow.published_at, EvidenceRow.id)
                )
            ]
            changes = list(s.exec(select(ChangeRow).where(ChangeRow.pause_id == pause_id).order_by(ChangeRow.id)))
            fired = _fired(s, [pause_id])
            return PauseDetail(_pause(row, fired.get(pause_id, frozenset())), evidence, [_change_view(c) for c in changes])

    def queue_digest(self, now: datetime, channel: str, parts: Sequence[Rendered], summary: str) -> bool:
        """Write a digest (one alert per part) for `channel`, keyed by its time, so a digest
        run twice for the same time is written once. False when it was already there."""
        base = f"digest/{channel}/{now.astimezone(UTC).isoformat(timespec='minutes')}"
        with self.session() as s:
            if s.exec(select(AlertRow.id).where(AlertRow.key.startswith(base))).first():
                return False
            for i, rendered in enumerate(parts, 1):
                s.add(
                    AlertRow(
                        key=base if len(parts) == 1 else f"{base}/part-{i}",
                        kind="digest",
                        channel=channel,
                        next_try_at=_db(now),
                        created_at=_db(now),
                        rendered=rendered.to_json(),
                        summary=summary,
                    )
                )
            return True

    def queue_health(self, now: datetime, key: str, summary: str, outputs: Sequence[tuple[str, Rendered]]) -> bool:
        """Write a "source unhealthy" alert per channel, once per key (one streak of
        failures, one silence). False when it was already written."""
        with self.session() as s:
            if s.exec(select(AlertRow.id).where(AlertRow.key.startswith(f"{key}/"))).first():
                return False
            for channel, rendered in outputs:
                s.add(
                    AlertRow(
                        key=f"{key}/{channel}", kind="health", channel=channel, next_try_at=_db(now),
                        created_at=_db(now), rendered=rendered.to_json(), summary=summary[:2000],
                    )
                )
            return True

    def last_digest(self, channel: str) -> datetime | None:
        with self.session() as s:
            at = s.exec(select(func.max(AlertRow.created_at)).where(AlertRow.kind == "digest", AlertRow.channel == channel)).first()
            return _utc(at)

    def changes_since(self, since: datetime | None, until: datetime) -> list[tuple[Pause, ChangeView]]:
        """Changes saved in (since, until], oldest first, with their pause as it is now."""
        with self.session() as s:
            q = select(ChangeRow).where(ChangeRow.at <= _db(until)).order_by(ChangeRow.id)
            if since is not None:
                q = q.where(ChangeRow.at > _db(since))
            rows = list(s.exec(q))
            pauses = {r.id: r for r in s.exec(select(PauseRow).where(PauseRow.id.in_({c.pause_id for c in rows})))}
            fired = _fired(s, list(pauses))
            cache = {pid: _pause(r, fired.get(pid, frozenset())) for pid, r in pauses.items()}
            return [(cache[c.pause_id], _change_view(c)) for c in rows]

    # install id, leases --------------------------------------------------

    def install_id(self) -> str:
        """This database's install id: 16 random hex characters, made on first use and kept
        (two processes making it at once keep the first). Read once per Store."""
        if self._install_id is None:
            with self.session() as s:
                row = s.get(InstallRow, 1)
                if row is None:
                    s.execute(_insert_ignore(self, InstallRow.__table__).values(id=1, install_id=secrets.token_hex(8), created_at=_db(datetime.now(UTC))))
                    row = s.get(InstallRow, 1, populate_existing=True)
                self._install_id = row.install_id
        return self._install_id

    def acquire_lease(self, name: str, worker: str, host: str, pid: int, now: datetime, seconds: float) -> Lease | None:
        """Take the lease `name` for `worker` when nobody holds it or its holder's lease ran
        out (a daemon killed without stopping); None when taken, else the live holder (and
        nothing is changed). One short transaction: SQLite's write lock, on PostgreSQL the
        row locked (or the insert raced: the loser reads the winner)."""
        until = now + timedelta(seconds=seconds)
        for _ in range(2):
            try:
                with self.session() as s:
                    row = s.exec(select(LeaseRow).where(LeaseRow.name == name).with_for_update()).first()
                    if row is not None and _utc(row.expires_at) > now and row.worker != worker:
                        return _lease(row)
                    if row is None:
                        s.add(LeaseRow(name=name, worker=worker, host=host, pid=pid, started_at=_db(now), heartbeat_at=_db(now), expires_at=_db(until)))
                    else:
                        row.worker, row.host, row.pid = worker, host, pid
                        row.started_at, row.heartbeat_at, row.expires_at = _db(now), _db(now), _db(until)
                    return None
            except StoreError as e:
                if not isinstance(e.__cause__, IntegrityError):
                    raise
        raise StoreError(f"could not take the {name} lease")

    def renew_lease(self, name: str, worker: str, now: datetime, seconds: float) -> bool:
        """The heartbeat: extend `worker`'s lease. False when it is no longer its own
        (another process took it over after it ran out)."""
        t = LeaseRow.__table__
        with self.session() as s:
            done = s.execute(
                update(t).where(t.c.name == name, t.c.worker == worker)
                .values(heartbeat_at=_db(now), expires_at=_db(now + timedelta(seconds=seconds)))
            )
            return done.rowcount == 1

    def release_lease(self, name: str, worker: str) -> None:
        """Give the lease up (a clean stop), so the next daemon need not wait it out."""
        t = LeaseRow.__table__
        with self.session() as s:
            s.execute(delete(t).where(t.c.name == name, t.c.worker == worker))

    def lease(self, name: str) -> Lease | None:
        with self.session() as s:
            row = s.get(LeaseRow, name)
            return _lease(row) if row is not None else None

    # silences ------------------------------------------------------------

    def add_silence(self, silence: Silence) -> int:
        with self.session() as s:
            row = SilenceRow(
                place=silence.place, kind=silence.kind, channel=silence.channel, until=_db(silence.until),
                reason=silence.reason, created_at=_db(silence.created_at),
            )
            s.add(row)
            s.flush()
            return row.id

    def silences(self, now: datetime | None = None) -> list[Silence]:
        """Every silence, or only those still active at `now`."""
        with self.session() as s:
            q = select(SilenceRow).order_by(SilenceRow.id)
            if now is not None:
                q = q.where(SilenceRow.until > _db(now))
            return [
                Silence(r.id, _utc(r.until), r.reason, _utc(r.created_at), r.place, r.kind, r.channel)
                for r in s.exec(q)
            ]

    def remove_silence(self, silence_id: int) -> bool:
        with self.session() as s:
            row = s.get(SilenceRow, silence_id)
            if row is None:
                return False
            s.delete(row)
            return True

    # outbox --------------------------------------------------------------

    @staticmethod
    def _due(now: datetime, flush: bool):
        """Pending and due (with `flush`, also never tried: still in its group window), or
        claimed by a sender whose claim ran out (it died mid-send): due again."""
        due = AlertRow.next_try_at <= _db(now)
        if flush:
            due = due | (AlertRow.attempts == 0)
        return or_((AlertRow.status == "pending") & due, (AlertRow.status == "sending") & (AlertRow.claimed_until <= _db(now)))

    def due_alerts(self, now: datetime, limit: int = 100, flush: bool = False) -> list[DueAlert]:
        """Alerts due at `now` (see _due), oldest first. Reading claims nothing: senders
        claim with Coordination.claim_alerts."""
        with self.session() as s:
            q = select(AlertRow).where(self._due(now, flush))
            rows = s.exec(q.order_by(AlertRow.id).limit(limit)).all()
        install = self.install_id() if rows else ""  # outside the session: it may write
        return [
            DueAlert(r.id, r.attempts, r.pause_id, Outgoing(r.key, r.channel, Rendered.from_json(r.rendered), _utc(r.created_at), install))
            for r in rows
        ]

    def alerts_by_id(self, ids: Sequence[int]) -> list[DueAlert]:
        """The alerts with these ids (claimed for sending), oldest first."""
        if not ids:
            return []
        with self.session() as s:
            rows = s.exec(select(AlertRow).where(AlertRow.id.in_(list(ids))).order_by(AlertRow.id)).all()
        install = self.install_id() if rows else ""  # outside the session: it may write
        return [
            DueAlert(r.id, r.attempts, r.pause_id, Outgoing(r.key, r.channel, Rendered.from_json(r.rendered), _utc(r.created_at), install))
            for r in rows
        ]

    def _claimed(self, s: Session, alert_id: int, worker: str | None) -> AlertRow | None:
        """The alert row, when `worker` still holds its claim (any row when worker is None:
        unit tests and the store's own callers). The claim is cleared."""
        row = s.exec(select(AlertRow).where(AlertRow.id == alert_id).with_for_update()).first()
        if row is None or (worker is not None and (row.status != "sending" or row.claimed_by != worker)):
            return None
        row.claimed_by, row.claimed_until = None, None
        return row

    def mark_sent(self, alert_id: int, now: datetime, note: str | None = None, worker: str | None = None) -> bool:
        """Delivered. `note` keeps what the peer said beside success (refused recipients).
        With `worker`, only while it holds the alert's claim; False otherwise."""
        with self.session() as s:
            row = self._claimed(s, alert_id, worker)
            if row is None:
                return False
            row.status, row.sent_at, row.attempts, row.last_error = "sent", _db(now), row.attempts + 1, None
            if note:
                row.note = "; ".join(x for x in (row.note, note) if x)[:4000]
            return True

    def mark_failed(
        self, alert_id: int, now: datetime, error: str, next_try_at: datetime | None, worker: str | None = None, slack_rest: dict | None = None
    ) -> bool:
        """A failed attempt: tried again at `next_try_at` (pending), or failed for good when
        it is None. `worker` as for mark_sent. `slack_rest`: the Slack parts not yet sent
        (some were): a retry sends only these."""
        with self.session() as s:
            row = self._claimed(s, alert_id, worker)
            if row is None:
                return False
            row.attempts += 1
            row.last_error = error[:2000]
            if slack_rest is not None:
                row.rendered = {**row.rendered, "slack": slack_rest}  # a new dict: the JSON column is marked dirty
            if next_try_at is None:
                row.status = "failed"
            else:
                row.status, row.next_try_at = "pending", _db(next_try_at)
            return True

    def postpone(self, alert_id: int, next_try_at: datetime, worker: str | None = None) -> bool:
        """Not tried: its channel is holding (rate limit). Attempts are not counted; pending
        again. `worker` as for mark_sent."""
        with self.session() as s:
            row = self._claimed(s, alert_id, worker)
            if row is None:
                return False
            row.status, row.next_try_at = "pending", _db(next_try_at)
            return True

    def mark_silenced(self, alert_id: int, now: datetime, why: str, worker: str | None = None) -> bool:
        with self.session() as s:
            row = self._claimed(s, alert_id, worker)
            if row is None:
                return False
            row.status, row.note = "silenced", why[:2000]
            return True

    def alerts(self, limit: int = 200) -> list[AlertState]:
        with self.session() as s:
            rows = s.exec(select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)).all()
            return [
                AlertState(
                    r.id, r.key, r.pause_id, r.channel, r.status, r.attempts, _utc(r.next_try_at),
                    _utc(r.created_at), _utc(r.sent_at), r.last_error, r.summary, r.kind, r.note, len(r.change_ids),
                )
                for r in rows
            ]

    def alert_counts(self) -> dict[tuple[str, str], int]:
        """How many alerts each channel has in each status (pending, sent, failed, silenced)."""
        with self.session() as s:
            q = select(AlertRow.channel, AlertRow.status, func.count()).group_by(AlertRow.channel, AlertRow.status)
            return {(channel, status): n for channel, status, n in s.exec(q)}

    def pauses_by_id(self, ids: Iterable[int]) -> dict[int, Pause]:
        ids = list(set(ids))
        with self.session() as s:
            rows = list(s.exec(select(PauseRow).where(PauseRow.id.in_(ids)))) if ids else []
            fired = _fired(s, [r.id for r in rows])
            return {r.id: _pause(r, fired.get(r.id, frozenset())) for r in rows}

    def outlook(self) -> Outlook:
        """How many pauses are open, which feed is polled next and when, how many alerts
        wait and when the next is tried: three small queries, for the daemon's minute line."""
        with self.session() as s:
            open_pauses = s.exec(select(func.count()).select_from(PauseRow).where(PauseRow.status.not_in(tuple(CLOSED_STATUSES)))).one()
            feed = s.exec(
                select(FeedRow.name, FeedRow.next_poll_at).where(FeedRow.enabled == True).order_by(FeedRow.next_poll_at).limit(1)  # noqa: E712
            ).first()
            pending, next_try = s.exec(select(func.count(), func.min(AlertRow.next_try_at)).where(AlertRow.status.in_(("pending", "sending")))).one()
        return Outlook(open_pauses, feed[0] if feed else None, _utc(feed[1]) if feed else None, pending, _utc(next_try))


class Tx:
    """The writes of one transaction (Store.transaction), done in bulk: the poller's writer
    saves a batch of feeds through one Tx, Store's own methods one feed at a time.

    Does not commit, and does not decide anything: what to save comes from the caller.
    """

    def __init__(self, s: Session):
        self.s = s
        # key -> (row id or None when inserted without RETURNING, content hash): what this
        # transaction has read or written, so upsert_articles need not look keys up again
        self._stored: dict[str, tuple[int | None, str]] = {}
        self.reused_guids: dict[int | None, int] = {}  # feed id -> entries rekeyed (new_or_changed)

    def _lookup(self, keys: Iterable[str]) -> dict[str, tuple[int | None, str]]:
        """(id, hash) of the stored keys among `keys`: from what this Tx knows, else one
        query per 500 keys."""
        keys = set(keys)
        missing = [k for k in keys if k not in self._stored or self._stored[k][0] is None]
        for chunk in _chunks(missing, 500):
            q = select(ArticleRow.key, ArticleRow.id, ArticleRow.content_hash).where(ArticleRow.key.in_(chunk))
            self._stored.update({k: (i, h) for k, i, h in self.s.exec(q)})
        return {k: self._stored[k] for k in keys if k in self._stored}

    def pause_fingerprint(self) -> tuple:
        """Changes whenever a pause or its evidence does (every save of a pause adds evidence
        or a change; an edited article deletes evidence): to know whether pauses read
        earlier are still current. One cheap query."""
        row = self.s.execute(
            select(
                select(func.max(PauseRow.id)).scalar_subquery(),
                select(func.max(EvidenceRow.id)).scalar_subquery(),
                select(func.count(EvidenceRow.id)).scalar_subquery(),
                select(func.max(ChangeRow.id)).scalar_subquery(),
            )
        ).one()
        return tuple(row)

    # articles ------------------------------------------------------------

    def new_or_changed(
        self, batches: Sequence[tuple[int | None, Sequence[Article]]]
    ) -> list[tuple[list[Article], frozenset[str]]]:
        """For each feed's articles, in order: those not stored yet or stored with other
        content (by content hash), and the keys of the latter (their old evidence is to be
        replaced). One query for all the keys, one for the links of the unknown ones.

        An entry with a new guid but a link already stored for the same feed is the same
        article (it keeps its stored key), so a publisher re-issuing guids causes no
        duplicate. Keys are never pruned: an entry that leaves the window and comes back
        is not new. An article new in an earlier feed of
        the batch counts as stored for the later ones (it will be, in this transaction).

        A guid reused across polls: an entry whose key is stored with other content, another
        link and another title is another story (parse.guid_key keys it by guid and link),
        not an edit; each is counted in `reused_guids` (feed id -> entries) for the log."""
        batches = self._split_reused_guids(batches)
        known: dict[str, str] = {k: h for k, (_, h) in self._lookup(a.key for _, arts in batches for a in arts).items()}
        feed_ids = list({fid for fid, arts in batches if fid is not None and any(a.key not in known and a.link for a in arts)})
        links = list({a.link for fid, arts in batches if fid is not None for a in arts if a.key not in known and a.link})
        by_link: dict[tuple[int, str], tuple[str, str]] = {}
        if feed_ids and links:
            for fchunk in _chunks(feed_ids, 500):
                for chunk in _chunks(links, 500):
                    q = select(ArticleRow.feed_id, ArticleRow.link, ArticleRow.key, ArticleRow.content_hash).where(
                        ArticleRow.feed_id.in_(fchunk), ArticleRow.link.in_(chunk)
                    )
                    by_link.update({(fid, link): (key, h) for fid, link, key, h in self.s.exec(q)})
        out: list[tuple[list[Article], frozenset[str]]] = []
        for feed_id, articles in batches:
            fresh: list[Article] = []
            replaced: set[str] = set()
            for a in articles:
                if a.key not in known and (feed_id, a.link) in by_link:
                    key, h = by_link[(feed_id, a.link)]
                    a = replace(a, key=key)
                    known.setdefault(key, h)
                if known.get(a.key) != a.content_hash:
                    fresh.append(a)
                    if a.key in known:
                        replaced.add(a.key)
            for a in fresh:  # later feeds of the batch see these as stored
                known[a.key] = a.content_hash
                if feed_id is not None and a.link:
                    by_link.setdefault((feed_id, a.link), (a.key, a.content_hash))
            out.append((fresh, frozenset(replaced)))
        return out

    def _split_reused_guids(self, batches: Sequence[tuple[int | None, Sequence[Article]]]) -> list[tuple[int | None, list[Article]]]:
        """Rekey (parse.guid_key) the entries whose key is stored for another story: other
        content, and both another link and another title. Only entries whose content
        changed are looked at (one query for their stored links and titles)."""
        stored = self._lookup(a.key for _, arts in batches for a in arts)
        suspects = {a.key for _, arts in batches for a in arts if a.key in stored and stored[a.key][1] != a.content_hash and a.link and a.link != a.key}
        rows: dict[str, tuple[str | None, str]] = {}
        for chunk in _chunks(list(suspects), 500):
            rows.update({k: (link, title) for k, link, title in self.s.exec(select(ArticleRow.key, ArticleRow.link, ArticleRow.title).where(ArticleRow.key.in_(chunk)))})
        out = []
        for feed_id, arts in batches:
            fixed = []
            for a in arts:
                link, title = rows.get(a.key, (None, None))
                if link and link not in (a.link, a.key) and title != a.title:
                    a = replace(a, key=guid_key(a.key, a.link, a.content_hash))
                    self.reused_guids[feed_id] = self.reused_guids.get(feed_id, 0) + 1
                fixed.append(a)
            out.append((feed_id, fixed))
        return out

    def upsert_articles(self, now: datetime, rows: Sequence[tuple[int | None, Article]], want: Collection[str] | None = None) -> dict[str, int]:
        """Insert new articles and update changed ones (by key), each with its feed id; an
        edited article's old evidence is deleted (it is examined again). Bulk: one query
        for the stored keys, one multi-row INSERT, one UPDATE and one DELETE for the edited.
        Returns the row id of each key in `want` (all keys when None)."""
        if not rows:
            return {}
        t = ArticleRow.__table__
        stored = self._lookup(a.key for _, a in rows)
        new: dict[str, dict] = {}
        edits: dict[str, dict] = {}
        for feed_id, a in rows:
            values = {"title": a.title, "link": a.link, "text": a.text, "content_hash": a.content_hash, "updated_at": _db(now)}
            if a.key in new:  # repeated within the batch: the later content wins, as an update would
                row = new[a.key]
                row.update(values, published_at=_db(a.published) or row["published_at"])
            elif a.key not in stored:
                new[a.key] = dict(values, key=a.key, feed_id=feed_id, published_at=_db(a.published), first_seen_at=_db(now))
            elif stored[a.key][1] != a.content_hash or a.key in edits:
                # An edited entry is examined again: its old evidence is replaced.
                edits[a.key] = {f"b_{k}": v for k, v in values.items()} | {"b_id": stored[a.key][0], "b_published": _db(a.published)}
        ids = {k: i for k, (i, _) in stored.items()}
        for key, e in edits.items():
            self._stored[key] = (e["b_id"], e["b_content_hash"])
        if edits:
            edited_ids = [e["b_id"] for e in edits.values()]
            for chunk in _chunks(edited_ids, 500):
                self.s.execute(delete(EvidenceRow.__table__).where(EvidenceRow.__table__.c.article_id.in_(chunk)))
            self.s.execute(
                update(t).where(t.c.id == bindparam("b_id")).values(
                    title=bindparam("b_title"), link=bindparam("b_link"), text=bindparam("b_text"),
                    content_hash=bindparam("b_content_hash"), updated_at=bindparam("b_updated_at"),
                    published_at=func.coalesce(bindparam("b_published", type_=t.c.published_at.type), t.c.published_at),
                ),
                list(edits.values()),
            )
        if new:
            rows_in = list(new.values())
            if want is None or any(k in new for k in want):  # multi-row INSERT ... RETURNING (key, id)
                ids.update({k: i for k, i in self.s.execute(insert(t).returning(t.c.key, t.c.id), rows_in)})
            else:  # no id needed: the driver's executemany, the fastest way in
                self.s.execute(insert(t), rows_in)
            self._stored.update({k: (ids.get(k), r["content_hash"]) for k, r in new.items()})
        return ids if want is None else {k: ids[k] for k in want if k in ids}

    # pauses --------------------------------------------------------------

    def candidates(self, now: datetime) -> list[Pause]:
        """The pauses new evidence may join (lifecycle.is_candidate), inside this transaction
        (it sees what the batch saved so far). The query only narrows (by index) to the
        open ones and those closed within CANDIDATE_DAYS; the rule is is_candidate's."""
        since = _db(now - timedelta(days=CANDIDATE_DAYS))
        q = select(PauseRow).where(
            PauseRow.status.not_in(tuple(CLOSED_STATUSES))
            | (func.coalesce(PauseRow.ends_at, PauseRow.last_seen) >= since)
        ).order_by(PauseRow.id)
        rows = list(self.s.exec(q))
        fired = _fired(self.s, [r.id for r in rows])
        return [p for p in (_pause(r, fired.get(r.id, frozenset())) for r in rows) if is_candidate(p, now)]

    def evidence(self, pause_ids: Sequence[int]) -> dict[int, list[Evidence]]:
        """The evidence attached to each pause, inside this transaction (Store.evidence
        outside one)."""
        out: dict[int, list[Evidence]] = {pid: [] for pid in pause_ids}
        e = EvidenceRow
        for chunk in _chunks(list(pause_ids), 500):
            q = (  # columns, not entities: no identity map for rows only read
                select(e.pause_id, e.mention, ArticleRow.key, e.source, e.link, e.published_at)
                .join(ArticleRow, ArticleRow.id == e.article_id)
                .where(e.pause_id.in_(chunk))
                .order_by(e.published_at, e.id)
            )
            for pid, mention, key, source, link, published in self.s.execute(q):
                out[pid].append(Evidence(Mention.from_json(mention), key, source, link, _utc(published)))
        return out

    def pauses_citing(self, article_keys: Collection[str]) -> list[Pause]:
        """The pauses with evidence from these articles (edited ones: each such pause is to
        be refolded, candidate or not)."""
        ids: set[int] = set()
        for chunk in _chunks(list(article_keys), 500):
            q = select(EvidenceRow.pause_id).join(ArticleRow, ArticleRow.id == EvidenceRow.article_id).where(ArticleRow.key.in_(chunk))
            ids.update(self.s.exec(q))
        rows = list(self.s.exec(select(PauseRow).where(PauseRow.id.in_(ids)).order_by(PauseRow.id))) if ids else []
        fired = _fired(self.s, [r.id for r in rows])
        return [_pause(r, fired.get(r.id, frozenset())) for r in rows]

    def open_pauses(self) -> list[Pause]:
        """The open pauses, inside this transaction (the clock's tick reads them under the
        writers' lock, so two processes ticking at once fire each countdown event once)."""
        rows = list(self.s.exec(select(PauseRow).where(PauseRow.status.not_in(tuple(CLOSED_STATUSES))).order_by(PauseRow.id)))
        fired = _fired(self.s, [r.id for r in rows])
        return [_pause(r, fired.get(r.id, frozenset())) for r in rows]

    def save_updates(self, article_ids: dict[str, int], updates: Sequence[Update]) -> list[tuple[Pause, list[SavedChange]]]:
        """Save each updated pause with its new evidence (its articles already upserted:
        `article_ids`) and its changes. Returns each update's pause as saved (with its id)
        and its changes as saved. Queues no alert: see write_alerts."""
        s = self.s
        out: list[tuple[Pause, list[SavedChange]]] = []
        for u in updates:
            row = self._save_pause(u.after)
            pause = _pause(row, u.after.fired)
            saved: list[SavedChange] = []
            for ev, reason in zip(u.evidence, u.reasons, strict=True):
                s.add(
                    EvidenceRow(
                        pause_id=row.id,
                        article_id=article_ids[ev.article_key],
                        source=ev.source,
                        link=ev.link,
                        published_at=_db(ev.published),
                        mention=ev.mention.to_json(),
                        reason=reason,
                    )
                )
            for ch in u.changes:
                crow = ChangeRow(
                    pause_id=row.id,
                    event=ch.event,
                    key=ch.key,
                    at=_db(ch.at),
                    summary=ch.summary,
                    old_status=ch.old_status,
                    new_status=ch.new_status,
                    quote=ch.evidence.mention.quote if ch.evidence else None,
                    source=ch.evidence.source if ch.evidence else None,
                    link=ch.evidence.link if ch.evidence else None,
                    published=_db(ch.evidence.published) if ch.evidence else None,
                )
                s.add(crow)
                s.flush()
                saved.append(SavedChange(crow.id, pause, ch, _change_view(crow)))
            out.append((pause, saved))
        return out

    def pending_alerts(self, pause_ids: Collection[int]) -> list[PendingAlert]:
        """The change alerts of these pauses not sent yet (pending), oldest first, with the
        changes each carries: what alerts.plan groups into or withdraws from."""
        rows: list[AlertRow] = []
        for chunk in _chunks(list(pause_ids), 500):
            q = select(AlertRow).where(AlertRow.pause_id.in_(chunk), AlertRow.status == "pending", AlertRow.kind == "change")
            rows += self.s.exec(q)
        rows.sort(key=lambda r: r.id)
        ids = list({i for r in rows for i in r.change_ids})
        changes: dict[int, ChangeView] = {}
        for chunk in _chunks(ids, 500):
            changes.update({c.id: _change_view(c) for c in self.s.exec(select(ChangeRow).where(ChangeRow.id.in_(chunk)))})
        return [
            PendingAlert(r.id, r.pause_id, r.channel, r.attempts, _utc(r.next_try_at), r.note, tuple(changes[i] for i in r.change_ids))
            for r in rows
        ]

    def write_alerts(self, now: datetime, writes: Sequence[AlertWrite]) -> None:
        """Write what alerts.plan decided into the outbox: new alerts inserted, pending ones
        rewritten (their changes, text and summary; a withdrawn one only its status and note)."""
        for w in writes:
            if w.id is None:
                self.s.add(
                    AlertRow(
                        key=w.key,
                        kind="change",
                        status=w.status,
                        pause_id=w.pause_id,
                        change_ids=list(w.change_ids),
                        channel=w.channel,
                        next_try_at=_db(w.next_try_at),
                        created_at=_db(now),
                        rendered=w.rendered.to_json(),
                        note=w.note,
                        summary=w.summary,
                    )
                )
                continue
            row = self.s.get(AlertRow, w.id)
            if w.status == "withdrawn":
                row.status, row.note = w.status, w.note
                continue
            row.change_ids = list(w.change_ids)  # a new list, so the JSON column is marked dirty
            row.rendered, row.note, row.summary = w.rendered.to_json(), w.note, w.summary
        self.s.flush()

    def _save_pause(self, p: Pause) -> PauseRow:
        s = self.s
        row = s.get(PauseRow, p.id) if p.id is not None else None
        if row is None:
            row = PauseRow(kind=p.kind, status=p.status, first_seen=_db(p.first_seen), last_seen=_db(p.last_seen))
            s.add(row)
        row.kind, row.location, row.country, row.status = p.kind, p.location, p.country, p.status
        row.duration_hours, row.start_text = p.duration_hours, p.start_text
        row.starts_at, row.ends_at = _db(p.starts_at), _db(p.ends_at)
        row.actors = [{"name": a.name, "stance": a.stance} for a in p.actors]
        row.sources = list(p.sources)
        row.first_seen, row.last_seen = _db(p.first_seen), _db(p.last_seen)
        row.status_since, row.extended_hours = _db(p.status_since), p.extended_hours
        row.start_precision, row.end_precision, row.zone = p.start_precision, p.end_precision, p.zone
        s.flush()
        return row

    # feeds ---------------------------------------------------------------

    def record_polls(self, now: datetime, outcomes: Sequence[tuple[int, PollOutcome]]) -> dict[int, FeedState]:
        """Save the outcome of each feed's poll: one query loads them, one UPDATE per set of
        changed columns saves them. On error the validators and body hash are kept as they
        were; `next_poll_at` None disables the feed. Returns each feed as it is now
        (articles counted 0)."""
        rows: dict[int, FeedRow] = {}
        ids = list({fid for fid, _ in outcomes})
        for chunk in _chunks(ids, 500):
            rows.update({r.id: r for r in self.s.exec(select(FeedRow).where(FeedRow.id.in_(chunk)))})
        out: dict[int, FeedState] = {}
        for fid, o in outcomes:
            row = rows.get(fid)
            if row is not None:
                _apply_outcome(row, now, o)
        self.s.flush()
        for fid, _ in outcomes:
            if fid in rows:
                out[fid] = _feed_state(rows[fid], 0)
        return out


def _apply_outcome(row: FeedRow, now: datetime, o: PollOutcome) -> None:
    row.last_polled_at = _db(now)
    row.claimed_by, row.claimed_until = None, None  # polled: its claim (issue #16) ends with the record
    row.last_status = o.status
    row.last_error = o.error
    if o.next_poll_at is None:
        row.enabled, row.disabled_reason = False, o.error or o.status
    else:
        row.next_poll_at = _db(o.next_poll_at)
    if o.error:
        row.consecutive_failures += 1
        row.failing_since = row.failing_since or _db(now)
    else:
        row.consecutive_failures, row.failing_since = 0, None
        row.last_success_at = _db(now)
        if o.status != "not modified":
            row.etag, row.last_modified = o.etag, o.last_modified
            row.body_sha256 = o.body_sha256 or row.body_sha256
        if o.ttl_seconds is not None:
            row.ttl_seconds = o.ttl_seconds
        if o.fetch_url:
            row.fetch_url = o.fetch_url
        row.moved_to, row.moved_count = o.moved_to, o.moved_count
        if o.new_articles or row.last_article_at is None:
            row.last_article_at = _db(now)


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not the driver, issue BEGIN (see _sqlite_on_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    for attempt in range(100):
        # Two connections switching a new file to WAL at once can deadlock; SQLite then
        # fails one at once (no busy wait): it tries again when the other is through.
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == 99:
                raise
            time.sleep(0.05)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_on_begin(conn) -> None:
    # Take the write lock at the start: two writers then wait (busy_timeout) instead of
    # failing with "database is locked" when a reader tries to upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_readonly(path: str, timeout: float) -> sqlite3.Connection:
    """A read-only connection (mode=ro). A WAL database in a folder we cannot write, with no
    -wal file beside it (nobody is writing it: a writer would need that file), cannot be
    opened so, since SQLite must create its -shm file: it is opened as immutable then."""
    uri = Path(path).resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return conn
    except sqlite3.OperationalError:
        if os.path.exists(f"{path}-wal") or os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
            raise
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, check_same_thread=False)


def _sqlite_on_connect_ro(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")


def _sqlite_on_begin_ro(conn) -> None:
    # A deferred transaction: it reads a snapshot and never waits for the write lock.
    conn.exec_driver_sql("BEGIN")


def _insert_ignore(store: Store, table):
    """INSERT ... ON CONFLICT DO NOTHING for the store's database."""
    if store.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing()


def _lease(r: LeaseRow) -> Lease:
    return Lease(r.name, r.worker, r.host, r.pid, _utc(r.started_at), _utc(r.heartbeat_at), _utc(r.expires_at))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _feed_state(r: FeedRow, articles: int) -> FeedState:
    return FeedState(
        r.id, r.url, r.name, r.every_seconds, r.etag, r.last_modified, _utc(r.next_poll_at),
        _utc(r.last_polled_at), _utc(r.last_success_at), r.last_status, r.last_error,
        r.consecutive_failures, articles, r.fetch_url, r.moved_to, r.moved_count, r.body_sha256,
        r.ttl_seconds, _utc(r.failing_since), _utc(r.last_article_at), r.silent_after_seconds,
        r.enabled, r.disabled_reason, r.origin,
    )


def _fired(s: Session, pause_ids: list[int]) -> dict[int, frozenset[str]]:
    out: dict[int, set[str]] = {}
    for chunk in _chunks(pause_ids, 500):
        for pid, key in s.exec(select(ChangeRow.pause_id, ChangeRow.key).where(ChangeRow.pause_id.in_(chunk), ChangeRow.key.is_not(None))):
            out.setdefault(pid, set()).add(key)
    return {k: frozenset(v) for k, v in out.items()}


def _pause(r: PauseRow, fired: frozenset[str]) -> Pause:
    return Pause(
        id=r.id,
        kind=r.kind,
        location=r.location,
        country=r.country,
        status=r.status,
        duration_hours=r.duration_hours,
        start_text=r.start_text,
        starts_at=_utc(r.starts_at),
        ends_at=_utc(r.ends_at),
        actors=tuple(Actor(a["name"], a["stance"]) for a in r.actors),
        first_seen=_utc(r.first_seen),
        last_seen=_utc(r.last_seen),
        sources=tuple(r.sources),
        fired=fired,
        status_since=_utc(r.status_since),
        extended_hours=r.extended_hours,
        start_precision=r.start_precision,
        end_precision=r.end_precision,
        zone=r.zone,
    )


def _change_view(c: ChangeRow) -> ChangeView:
    return ChangeView(c.event, c.summary, c.old_status, c.new_status, c.quote, c.source, c.link, _utc(c.published), c.id, _utc(c.at), c.key)


def _evidence(e: EvidenceRow, article_key: str) -> Evidence:
    return Evidence(Mention.from_json(e.mention), article_key, e.source, e.link, _utc(e.published_at))
