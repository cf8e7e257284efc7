"""The one place that builds the real things: engine, HTTP session, channels, templates.

Tests build their own pieces and pass them to Pipeline directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from .alerts.channels import Channel, build_channel
from .alerts.digest import DigestRenderer
from .alerts.render import Renderer
from .config import ChannelSettings, EmailSettings, FileSettings, Settings, SlackSettings, WebhookSettings
from .extract import place_ancestors
from .feeds.fetch import Fetcher, proxy_environment
from .pipeline import Outlet, Pipeline
from .store.db import Store
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


def build(settings: Settings, now, upgrade: bool = False) -> App:
    """Open the database, sync the feed list from the config, build channels.

    With `upgrade` the schema is created or migrated to head first; without, a database
    not at head is refused (StoreError naming `tracker db upgrade`) and nothing is created."""
    if upgrade and settings.state_dir is not None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database)
    try:
        upgraded = store.upgrade() if upgrade else None
        if upgraded is None:
            store.require_current()
        store.sync_feeds(settings.feeds, now)
    except BaseException:
        store.close()
        raise
    session = requests.Session()
    session.headers["User-Agent"] = settings.fetch.user_agent
    channels = {c.name: build_channel(c, session) for c in settings.channels}
    outlets = {c.name: Outlet(channels[c.name], c.rules, renderer_for(settings, c)) for c in settings.channels}
    pipeline = Pipeline(
        store,
        Fetcher(settings.fetch, proxy_environment=proxy_environment()),  # the environment, read once here
        outlets,
        max_attempts=settings.max_attempts,
        ancestors=place_ancestors,
        digests=DigestRenderer(settings.templates),
        workers=settings.fetch.workers,
        processes=settings.processes,
    )
    return App(settings, store, session, channels, pipeline, upgraded)


#: Which part of an alert a channel's own `template` replaces, by channel type.
TEMPLATE_PART = {"email": "html", "file": "html", "slack": "slack", "webhook": "webhook"}


def renderer_for(settings: Settings, channel: ChannelSettings) -> Renderer:
    """The built-in templates, with the channel's own template files (sandboxed) on top."""
    overrides = {}
    if channel.rules.template:
        overrides[TEMPLATE_PART[channel_type(channel)]] = channel.rules.template
    if channel.rules.text_template:
        overrides["text"] = channel.rules.text_template
    return Renderer(settings.templates, overrides)


def channel_type(channel: ChannelSettings) -> str:
    return {EmailSettings: "email", SlackSettings: "slack", WebhookSettings: "webhook", FileSettings: "file"}[type(channel)]
