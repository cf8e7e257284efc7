"""Frozen records passed between the stages of a poll.

Pure: no I/O. Every datetime here is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: Kinds of pause, in the order the extractor prefers them when a sentence mixes terms.
KINDS = ("ceasefire", "truce", "humanitarian_pause", "aid_corridor", "aid_access")

#: Families of kinds: a truce and a ceasefire can be one pause, an aid corridor and a
#: ceasefire cannot (the lifecycle's merging, the extractor's carry-overs, the evaluation).
KIND_FAMILY = {"ceasefire": "pause", "truce": "pause", "humanitarian_pause": "pause", "aid_corridor": "access", "aid_access": "access"}

#: Statuses a mention can assert.
STATUSES = (
    "proposed",
    "called_for",
    "agreed",
    "in_effect",
    "extended",
    "violated",
    "collapsed",
    "ended",
)

#: Statuses a pause record can have: a mention's statuses, one the clock gives (expired),
#: and one for a pause whose every report was edited to say nothing of it (retracted).
PAUSE_STATUSES = STATUSES + ("expired", "retracted")

#: Statuses after which a pause is closed (no longer matched by new mentions).
CLOSED_STATUSES = frozenset({"collapsed", "ended", "expired", "retracted"})

#: Stances an actor can take towards a pause.
STANCES = ("proposed", "called_for", "agreed", "welcomed", "rejected", "denied", "accused", "mentioned")


@dataclass(frozen=True, slots=True)
class Article:
    """One feed entry, as parsed. `key` identifies it across polls (guid, else link, else
    hash; guid_key when its feed reuses the guid for other stories)."""

    key: str
    title: str
    link: str | None
    published: datetime | None
    text: str
    content_hash: str


def guid_key(guid: str, link: str | None, content_hash: str) -> str:
    """The key of an entry whose guid other stories of its feed reuse: guid and link
    (guid and content hash when it has no link). Pure."""
    return f"{guid}#{link or 'sha256:' + content_hash}"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    articles: tuple[Article, ...]
    warning: str | None = None  # a recoverable problem feedparser reported (bozo with entries)


@dataclass(frozen=True, slots=True)
class Actor:
    name: str  # normalised, e.g. "UN", "Russia"
    stance: str  # one of STANCES


@dataclass(frozen=True, slots=True)
class Mention:
    """One pause spoken of in one sentence (or merged from adjacent sentences of one text)."""

    kind: str  # one of KINDS
    status: str  # one of STATUSES
    duration_hours: float | None
    location: str | None  # normalised place name, e.g. "Aleppo"
    country: str | None  # the place's country, e.g. "Syria"
    actors: tuple[Actor, ...]
    start_text: str | None  # the text's own words for the start, e.g. "this week"
    starts_at: datetime | None  # start_text resolved against the publication time, when precise
    quote: str  # the sentence it came from
    confidence: float  # 0..1
    ends_at: datetime | None = None  # an explicit end ("until Sunday"), resolved like starts_at
    start_range: tuple[datetime, datetime] | None = None  # (earliest, latest) when the start words are vague
    recurrence: str | None = None  # "daily" for recurring windows; duration_hours is then one window
    # How far the times can be trusted (see extract.when): precision is "minute", "day" or
    # "range" (start_range / end_range hold every reading); zone is "stated" (named in the
    # text: GMT, Moscow time...), "place" (the place's, or the article's place) or "unknown".
    start_precision: str | None = None
    start_zone: str | None = None
    end_precision: str | None = None
    end_zone: str | None = None
    end_range: tuple[datetime, datetime] | None = None  # (earliest, latest) when the end is not fixed
    time_notes: tuple[str, ...] = ()  # e.g. "local 06:00 and 0400 GMT disagree: the GMT figure is used"
    # zone "unknown": the local wall time read ("2024-03-13T06:00", or a date "2024-03-13"),
    # which the lifecycle resolves in the zone of the pause the mention joins
    start_local: str | None = None
    end_local: str | None = None

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "status": self.status,
            "duration_hours": self.duration_hours,
            "location": self.location,
            "country": self.country,
            "actors": [{"name": a.name, "stance": a.stance} for a in self.actors],
            "start_text": self.start_text,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "quote": self.quote,
            "confidence": round(self.confidence, 2),
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "start_range": [d.isoformat() for d in self.start_range] if self.start_range else None,
            "recurrence": self.recurrence,
            "start_precision": self.start_precision,
            "start_zone": self.start_zone,
            "end_precision": self.end_precision,
            "end_zone": self.end_zone,
            "end_range": [d.isoformat() for d in self.end_range] if self.end_range else None,
            "time_notes": list(self.time_notes),
            "start_local": self.start_local,
            "end_local": self.end_local,
        }

    @classmethod
    def from_json(cls, m: dict) -> Mention:
        """The inverse of to_json (confidence stays rounded): how the store reads a mention back."""
        return cls(
            kind=m["kind"],
            status=m["status"],
            duration_hours=m["duration_hours"],
            location=m["location"],
            country=m.get("country"),
            actors=tuple(Actor(a["name"], a["stance"]) for a in m["actors"]),
            start_text=m["start_text"],
            starts_at=_when(m.get("starts_at")),
            quote=m["quote"],
            confidence=m["confidence"],
            ends_at=_when(m.get("ends_at")),
            start_range=tuple(_when(d) for d in m["start_range"]) if m.get("start_range") else None,
            recurrence=m.get("recurrence"),
            start_precision=m.get("start_precision"),
            start_zone=m.get("start_zone"),
            end_precision=m.get("end_precision"),
            end_zone=m.get("end_zone"),
            end_range=tuple(_when(d) for d in m["end_range"]) if m.get("end_range") else None,
            time_notes=tuple(m.get("time_notes") or ()),
            start_local=m.get("start_local"),
            end_local=m.get("end_local"),
        )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class Evidence:
    """A mention together with where it was read."""

    mention: Mention
    article_key: str
    source: str  # feed name or publisher
    link: str | None
    published: datetime  # publication time, else the time it was first seen

    def as_stored(self) -> Evidence:
        """This evidence as the store hands it back once saved (its mention through JSON:
        confidence rounded; the time in UTC), for a writer that keeps saved evidence in memory."""
        return Evidence(Mention.from_json(self.mention.to_json()), self.article_key, self.source, self.link, self.published.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class Pause:
    """One record per pause. `id` is None until the store has saved it."""

    id: int | None
    kind: str
    location: str | None
    country: str | None
    status: str  # one of PAUSE_STATUSES
    duration_hours: float | None
    start_text: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    actors: tuple[Actor, ...]
    first_seen: datetime
    last_seen: datetime
    sources: tuple[str, ...] = ()
    fired: frozenset[str] = frozenset()  # keys of countdown events already fired
    status_since: datetime | None = None  # when the status was last reported or reached
    extended_hours: float | None = None  # the extensions counted in ends_at
    start_precision: str | None = None  # "minute", "day", "range" (not confirmed) or "before" (it began then or earlier): how sure starts_at is
    end_precision: str | None = None  # the same for ends_at
    zone: str | None = None  # IANA zone of the pause's place, to show its local times (None: not known)

    def seconds_left(self, now: datetime) -> float | None:
        """Seconds to the end, or to the start when it has not started. None when unknown."""
        if self.starts_at and now < self.starts_at:
            return (self.starts_at - now).total_seconds()
        if self.ends_at and self.is_open:
            return max(0.0, (self.ends_at - now).total_seconds())
        return None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


@dataclass(frozen=True, slots=True)
class Change:
    """Something that happened to a pause and may cause an alert.

    `event` is one of: "new", "status", "times", "retracted", "starts_soon", "started",
    "start_unconfirmed", "ends_soon", "ends_very_soon", "expired". `key` is stable for countdown events, so each fires once.
    """

    event: str
    at: datetime
    summary: str  # one line for people, e.g. "status proposed -> agreed"
    old_status: str | None = None
    new_status: str | None = None
    evidence: Evidence | None = None
    key: str | None = None  # dedupe key within the pause (countdown events); None = always new


@dataclass(frozen=True, slots=True)
class Rendered:
    """An alert rendered for every channel type. Pure data, stored with the alert.

    `slack` is a Slack incoming-webhook payload ({"text": ..., "blocks": [...]}),
    `webhook` the generic webhook's JSON body.
    """

    subject: str
    text: str
    html: str
    slack: dict
    webhook: dict

    def to_json(self) -> dict:
        return {
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "slack": self.slack,
            "webhook": self.webhook,
        }

    @classmethod
    def from_json(cls, data: dict) -> Rendered:
        return cls(data["subject"], data["text"], data["html"], data["slack"], data["webhook"])


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One alert for one channel, as the outbox hands it to a channel.

    `key` is stable across retries (pause, change, channel); `install` is the database's
    install id (Store.install_id), so that ids made from the key (webhook-id, Message-ID)
    differ between installs. Receivers may dedupe on those ids.
    """

    key: str
    channel: str
    rendered: Rendered
    created_at: datetime
    install: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a channel's send() reports. Channels never raise into the caller."""

    ok: bool
    error: str | None = None
    retry: bool = True  # False: a permanent failure, do not try again
    retry_after: float | None = None  # seconds the peer asked us to wait
    rest: dict | None = None  # Slack: {"parts": [...]} not yet sent when some parts were (a retry sends only these)


