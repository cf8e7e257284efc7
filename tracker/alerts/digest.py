"""Scheduled digests: what is active, what changed, what is due, which sources went
stale -> email (subject, text, HTML), Slack messages and the generic webhook's body.

Pure once built: the DigestRenderer reads its templates when constructed; render() does
no I/O and reads no clock (`now` is in the input). Does not query the store, does not
decide whether to send (an empty digest still renders a short "nothing to report"; see
`DigestInput.is_empty`) and does not send. Templates fail loudly (StrictUndefined);
HTML is autoescaped; the subject goes through `one_line`; Slack's long digests are cut
into messages within Slack's limits by `slack_limits.split_message`.

What a digest holds, all in the channel's time zone with UTC in brackets:

- **Active pauses**: the open ones among `pauses`, soonest deadline first (the start
  when it has not started, else the end; pauses with neither come last).
- **Changed since the last digest**: `changes`, grouped per pause (most recently
  changed pause first, its changes oldest first), each pause shown in its current
  state (from `pauses` when it is there).
- **Next 24 hours**: starts and ends of open pauses due in [now, now + 24 h).
- **Sources gone stale**: `stale_feeds` as given (the caller decides what is stale).

Quotes are clipped to QUOTE_CHARS in every format (a digest summarises; the link leads
to the article, the webhook carries the full quote). Only http(s) links are rendered.

Webhook body (version WEBHOOK_SCHEMA_VERSION, type "digest")::

    {"type": "digest", "version": 1, "timestamp": "<now>",
     "data": {"since": "<iso>|null", "timezone": "Europe/Paris", "empty": false,
              "active": [<pause>...],
              "changed": [{"pause": <pause>, "changes": [<change>...]}...],
              "next_24h": [{"at": "<iso>", "event": "starts|ends", "pause_id": 3}...],
              "stale_feeds": [{"name", "url", "last_success_at", "last_error"}...]}}

where <pause> and <change> have the same fields as in a pause alert (docs/webhook.md),
and a change also has "at". A stale feed's url has its credentials and query hidden.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from ..errors import TemplateError
from ..lifecycle import format_hours
from ..types import Change, Pause
from .render import (
    WEBHOOK_SCHEMA_VERSION,
    _capped,
    _environment,
    builtin_templates,
    duration_words,
    http_link,
    one_line,
    overrides_in,
    pause_json,
    pause_view,
)
from .slack_limits import split_message

#: The window of "next 24 hours".
AHEAD = timedelta(hours=24)
#: Entries per list in the HTML part (the text part has them all): a 200-pause digest was
#: ~230 KB of HTML, past Gmail's 102 KB clip; 30 keeps it near 70 KB with long quotes.
HTML_CAP = 30
#: Longest quote (characters) a digest shows.
QUOTE_CHARS = 300
#: Longest error message of a stale feed a digest shows.
ERROR_CHARS = 300
#: A pause whose deadline is nearer than this is marked urgent (HTML colour, Slack bold).
URGENT = timedelta(hours=6)

TEMPLATES = {
    "subject": "digest_subject.txt.j2",
    "text": "digest.txt.j2",
    "html": "digest.html.j2",
    "slack": "slack_digest.json.j2",
}


@dataclass(frozen=True, slots=True)
class StaleFeed:
    """A source that has not been read successfully for a while (the caller decides)."""

    name: str
    url: str
    last_success_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class DigestInput:
    """Everything one digest shows. `since` is the previous digest's time (None: first)."""

    now: datetime
    since: datetime | None
    timezone: str  # IANA name, e.g. "Europe/Paris"
    pauses: tuple[Pause, ...]
    changes: tuple[tuple[Pause, Change], ...]
    stale_feeds: tuple[StaleFeed, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing active, nothing changed, no stale source: a "nothing to report" digest."""
        return not self.changes and not self.stale_feeds and not any(p.is_open for p in self.pauses)


@dataclass(frozen=True, slots=True)
class Digest:
    """A rendered digest. `slack_parts` are messages to send in order (each within limits)."""

    subject: str
    text: str
    html: str
    slack_parts: tuple[dict, ...]
    webhook: dict
    notes: tuple[str, ...] = ()  # an override template that failed (the built-in one was used)


# --------------------------------------------------------------------------- labels


def zone_abbreviation(at: datetime) -> str:
    """'CET', 'UTC'; a zone with no letters ('-03') as 'UTC-03'."""
    name = at.tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name


def local_label(at: datetime, zone: tzinfo, now: datetime | None = None, *, weekday: bool = True, utc: bool = True) -> str:
    """'Tue 25 Nov 09:00 CET (08:00 UTC)' in `zone`. UTC in brackets unless the zone is
    at UTC then; the year only when it is not `now`'s year in that zone."""
    local = at.astimezone(zone)
    year = "" if now is not None and now.astimezone(zone).year == local.year else " %Y"
    label = f"{local.strftime(('%a ' if weekday else '') + f'%d %b{year} %H:%M')} {zone_abbreviation(local)}"
    if utc and local.utcoffset() != timedelta(0):
        u = at.astimezone(UTC)
        label += f" ({u:%H:%M} UTC)" if u.date() == local.date() else f" ({u:%a %H:%M} UTC)"
    return label


def _sure(label: str, precision: str | None) -> str:
    """A time label marked with how sure it is: 'about' (a day, hour not given), 'not
    confirmed' (a range), 'by' (a bound: the first report of it in effect); a minute as it is."""
    if precision == "day":
        return f"about {label} (hour not given)"
    if precision == "before":
        return f"by {label} (first report in effect)"
    return f"not confirmed: around {label}" if precision == "range" else label


def url_label(url: str) -> str:
    """A feed URL to show: no credentials, no query (either may hold a token)."""
    try:
        parts = urlsplit(one_line(url))
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid URL)"
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{query}" if host else one_line(url)[:200]


