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
from .extract import place_ancestors, place_zone
from .feeds.fetch import Fetcher
from .pipeline import Outlet, Pipeline
from .store.db import Store


@dataclass
class App:
    settings: Settings
    store: Store
    session: requests.Session
    channels: dict[str, Channel]
    pipeline: Pipeline

    def close(self) -> None:
        self.pipeline.close()
        self.pipeline.fetcher.close()
        self.session.close()
        self.store.close()


def build(settings: Settings, now) -> App:
    """Open the database (creating tables), sync the feed list from the config, build channels."""
    store = Store(settings.database)
    store.create()
    store.sync_feeds(settings.feeds, now)
    session = requests.Session()
    session.headers["User-Agent"] = settings.fetch.user_agent
    channels = {c.name: build_channel(c, session) for c in settings.channels}
    outlets = {c.name: Outlet(channels[c.name], c.rules, renderer_for(settings, c)) for c in settings.channels}
    pipeline = Pipeline(
        store,
        Fetcher(settings.fetch),
        outlets,
        max_attempts=settings.max_attempts,
        ancestors=place_ancestors,
        zones=place_zone,
        digests=DigestRenderer(settings.templates),
        workers=settings.fetch.workers,
        processes=settings.processes,
    )
    return App(settings, store, session, channels, pipeline)


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
