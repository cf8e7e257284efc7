"""Which channels a change goes to, and which silences hold it back.

Pure: no I/O. Does not render and does not send.

- Routing per channel (ChannelRules): kinds, places (a pause's place, its country or
  any place containing it), statuses, event types and a minimum number of independent
  sources; a digest channel takes no immediate alerts. Empty filters let all through.
- Inhibition comes from the lifecycle: a pause's status never moves back, so a late
  "proposed" report for an agreed pause makes no change and no alert.
- Silences: a silence matches a place (the same way) and optionally a kind and a
  channel; a silenced alert is kept as silenced, not sent, until the silence expires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..config import ChannelRules
from ..lifecycle import Ancestors, country_only
from ..types import Change, Pause, Silence


def places_of(p: Pause, ancestors: Ancestors = country_only) -> set[str]:
    """Every name a place filter may use for this pause, case-folded."""
    names = {p.location, p.country, *ancestors(p.location, p.country)}
    return {n.casefold() for n in names if n}


def admits(rules: ChannelRules, p: Pause, ancestors: Ancestors = country_only) -> bool:
    """Does a channel with these rules care about this pause (kinds, places, statuses, sources)?"""
    if rules.kinds and p.kind not in rules.kinds:
        return False
    if rules.statuses and p.status not in rules.statuses:
        return False
    if len(p.sources) < rules.min_sources:
        return False
    if rules.places and not places_of(p, ancestors) & {x.casefold() for x in rules.places}:
        return False
    return True


def routes(rules: ChannelRules, p: Pause, change: Change, ancestors: Ancestors = country_only) -> bool:
    """Does this change go to a channel with these rules (as an immediate alert)?"""
    if rules.mode != "immediate":
        return False
    if rules.events and change.event not in rules.events:
        return False
    return admits(rules, p, ancestors)


def silenced_by(silences: Sequence[Silence], p: Pause, channel: str, now: datetime, ancestors: Ancestors = country_only) -> Silence | None:
    """The first active silence that holds back this pause's alert on this channel."""
    names = places_of(p, ancestors)
    for s in silences:
        if not s.active(now):
            continue
        if s.place and s.place.casefold() not in names:
            continue
        if s.kind and s.kind != p.kind:
            continue
        if s.channel and s.channel != channel:
            continue
        return s
    return None


Route = Callable[[Pause, Change], list[tuple[str, int]]]


def router(channels: Sequence[tuple[str, ChannelRules]], ancestors: Ancestors = country_only) -> Route:
    """route(pause, change) -> [(channel name, group wait in seconds)] for Store.save."""

    def route(p: Pause, change: Change) -> list[tuple[str, int]]:
        return [(name, rules.group_wait_seconds) for name, rules in channels if routes(rules, p, change, ancestors)]

    return route


def routes_health(rules: ChannelRules) -> bool:
    """Does a "source unhealthy" alert go to a channel with these rules? To immediate
    channels that take that event and are not narrowed to particular pauses (kinds,
    places, statuses): a Syria desk does not want to hear about a sports feed."""
    if rules.mode != "immediate" or (rules.events and "source_unhealthy" not in rules.events):
        return False
    return not (rules.kinds or rules.places or rules.statuses)
