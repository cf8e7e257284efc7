"""The clock tick: the countdown over open pauses, what fired saved with its alerts in one
transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from .alerts.plan import RenderFn, Route
from .lifecycle import tick as lifecycle_tick
from .poll import change_ids, save_updates
from .store.api import PollStore
from .types import SavedChange

log = logging.getLogger("tracker")


def tick(store: PollStore, now: datetime, route: Route, render: RenderFn) -> list[SavedChange]:
    """Run the countdown clock over open pauses; save what fired, with its alerts. Read,
    computed and saved in one transaction (under the writers' lock), so two processes
    ticking at once fire each countdown event once."""
    with store.transaction() as tx:
        updates = lifecycle_tick(tx.open_pauses(), now)
        saved = save_updates(tx, now, {}, updates, route, render) if updates else []
    changes = [c for _, cs in saved for c in cs]
    for c in changes:
        log.info("pause #%s %s", c.pause.id, c.change.summary, extra=change_ids(c))
    return changes