def clip(text: str | None, limit: int) -> str | None:
    """One line, at most `limit` characters, cut at a word with '…'."""
    if text is None:
        return None
    text = one_line(text)
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip() + "…"


def title(p: Pause) -> str:
    """'48-hour ceasefire in Aleppo, Syria', 'Truce in Yemen' (no place: its country), one line."""
    length = f"{format_hours(p.duration_hours)} " if p.duration_hours else ""
    place = p.location or p.country or "an unnamed place"
    if p.location and p.country and p.country != p.location:
        place = f"{place}, {p.country}"
    text = one_line(f"{length}{p.kind.replace('_', ' ')} in {place}")
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- views


def _pause_key(p: Pause) -> object:
    return p.id if p.id is not None else (p.kind, p.location, p.country, p.first_seen)


def _deadline(p: Pause, now: datetime) -> tuple:
    seconds = p.seconds_left(now)
    return (seconds is None, seconds or 0.0, p.id if p.id is not None else 0, title(p))


def _pause(p: Pause, now: datetime, zone: tzinfo) -> dict:
    view = pause_view(p, now)
    seconds = p.seconds_left(now)
    before_start = bool(p.starts_at and now < p.starts_at)
    if not p.is_open:
        deadline = p.status.replace("_", " ")
    elif before_start:
        deadline = f"starts {local_label(p.starts_at, zone, now)}"  # type: ignore[arg-type]
    elif p.ends_at:
        deadline = f"ends {local_label(p.ends_at, zone, now)}"
    else:
        deadline = None  # time_left already says "start not fixed" / "end not known"
    view.update(
        title=title(p),
        place=one_line(view["place"]),
        actors_label=one_line(view["actors_label"]),
        sources_label=f"{len(p.sources)} source{'' if len(p.sources) == 1 else 's'}",
        deadline_label=deadline,
        starts_local=_sure(local_label(p.starts_at, zone, now), p.start_precision) if p.starts_at else view["starts_label"],
        ends_local=_sure(local_label(p.ends_at, zone, now), p.end_precision) if p.ends_at else view["ends_label"],
        urgent=seconds is not None and p.is_open and seconds < URGENT.total_seconds(),
        ref=f"#{p.id}" if p.id is not None else "new",
    )
    return view


def _change(c: Change, now: datetime, zone: tzinfo) -> dict:
    ev = c.evidence
    return {
        "event": c.event,
        "at": c.at,
        "at_label": local_label(c.at, zone, now),
        "summary": one_line(c.summary),
        "quote": clip(ev.mention.quote, QUOTE_CHARS) if ev else None,
        "source": one_line(ev.source) if ev else None,
        "link": http_link(ev.link) if ev else None,
    }


