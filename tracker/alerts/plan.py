"""Which channels a change goes to, how alerts group, which silences hold them back,
when a failed one is tried again.

Pure: no I/O, no clock. Does not send, and renders only through the `render` it is given.

- Routing per channel (ChannelRules): kinds, places (a pause's place, its country or
  any place containing it), statuses, event types and a minimum number of independent
  sources; a digest channel takes no immediate alerts. Empty filters let all through.
- Inhibition comes from the lifecycle: a pause's status never moves back, so a late
  "proposed" report for an agreed pause makes no change and no alert.
- Grouping (plan_alerts): a change joins the alert of its pause still waiting out its
  channel's group_wait (rendered again with all its changes), else starts one, due after
  group_wait. Countdown changes an update made untrue are taken out of the alerts not
  sent yet; an alert left with none is withdrawn.
- Silences: a silence matches a place (the same way) and optionally a kind and a
  channel; a silenced alert is kept as silenced, not sent, until the silence expires.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config import ChannelRules
from ..feeds.policy import MAX_RETRY_AFTER_SECONDS
from ..lifecycle import Ancestors, country_only, still_true
from ..types import AlertWrite, Change, ChangeView, Pause, PendingAlert, Rendered, SavedChange, Silence, Update

RETRY_BASE = 60.0  # seconds before the first retry of a failed alert
RETRY_CAP = 3600.0

#: render(pause, changes, channel) -> (rendered, notes): alerts.render for one channel.
RenderFn = Callable[[Pause, list[ChangeView], str], tuple[Rendered, list[str]]]


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
    """route(pause, change) -> [(channel name, group wait in seconds)] for plan_alerts."""

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


def retry_delay(attempts: int, jitter: float) -> float:
    """Seconds before trying a failed alert again: exponential backoff from RETRY_BASE,
    capped at RETRY_CAP, times 0.5..1.5 (`jitter` in [0, 1), drawn by the caller)."""
    return min(RETRY_BASE * 2**attempts, RETRY_CAP) * (0.5 + jitter)


def peer_wait(retry_after: float | None) -> float | None:
    """A channel's Retry-After as a hold: None when it gave none (or no number), else
    clamped to [0, MAX_RETRY_AFTER_SECONDS], so a hold never overflows or lasts past a day."""
    if retry_after is None or not math.isfinite(retry_after):
        return None
    return min(max(0.0, retry_after), MAX_RETRY_AFTER_SECONDS)


def _moved(before: Pause | None, after: Pause) -> bool:
    """Did an update move the pause's status or times (countdown changes may no longer hold)?"""
    return before is not None and (before.status, before.starts_at, before.ends_at) != (after.status, after.starts_at, after.ends_at)


def involved(saved: Iterable[tuple[Update, Pause, Sequence[SavedChange]]], route: Route) -> set[int]:
    """The pauses whose pending alerts plan_alerts looks at: those an update moved, and
    those with a change routed to a channel that groups (group_wait > 0)."""
    return {
        p.id for u, p, changes in saved
        if _moved(u.before, p) or any(wait > 0 for sc in changes for _, wait in route(sc.pause, sc.change))
    }  # fmt: skip


@dataclass(slots=True)
class _Draft:
    """An alert while it is planned (mutable; frozen into an AlertWrite at the end)."""

    id: int | None
    pause_id: int
    channel: str
    attempts: int
    next_try_at: datetime
    changes: list[ChangeView]
    note: str | None
    summary: str = ""
    rendered: Rendered | None = None
    status: str = "pending"
    key: str | None = None
    touched: bool = False


def plan_alerts(
    saved: Iterable[tuple[Update, Pause, Sequence[SavedChange]]],
    pending: Sequence[PendingAlert],
    route: Route,
    render: RenderFn | None,
    now: datetime,
) -> list[AlertWrite]:
    """The outbox writes that saved pause updates cause, grouping decided: for each
    update, with its pause and changes as saved (ids known), in order,

    - when the pause's status or times moved, the countdown changes that no longer hold
      (lifecycle.still_true) leave its `pending` alerts: one left with none is withdrawn,
      another is rendered again without them;
    - each change goes to every channel `route` names: into that pause's alert still
      waiting out the channel's group window (never tried, due after `now`), rendered
      again with all its changes; else into a new alert keyed by pause, change and
      channel, due after the group wait.

    `pending` are the pauses' alerts not sent yet (store). Returns one write per alert
    made or changed, in the order first touched."""
    drafts = [_Draft(a.id, a.pause_id, a.channel, a.attempts, a.next_try_at, list(a.changes), a.note) for a in pending]
    touched: list[_Draft] = []

    def draw(d: _Draft, pause: Pause, views: list[ChangeView]) -> None:
        d.rendered, notes = render(pause, views, d.channel) if render else (Rendered("", "", "", {}, {}), [])
        d.changes, d.note = views, "; ".join(notes) or None
        d.summary = " / ".join(v.summary for v in views)[:2000]
        touch(d)

    def touch(d: _Draft) -> None:
        if not d.touched:
            d.touched = True
            touched.append(d)

    for u, pause, changes in saved:
        if _moved(u.before, pause):
            for d in drafts:
                if d.pause_id != pause.id or d.status != "pending":
                    continue
                keep = [v for v in d.changes if v.key is None or still_true(pause, v.key)]
                if len(keep) == len(d.changes):
                    continue
                if not keep:
                    why = f"withdrawn before sending: no longer true, the pause is now {pause.status.replace('_', ' ')}"
                    d.status, d.note = "withdrawn", "; ".join(x for x in (d.note, why) if x)[:4000]
                    touch(d)
                    continue
                draw(d, pause, keep)
        for sc in changes:
            for channel, wait in route(sc.pause, sc.change):
                waiting = None
                if wait > 0:
                    waiting = next(
                        (d for d in drafts if d.pause_id == sc.pause.id and d.channel == channel and d.status == "pending" and d.attempts == 0 and d.next_try_at > now),
                        None,
                    )
                if waiting is not None:
                    draw(waiting, sc.pause, [*waiting.changes, sc.view])
                    continue
                d = _Draft(None, sc.pause.id, channel, 0, now + timedelta(seconds=wait), [], None, key=f"pause-{sc.pause.id}/change-{sc.id}/{channel}")
                drafts.append(d)
                draw(d, sc.pause, [sc.view])
    return [
        AlertWrite(d.id, d.pause_id, d.channel, tuple(v.id for v in d.changes), d.rendered, d.note, d.summary, d.status, d.key, d.next_try_at)
        for d in touched
    ]
