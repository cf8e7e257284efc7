"""The one place that builds the real things: engine, HTTP session, channels, templates.

Two ways in: `open_store` for the commands that only read or edit the database (the
board, feeds, alerts, silences: no HTTP session, fetcher, channels or renderers, and none
of their imports), and `build` for those that poll or deliver (the daemon, run --once,
digest, test-alert). Either opens the store read-only unless the command writes
(`upgrade=True`). Tests build their own pieces and pass them to Pipeline directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .config import ChannelSettings, EmailSettings, FileSettings, Settings, SlackSettings, WebhookSettings
from .errors import StoreError
from .store.coordination import several_workers
from .store.db import Store

if TYPE_CHECKING:
    import requests

    from .alerts.channels import Channel
    from .alerts.render import Renderer
    from .pipeline import Pipeline
    from .store.migrate import Upgraded


@dataclass
class App:
    settings: Settings
    store: Store
    session: requests.Session
    channels: dict[str, Channel]
    pipeline: Pipeline
    upgraded: Upgraded | None = None  # what build(upgrade=True) did to the schema

    def close(self) -> None:
        self.pipeline.close()
        self.pipeline.fetcher.close()
        self.session.close()
        self.store.close()


def open_store(settings: Settings, now: datetime, upgrade: bool = False, daemon_worker: str | None = None) -> tuple[Store, Upgraded | None]:
    """Open the database. Nothing that fetches or sends is built; the caller closes the store.

    With `upgrade` (the commands that write: run, digest, feeds import, silence add and
    remove) the state folder and the schema are created or migrated to head first, and
    the feed list is synced from the config. Without (the commands that only read), the
    store is opened read-only: nothing is written, no write lock is taken, a read-only
    database file or folder works, and a database not at head is refused (StoreError
    naming `tracker db upgrade`).

    `daemon_worker` (`tracker run`): the daemon lease is taken for it after the upgrade and
    before anything else is written (TrackerError naming the daemon that holds it), so a
    refused second daemon does not sync its config over the running one's. On PostgreSQL
    there is no daemon lease: several workers share the work (tracker.daemon registers it)."""
    if upgrade and settings.state_dir is not None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(settings.state_dir, os.W_OK | os.X_OK):
            raise StoreError(f"{settings.state_dir} ([tracker] state_dir) is not writable by this user (the database and outboxes live there)")
    store = Store(settings.database, readonly=not upgrade)
    try:
        if upgrade:
            upgraded = store.upgrade()
            if daemon_worker is not None and not several_workers(settings.database):
                from .daemon import take_lease

                take_lease(store, settings, daemon_worker, now)
            store.sync_feeds(settings.feeds, now)
        else:
            upgraded = None
            store.require_current()
    except BaseException:
        store.close()
        raise
    return store, upgraded


def build(settings: Settings, now: datetime, upgrade: bool = False, daemon: bool = False) -> App:
    """`open_store`, then the HTTP session, fetcher, channels, renderers and pipeline.
    `daemon`: for `tracker run`, which holds the daemon lease (see open_store)."""
    import requests  # imported here, not at the top: the reading commands never need them

    from .alerts.channels import build_channel
    from .alerts.digest import DigestRenderer
    from .extract import place_ancestors, place_zone
    from .feeds.fetch import Fetcher, proxy_environment
    from .outbox import Outlet
    from .pipeline import Pipeline, new_worker_id

    worker = new_worker_id()
    store, upgraded = open_store(settings, now, upgrade, daemon_worker=worker if daemon else None)
    session = requests.Session()
    session.headers["User-Agent"] = settings.fetch.user_agent
    channels = {c.name: build_channel(c, session) for c in settings.channels}
    outlets = {c.name: Outlet(channels[c.name], c.rules, renderer_for(settings, c)) for c in settings.channels}
    pipeline = Pipeline(
        store,
        Fetcher(settings.fetch, proxy_environment=proxy_environment()),
        outlets,
        max_attempts=settings.max_attempts,
        ancestors=place_ancestors,
        zones=place_zone,
        digests=DigestRenderer(settings.templates),
        workers=settings.fetch.workers,
        processes=settings.processes,
        worker=worker,
        claim_seconds=settings.lease_seconds,
    )
    return App(settings, store, session, channels, pipeline, upgraded)


#: Which part of an alert a channel's own `template` replaces, by channel type.
TEMPLATE_PART = {"email": "html", "file": "html", "slack": "slack", "webhook": "webhook"}


def renderer_for(settings: Settings, channel: ChannelSettings) -> Renderer:
    """The built-in templates, with the channel's own template files (sandboxed) on top."""
    from .alerts.render import Renderer

    overrides = {}
    if channel.rules.template:
        overrides[TEMPLATE_PART[channel_type(channel)]] = channel.rules.template
    if channel.rules.text_template:
        overrides["text"] = channel.rules.text_template
    return Renderer(settings.templates, overrides)


def channel_type(channel: ChannelSettings) -> str:
    return {EmailSettings: "email", SlackSettings: "slack", WebhookSettings: "webhook", FileSettings: "file"}[type(channel)]
