"""A database seeded through the real pipeline (local RSS over a real HTTP server, the
extractor, the lifecycle, the store), and the web app served by uvicorn on a free port.
Shared by tests/test_web.py and tests/test_browser.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from servers import LocalHTTPServer, free_port

from tracker.alerts.channels.file import FileChannel
from tracker.alerts.render import Renderer
from tracker.config import ChannelRules, FeedSettings, FetchSettings, FileSettings, ServeSettings, Settings
from tracker.extract import place_ancestors
from tracker.extract.zones import place_zone
from tracker.feeds.fetch import Fetcher
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.db import Store
from tracker.web.app import Background, create_app

HOSTILE_TITLE = '<script>alert("title")</script> Gaza <b>truce</b>'
#: A publisher that escapes twice: the parser strips real tags, but these reach the store as text.
HOSTILE_TEXT = "Israel and Hamas agreed to a 5-day truce in Gaza from tomorrow <img src=x onerror=alert(1)>, mediators said."

ARTICLES = [
    # (minutes before the seeding time, publisher, title, text)
    (120, "sudan-wire.example", "Pause agreed for El Fasher",
     "Warring parties in Sudan agreed to a 72-hour humanitarian pause in El Fasher starting at 18:00, the UN said."),
    (90, "levant.example", "Aleppo ceasefire proposed", "Russia proposed a 48-hour ceasefire in Aleppo, officials said."),
    (60, "gaza-desk.example", HOSTILE_TITLE, HOSTILE_TEXT),
]


def rss(items, base: datetime) -> bytes:
    entries = "".join(
        f"<item><guid>a{i}</guid><title>{escape(escape(title))}</title><link>https://{pub}/story/{i}</link>"
        f"<pubDate>{format_datetime(base - timedelta(minutes=ago))}</pubDate><description>{escape(escape(text))}</description></item>"
        for i, (ago, pub, title, text) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{entries}</channel></rss>'.encode()


@dataclass
class World:
    store: Store
    pipeline: Pipeline
    feed: LocalHTTPServer
    settings: Settings
    now: datetime  # when it was seeded

    def publish(self, items, now: datetime) -> None:
        self.feed.serve("/feed", rss(items, self.now))
        self.pipeline.poll(now, due_only=False)
        self.pipeline.tick(now)
        self.pipeline.deliver(now, flush=True)


def seed_time(wall: datetime | None = None) -> datetime:
    """The latest 09:00 UTC at or before the wall clock: seeded then, every pause's start is
    more than an hour away (El Fasher's 18:00 is 16:00 UTC; Gaza's is tomorrow), so seeding
    makes three `new` changes and no countdown event, whatever the hour the tests run at
    (seeded at the wall-clock minute they failed from 15:00 to 18:00 and 21:00 to 23:00 UTC)."""
    wall = (wall or datetime.now(UTC)).replace(second=0, microsecond=0)
    at = wall.replace(hour=9, minute=0)
    return at if at <= wall else at - timedelta(days=1)


def seed(folder: Path, now: datetime | None = None) -> World:
    """Three pauses (El Fasher agreed with a start, Aleppo proposed, Gaza truce under a
    hostile title), polled and delivered to a file channel at `now` (default: `seed_time()`)."""
    now = now or seed_time()
    db = f"sqlite:///{folder / 'web.db'}"
    store = Store(db)
    store.upgrade()
    feed = LocalHTTPServer().start()
    out = FileSettings("desk", folder / "outbox", ChannelRules(group_wait_seconds=0))
    pipeline = Pipeline(
        store, Fetcher(FetchSettings(allow_private_networks=True)), {"desk": Outlet(FileChannel(out), out.rules, Renderer())},
        rng=lambda: 0.5, processes=0, ancestors=place_ancestors, zones=place_zone,  # as tracker.app.build wires them
    )
    store.sync_feeds([FeedSettings(feed.url + "/feed", "Desk", 900)], now)
    settings = Settings(folder / "config.toml", db, None, FetchSettings(), (FeedSettings(feed.url + "/feed", "Desk", 900),), (out,))
    world = World(store, pipeline, feed, settings, now)
    world.publish(ARTICLES, now)
    return world


class Served:
    """The app over `store` on 127.0.0.1:<free port>, in a thread."""

    def __init__(self, world: World, tokens: tuple[str, ...] = (), clock: Callable[[], datetime] | None = None):
        serve = ServeSettings("127.0.0.1", free_port(), tokens)
        settings = Settings(**{**{f: getattr(world.settings, f) for f in Settings.__slots__}, "serve": serve})
        kwargs = {"clock": clock} if clock else {}
        self.bg = Background(create_app(world.store, settings, **kwargs), serve)
        self.url = f"http://127.0.0.1:{serve.port}"
        self.http = requests.Session()

    def __enter__(self) -> Served:
        self.bg.start()
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()
        self.bg.stop()

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url + path, timeout=10, **kw)
