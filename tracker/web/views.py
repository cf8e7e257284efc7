"""The web views, pure: pauses, changes and feeds in; board rows, HTML, JSON, iCalendar,
Atom and Prometheus text out, at the `now` passed in.

No I/O once built (`Pages` reads its templates when constructed), no clock, no store:
`tracker.web.app` reads the store and calls these. Does not decide who may see what
(the app's middleware does) and never writes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2

from ..alerts.render import headline, http_link, one_line, pause_json
from ..extract.gazetteer import place_ancestors
from ..extract.zones import place_zone
from ..lifecycle import format_hours
from ..types import CLOSED_STATUSES, KINDS, PAUSE_STATUSES, Evidence, Pause

#: The board asks for fresh data this often (seconds); the time left ticks every second.
REFRESH_SECONDS = 30


class BadQuery(ValueError):
    """A query parameter the views cannot use; the message names it and what would do."""


# filters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """The board's filters, as they stand in the URL (`?place=Sudan&kind=ceasefire`).
    `place` matches the pause's place, its country and every place containing it
    ("Sudan" takes El Fasher). Without `status` or `all` only open pauses are shown."""

    place: str = ""
    kind: str = ""
    status: str = ""
    all: bool = False

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Filters:
        """From a query string's values; BadQuery names a value that is not allowed."""
        kind = query.get("kind", "").strip()
        status = query.get("status", "").strip()
        if kind and kind not in KINDS:
            raise BadQuery(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if status and status not in PAUSE_STATUSES:
            raise BadQuery(f"status must be one of {', '.join(PAUSE_STATUSES)}, not {status!r}")
        shown = query.get("all", "").strip().lower()
        if shown not in ("", "0", "1", "true", "false", "yes", "no"):
            raise BadQuery(f"all must be true or false, not {shown!r}")
        return cls(one_line(query.get("place", ""))[:200], kind, status, shown in ("1", "true", "yes"))

    def matches(self, p: Pause) -> bool:
        if self.kind and p.kind != self.kind:
            return False
        if self.status and p.status != self.status:
            return False
        if not (self.status or self.all) and not p.is_open:
            return False
        if self.place:
            want = self.place.casefold()
            names = (p.location, p.country, *place_ancestors(p.location, p.country))
            if not any(n and n.casefold() == want for n in names):
                return False
        return True

    def query(self, **override: str) -> str:
        """The query string of these filters (empty values left out), for links."""
        values = {"place": self.place, "kind": self.kind, "status": self.status, "all": "true" if self.all else "", **override}
        return urlencode({k: v for k, v in values.items() if v})


def board_order(pauses: Iterable[Pause], now: datetime) -> list[Pause]:
    """Open pauses first, the soonest deadline first (as `tracker pauses`), then the rest."""
    left = lambda p: p.seconds_left(now)  # noqa: E731
    return sorted(pauses, key=lambda p: (not p.is_open, left(p) is None, left(p) or 0, p.id))


def select(pauses: Iterable[Pause], f: Filters, now: datetime) -> list[Pause]:
    return board_order((p for p in pauses if f.matches(p)), now)


# JSON ----------------------------------------------------------------------------------


def pause_api(p: Pause, now: datetime) -> dict:
    """A pause as `tracker pauses --json` prints it: the webhook's fields, `sources` a count."""
    return {**pause_json(p, now), "sources": len(p.sources), "source_names": list(p.sources)}


def iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def change_api(p: Pause, c) -> dict:
    """One saved change (types.ChangeView) with its pause id, for /api/changes."""
    return {
        "id": c.id,
        "pause": p.id,
        "at": iso(c.at),
        "event": c.event,
        "summary": c.summary,
        "old_status": c.old_status,
        "new_status": c.new_status,
        "quote": c.quote,
        "source": c.source,
        "link": c.link,
    }


def detail_api(detail, now: datetime) -> dict:
    """A pause with its evidence and changes, as `tracker show --json` prints it."""
    p = detail.pause
    return {
        **pause_api(p, now),
        "evidence": [
            {"published": iso(e.published), "source": e.source, "link": e.link, "article_title": title, "why": reason, "mention": e.mention.to_json()}
            for e, reason, title in detail.evidence
        ],
        "changes": [{k: v for k, v in change_api(p, c).items() if k not in ("id", "pause")} for c in detail.changes],
    }


def parse_since(value: str | None) -> datetime | None:
    """`?since=` as an aware datetime (a naive one is UTC); BadQuery when it is not ISO-8601."""
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise BadQuery(f"since must be an ISO-8601 time like 2026-12-01T09:00:00Z, not {value!r}") from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


# the board -----------------------------------------------------------------------------

_CLOCK = re.compile(r"\d{1,2}[:.h]\d{2}|\d\s*(?:a\.?m|p\.?m)\b|midnight|noon|\d{4}\s*(?:gmt|utc|local|hrs)", re.I)


#: The record's precision ("minute", "day", "range", "before") as the board and the calendar
#: say it, the same words as the alerts (`alerts.render.when_label`).
PRECISION_LABELS = {"minute": None, "day": "about", "range": "not confirmed", "before": "by"}


def start_precision(p: Pause, evidence: Sequence[Evidence] = ()) -> str | None:
    """How far the start can be trusted: None (a stated time), "about" (a day, no hour),
    "not confirmed" (a range of readings), "by" (a bound: its first report in effect), or
    "not fixed" (no start). From the pause's own
    `start_precision`; for a record stored before pauses carried one, from the mentions
    that carry its start, else from the start's words (no clock time: "about")."""
    if p.starts_at is None:
        return "not fixed"
    if p.start_precision:
        return PRECISION_LABELS.get(p.start_precision)
    if p.start_text == "reported in effect":
        return "by"
    stated = {e.mention.start_precision for e in evidence if e.mention.starts_at == p.starts_at and e.mention.start_precision}
    if stated:
        return PRECISION_LABELS.get(min(stated, key=list(PRECISION_LABELS).index))
    return None if p.start_text and _CLOCK.search(p.start_text) else "about"


def end_precision(p: Pause, evidence: Sequence[Evidence] = ()) -> str | None:
    """As start_precision, for the end (which follows the start when the record has no own)."""
    if p.ends_at is None:
        return None
    if p.end_precision:
        return PRECISION_LABELS.get(p.end_precision)
    return start_precision(p, evidence)


def zone_of(p: Pause) -> str | None:
    """The IANA zone of the pause's place: the record's own, else the gazetteer's."""
    return p.zone or place_zone(p.location, p.country)


def _zone_label(d: datetime) -> str:
    name = d.strftime("%Z")
    if re.fullmatch(r"[A-Z]{2,5}", name):
        return name
    offset = d.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset[3:] != "00" else f"UTC{offset[:3]}"


@dataclass(frozen=True, slots=True)
class Moment:
    """A start or an end as the board shows it: local time, UTC, and the precision."""

    at: datetime | None
    local: str  # "Sat 12 Dec 14:00 EET", or "" when the place has no known zone
    utc: str  # "Sat 12 Dec 12:00 UTC", or "not fixed" / "not known"
    precision: str | None

    @classmethod
    def of(cls, at: datetime | None, zone: str | None, precision: str | None, missing: str) -> Moment:
        if at is None:
            return cls(None, "", missing, None)
        local = ""
        if zone:
            here = at.astimezone(ZoneInfo(zone))
            local = f"{here:%a %d %b %H:%M} {_zone_label(here)}"
        return cls(at, local, f"{at.astimezone(UTC):%a %d %b %H:%M} UTC", precision)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the board."""

    id: int
    kind: str
    kind_label: str
    place: str
    country: str | None
    status: str
    status_label: str
    duration: str
    start: Moment
    end: Moment
    start_text: str | None
    deadline: datetime | None  # what the time left counts down to (start, else end)
    to_start: bool
    time_left: str
    sources: int
    quote: str | None
    quote_source: str | None
    quote_link: str | None


def time_left(seconds: float | None, to_start: bool, p: Pause) -> str:
    """'1 d 02 h 03 min 04 s left', '5 h 00 min 10 s to start'; the board's JS writes the same."""
    if not p.is_open:
        return p.status.replace("_", " ")
    if seconds is None:
        return "start not fixed" if not p.starts_at else "end not known"
    s = int(seconds)
    d, h, m, sec = s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60
    text = (f"{d} d " if d else "") + f"{h:02d} h {m:02d} min {sec:02d} s"
    return f"{text} to start" if to_start else f"{text} left"


def latest(evidence: Sequence[Evidence]) -> Evidence | None:
    """The newest report; among reports of the same time, the last in the store's order
    (an article's headline comes before its body)."""
    best = max(enumerate(evidence), key=lambda ie: (ie[1].published, ie[0]), default=None)
    return best[1] if best else None


def row(p: Pause, evidence: Sequence[Evidence], now: datetime) -> Row:
    zone = zone_of(p)
    to_start = bool(p.starts_at and now < p.starts_at)
    newest = latest(evidence)
    duration = format_hours(p.duration_hours) or "not stated"
    if p.extended_hours:
        duration += f" (+{format_hours(p.extended_hours)} extension)"
    return Row(
        id=p.id,
        kind=p.kind,
        kind_label=p.kind.replace("_", " "),
        place=p.location or "unnamed place",
        country=p.country if p.country != p.location else None,
        status=p.status,
        status_label=p.status.replace("_", " "),
        duration=duration,
        start=Moment.of(p.starts_at, zone, start_precision(p, evidence), "not fixed"),
        end=Moment.of(p.ends_at, zone, end_precision(p, evidence), "not known"),
        start_text=p.start_text,
        deadline=(p.starts_at if to_start else p.ends_at) if p.is_open else None,
        to_start=to_start,
        time_left=time_left(p.seconds_left(now), to_start, p),
        sources=len(p.sources),
        quote=newest.mention.quote if newest else None,
        quote_source=newest.source if newest else None,
        quote_link=http_link(newest.link) if newest else None,
    )


def places(pauses: Iterable[Pause]) -> list[str]:
    """Every place a filter can name for these pauses: theirs and those containing them."""
    names = {n for p in pauses for n in (p.location, p.country, *place_ancestors(p.location, p.country)) if n}
    return sorted(names)


class Pages:
    """The HTML pages: Jinja2 over tracker/web/templates, autoescaped, StrictUndefined.
    Reads the templates when built; rendering is pure."""

    def __init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("tracker.web", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["iso"] = iso
        self.env.filters["http_link"] = http_link
        self.env.globals.update(KINDS=KINDS, STATUSES=PAUSE_STATUSES, REFRESH_SECONDS=REFRESH_SECONDS)
        self.board_template = self.env.get_template("board.html.j2")
        self.pause_template = self.env.get_template("pause.html.j2")

    def board(self, pauses: Sequence[Pause], every: Sequence[Pause], evidence: Mapping[int, Sequence[Evidence]], f: Filters, now: datetime) -> str:
        """`pauses` are those shown (filtered, in order); `every` the ones the place list is made from."""
        rows = [row(p, evidence.get(p.id, ()), now) for p in pauses]
        return self.board_template.render(rows=rows, filters=f, places=places(every), now=now)

    def pause(self, detail, now: datetime) -> str:
        p = detail.pause
        return self.pause_template.render(
            row=row(p, [e for e, _, _ in detail.evidence], now),
            pause=p,
            evidence=detail.evidence,
            changes=detail.changes,
            now=now,
        )


# iCalendar -----------------------------------------------------------------------------

_ICS_STATUS = {"proposed": "TENTATIVE", "called_for": "TENTATIVE", "collapsed": "CANCELLED"}


def calendar(pauses: Sequence[Pause], changes: Mapping[int, Sequence], evidence: Mapping[int, Sequence[Evidence]], now: datetime, base_url: str) -> bytes:
    """One VEVENT per pause with a start: UID `pause-<id>@pause-tracker` (stable), SEQUENCE
    the number of changes after the first (it grows whenever the pause changes), a VALARM
    one hour before the end (before the start when the end is not known). A start with
    a stated time is a timed event; "about" a day is an all-day event over the days it
    spans in the place's time zone; either way the description says how precise it is."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//pause-tracker//countdown board//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Pauses (pause-tracker)")
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for p in pauses:
        if p.starts_at is None:
            continue
        mine = changes.get(p.id, ())
        precision = start_precision(p, evidence.get(p.id, ()))
        zone = ZoneInfo(zone_of(p) or "UTC")
        ev = icalendar.Event()
        ev.add("uid", f"pause-{p.id}@pause-tracker")
        ev.add("sequence", max(0, len(mine) - 1))
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("last-modified", max((c.at for c in mine), default=p.last_seen).astimezone(UTC))
        place = p.location or "unnamed place"
        length = f"{format_hours(p.duration_hours)} " if p.duration_hours else ""
        flag = f" ({precision})" if precision else ""
        ev.add("summary", one_line(f"{length}{p.kind.replace('_', ' ')} in {place}, {p.status.replace('_', ' ')}{flag}"))
        all_day = precision == "about"
        if all_day:
            first = p.starts_at.astimezone(zone).date()
            end = p.ends_at.astimezone(zone) if p.ends_at else p.starts_at.astimezone(zone)
            # an end at local midnight closes the day before
            last = max(first, (end - timedelta(microseconds=1)).date() if p.ends_at else end.date())
            ev.add("dtstart", first)
            ev.add("dtend", last + timedelta(days=1))
        else:
            ev.add("dtstart", p.starts_at.astimezone(UTC))
            if p.ends_at:
                ev.add("dtend", p.ends_at.astimezone(UTC))
        when = {
            None: "Start and end as reported.",
            "about": "The start is approximate (shown over the whole day" + ("s" if p.ends_at else "") + " in local time); " + (f"reported as {p.start_text!r}." if p.start_text else "no time given."),
            "not confirmed": "The start is not confirmed: the reports give a range of times; this is one reading of them.",
            "by": "The start is not reported: the first report of it in effect is shown; it began then or earlier.",
        }[precision]
        lines = [when]
        if not p.ends_at:
            lines.append("End not known.")
        lines.append(f"{len(p.sources)} independent source(s): {', '.join(p.sources) or 'none'}.")
        if mine:
            lines.append(f"Latest change: {one_line(mine[-1].summary)}")
        ev.add("description", "\n".join(lines))
        ev.add("location", ", ".join(x for x in (p.location, p.country if p.country != p.location else None) if x) or "unknown")
        ev.add("status", _ICS_STATUS.get(p.status, "CONFIRMED"))
        ev.add("categories", [p.kind.replace("_", " "), p.status.replace("_", " ")])
        ev.add("url", f"{base_url}/pauses/{p.id}")
        if p.is_open and (p.ends_at or p.starts_at):
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", one_line(f"{p.kind.replace('_', ' ')} in {place} " + ("ends in 1 hour" if p.ends_at else "starts in 1 hour")))
            alarm.add("trigger", timedelta(hours=-1), parameters={"RELATED": "END"} if p.ends_at else {})
            ev.add_component(alarm)
        cal.add_component(ev)
    return cal.to_ical()


# Atom ----------------------------------------------------------------------------------


def atom(changes: Sequence[tuple[Pause, object]], now: datetime, base_url: str) -> bytes:
    """An Atom feed of changes, newest first; each entry's id is
    `tag:pause-tracker,2026:pause-<id>/change-<id>`, stable across requests."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id("tag:pause-tracker,2026:changes")
    fg.title("Pause changes (pause-tracker)")
    fg.subtitle("Ceasefires, humanitarian pauses, truces and aid corridors: every change the tracker recorded.")
    fg.link(href=f"{base_url}/changes.atom", rel="self")
    fg.link(href=f"{base_url}/", rel="alternate")
    fg.updated(max((c.at for _, c in changes), default=now))
    fg.generator("pause-tracker")
    for p, c in sorted(changes, key=lambda pc: pc[1].id):  # feedgen puts the last added first
        e = fg.add_entry()
        e.id(f"tag:pause-tracker,2026:pause-{p.id}/change-{c.id}")
        e.title(_xml_text(headline(p, c)))
        e.updated(c.at)
        e.published(c.at)
        e.link(href=f"{base_url}/pauses/{p.id}", rel="alternate")
        parts = [c.summary]
        if c.quote:
            parts.append(f"“{c.quote}” ({c.source or 'unknown source'})")
        if http_link(c.link):
            parts.append(f"Source: {c.link}")
        e.content(_xml_text("\n\n".join(parts)), type="text")
        e.category(term=p.kind)
        e.category(term=p.status)
    return fg.atom_str(pretty=True)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Characters XML 1.0 cannot carry are dropped (lxml refuses them)."""
    return _XML_BAD.sub("", text)


# health and metrics --------------------------------------------------------------------


def readiness(feeds: Sequence, now: datetime) -> tuple[bool, str]:
    """Ready when some enabled feed was polled successfully within three of the shortest
    poll intervals. Reads nothing: the caller has already reached the database."""
    enabled = [f for f in feeds if f.enabled]
    if not enabled:
        return False, "no feed is enabled"
    window = 3 * min(f.every_seconds for f in enabled)
    last = max((f.last_success_at for f in enabled if f.last_success_at), default=None)
    if last is None:
        return False, "no successful poll yet"
    age = (now - last).total_seconds()
    if age > window:
        return False, f"last successful poll {int(age)} s ago, more than three poll intervals ({window} s)"
    return True, f"database reachable; last successful poll {int(age)} s ago"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What /metrics reports, read from the store by the app."""

    feeds: Sequence  # store.FeedState
    pauses: Sequence[Pause]
    alerts: Mapping[tuple[str, str], int]  # (channel, status) -> count
    channels: Sequence[str]  # configured channel names, so an idle channel shows zeros


def metrics(s: Snapshot, now: datetime, extra: Sequence = ()) -> bytes:
    """Prometheus text format (prometheus-client's exposition) for `s`; `extra` are live
    collectors of the process (the daemon's poll durations under `run --serve`)."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    class _Collector:
        def collect(self):
            enabled = [f for f in s.feeds if f.enabled]
            g = GaugeMetricFamily("tracker_feeds", "Feeds known to the tracker, by state.", labels=["state"])
            g.add_metric(["enabled"], len(enabled))
            g.add_metric(["disabled"], len(s.feeds) - len(enabled))
            yield g
            yield GaugeMetricFamily("tracker_feeds_polled", "Enabled feeds polled at least once.", value=sum(1 for f in enabled if f.last_polled_at))
            yield GaugeMetricFamily("tracker_feeds_failed", "Enabled feeds whose last poll failed.", value=sum(1 for f in enabled if f.consecutive_failures))
            yield GaugeMetricFamily("tracker_articles", "Articles stored, all feeds.", value=sum(f.articles for f in s.feeds))
            g = GaugeMetricFamily("tracker_pauses", "Pause records by status.", labels=["status"])
            for status in PAUSE_STATUSES:
                g.add_metric([status], sum(1 for p in s.pauses if p.status == status))
            yield g
            yield GaugeMetricFamily("tracker_pauses_open", "Pauses not ended, collapsed or expired.", value=sum(1 for p in s.pauses if p.status not in CLOSED_STATUSES))
            g = GaugeMetricFamily("tracker_alerts", "Alerts in the outbox by channel and status.", labels=["channel", "status"])
            for channel in sorted(set(s.channels) | {c for c, _ in s.alerts}):
                for status in ("pending", "sent", "failed", "silenced"):
                    g.add_metric([channel, status], s.alerts.get((channel, status), 0))
            yield g
            last = max((f.last_success_at for f in enabled if f.last_success_at), default=None)
            if last is not None:
                yield GaugeMetricFamily(
                    "tracker_last_successful_poll_age_seconds", "Seconds since the newest successful poll of any enabled feed.",
                    value=max(0.0, (now - last).total_seconds()),
                )

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)