@dataclass(frozen=True, slots=True)
class ChangeView:
    """A change as templates, the digest and the reading commands see it: from a Change
    being saved (ChangeView.of), or read back from the store (with its id, time and key)."""

    event: str
    summary: str
    old_status: str | None = None
    new_status: str | None = None
    quote: str | None = None
    source: str | None = None
    link: str | None = None
    published: datetime | None = None
    id: int | None = None  # None until saved
    at: datetime | None = None
    key: str | None = None  # the countdown event's key (Change.key)

    @classmethod
    def of(cls, change: Change) -> ChangeView:
        ev = change.evidence
        return cls(
            change.event,
            change.summary,
            change.old_status,
            change.new_status,
            ev.mention.quote if ev else None,
            ev.source if ev else None,
            ev.link if ev else None,
            ev.published if ev else None,
            at=change.at,
            key=change.key,
        )


@dataclass(frozen=True, slots=True)
class Silence:
    id: int | None
    until: datetime
    reason: str
    created_at: datetime
    place: str | None = None
    kind: str | None = None
    channel: str | None = None

    def active(self, now: datetime) -> bool:
        return now < self.until


# -- the poll: a feed as the store holds it, what one poll of it records ------------
#
# By direction: the store hands out FeedState, PendingAlert, DueAlert; the decider
# (tracker.decide) returns a FeedIntent (its outcome, articles, pause Updates, health
# alert), alerts.plan returns AlertWrites; the store writes those and hands back
# SavedChanges.