def _grouped(d: DigestInput) -> list[tuple[Pause, list[Change]]]:
    """Changes per pause: the pause in its current state (from `pauses`, else as of its
    latest change), its changes oldest first; the most recently changed pause first."""
    current = {_pause_key(p): p for p in d.pauses}
    latest: dict[object, tuple[datetime, Pause]] = {}
    changes: dict[object, list[Change]] = {}
    for p, c in d.changes:
        key = _pause_key(p)
        changes.setdefault(key, []).append(c)
        if key not in latest or c.at >= latest[key][0]:
            latest[key] = (c.at, p)
    groups = [(current.get(key, latest[key][1]), sorted(cs, key=lambda c: c.at)) for key, cs in changes.items()]
    groups.sort(key=lambda g: (-g[1][-1].at.timestamp(), _deadline(g[0], d.now)))
    return groups


def _upcoming(active: Iterable[Pause], now: datetime) -> list[tuple[datetime, str, Pause]]:
    items = []
    for p in active:
        for what, at in (("starts", p.starts_at), ("ends", p.ends_at)):
            if at is not None and now <= at < now + AHEAD:
                items.append((at, what, p))
    items.sort(key=lambda item: (item[0], item[1] == "starts", _deadline(item[2], now)))
    return items


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def context(d: DigestInput) -> dict:
    """What the digest templates see. Pure; exposed for tests and user templates."""
    try:
        zone = ZoneInfo(d.timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise TemplateError(f"digest: {d.timezone!r} is not an IANA time zone") from e
    now = d.now
    active = sorted((p for p in d.pauses if p.is_open), key=lambda p: _deadline(p, now))
    groups = _grouped(d)
    upcoming = _upcoming(active, now)
    stale = [
        {
            "name": one_line(f.name),
            "url": url_label(f.url),
            "last_success_label": local_label(f.last_success_at, zone, now) if f.last_success_at else "never",
            "stale_for": duration_words((now - f.last_success_at).total_seconds()) if f.last_success_at else None,
            "last_error": clip(f.last_error, ERROR_CHARS),
        }
        for f in d.stale_feeds
    ]
    n_changes = sum(len(cs) for _, cs in groups)
    now_short = local_label(now, zone, now, weekday=False, utc=False)
    if d.is_empty:
        title_line = f"Digest {now_short}: nothing to report"
    else:
        title_line = f"Digest {now_short}: {len(active)} active, {len(groups)} changed"
        if stale:
            title_line += f", {_plural(len(stale), 'stale source')}"
    since_label = local_label(d.since, zone, now) if d.since else None
    facts = [
        _plural(len(active), "active pause"),
        f"{_plural(len(groups), 'pause')} changed" + (f" since {since_label}" if since_label else ""),
        f"{_plural(len(upcoming), 'start or end', 'starts or ends')} in the next 24 hours",
    ]
    if stale:
        facts.append(f"{_plural(len(stale), 'source')} gone stale")
    summary = "; ".join(facts) + "."
    if d.is_empty:
        summary = f"Nothing to report: no active pauses, no changes{f' since {since_label}' if since_label else ''}, no stale sources."
    return {
        "title": one_line(title_line),
        "now": now,
        "now_label": local_label(now, zone, now),
        "since_label": since_label,
        "since_short": local_label(d.since, zone, now, utc=False) if d.since else None,
        "timezone": d.timezone,
        "zone_label": zone_abbreviation(now.astimezone(zone)),
        "zone_is_utc": now.astimezone(zone).utcoffset() == timedelta(0),
        "empty": d.is_empty,
        "summary": summary,
        "html_cap": HTML_CAP,
        "counts": {
            "active": len(active),
            "changed": len(groups),
            "changes": n_changes,
            "upcoming": len(upcoming),
            "stale": len(stale),
        },
        "active": [_pause(p, now, zone) for p in active],
        "changed": [
            {"pause": _pause(p, now, zone), "changes": [_change(c, now, zone) for c in changes]}
            for p, changes in groups
        ],
        "upcoming": [
            {
                "what": what,
                "at_label": local_label(at, zone, now),
                "at_local": local_label(at, zone, now, utc=False),
                "at_utc": None if at.astimezone(zone).utcoffset() == timedelta(0) else f"{at.astimezone(UTC):%a %H:%M} UTC",
                "in_label": duration_words((at - now).total_seconds()),
                "pause": _pause(p, now, zone),
            }
            for at, what, p in upcoming
        ],
        "stale": stale,
    }


# --------------------------------------------------------------------------- webhook


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def _change_json(c: Change) -> dict:
    ev = c.evidence
    return {
        "event": c.event,
        "at": _iso(c.at),
        "summary": c.summary,
        "old_status": c.old_status,
        "new_status": c.new_status,
        "evidence": None
        if ev is None
        else {"quote": ev.mention.quote, "source": ev.source, "link": ev.link, "published": _iso(ev.published)},
    }


def webhook_payload(d: DigestInput) -> dict:
    """The generic webhook body of a digest (see the module docstring). Pure."""
    now = d.now
    active = sorted((p for p in d.pauses if p.is_open), key=lambda p: _deadline(p, now))
    return {
        "type": "digest",
        "version": WEBHOOK_SCHEMA_VERSION,
        "timestamp": now.isoformat(),
        "data": {
            "since": _iso(d.since),
            "timezone": d.timezone,
            "empty": d.is_empty,
            "active": [pause_json(p, now) for p in active],
            "changed": [
                {"pause": pause_json(p, now), "changes": [_change_json(c) for c in changes]} for p, changes in _grouped(d)
            ],
            "next_24h": [{"at": at.isoformat(), "event": what, "pause_id": p.id} for at, what, p in _upcoming(active, now)],
            "stale_feeds": [
                {"name": f.name, "url": url_label(f.url), "last_success_at": _iso(f.last_success_at), "last_error": f.last_error}
                for f in d.stale_feeds
            ],
        },
    }


# --------------------------------------------------------------------------- renderer


class DigestRenderer:
    """Built once from the built-in templates and a folder of overrides (`[tracker]
    templates`: a file there replaces the built-in of the same name, rendered in Jinja's
    sandbox; if it fails, the built-in one is used and `Digest.notes` says why); render()
    is pure."""

    def __init__(self, folder: Path | None = None):
        builtin = builtin_templates()
        env = _environment(jinja2.FileSystemLoader(str(builtin)), sandboxed=False)
        try:
            self.templates = {part: env.get_template(name) for part, name in TEMPLATES.items()}
        except jinja2.TemplateError as e:
            raise TemplateError(f"template {getattr(e, 'name', '') or ''} in {builtin}: {e}") from e
        self.user: dict[str, jinja2.Template] = {}
        self.user_errors: list[str] = []
        for part, path in overrides_in(folder, TEMPLATES).items():
            user_env = _environment(jinja2.FileSystemLoader(str(path.parent)), sandboxed=True)
            try:
                self.user[part] = user_env.get_template(path.name)
            except (jinja2.TemplateError, OSError) as e:
                self.user_errors.append(f"template {path} cannot be used ({e}); the built-in one was used")

    def _part(self, part: str, ctx: dict, notes: list[str]):
        if part in self.user:
            try:
                out = _capped(self.user[part].render(ctx))
                return json.loads(out) if part == "slack" else out
            except (jinja2.TemplateError, ValueError, TypeError, jinja2.exceptions.SecurityError) as e:
                notes.append(f"digest {part} template failed ({type(e).__name__}: {e}); the built-in one was used")
        try:
            out = self.templates[part].render(ctx)
            return json.loads(out) if part == "slack" else out
        except jinja2.TemplateError as e:
            raise TemplateError(f"digest template {TEMPLATES[part]} failed: {e}") from e
        except json.JSONDecodeError as e:
            raise TemplateError(f"{TEMPLATES[part]} did not render valid JSON: {e}") from e

    def render(self, d: DigestInput) -> Digest:
        ctx = context(d)
        notes = list(self.user_errors)
        subject, text, html, slack = (self._part(part, ctx, notes) for part in ("subject", "text", "html", "slack"))
        return Digest(one_line(subject), text, html, tuple(split_message(slack)), webhook_payload(d), tuple(notes))


__all__ = [
    "AHEAD",
    "Digest",
    "DigestInput",
    "DigestRenderer",
    "StaleFeed",
    "context",
    "local_label",
    "webhook_payload",
]
