"""Edited articles, reused guids and odd dates (issue #13, items 1-3), over real HTTP with a
real SQLite file and a local webhook receiver; plus a Hypothesis property of the pure core:
after any sequence of edits, each pause is the fold of its current evidence."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest
import requests
from dbtools import candidates, drop_all
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.alerts.channels import WebhookChannel
from tracker.alerts.render import Renderer
from tracker.config import ChannelRules, FeedSettings, FetchSettings, WebhookSettings, database_url
from tracker.feeds.fetch import Fetcher
from tracker.lifecycle import fold, reconcile
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.db import Store
from tracker.types import Evidence, Mention

WED = datetime(2024, 6, 12, 9, 0, tzinfo=UTC)  # a Wednesday; "Saturday" is 15 June
AGREED = "Russia and the rebels agreed to a 48-hour ceasefire in Aleppo starting at 6 a.m. on Saturday."
SAT_6AM_ALEPPO = datetime(2024, 6, 15, 3, 0, tzinfo=UTC)
PG = os.environ.get("TRACKER_TEST_DATABASE_URL")


def item(guid: str, title: str, text: str, when: datetime | None = WED, link: str | None = None, date: str | None = None) -> str:
    link = link or f"https://news.example/{guid}"
    stamp = date if date is not None else (format_datetime(when) if when else "")
    pub = f"<pubDate>{stamp}</pubDate>" if stamp else ""
    return f"<item><guid>{escape(guid)}</guid><title>{escape(title)}</title><link>{escape(link)}</link>{pub}<description>{escape(text)}</description></item>"


def rss(*items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{"".join(items)}</channel></rss>'.encode()


@pytest.fixture
def world(tmp_path, http_server):
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    session = requests.Session()
    hook = WebhookChannel(WebhookSettings("hook", http_server.url + "/hook", None, timeout=5), session)
    http_server.respond("/hook", (200, {}, b"ok"))
    pipeline = Pipeline(
        store, Fetcher(FetchSettings(allow_private_networks=True)),
        {"hook": Outlet(hook, ChannelRules(group_wait_seconds=0), Renderer())}, rng=lambda: 0.5, processes=0,
    )
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Wire", 900)], WED)
    yield store, pipeline
    pipeline.close()
    session.close()
    store.close()


def received(http_server) -> list[tuple[str, int, str]]:
    """(type, pause id, pause status) of each pause alert the webhook received."""
    out = []
    for r in http_server.posts("/hook"):
        body = json.loads(r.body)
        if body["type"].startswith("pause."):  # not the "source unhealthy" of a quiet test feed
            out.append((body["type"], body["data"]["pause"]["id"], body["data"]["pause"]["status"]))
    return out


def run_clock(pipeline: Pipeline, start: datetime, until: datetime, step=timedelta(minutes=15)) -> None:
    now = start
    while now <= until:
        pipeline.tick(now)
        pipeline.deliver(now)
        now += step


# --------------------------------------------------------------------------- item 1: edits


def test_an_edited_article_moves_its_pause_to_collapsed_and_the_clock_never_says_it_started(world, http_server):
    store, pipeline = world
    http_server.serve("/feed", rss(item("g1", "Aleppo ceasefire agreed", AGREED)))
    pipeline.poll(WED, due_only=False)
    pipeline.deliver(WED)
    [p] = store.pauses()
    assert (p.status, p.starts_at) == ("agreed", SAT_6AM_ALEPPO)

    thursday = WED + timedelta(hours=30)
    edited = "Shelling resumed overnight and the ceasefire collapsed on Thursday, residents said."
    http_server.serve("/feed", rss(item("g1", "Ceasefire collapses", edited)))
    [report] = pipeline.poll(thursday, due_only=False)
    assert report.status == "ok"
    pipeline.deliver(thursday)
    run_clock(pipeline, thursday, SAT_6AM_ALEPPO + timedelta(days=3))

    [p] = store.pauses()  # one pause, not a fork
    assert p.status == "collapsed"
    detail = store.pause(p.id)
    assert {e.mention.status for e, _, _ in detail.evidence} == {"collapsed"}  # the edited headline and text
    assert "edited" in detail.evidence[0][1]
    assert received(http_server) == [("pause.new", p.id, "agreed"), ("pause.status", p.id, "collapsed")]
    assert "agreed -> collapsed" in json.loads(http_server.posts("/hook")[1].body)["data"]["change"]["summary"]


def test_an_article_edited_to_say_nothing_of_its_pause_retracts_it_with_an_alert(world, http_server):
    store, pipeline = world
    http_server.serve("/feed", rss(item("g1", "Aleppo ceasefire agreed", AGREED)))
    pipeline.poll(WED, due_only=False)
    pipeline.deliver(WED)

    thursday = WED + timedelta(hours=30)
    http_server.serve("/feed", rss(item("g1", "Hospitals reopen in Aleppo", "Two hospitals in the city's east reopened on Thursday, the health ministry said.")))
    pipeline.poll(thursday, due_only=False)
    run_clock(pipeline, thursday, SAT_6AM_ALEPPO + timedelta(days=3))

    [p] = store.pauses()
    assert p.status == "retracted" and not p.is_open
    assert store.pause(p.id).evidence == []
    assert received(http_server) == [("pause.new", p.id, "agreed"), ("pause.retracted", p.id, "retracted")]
    change = json.loads(http_server.posts("/hook")[1].body)["data"]["change"]
    assert change["event"] == "retracted" and "no longer" in change["summary"]


def test_a_countdown_alert_still_pending_when_its_pause_collapses_is_never_sent(world, http_server):
    store, pipeline = world
    http_server.serve("/feed", rss(item("g1", "Aleppo ceasefire agreed", AGREED)))
    pipeline.poll(WED, due_only=False)
    pipeline.deliver(WED)
    soon = SAT_6AM_ALEPPO - timedelta(minutes=30)
    [c] = pipeline.tick(soon)  # "starts within the hour", written to the outbox, not yet sent
    assert c.change.event == "starts_soon"

    http_server.serve("/feed", rss(item("g1", "Ceasefire collapses", "The ceasefire in Aleppo collapsed before it began, residents said.")))
    pipeline.poll(soon + timedelta(minutes=5), due_only=False)
    run_clock(pipeline, soon + timedelta(minutes=5), SAT_6AM_ALEPPO + timedelta(days=3))

    [p] = store.pauses()
    assert p.status == "collapsed"
    assert [e for e, _, _ in received(http_server)] == ["pause.new", "pause.status"]
    statuses = {a.summary.split(":")[0]: a.status for a in store.alerts()}
    assert statuses["starts within the hour"] == "withdrawn"


def test_a_grouped_alert_loses_the_countdown_change_that_stopped_being_true(tmp_path, http_server):
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    http_server.respond("/hook", (200, {}, b"ok"))
    hook = WebhookChannel(WebhookSettings("hook", http_server.url + "/hook", None, timeout=5), requests.Session())
    pipeline = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), {"hook": Outlet(hook, ChannelRules(group_wait_seconds=120), Renderer())}, rng=lambda: 0.5, processes=0)
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Wire", 900)], WED)
    now = SAT_6AM_ALEPPO - timedelta(minutes=30)
    http_server.serve("/feed", rss(item("g1", "Aleppo ceasefire agreed", AGREED)))
    pipeline.poll(now, due_only=False)  # "new", waiting out its group window
    pipeline.tick(now + timedelta(seconds=30))  # "starts within the hour" joins it
    [waiting] = store.alerts()
    assert waiting.changes == 2 and "starts within the hour" in waiting.summary
    http_server.serve("/feed", rss(item("g1", "Ceasefire collapses", "The ceasefire in Aleppo collapsed before it began, residents said.")))
    pipeline.poll(now + timedelta(seconds=60), due_only=False)
    pipeline.deliver(now + timedelta(minutes=5))
    [post] = http_server.posts("/hook")
    body = json.loads(post.body)
    told = [body["data"]["change"]["event"]] + [c["event"] for c in body["data"]["earlier"]]
    assert sorted(told) == ["new", "status"] and body["data"]["pause"]["status"] == "collapsed"
    assert "starts within the hour" not in post.body.decode()
    pipeline.close()
    store.close()


def test_an_edit_retracts_a_pause_closed_long_ago_too(world, http_server):
    store, pipeline = world
    http_server.serve("/feed", rss(item("g1", "Aleppo ceasefire collapses", "The ceasefire in Aleppo collapsed on Wednesday, residents said.")))
    pipeline.poll(WED, due_only=False)
    [p] = store.pauses()
    assert p.status == "collapsed" and candidates(store, WED + timedelta(days=40)) == []
    later = WED + timedelta(days=40)  # no longer a candidate for new evidence, but still the article's pause
    http_server.serve("/feed", rss(item("g1", "Hospitals reopen in Aleppo", "Two hospitals in the city's east reopened, the health ministry said.")))
    pipeline.poll(later, due_only=False)
    [p] = store.pauses()
    assert p.status == "retracted" and store.pause(p.id).evidence == []


# --------------------------------------------------------------------------- the property


PLACES = ("Aleppo", "Gaza", None)
STATUS = ("proposed", "agreed", "in_effect", "violated", "collapsed")
T = datetime(2024, 6, 1, tzinfo=UTC)

mentions = st.builds(
    lambda kind, status, place, n: Mention(kind, status, 48.0, place, {"Aleppo": "Syria", "Gaza": "Palestine"}.get(place), (), None, None, f"{kind} {status} {place} {n}", 0.9),
    st.sampled_from(("ceasefire", "truce", "aid_corridor")), st.sampled_from(STATUS), st.sampled_from(PLACES), st.integers(0, 3),
)
# a step: article k now says these mentions, published h hours after T
steps = st.lists(st.tuples(st.sampled_from("abcd"), st.lists(mentions, max_size=3), st.integers(0, 48)), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_after_any_sequence_of_edits_each_pause_is_the_fold_of_its_current_evidence(steps):
    pauses: dict[int, object] = {}
    evidence: dict[int, list[Evidence]] = {}
    current: dict[str, list[Mention]] = {}
    now = T
    for key, ms, hours in steps:
        now = max(now, T + timedelta(hours=hours))
        replaced = frozenset({key}) if key in current else frozenset()
        current[key] = ms
        evs = [Evidence(m, key, f"src-{key}", None, T + timedelta(hours=hours)) for m in ms]
        updates = reconcile(list(pauses.values()), evs, now, evidence, replaced)
        for pid in evidence:
            evidence[pid] = [e for e in evidence[pid] if e.article_key not in replaced]
        for u in updates:
            pid = u.after.id or max(pauses, default=0) + 1
            pauses[pid] = replace(u.after, id=pid)
            evidence.setdefault(pid, []).extend(u.evidence)
        for pid, p in pauses.items():
            if evidence[pid]:
                assert p == fold(evidence[pid], pid, p.fired)
            else:
                assert p.status == "retracted"
        attached = sorted((e.article_key, e.mention.quote) for evs in evidence.values() for e in evs)
        assert attached == sorted((k, m.quote) for k, said in current.items() for m in said)


# --------------------------------------------------------------------------- item 3: odd dates


def test_implausible_dates_are_dropped_for_their_item_and_never_fail_the_feed(world, http_server, caplog):
    store, pipeline = world
    agreed = "Russia and the rebels agreed to a 48-hour ceasefire in {} starting on Saturday."
    http_server.serve("/feed", rss(
        item("y9999", "Truce agreed", agreed.format("Aleppo"), date="Fri, 31 Dec 9999 23:59:59 GMT"),
        item("y1970", "Truce agreed", agreed.format("Idlib"), date="Thu, 01 Jan 1970 00:00:00 GMT"),
        item("y0001", "Truce agreed", agreed.format("Homs"), date="0001-01-01T00:00:00Z"),
        item("tomorrow", "Truce agreed", agreed.format("Hama"), date=format_datetime(WED + timedelta(days=3))),
        item("fine", "Truce agreed", agreed.format("Gaza")),
    ))  # fmt: skip
    [report] = pipeline.poll(WED, due_only=False)
    assert report.status == "ok", report.error  # was: failed, on every poll (OverflowError)
    pauses = {p.location: p for p in store.pauses()}
    assert set(pauses) == {"Aleppo", "Idlib", "Homs", "Hama", "Gaza"}
    for place in ("Aleppo", "Idlib", "Homs", "Hama"):  # read as undated: as of when first seen
        p = pauses[place]
        assert (p.first_seen, p.status, p.starts_at) == (WED, "agreed", SAT_6AM_ALEPPO - timedelta(hours=6)), place
    assert pauses["Gaza"].first_seen == WED
    pipeline.tick(WED)
    assert [c.event for p in pauses.values() for c in store.pause(p.id).changes] == ["new"] * 5  # nothing expired at once
    notes = [r.getMessage() for r in caplog.records if "Wire" in r.getMessage() and "date" in r.getMessage()]
    assert notes and all(word in notes[0] for word in ("9999", "1970", "0001", "undated")), notes


def test_one_item_that_breaks_reading_or_the_lifecycle_does_not_fail_its_feed(world, http_server, caplog):
    store, pipeline = world
    http_server.serve("/feed", rss(
        item("far", "Truce agreed", "They agreed to a ceasefire in Aleppo starting on 31 December 9999."),
        item("long", "Truce agreed", "Russia and the rebels agreed to a 99999999-day ceasefire in Idlib starting on Saturday."),
        item("fine", "Truce agreed", "Russia and the rebels agreed to a 48-hour ceasefire in Gaza starting on Saturday."),
    ))  # fmt: skip
    [report] = pipeline.poll(WED, due_only=False)
    assert report.status == "ok", report.error
    pauses = {p.location: p for p in store.pauses()}
    assert set(pauses) == {"Aleppo", "Gaza"}  # Idlib's could not be reconciled: skipped
    assert pauses["Aleppo"].starts_at is None  # the year 9999 is ignored by the time reader, the pause kept
    warnings = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert "could not be reconciled" in warnings and "'long' (OverflowError" in warnings  # its end, in fold
    assert len(store.feeds()) == 1 and store.feeds()[0].articles == 3  # every entry stored: none read again


# --------------------------------------------------------------------------- item 2: reused guids

CITIES = ("Aleppo", "Gaza", "Idlib", "Hodeidah", "Khartoum")


def story(city: str, guid: str = "cms-item") -> str:
    return item(guid, f"Truce agreed in {city}", f"The warring parties agreed to a 72-hour ceasefire in {city} on Wednesday.", link=f"https://news.example/{city.lower()}")


def test_five_stories_under_one_guid_stay_five_articles_and_five_pauses_with_a_warning(world, http_server, caplog):
    store, pipeline = world
    http_server.serve("/feed", rss(*(story(c) for c in CITIES)))
    [report] = pipeline.poll(WED, due_only=False)
    assert report.status == "ok" and report.articles == 5
    assert sorted(p.location for p in store.pauses()) == sorted(CITIES)
    warning = next(r.getMessage() for r in caplog.records if "guid reused" in r.getMessage())
    assert "Wire" in warning and "5 entries share 1 guid" in warning
    # the same five again, in another order and with a new one: nothing doubled, nothing lost
    http_server.serve("/feed", rss(story("Homs"), *(story(c) for c in reversed(CITIES))))
    [report] = pipeline.poll(WED + timedelta(hours=1), due_only=False)
    assert report.status == "ok" and report.articles == 1
    assert len(store.pauses()) == 6 and store.feeds()[0].articles == 6


def test_a_guid_reused_in_a_later_poll_for_another_story_is_a_new_article_not_an_edit(world, http_server, caplog):
    store, pipeline = world
    http_server.serve("/feed", rss(story("Aleppo")))
    pipeline.poll(WED, due_only=False)
    http_server.serve("/feed", rss(story("Gaza")))  # the CMS gave the next story the same guid
    [report] = pipeline.poll(WED + timedelta(hours=1), due_only=False)
    assert report.status == "ok" and report.articles == 1
    assert store.feeds()[0].articles == 2  # was 1: the Gaza story overwrote the Aleppo one as an "edit"
    pauses = {p.location: p for p in store.pauses()}
    assert {k: p.status for k, p in pauses.items()} == {"Aleppo": "agreed", "Gaza": "agreed"}
    assert all(store.pause(p.id).evidence for p in pauses.values())  # Aleppo's evidence was deleted with the "edit"
    assert any("guid reused" in r.getMessage() and "Wire" in r.getMessage() for r in caplog.records)
    http_server.serve("/feed", rss(story("Gaza"), story("Aleppo")))  # both in one document now
    [report] = pipeline.poll(WED + timedelta(hours=2), due_only=False)
    assert report.articles == 0 and store.feeds()[0].articles == 2
    # an edit of one of them (same link) is still an edit
    edited = item("cms-item", "Truce agreed in Gaza", "The warring parties agreed to a 96-hour ceasefire in Gaza on Wednesday.", link="https://news.example/gaza")
    http_server.serve("/feed", rss(edited, story("Aleppo")))
    [report] = pipeline.poll(WED + timedelta(hours=3), due_only=False)
    assert report.articles == 1 and store.feeds()[0].articles == 2
    assert {p.location: p.duration_hours for p in store.pauses()} == {"Aleppo": 72.0, "Gaza": 96.0}


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 't.db'}")
    else:
        if not PG:
            pytest.skip("PostgreSQL tests skipped: set TRACKER_TEST_DATABASE_URL")
        store = Store(database_url(PG, tmp_path))
        drop_all(store.engine)
    store.upgrade()
    yield store
    if request.param == "postgresql":
        drop_all(store.engine)
    store.close()


def test_control_characters_in_one_entry_never_fail_its_feed_on_either_database(any_store, http_server):
    store = any_store
    pipeline = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), {}, rng=lambda: 0.5, processes=0)
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Wire", 900)], WED)
    body = rss(item("nul", "Truce agreed", "X"), story("Gaza", "ok")).replace(b"<description>X", b"<description>A ceasefire\x00 in Aleppo was agreed\x01 on Wednesday.")
    http_server.serve("/feed", body)
    [report] = pipeline.poll(WED, due_only=False)  # PostgreSQL refused the NUL: the feed failed on every poll
    assert report.status == "ok", report.error
    assert {p.location for p in store.pauses()} == {"Aleppo", "Gaza"}
    pipeline.close()
