"""Saved changes + channels -> the alerts to write into the outbox.

Pure: no I/O. Does not send. In this version every change goes to every channel;
routing rules, grouping and silences (issue #5) belong here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..types import Change, Pause, Rendered

RenderFn = Callable[[Pause, Change, datetime], Rendered]


def planner(channels: Sequence[str], render: RenderFn, now: datetime):
    """A `plan(saved_change)` function for Store.save: one rendered alert per channel."""

    def plan(saved) -> list[tuple[str, Rendered]]:
        if not channels:
            return []
        rendered = render(saved.pause, saved.change, now)
        return [(name, rendered) for name in channels]

    return plan
