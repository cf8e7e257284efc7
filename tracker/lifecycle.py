"""Mentions + known pauses -> updated pauses and their changes; the countdown clock.

Pure: no I/O, no clock. `now` is always an argument. Does not save anything and does
not decide who is alerted (that is alerts.plan).

One record per pause: a mention joins an open pause of the same family of kinds
(ceasefire/truce/humanitarian pause, or aid corridor/access), the same place (or the
country the other names) and a report time within MERGE_WINDOW of the pause's latest
report, unless the pause was already over before that report. Otherwise it opens a
new pause. The changes of one batch are the difference between each pause before and
after the batch, so one article never causes two alerts for the same pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .types import Actor, Change, Evidence, Mention, Pause

FAMILY = {
    "ceasefire": "pause",
    "truce": "pause",
    "humanitarian_pause": "pause",
    "aid_corridor": "aid",
    "aid_access": "aid",
}

# How far a status has got. Equal ranks >= 4 may replace each other (violated <-> extended).
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

# A stance outranks "mentioned"; a party's strongest stance is kept.
STANCE_RANK = {"mentioned": 0, "welcomed": 1, "called_for": 2, "proposed": 3, "rejected": 3, "accused": 3, "agreed": 4}

MERGE_WINDOW = timedelta(days=14)
STARTS_SOON = timedelta(hours=1)
ENDS_SOON = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Update:
    """A pause after a batch: `before` is None for a new pause."""

    before: Pause | None
    after: Pause
    evidence: tuple[Evidence, ...]
    changes: tuple[Change, ...]


def source_of(link: str | None, feed_name: str) -> str:
    """The publisher an article counts for: its link's host without 'www.', else the feed's name."""
    if link and "://" in link:
        host = link.split("://", 1)[1].split("/", 1)[0].split(":")[0].lower()
        if host:
            return host.removeprefix("www.")
    return feed_name


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


def new_pause(ev: Evidence) -> Pause:
    m = ev.mention
    starts_at = m.starts_at
    return Pause(
        id=None,
        kind=m.kind,
        location=m.location,
        country=m.country,
        status=m.status,
        duration_hours=m.duration_hours,
        start_text=m.start_text,
        starts_at=starts_at,
        ends_at=_end(starts_at, m.duration_hours),
        actors=_merge_actors((), m.actors),
        first_seen=ev.published,
        last_seen=ev.published,
        sources=(ev.source,),
    )


def matches(p: Pause, ev: Evidence) -> bool:
    """Does this evidence speak of pause `p`? Pure; the reason is in the module docstring."""
    m = ev.mention
    if not p.is_open or FAMILY[p.kind] != FAMILY[m.kind]:
        return False
    if not _same_place(p, m):
        return False
    if p.ends_at and ev.published > p.ends_at + timedelta(hours=12):
        return False
    return abs(ev.published - p.last_seen) <= MERGE_WINDOW


def absorb(p: Pause, ev: Evidence) -> Pause:
    """Pause `p` updated with one more piece of evidence."""
    m = ev.mention
    status = p.status
    if RANK[m.status] > RANK[p.status] or (RANK[m.status] == RANK[p.status] >= 4 and m.status != p.status):
        status = m.status
    duration = p.duration_hours if p.duration_hours is not None else m.duration_hours
    starts_at = p.starts_at
    start_text = p.start_text
    if m.starts_at and m.starts_at != p.starts_at and ev.published >= p.last_seen:
        starts_at, start_text = m.starts_at, m.start_text  # the latest report moves the start
    elif not start_text:
        start_text = m.start_text
    location, country = p.location, p.country
    if m.location and (not location or (location == country and m.country == country)):
        location, country = m.location, m.country  # refine a country to a place in it
    sources = p.sources if ev.source in p.sources else p.sources + (ev.source,)
    return replace(
        p,
        status=status,
        duration_hours=duration,
        starts_at=starts_at,
        start_text=start_text,
        ends_at=_end(starts_at, duration) or p.ends_at,
        location=location,
        country=country,
        actors=_merge_actors(p.actors, m.actors),
        first_seen=min(p.first_seen, ev.published),
        last_seen=max(p.last_seen, ev.published),
        sources=sources,
    )


def reconcile(pauses: Iterable[Pause], evidence: Iterable[Evidence], now: datetime) -> list[Update]:
    """Attach each piece of evidence (oldest first) to a matching open pause or a new one.

    Returns one Update per pause touched. Pure.
    """
    working: list[Pause] = [p for p in pauses if p.is_open]
    before: list[Pause | None] = list(working)
    attached: dict[int, list[Evidence]] = {}
    decisive: dict[int, Evidence] = {}  # the evidence that created the pause or last moved it
    for ev in sorted(evidence, key=lambda e: (e.published, e.article_key)):
        idx = next((i for i, p in enumerate(working) if matches(p, ev)), None)
        if idx is None:
            working.append(new_pause(ev))
            before.append(None)
            idx = len(working) - 1
            decisive[idx] = ev
        else:
            old = working[idx]
            working[idx] = absorb(old, ev)
            if _moved(old, working[idx]) or idx not in decisive:
                decisive[idx] = ev
        attached.setdefault(idx, []).append(ev)
    return [
        Update(before[i], working[i], tuple(evs), tuple(diff(before[i], working[i], decisive[i], now)))
        for i, evs in attached.items()
    ]


def _moved(old: Pause, new: Pause) -> bool:
    return (old.status, old.starts_at, old.ends_at) != (new.status, new.starts_at, new.ends_at)


def diff(before: Pause | None, after: Pause, ev: Evidence | None, now: datetime) -> list[Change]:
    """The changes worth telling people about between two states of a pause."""
    if before is None:
        return [Change("new", now, f"new: {describe(after)}", None, after.status, ev)]
    if before.status != after.status:
        summary = f"{before.status} -> {after.status}: {describe(after)}"
        return [Change("status", now, summary, before.status, after.status, ev)]
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at):
        return [Change("times", now, f"times set or moved: {describe(after)}", after.status, after.status, ev)]
    return []


def tick(pauses: Iterable[Pause], now: datetime) -> list[Update]:
    """Countdown events caused by time alone. Each fires once per pause (and per time it is about).

    starts_soon (start within 1 h), started (an agreed pause reaches its start: in_effect),
    ends_soon (end within 6 h), expired (end passed with no extension: expired).
    """
    updates = []
    for p in pauses:
        if not p.is_open:
            continue
        changes: list[Change] = []
        after = p

        def fire(event: str, when: datetime, summary: str, status: str | None = None) -> None:
            nonlocal after
            key = f"{event}@{when.isoformat()}"
            if key in after.fired:
                return
            old = after.status
            after = replace(after, fired=after.fired | {key}, status=status or after.status)
            changes.append(Change(event, now, summary, old, after.status, None, key))

        if p.ends_at and p.ends_at <= now:
            fire("expired", p.ends_at, f"expired with no extension reported: {describe(p)}", "expired")
        else:
            if p.starts_at and now < p.starts_at <= now + STARTS_SOON:
                fire("starts_soon", p.starts_at, f"starts within the hour: {describe(p)}")
            if p.starts_at and p.starts_at <= now and p.status == "agreed":
                fire("started", p.starts_at, f"start time reached: {describe(p)}", "in_effect")
            if p.ends_at and now < p.ends_at <= now + ENDS_SOON and (not p.starts_at or p.starts_at <= now):
                fire("ends_soon", p.ends_at, f"ends within 6 hours: {describe(p)}")
        if changes:
            updates.append(Update(p, after, (), tuple(changes)))
    return updates


def describe(p: Pause) -> str:
    """One line: '48-hour ceasefire in Aleppo (Syria), proposed, start not fixed'. Pure."""
    kind = p.kind.replace("_", " ")
    length = f"{format_hours(p.duration_hours)} " if p.duration_hours else ""
    place = p.location or "an unnamed place"
    if p.country and p.country != p.location:
        place += f" ({p.country})"
    if p.starts_at:
        when = f"starts {p.starts_at:%Y-%m-%d %H:%M} UTC"
        if p.ends_at:
            when += f", ends {p.ends_at:%Y-%m-%d %H:%M} UTC"
    else:
        when = "start not fixed"
    return f"{length}{kind} in {place}, {p.status.replace('_', ' ')}, {when}"


def format_hours(hours: float | None) -> str:
    """48 -> '48-hour', 168 -> '7-day', 1440 -> '60-day'."""
    if not hours:
        return ""
    if hours >= 72 and hours % 24 == 0:
        return f"{int(hours // 24)}-day"
    return f"{hours:g}-hour"


def _end(starts_at: datetime | None, hours: float | None) -> datetime | None:
    return starts_at + timedelta(hours=hours) if starts_at and hours else None


def _same_place(p: Pause, m: Mention) -> bool:
    if p.location == m.location:
        return True
    if not p.location or not m.location:
        return False
    # one names a country, the other a place in it
    return (p.location == p.country and m.country == p.location) or (m.location == m.country and p.country == m.location)


def _merge_actors(old: tuple[Actor, ...], new: Iterable[Actor]) -> tuple[Actor, ...]:
    by_name = {a.name: a for a in old}
    for a in new:
        have = by_name.get(a.name)
        if have is None or STANCE_RANK.get(a.stance, 0) > STANCE_RANK.get(have.stance, 0):
            by_name[a.name] = a
    return tuple(by_name.values())
