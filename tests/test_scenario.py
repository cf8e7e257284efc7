"""A pause's life over a week, over real HTTP: a proposal, a UN welcome, an agreement with a
start time, the pause holding, a violation report, an extension, then nothing.

One feed on a local HTTP server gains an article at each step; the pipeline polls it,
the clock ticks every 15 minutes, and a local webhook receiver records every alert.
Checks the pause's status and times at each step and that each alert arrives once.
Also: two pauses reported by the same articles stay apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import requests

from tracker.alerts.channels import WebhookChannel
from tracker.alerts.render import Renderer
from tracker.config import ChannelRules, FeedSettings, FetchSettings, WebhookSettings
from tracker.feeds.fetch import Fetcher
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.db import Store

ROOT = Path(__file__).resolve().parent.parent
Z = UTC


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 6, day, hour, minute, tzinfo=Z)


STORY = [
    # (published, publisher, title, text)
    (at(10, 6), "gulfwire.example", "Oman proposes Hodeidah truce", "Oman proposed a 72-hour ceasefire in Hodeidah on Monday, officials said."),
    (at(10, 12), "un-news.example", "UN welcomes Hodeidah proposal", "The United Nations welcomed the proposal for a 72-hour truce in Hodeidah."),
    (at(11, 10), "gulfwire.example", "Hodeidah ceasefire agreed", "The Houthis and the government agreed to a 72-hour ceasefire in Hodeidah starting at 7am on Wednesday."),
    (at(12, 8), "yemen-daily.example", "Calm in Hodeidah", "Residents said the Hodeidah ceasefire was holding."),
    (at(13, 9), "gulfwire.example", "Hodeidah truce violations", "Both sides accused each other of violating the ceasefire in Hodeidah."),
    (at(14, 9), "un-news.example", "Hodeidah ceasefire extended", "The warring parties agreed to extend the Hodeidah ceasefire by 48 hours, the UN envoy said."),
]


def rss(items) -> bytes:
    entries = "".join(
        f"<item><guid>{i}</guid><title>{escape(t)}</title><link>https://{pub}/story/{i}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(text)}</description></item>"
        for i, (when, pub, t, text) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Yemen</title>{entries}</channel></rss>'.encode()


@pytest.fixture
def world(tmp_path, http_server):
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    session = requests.Session()
    hook = WebhookChannel(WebhookSettings("hook", http_server.url + "/hook", "whsec_c2NlbmFyaW8tc2VjcmV0LWZvci10ZXN0cw=="), session)
    pipeline = Pipeline(
        store,
        Fetcher(FetchSettings(allow_private_networks=True)),
        {"hook": Outlet(hook, ChannelRules(group_wait_seconds=0), Renderer())},
        rng=lambda: 0.5,
    )
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Yemen", 900)], at(10, 0))
    yield store, pipeline
    session.close()
    store.close()


def received(http_server) -> list[dict]:
    return [json.loads(r.body) for r in http_server.posts("/hook")]


def test_a_pause_through_its_week(world, http_server):
    store, pipeline = world
    published: list = []
    expect = {
        # after the article at this index: (status, starts_at, ends_at, sources)
        0: ("proposed", None, None, 1),
        1: ("proposed", None, None, 2),
        2: ("agreed", at(12, 4), at(15, 4), 2),
        3: ("in_effect", at(12, 4), at(15, 4), 3),
        4: ("violated", at(12, 4), at(15, 4), 3),
        5: ("extended", at(12, 4), at(17, 4), 3),
    }
    now = at(10, 0)
    step = timedelta(minutes=15)
    while now <= at(17, 6):
        due = [s for s in STORY if s[0] <= now and s not in published]
        if due:
            published += due
            http_server.serve("/feed", rss(published))
            pipeline.poll(now, due_only=False)
            idx = len(published) - 1
            [p] = store.pauses()
            status, starts, ends, sources = expect[idx]
            assert (p.status, p.starts_at, p.ends_at, len(p.sources)) == (status, starts, ends, sources), f"after article {idx}"
        pipeline.tick(now)
        pipeline.deliver(now)
        now += step

    [p] = store.pauses()
    assert p.status == "expired" and p.ends_at == at(17, 4) and p.kind == "truce" and p.location == "Hodeidah"  # the first headline's word
    events = [(b["type"], b["data"]["pause"]["status"]) for b in received(http_server)]
    assert events == [
        ("pause.new", "proposed"),
        ("pause.status", "agreed"),
        ("pause.starts_soon", "agreed"),
        ("pause.started", "in_effect"),
        ("pause.status", "violated"),
        ("pause.status", "extended"),
        ("pause.ends_soon", "extended"),
        ("pause.ends_very_soon", "extended"),
        ("pause.expired", "expired"),
    ]
    ids = [r.headers["webhook-id"] for r in http_server.posts("/hook")]
    assert len(set(ids)) == len(ids)
    # the countdown alerts went out within one tick of their time
    times = {b["type"]: datetime.fromisoformat(b["timestamp"]) for b in received(http_server)}
    assert at(12, 3) <= times["pause.starts_soon"] <= at(12, 3, 15)
    assert at(12, 4) <= times["pause.started"] <= at(12, 4, 15)
    assert at(16, 22) <= times["pause.ends_soon"] <= at(16, 22, 15)
    assert at(17, 4) <= times["pause.expired"] <= at(17, 4, 15)
    # nothing more, however long the clock runs
    for hours in range(1, 100, 7):
        pipeline.tick(at(17, 6) + timedelta(hours=hours))
        pipeline.deliver(at(17, 6) + timedelta(hours=hours))
    assert len(received(http_server)) == 9
    detail = store.pause(p.id)
    assert [c.event for c in detail.changes] == ["new", "status", "starts_soon", "started", "status", "status", "ends_soon", "ends_very_soon", "expired"]
    # six bodies and the four headlines that name the pause
    assert len(detail.evidence) == 10 and detail.evidence[0][1] == "first report"
    assert all(reason.startswith("same place (Hodeidah)") for _, reason, _ in detail.evidence[1:])


def test_two_places_in_the_same_articles_stay_two_pauses_and_wire_copies_count_once(world, http_server):
    store, pipeline = world
    text = (
        "BEIRUT (Reuters) - Israel and Hamas accepted a four-day humanitarian pause in Gaza on Friday. "
        "Separately, a ceasefire in southern Lebanon took effect on Thursday, officials said."
    )
    copies = [(at(10, 8, i), f"paper{i}.example", "Pauses in Gaza and Lebanon", text) for i in range(10)]
    http_server.serve("/feed", rss(copies))
    pipeline.poll(at(10, 9), due_only=False)
    pauses = sorted(store.pauses(), key=lambda p: p.location)
    assert [(p.kind, p.location, p.country, p.status) for p in pauses] == [
        ("humanitarian_pause", "Gaza", "Palestine", "agreed"),
        ("ceasefire", "southern Lebanon", "Lebanon", "in_effect"),
    ]
    assert all(p.sources == ("Reuters",) for p in pauses)