@dataclass(frozen=True, slots=True)
class FeedState:
    id: int
    url: str  # as configured (or imported)
    name: str
    every_seconds: int
    etag: str | None
    last_modified: str | None
    next_poll_at: datetime
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    articles: int = 0
    fetch_url: str | None = None  # where it moved, when a permanent redirect was accepted
    moved_to: str | None = None
    moved_count: int = 0
    body_sha256: str | None = None
    ttl_seconds: float | None = None
    failing_since: datetime | None = None
    last_article_at: datetime | None = None
    silent_after_seconds: int = 172800
    enabled: bool = True
    disabled_reason: str | None = None
    origin: str = "config"

    @property
    def effective_url(self) -> str:
        return self.fetch_url or self.url


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of a feed found, to record. `next_poll_at` None disables the feed."""

    status: str  # "ok 200", "not modified", "unchanged", "error", "gone"
    next_poll_at: datetime | None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    ttl_seconds: float | None = None
    fetch_url: str | None = None  # a permanent move accepted now
    moved_to: str | None = None
    moved_count: int = 0
    new_articles: int = 0


@dataclass(frozen=True, slots=True)
class DueAlert:
    id: int
    attempts: int
    pause_id: int | None
    msg: Outgoing


@dataclass(frozen=True, slots=True)
class SavedChange:
    """A change as saved (out of the store), with the pause it belongs to: what alert
    planning needs. `view` is the change as the store reads it back."""

    id: int
    pause: Pause
    change: Change
    view: ChangeView


@dataclass(frozen=True, slots=True)
class HealthAlert:
    """A "source unhealthy" alert to queue: `key` is one per streak of failures (or one
    silence), so a feed failing for a week raises it once."""

    key: str
    feed: str  # its name
    url: str
    problem: str  # "3 polls in a row failed"
    detail: str

    @property
    def summary(self) -> str:
        return f"source unhealthy: {self.feed}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Update:
    """A pause after a batch: `before` is None for a new pause.

    `evidence` is the new evidence to attach, `reasons` why each joined this pause.
    """

    before: Pause | None
    after: Pause
    evidence: tuple[Evidence, ...]
    reasons: tuple[str, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class FeedIntent:
    """What one poll of one feed means, decided (tracker.decide) and not yet written.

    `articles` are the new or edited articles to upsert, `updates` the pauses their
    evidence changes (with that evidence and the changes it causes), `outcome` what the
    feed records (its next poll), `health` the "source unhealthy" alert to raise once
    written. `warnings` are what the writer logs: the parser's warning, reused guids,
    entries skipped; for a failed poll, when it is tried again."""

    feed: FeedState
    status: str  # "ok", "not modified", "error" (PollReport's)
    outcome: PollOutcome
    articles: tuple[Article, ...] = ()
    updates: tuple[Update, ...] = ()
    health: HealthAlert | None = None
    moved: str | None = None  # a permanent move accepted by this poll
    warnings: tuple[str, ...] = ()  # the parser's, reused guids', reconcile's: logged
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An alert of a pause not sent yet, as the store holds it (what grouping and
    withdrawal look at): `changes` are the changes it carries, oldest first."""

    id: int
    pause_id: int
    channel: str
    attempts: int
    next_try_at: datetime
    note: str | None
    changes: tuple[ChangeView, ...]


@dataclass(frozen=True, slots=True)
class AlertWrite:
    """An alert to write into the outbox (alerts.plan decides it, the store writes it):
    a new one (`id` None: `key`, `next_try_at`), or a pending one rewritten with other
    changes (grouped or withdrawn ones), or withdrawn (`status` "withdrawn": only `note`
    is written)."""

    id: int | None
    pause_id: int
    channel: str
    change_ids: tuple[int, ...]
    rendered: Rendered | None
    note: str | None
    summary: str
    status: str = "pending"  # or "withdrawn"
    key: str | None = None
    next_try_at: datetime | None = None
