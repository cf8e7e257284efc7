"""Mentions + known pauses -> one record per pause, its changes, and the countdown clock.

Pure: no I/O, no clock; `now` is always an argument. Does not save anything and does
not decide who is alerted (alerts/plan.py does).

A pause's state is a function of its evidence and of the countdown events already
fired (`fold`): evidence is read in a canonical order (publication time, article,
quote), so the same articles replayed in any order give the same pause.

- Assignment (`reconcile`): a mention joins a pause of the same family of kinds
  (ceasefire, truce and humanitarian pause are one family; aid corridor and aid access
  another), at a compatible place (the same place, or one inside the other through the
  gazetteer: Aleppo is in Syria, so "Syria's north" and "Aleppo" can be one pause; Gaza
  and southern Lebanon cannot), reported within MERGE_WINDOW of the pause's reports and
  not after it ended. A closed pause still takes late news of itself (an extension
  reported just after the expiry reopens it). Every assignment carries its reason.
- Edits: an edited article's evidence is swapped, its new mentions going first to the
  pauses it spoke of; a pause left with no evidence is retracted (closed, and it takes no
  later news). `still_true` says which countdown events fired for an earlier state no
  longer hold (the store withdraws their unsent alerts).
- Status moves on the strongest evidence: proposed/called for < agreed < in effect <
  extended/violated (the later report wins between these two) < collapsed/ended. One
  violation report does not end a pause. A mention whose parties all reject or deny
  moves no status; the stance is recorded against the party.
- Times: a start comes from reports of a proposal, agreement or the pause taking effect
  (a date in a report of a violation or an extension is the date of that news). A precise
  start beats a vague one (a range), then the stronger status, then the later report (a
  moved start). A pause reported in effect with no stated start started, at the latest,
  at its first such report. The end is start + duration, else an explicit end ("until
  Sunday"), plus each distinct extension (reports of the same extension within two days
  count once).
- Sources: independent publishers; copies of the same sentence from several
  publishers (syndicated wire copy) count once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .types import CLOSED_STATUSES, KIND_FAMILY, Actor, Change, Evidence, Mention, Pause, Update

FAMILY = KIND_FAMILY

RANK = {
    "proposed": 1,
    "called_for": 1,
    "agreed": 2,
    "in_effect": 3,
    "extended": 4,
    "violated": 4,
    "collapsed": 5,
    "ended": 5,
    "expired": 5,
}

AFTER_START = frozenset({"in_effect", "extended", "violated", "collapsed", "ended"})
# Whose word on the start counts, and how much: a start said in a report of a violation
# or an extension is usually the date of that news, not of the pause.
START_STATUSES = {"proposed": 1, "called_for": 1, "agreed": 2, "in_effect": 3}
NEGATIVE_STANCES = frozenset({"rejected", "denied"})

MERGE_WINDOW = timedelta(days=14)
LATE_NEWS = timedelta(days=1)  # news of a pause after it ended still belongs to it
SAME_EXTENSION = timedelta(days=2)
STARTS_SOON = timedelta(hours=1)
ENDS_SOON = timedelta(hours=6)
ENDS_VERY_SOON = timedelta(hours=1)

#: place name -> the names that contain it, nearest first (e.g. "El Fasher" -> ("Darfur", "Sudan")).
Ancestors = Callable[[str | None, str | None], tuple[str, ...]]


def country_only(location: str | None, country: str | None) -> tuple[str, ...]:
    """The default hierarchy: a place is inside its country."""
    return (country,) if country and country != location else ()


# --------------------------------------------------------------------------- helpers


_WIRE = re.compile(
    r"\((Reuters|AP|AFP|Associated Press|Agence France-Presse|Anadolu|Xinhua|dpa|UPI|Bloomberg)\)"
    r"|^(?:[A-Z][A-Za-z .,'-]{1,60})?\s*\((Reuters|AP|AFP)\)",
)


def source_of(link: str | None, feed_name: str, text: str = "") -> str:
    """The independent source an article counts for: a wire agency credited at its top
    ("GENEVA (Reuters) -"), else its link's host without "www.", else the feed's name."""
    credit = _WIRE.search(text[:300])
    if credit:
        agency = credit.group(1) or credit.group(2)
        return {"Associated Press": "AP", "Agence France-Presse": "AFP"}.get(agency, agency)
    if link and "://" in link:
        host = link.split("://", 1)[1].split("/", 1)[0].split(":")[0].lower()
        if host:
            return host.removeprefix("www.")
    return feed_name


#: The IANA zone of a place (location, country), or None: `extract.zones.place_zone` in the app.
Zones = Callable[[str | None, str | None], str | None]


def no_zones(location: str | None, country: str | None) -> str | None:
    return None


def in_zone(m: Mention, tz_name: str | None) -> Mention:
    """A mention whose start or end was read without a zone ("begins at 6 a.m.", no place in
    its article), with those times read in `tz_name`, the zone of the pause it joins. Others
    are returned as they are."""
    if tz_name is None or not (m.start_zone == "unknown" and m.start_local or m.end_zone == "unknown" and m.end_local):
        return m
    tz = ZoneInfo(tz_name)
    fields: dict = {}
    for side, local in (("start", m.start_local if m.start_zone == "unknown" else None), ("end", m.end_local if m.end_zone == "unknown" else None)):
        if not local:
            continue
        if "/" in local:  # "midnight on Monday": either of its midnights, the first the best reading
            lo, hi = (datetime.fromisoformat(t).replace(tzinfo=tz).astimezone(timezone.utc) for t in local.split("/"))
            fields.update({f"{side}s_at": lo, f"{side}_range": (lo, hi), f"{side}_precision": "range", f"{side}_zone": "place"})
        elif "T" in local:
            at = datetime.fromisoformat(local).replace(tzinfo=tz).astimezone(timezone.utc)
            fields.update({f"{side}s_at": at, f"{side}_range": None, f"{side}_precision": "minute", f"{side}_zone": "place"})
        else:
            day = date.fromisoformat(local)
            lo = datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(timezone.utc)
            hi = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(timezone.utc)
            at, span = (lo, (lo, hi)) if side == "start" else (hi, None)
            fields.update({f"{side}s_at": at, f"{side}_range": span, f"{side}_precision": "day", f"{side}_zone": "place"})
    return replace(m, **fields)


def fingerprint(quote: str) -> str:
    """The same sentence, whatever its punctuation, case or quotes: syndicated copy."""
    return hashlib.sha1(re.sub(r"\W+", " ", quote).strip().casefold().encode()).hexdigest()[:16]


def fill_place_from_context(mentions: Sequence[Mention]) -> list[Mention]:
    """Mentions of one article that name no place take the place most named by the others."""
    named = [m for m in mentions if m.location]
    if not named or len(named) == len(mentions):
        return list(mentions)
    counts: dict[tuple[str | None, str | None], int] = {}
    for m in named:
        counts[(m.location, m.country)] = counts.get((m.location, m.country), 0) + 1
    location, country = max(counts, key=lambda k: counts[k])
    return [m if m.location else replace(m, location=location, country=country) for m in mentions]


def _order(ev: Evidence) -> tuple:
    """Canonical order: by report time, then article; within an article the sort is stable,
    so its mentions keep the order of its text (callers pass them in that order)."""
    return (ev.published, ev.article_key)


# --------------------------------------------------------------------------- fold


def fold(evidence: Iterable[Evidence], pid: int | None = None, fired: frozenset[str] = frozenset(), zones: Zones = no_zones) -> Pause:
    """The state of a pause from all its evidence and the countdown events already fired.

    A time read without a zone takes the zone of the pause's place (`zones`), the first
    piece of evidence with a place that has one; start + duration gives the end.
    """
    evs = sorted(evidence, key=_order)
    if not evs:
        raise ValueError("a pause needs at least one piece of evidence")
    if any(e.mention.start_zone == "unknown" or e.mention.end_zone == "unknown" for e in evs):
        tz_name = next((z for e in evs if e.mention.location and (z := zones(e.mention.location, e.mention.country))), None)
        evs = [replace(e, mention=in_zone(e.mention, tz_name)) for e in evs]
    first = evs[0]
    kind, location, country = first.mention.kind, first.mention.location, first.mention.country
    status: str | None = None
    status_since: datetime | None = None
    duration: float | None = None
    starts_at: datetime | None = None
    start_precision: str | None = None
    start_text: str | None = None
    start_quality: tuple | None = None  # (precise, status weight, reported): the best start wins
    explicit_end: tuple[datetime, datetime, str] | None = None  # (ends_at, reported, precision)
    in_effect_since: datetime | None = None
    extensions: list[tuple[float, datetime]] = []
    actors: dict[str, Actor] = {}
    sources: list[str] = []
    prints: set[str] = set()
    for ev in evs:
        m = ev.mention
        parties_against = bool(m.actors) and all(a.stance in NEGATIVE_STANCES for a in m.actors)
        if not parties_against:
            if status is None or RANK[m.status] > RANK[status] or (RANK[m.status] == RANK[status] >= 4 and m.status != status):
                status, status_since = m.status, ev.published
            if m.status in AFTER_START and in_effect_since is None:
                in_effect_since = ev.published
        # refine a country to a place in it, but not to where a breach of it was reported
        # ("clashes near Damascus despite the truce" does not make a Syrian truce a Damascus one)
        refines = location == country and m.country == country and m.status != "violated"
        if m.location and (not location or refines):
            location, country = m.location, m.country
        if m.status == "extended" and m.duration_hours:
            if not any(h == m.duration_hours and ev.published - t <= SAME_EXTENSION for h, t in extensions):
                extensions.append((m.duration_hours, ev.published))
        elif duration is None and m.duration_hours:
            duration = m.duration_hours
        # an offer or an appeal is about the future: a past date in it is the date of the news
        future_ok = m.status not in ("proposed", "called_for") or (m.starts_at and m.starts_at >= ev.published - timedelta(hours=1))
        if m.starts_at and m.status in START_STATUSES and future_ok:
            # precise beats vague; then the stronger status; then a stated zone ("0500 GMT") over
            # one read from the place; then the later report
            quality = (m.start_range is None, START_STATUSES[m.status], m.start_zone == "stated", ev.published)
            if start_quality is None or quality >= start_quality:
                starts_at, start_text, start_quality = m.starts_at, m.start_text, quality
                start_precision = m.start_precision or ("range" if m.start_range is not None else "minute")
        elif not start_text and m.start_text and m.status in START_STATUSES:
            start_text = m.start_text
        if m.ends_at and m.status in START_STATUSES and (explicit_end is None or ev.published >= explicit_end[1]):
            explicit_end = (m.ends_at, ev.published, m.end_precision or "minute")
        for a in m.actors:
            have = actors.get(a.name)
            if have is None or a.stance != "mentioned":
                actors[a.name] = a  # the latest stance a party took
        fp = fingerprint(m.quote)
        if fp not in prints and ev.source not in sources:
            sources.append(ev.source)
        prints.add(fp)
    if status is None:  # only parties rejecting or denying it: it is what they reject
        status, status_since = first.mention.status, first.published
    if starts_at is None and in_effect_since is not None:
        # the first report of it in effect: it began then or before ("before": a bound, not a reading)
        starts_at, start_text, start_precision = in_effect_since, start_text or "reported in effect", "before"
    ends_at = end_precision = None
    if starts_at and duration:
        ends_at = starts_at + timedelta(hours=duration + sum(h for h, _ in extensions))
        end_precision = start_precision
    elif explicit_end:
        ends_at = explicit_end[0] + timedelta(hours=sum(h for h, _ in extensions))
        end_precision = explicit_end[2]
    # time alone: only through countdown events already fired for these exact times
    if status not in ("collapsed", "ended"):
        if ends_at and f"expired@{ends_at.isoformat()}" in fired:
            status = "expired"
        elif starts_at and status == "agreed" and f"started@{starts_at.isoformat()}" in fired:
            status = "in_effect"
    return Pause(
        id=pid,
        kind=kind,
        location=location,
        country=country,
        status=status,
        duration_hours=duration,
        start_text=start_text,
        starts_at=starts_at,
        ends_at=ends_at,
        actors=tuple(actors.values()),
        first_seen=evs[0].published,
        last_seen=max(e.published for e in evs),
        sources=tuple(sources),
        fired=fired,
        status_since=status_since,
        extended_hours=sum(h for h, _ in extensions) or None,
        start_precision=start_precision if starts_at else None,
        end_precision=end_precision if ends_at else None,
        zone=zones(location, country),
    )


# --------------------------------------------------------------------------- assignment


def why_same(p: Pause, ev: Evidence, ancestors: Ancestors = country_only) -> str | None:
    """Why this evidence speaks of pause `p`, or None when it does not."""
    m = ev.mention
    if FAMILY[p.kind] != FAMILY[m.kind] or p.status == "retracted":  # nobody reports a retracted pause
        return None
    place = _place_relation(p, m, ancestors)
    if place is None:
        return None
    end = p.ends_at or (p.last_seen if not p.is_open else None)
    if not p.is_open:
        if not (end and ev.published <= end + LATE_NEWS and m.status in AFTER_START):
            return None
        when = f"late news {_ago(ev.published - end)} after it {p.status}"
    else:
        if end and ev.published > end + LATE_NEWS:
            return None
        if ev.published < p.first_seen - MERGE_WINDOW or ev.published > p.last_seen + MERGE_WINDOW:
            return None
        if p.starts_at and m.starts_at and abs(m.starts_at - p.starts_at) > timedelta(hours=max(p.duration_hours or 0, 72)):
            return None
        when = f"reported {_ago(abs(ev.published - p.last_seen))} from its latest report"
    kinds = "same kind" if p.kind == m.kind else f"{m.kind.replace('_', ' ')} ~ {p.kind.replace('_', ' ')}"
    return f"{place}; {kinds}; {when}"


def _place_relation(p: Pause, m: Mention, ancestors: Ancestors) -> str | None:
    if p.location == m.location:
        return f"same place ({p.location})" if p.location else "no place named by either"
    if not p.location or not m.location:
        return None
    if p.location in ancestors(m.location, m.country):
        return f"{m.location} is in {p.location}"
    if m.location in ancestors(p.location, p.country):
        return f"{p.location} is in {m.location}"
    return None


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return "under an hour"
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def reconcile(
    pauses: Iterable[Pause],
    evidence: Iterable[Evidence],
    now: datetime,
    known: Mapping[int, Sequence[Evidence]] | None = None,
    replaced: frozenset[str] = frozenset(),
    ancestors: Ancestors = country_only,
    zones: Zones = no_zones,
) -> list[Update]:
    """Attach new evidence (oldest first) to matching pauses or new ones, and refold.

    `known` holds the evidence already attached to each pause (by id); the evidence of
    articles in `replaced` (edited since) is dropped from it first, and their new
    mentions go first to the pauses the article spoke of before (same family of kinds,
    a compatible place or none named): an edit is news of the same pause, whatever its
    dates say. Every pause touched is refolded from all its evidence; one left with none
    (its articles edited to say nothing of it) is retracted. Returns one Update per pause
    touched. Pure.
    """
    known = known or {}
    working: list[Pause] = list(pauses)
    before: list[Pause | None] = list(working)
    all_evs: list[list[Evidence]] = [list(known.get(p.id, ())) for p in working]
    touched: set[int] = set()
    spoke_of: dict[str, list[int]] = {}  # edited article -> the pauses its old evidence was on
    for i, evs in enumerate(all_evs):
        kept = [e for e in evs if e.article_key not in replaced]
        if len(kept) != len(evs):
            for key in {e.article_key for e in evs} - {e.article_key for e in kept}:
                spoke_of.setdefault(key, []).append(i)
            all_evs[i] = kept
            touched.add(i)
            if kept:
                working[i] = fold(kept, working[i].id, working[i].fired, zones)
    new: dict[int, list[tuple[Evidence, str]]] = {}
    decisive: dict[int, Evidence] = {}

    def attach(i: int, reason: str, ev: Evidence) -> None:
        all_evs[i].append(ev)
        old = working[i]
        working[i] = fold(all_evs[i], old.id, old.fired, zones)
        if _moved(old, working[i]) or i not in decisive:
            decisive[i] = ev
        new.setdefault(i, []).append((ev, reason))
        touched.add(i)

    rest = []
    for ev in sorted(evidence, key=_order):
        match = next(((i, r) for i in spoke_of.get(ev.article_key, ()) if (r := _why_edit(working[i], ev, ancestors))), None)
        if match:
            attach(*match, ev)
        else:
            rest.append(ev)
    for ev in rest:
        match = next(((i, r) for i, p in enumerate(working) if (r := why_same(p, ev, ancestors))), None)
        if match is None:
            working.append(fold([ev], zones=zones))
            before.append(None)
            all_evs.append([])
            match = (len(working) - 1, "first report")
        attach(*match, ev)
    updates = []
    for i in sorted(touched):
        if not all_evs[i]:  # every report of it was edited away
            working[i] = replace(working[i], status="retracted", status_since=now)
        pairs = new.get(i, [])
        changes = diff(before[i], working[i], decisive.get(i), now)
        if before[i] is not None and not pairs and not changes and working[i] == before[i]:
            continue
        updates.append(Update(before[i], working[i], tuple(e for e, _ in pairs), tuple(r for _, r in pairs), tuple(changes)))
    return updates


def _why_edit(p: Pause, ev: Evidence, ancestors: Ancestors) -> str | None:
    """Why a mention of an edited article is still about pause `p`, which the article spoke
    of before: the same family of kinds at a compatible place, or no place named."""
    m = ev.mention
    if FAMILY[p.kind] != FAMILY[m.kind]:
        return None
    place = _place_relation(p, m, ancestors) or ("no place named" if not m.location else None)
    return f"the same article, edited; {place}" if place else None


def _moved(old: Pause, new: Pause) -> bool:
    return (old.status, old.starts_at, old.ends_at) != (new.status, new.starts_at, new.ends_at)


def diff(before: Pause | None, after: Pause, ev: Evidence | None, now: datetime) -> list[Change]:
    """The change worth telling people about between two states of a pause (at most one)."""
    if before is None:
        return [Change("new", now, f"new: {describe(after)}", None, after.status, ev)]
    if after.status == "retracted" and before.status != "retracted":
        summary = f"retracted: the reports of it no longer mention it ({before.status} before): {describe(after)}"
        return [Change("retracted", now, summary, before.status, after.status, ev)]
    if before.status != after.status:
        summary = f"{before.status} -> {after.status}: {describe(after)}"
        return [Change("status", now, summary, before.status, after.status, ev)]
    if _time_moved(before.starts_at, after.starts_at) or _time_moved(before.ends_at, after.ends_at):
        return [Change("times", now, f"times set or moved: {describe(after)}", after.status, after.status, ev)]
    return []


#: A start or end that moves by this much or less is the same time told again (rounding,
#: "7 a.m." against "0500 GMT" read a minute apart): no `times` change.
SAME_TIME = timedelta(minutes=15)


def _time_moved(old: datetime | None, new: datetime | None) -> bool:
    if old is None or new is None:
        return old is not new
    return abs(new - old) > SAME_TIME


# --------------------------------------------------------------------------- the clock


def tick(pauses: Iterable[Pause], now: datetime) -> list[Update]:
    """Countdown events caused by time alone. Each fires once per pause and per time it is
    about (a moved end can fire "ends soon" again):

    starts_soon       the start is within the hour
    started           an agreed pause reaches its start: in effect
    start_unconfirmed a proposed or called-for pause reaches its start with no agreement reported
    ends_soon         the end is within 6 hours
    ends_very_soon    the end is within 1 hour
    expired           the end passed with no extension reported: expired

    When several fire in one tick, only the most urgent is told; the others are marked
    fired silently (nobody needs "ends within 6 hours" and "within 1 hour" together).
    """
    updates = []
    for p in pauses:
        if not p.is_open:
            continue
        due: list[tuple[str, datetime, str, str | None]] = []  # most urgent last
        if p.ends_at and p.ends_at <= now:
            due.append(("expired", p.ends_at, f"expired with no extension reported: {describe(p)}", "expired"))
        else:
            if p.starts_at and now < p.starts_at <= now + STARTS_SOON:
                due.append(("starts_soon", p.starts_at, f"starts within the hour: {describe(p)}", None))
            if p.starts_at and p.starts_at <= now:
                if p.status == "agreed":
                    due.append(("started", p.starts_at, f"start time reached: {describe(p)}", "in_effect"))
                elif p.status in ("proposed", "called_for"):
                    due.append(("start_unconfirmed", p.starts_at, f"start time passed with no agreement reported: {describe(p)}", None))
            started = not p.starts_at or p.starts_at <= now
            if started and p.ends_at and now < p.ends_at <= now + ENDS_SOON:
                due.append(("ends_soon", p.ends_at, f"ends within 6 hours: {describe(p)}", None))
            if started and p.ends_at and now < p.ends_at <= now + ENDS_VERY_SOON:
                due.append(("ends_very_soon", p.ends_at, f"ends within the hour: {describe(p)}", None))
        fresh = [d for d in due if f"{d[0]}@{d[1].isoformat()}" not in p.fired]
        if not fresh:
            continue
        event, when, summary, status = fresh[-1]
        keys = frozenset(f"{e}@{w.isoformat()}" for e, w, _, _ in fresh)
        after = replace(p, fired=p.fired | keys, status=status or p.status, status_since=now if status else p.status_since)
        key = f"{event}@{when.isoformat()}"
        change = Change(event, now, summary, p.status, after.status, None, key)
        updates.append(Update(p, after, (), (), (change,)))
    return updates


#: Closed pauses stay candidates for new evidence this many days (late news).
CANDIDATE_DAYS = 30


def is_candidate(p: Pause, now: datetime) -> bool:
    """May new evidence join this pause? When it is open, or closed within the last
    CANDIDATE_DAYS days (late news of a pause still belongs to it). The store's candidate
    query narrows to these; a writer keeping pauses in memory filters with it too."""
    if p.status not in CLOSED_STATUSES:
        return True
    end = p.ends_at or p.last_seen
    return end is not None and end >= now - timedelta(days=CANDIDATE_DAYS)


def still_true(p: Pause, key: str) -> bool:
    """Does the countdown event `key` (e.g. "started@2024-06-15T03:00:00+00:00"), fired
    for an earlier state of pause `p`, still hold for `p` as it is now? Not when the
    pause was closed by news (collapsed, ended, retracted) or reached an end, when the
    time it was about moved, or when "started" no longer has an agreement to start.
    Pure: whoever holds an unsent alert for it decides what to do."""
    event, _, at = key.partition("@")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return True  # not a countdown key
    if event == "expired":
        return p.status == "expired" and p.ends_at == when
    if not p.is_open:
        return False
    if event in ("starts_soon", "started", "start_unconfirmed"):
        if p.starts_at != when:
            return False
        if event == "started":
            return p.status not in ("proposed", "called_for")
        return event != "start_unconfirmed" or p.status in ("proposed", "called_for")
    return p.ends_at == when


# --------------------------------------------------------------------------- words


def describe(p: Pause) -> str:
    """One line: '48-hour ceasefire in Aleppo (Syria), proposed, start not fixed'. Pure."""
    kind = p.kind.replace("_", " ")
    length = f"{format_hours(p.duration_hours)} " if p.duration_hours else ""
    place = p.location or "an unnamed place"
    if p.country and p.country != p.location:
        place += f" ({p.country})"
    if p.starts_at:
        verb = "started" if p.start_precision == "before" else "starts"
        when = f"{verb} {_when(p.starts_at, p.start_precision, p.zone)}"
        if p.ends_at:
            when += f", ends {_when(p.ends_at, p.end_precision, p.zone)}"
    else:
        when = "start not fixed"
    return f"{length}{kind} in {place}, {p.status.replace('_', ' ')}, {when}"


def _when(at: datetime, precision: str | None, zone: str | None) -> str:
    """'2016-08-20 03:00 UTC'; 'about 2016-08-20' for a day (the place's date when its zone
    is known); '... (not confirmed)' for a range; 'by ...' for a bound (it began then or before)."""
    if precision == "day":
        return f"about {at.astimezone(ZoneInfo(zone)) if zone else at:%Y-%m-%d}"
    exact = f"{at:%Y-%m-%d %H:%M} UTC"
    if precision == "before":
        return f"by {exact}"
    return f"around {exact} (not confirmed)" if precision == "range" else exact


def format_hours(hours: float | None) -> str:
    """48 -> '48-hour', 168 -> '7-day', 1440 -> '60-day'."""
    if not hours:
        return ""
    if hours >= 72 and hours % 24 == 0:
        return f"{int(hours // 24)}-day"
    return f"{hours:g}-hour"


__all__ = [
    "CLOSED_STATUSES",
    "Update",
    "describe",
    "diff",
    "fill_place_from_context",
    "fingerprint",
    "fold",
    "format_hours",
    "reconcile",
    "source_of",
    "still_true",
    "tick",
    "why_same",
]
