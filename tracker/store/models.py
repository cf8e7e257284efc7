"""SQLModel tables. Every datetime is timezone-aware UTC (SQLite returns it naive; see store.db._utc)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class FeedRow(SQLModel, table=True):
    __tablename__ = "feed"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    name: str
    every_seconds: int
    enabled: bool = True
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, sa_column=Column(Text))
    next_poll_at: datetime
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: str | None = None  # "ok 200", "not modified", "error"
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    failing_since: datetime | None = None  # first failure of the current streak
    origin: str = "config"  # "config" (follows config.toml) or "import" (tracker feeds import)
    silent_after_seconds: int = 172800  # no new article for this long: the source is silent
    fetch_url: str | None = Field(default=None, sa_column=Column(Text))  # where it moved (301/308)
    moved_to: str | None = Field(default=None, sa_column=Column(Text))  # a move seen, not yet confirmed
    moved_count: int = 0
    body_sha256: str | None = None  # of the last 200 body: an unchanged 200 is skipped
    ttl_seconds: float | None = None  # RSS <ttl>, a floor on the next poll
    last_article_at: datetime | None = None  # when a new article was last stored from it
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text))
    claimed_by: str | None = None  # the worker polling it (issue #16), until claimed_until
    claimed_until: datetime | None = None  # past it, a claim whose worker died is free again


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    feed_id: int = Field(foreign_key="feed.id", index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime | None = None
    first_seen_at: datetime
    updated_at: datetime
    content_hash: str
    text: str = Field(sa_column=Column(Text, nullable=False))


class PauseRow(SQLModel, table=True):
    __tablename__ = "pause"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    location: str | None = None
    country: str | None = None
    status: str = Field(index=True)
    duration_hours: float | None = None
    start_text: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    actors: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sources: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_seen: datetime
    last_seen: datetime
    status_since: datetime | None = None
    extended_hours: float | None = None
    start_precision: str | None = None  # minute | day | range
    end_precision: str | None = None
    zone: str | None = None  # IANA zone of the place


class EvidenceRow(SQLModel, table=True):
    """One mention, with the article it came from, attached to a pause."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    pause_id: int = Field(foreign_key="pause.id", index=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    source: str
    link: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime
    mention: dict = Field(sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))  # why it joined this pause


class ChangeRow(SQLModel, table=True):
    """A change of a pause that may cause alerts. `key` makes countdown events fire once."""

    __tablename__ = "change"
    __table_args__ = (UniqueConstraint("pause_id", "key", name="uq_change_pause_key"),)

    id: int | None = Field(default=None, primary_key=True)
    pause_id: int = Field(foreign_key="pause.id", index=True)
    event: str
    key: str | None = None
    at: datetime
    summary: str = Field(sa_column=Column(Text, nullable=False))
    old_status: str | None = None
    new_status: str | None = None
    quote: str | None = Field(default=None, sa_column=Column(Text))
    source: str | None = None
    link: str | None = Field(default=None, sa_column=Column(Text))
    published: datetime | None = None  # when the evidence behind it was published


class AlertRow(SQLModel, table=True):
    """The outbox: written with the change that causes it, marked when delivered.

    A change alert may carry several changes of one pause (grouped within the channel's
    group_wait); a digest alert carries none.
    """

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(Text, unique=True, nullable=False))  # pause/change/channel, or digest/channel/time
    kind: str = "change"  # change | digest | test
    pause_id: int | None = Field(default=None, foreign_key="pause.id", index=True)
    change_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel: str = Field(index=True)
    status: str = Field(default="pending", index=True)  # pending | sending | sent | failed | silenced | withdrawn
    attempts: int = 0
    next_try_at: datetime = Field(index=True)
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    note: str | None = Field(default=None, sa_column=Column(Text))  # template fallbacks, refused recipients, silence
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    rendered: dict = Field(sa_column=Column(JSON, nullable=False))
    claimed_by: str | None = None  # the worker sending it (status "sending"), until claimed_until
    claimed_until: datetime | None = None  # past it, a claim whose sender died is due again


class SilenceRow(SQLModel, table=True):
    __tablename__ = "silence"

    id: int | None = Field(default=None, primary_key=True)
    place: str | None = None
    kind: str | None = None
    channel: str | None = None
    until: datetime = Field(index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class LeaseRow(SQLModel, table=True):
    """Who holds a role on this database: `daemon` is the one `tracker run` daemon.
    Held while its heartbeat is fresh; a lease not renewed within its time is taken over."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True)
    worker: str  # random per process
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


class InstallRow(SQLModel, table=True):
    """One row: this database's install id, random, made on first use. It goes into every
    webhook-id and Message-ID, so two installs (or a reset database) never share ids."""

    __tablename__ = "install"

    id: int = Field(default=1, primary_key=True)
    install_id: str
    created_at: datetime


class WorkerRow(SQLModel, table=True):
    """A `tracker run` worker sharing this database (issue #16): alive while its heartbeat
    renews `expires_at`. Its feed and alert claims are renewed with it (Coordination.heartbeat)."""

    __tablename__ = "worker"

    id: str = Field(primary_key=True)  # host/pid/random, as in leases and claims
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


class ChannelStateRow(SQLModel, table=True):
    """What every worker must respect before sending on a channel (or to one webhook):
    a peer's Retry-After (`hold_until`) and when the last send ended (`last_send_at`, for a
    rate such as Slack's one message a second)."""

    __tablename__ = "channel_state"

    key: str = Field(primary_key=True)  # the channel's name, or "slack:<hash of the webhook>"
    hold_until: datetime | None = None
    last_send_at: datetime | None = None


class SingletonRow(SQLModel, table=True):
    """A job that runs once per period across workers (the tick, each digest): the period
    last taken, by whom, until when, and whether it finished (an unfinished one whose lease
    ran out is taken over)."""

    __tablename__ = "singleton"

    name: str = Field(primary_key=True)  # "tick", "digest:<channel>"
    period: datetime  # the start of the period (the minute, the digest's fire time)
    worker: str
    until: datetime
    done: bool = False
