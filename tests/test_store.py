"""The store on a real SQLite file, and on PostgreSQL when TRACKER_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from dbtools import candidates, drop_all, new_or_changed, record_poll, save

from tracker.config import FeedSettings, database_url
from tracker.lifecycle import reconcile, tick
from tracker.store.db import PollOutcome, Store
from tracker.types import Actor, Article, Evidence, Mention, Rendered

T0 = datetime(2016, 8, 18, 12, 0, tzinfo=UTC)
PG = os.environ.get("TRACKER_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    else:
        if not PG:
            pytest.skip("PostgreSQL store tests skipped: set TRACKER_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
        s = Store(database_url(PG, tmp_path))
        drop_all(s.engine)
    s.upgrade()
    yield s
    if request.param == "postgresql":
        drop_all(s.engine)
    s.close()


def article(key="a1", text="Russia proposes a 48-hour ceasefire in Aleppo.", title="Aleppo"):
    from tracker.feeds.parse import content_hash

    return Article(key, title, f"https://wire.example.org/{key}", T0, text, content_hash(title, text))


def mention(status="proposed", starts_at=None):
    return Mention("ceasefire", status, 48.0, "Aleppo", "Syria", (Actor("Russia", "proposed"),), None, starts_at, "quote", 0.9)


def two_channels(pause, change):
    return [("slack", 0), ("email", 0)]


def render(pause, views, channel):
    return Rendered(f"subject {views[-1].event}", "text", "<p>html</p>", {"text": channel}, {"type": "x"}), []


def test_feeds_follow_the_config_and_remember_validators(store):
    store.sync_feeds([FeedSettings("https://a.example/feed", "A", 900), FeedSettings("/tmp/b.xml", "B", 60)], T0)
    feeds = store.feeds(due_at=T0)
    assert [f.name for f in feeds] == ["A", "B"]
    record_poll(store, feeds[0].id, T0, PollOutcome("ok 200", T0 + timedelta(minutes=15), etag='W/"abc"', last_modified="Thu, 18 Aug 2016 12:00:00 GMT"))
    assert [f.name for f in store.feeds(due_at=T0 + timedelta(minutes=1))] == ["B"]
    a = store.feeds()[0]
    assert (a.etag, a.last_modified, a.last_status, a.consecutive_failures) == ('W/"abc"', "Thu, 18 Aug 2016 12:00:00 GMT", "ok 200", 0)
    record_poll(store, a.id, T0, PollOutcome("error", T0, error="HTTP 500"))
    a = store.feeds()[0]
    assert (a.etag, a.last_error, a.consecutive_failures) == ('W/"abc"', "HTTP 500", 1)
    store.sync_feeds([FeedSettings("/tmp/b.xml", "B", 60)], T0)
    assert [f.name for f in store.feeds()] == ["B"]


def test_one_transaction_saves_articles_pauses_changes_and_their_alerts(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    feed = store.feeds()[0]
    a = article()
    assert new_or_changed(store, [a]) == ([a], frozenset())
    updates = reconcile([], [Evidence(mention(), a.key, "wire.example.org", a.link, T0)], T0)
    saved = save(store, T0, feed.id, [a], updates, two_channels, render)
    assert len(saved) == 1 and saved[0].pause.id is not None
    assert new_or_changed(store, [a]) == ([], frozenset())
    assert store.feeds()[0].articles == 1
    due = store.due_alerts(T0)
    assert sorted(d.msg.channel for d in due) == ["email", "slack"]
    assert all(d.msg.key.startswith(f"pause-{saved[0].pause.id}/change-{saved[0].id}/") for d in due)
    assert all(d.pause_id == saved[0].pause.id and d.attempts == 0 for d in due)
    detail = store.pause(saved[0].pause.id)
    assert detail.pause.actors == (Actor("Russia", "proposed"),) and detail.pause.sources == ("wire.example.org",)
    assert [(e.mention.quote, reason, title) for e, reason, title in detail.evidence] == [("quote", "first report", "Aleppo")]
    assert [c.event for c in detail.changes] == ["new"]
    assert store.evidence([saved[0].pause.id]) == {saved[0].pause.id: [detail.evidence[0][0]]}


def test_the_outlook_counts_open_pauses_and_says_what_is_due_next(store):
    from tracker.store.db import Outlook

    assert store.outlook() == Outlook(0, None, None, 0, None)
    store.sync_feeds([FeedSettings("/tmp/a.xml", "A", 900), FeedSettings("/tmp/b.xml", "B", 60)], T0)
    a_id = store.feeds()[0].id
    record_poll(store, a_id, T0, PollOutcome("ok 200", T0 + timedelta(minutes=15)))
    a = article()
    updates = reconcile([], [Evidence(mention(), a.key, "wire.example.org", a.link, T0)], T0)
    save(store, T0, a_id, [a], updates, two_channels, render)
    o = store.outlook()
    assert (o.open_pauses, o.next_feed, o.pending_alerts) == (1, "B", 2)
    assert o.next_poll_at is not None and o.next_poll_at.tzinfo is not None and o.next_poll_at <= T0 + timedelta(minutes=15)
    first = min(d.id for d in store.due_alerts(T0 + timedelta(hours=1)))
    store.mark_sent(first, T0)
    o = store.outlook()
    assert o.pending_alerts == 1 and o.next_alert_at is not None and o.next_alert_at.tzinfo is not None


def test_a_plan_that_fails_rolls_back_everything(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    a = article()
    updates = reconcile([], [Evidence(mention(), a.key, "w", a.link, T0)], T0)

    def broken(pause, views, channel):
        raise RuntimeError("template exploded")

    with pytest.raises(RuntimeError):
        save(store, T0, store.feeds()[0].id, [a], updates, two_channels, broken)
    assert store.pauses() == [] and store.due_alerts(T0) == [] and new_or_changed(store, [a]) == ([a], frozenset())


def test_an_edited_article_replaces_its_own_evidence(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    fid = store.feeds()[0].id
    a = article()
    save(store, T0, fid, [a], reconcile([], [Evidence(mention(), a.key, "w", a.link, T0)], T0))
    edited = article(text="Russia and the rebels agreed a 48-hour ceasefire in Aleppo.")
    fresh, replaced = new_or_changed(store, [edited])
    assert fresh == [edited] and replaced == frozenset({"a1"})
    pauses = candidates(store, T0)
    known = store.evidence([p.id for p in pauses])
    updates = reconcile(pauses, [Evidence(mention("agreed"), a.key, "w", a.link, T0)], T0, known, replaced)
    save(store, T0, fid, [edited], updates)
    detail = store.pause(pauses[0].id)
    assert [e.mention.status for e, _, _ in detail.evidence] == ["agreed"]
    assert detail.pause.status == "agreed" and [c.event for c in detail.changes] == ["new", "status"]


def test_closed_pauses_stay_candidates_for_late_news_for_30_days(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    a = article()
    start = T0 + timedelta(hours=1)
    save(store, T0, store.feeds()[0].id, [a], reconcile([], [Evidence(mention("agreed", start), a.key, "w", a.link, T0)], T0))
    end = start + timedelta(hours=48)
    save(store, end, None, [], tick(store.pauses(), end))
    assert [p.status for p in store.pauses()] == ["expired"]
    assert store.pauses(open_only=True) == []
    assert [p.status for p in candidates(store, end + timedelta(days=29))] == ["expired"]
    assert candidates(store, end + timedelta(days=31)) == []


def test_delivery_state_sent_retry_and_failed(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    a = article()
    save(store, T0, store.feeds()[0].id, [a], reconcile([], [Evidence(mention(), a.key, "w", a.link, T0)], T0), two_channels, render)
    first, second = store.due_alerts(T0)
    id1, id2 = first.id, second.id
    assert first.attempts == second.attempts == 0
    store.mark_sent(id1, T0)
    store.mark_failed(id2, T0, "HTTP 500", T0 + timedelta(minutes=1))
    assert store.due_alerts(T0) == []
    assert [(d.id, d.attempts) for d in store.due_alerts(T0 + timedelta(minutes=1))] == [(id2, 1)]
    store.mark_failed(id2, T0, "HTTP 404 no_service", None)
    assert store.due_alerts(T0 + timedelta(days=1)) == []
    states = {a.id: a for a in store.alerts()}
    assert (states[id1].status, states[id1].attempts) == ("sent", 1)
    assert (states[id2].status, states[id2].attempts, states[id2].last_error) == ("failed", 2, "HTTP 404 no_service")


def test_countdown_events_are_saved_once_even_if_planned_twice(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    a = article()
    start = T0 + timedelta(minutes=30)
    save(store, T0, store.feeds()[0].id, [a], reconcile([], [Evidence(mention("agreed", start), a.key, "w", a.link, T0)], T0))
    first = tick(store.pauses(open_only=True), T0)
    stale = tick(store.pauses(open_only=True), T0)  # a second worker computed the same event
    assert [c.event for u in first for c in u.changes] == ["starts_soon"]
    save(store, T0, None, [], first, two_channels, render)
    assert tick(store.pauses(open_only=True), T0) == []
    from tracker.errors import StoreError

    with pytest.raises(StoreError):
        save(store, T0, None, [], stale, two_channels, render)
    assert len(store.due_alerts(T0)) == 2


def test_concurrent_writers_do_not_deadlock(store):
    """The poller and the sender write at the same time: both finish, nothing is lost."""
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    fid = store.feeds()[0].id
    errors = []

    def poller():
        try:
            for i in range(30):
                a = article(key=f"k{i}", text=f"text {i}")
                save(store, T0, fid, [a], [])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    def sender():
        try:
            for i in range(30):
                record_poll(store, fid, T0, PollOutcome("ok 200", T0 + timedelta(seconds=i)))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=poller), threading.Thread(target=sender)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and store.feeds()[0].articles == 30


def test_a_new_guid_for_a_stored_link_is_the_same_article(store):
    store.sync_feeds([FeedSettings("/tmp/feed.xml", "F", 900)], T0)
    fid = store.feeds()[0].id
    a = article()
    save(store, T0, fid, [a], [])
    reissued = Article("new-guid-for-same-story", a.title, a.link, a.published, a.text, a.content_hash)
    assert new_or_changed(store, [reissued], fid) == ([], frozenset())
    edited = Article("newer-guid", a.title, a.link, a.published, "edited text", "other-hash")
    fresh, replaced = new_or_changed(store, [edited], fid)
    assert [x.key for x in fresh] == ["a1"] and replaced == frozenset({"a1"})


def test_imported_feeds_survive_a_config_sync_and_a_gone_feed_stays_disabled(store):
    store.sync_feeds([FeedSettings("https://a.example/feed", "A", 900)], T0)
    assert store.import_feeds([("https://b.example/rss", "B"), ("https://a.example/feed", "A again")], 1800, T0) == 1
    store.sync_feeds([FeedSettings("https://a.example/feed", "A", 900)], T0)
    assert [(f.name, f.origin) for f in store.feeds()] == [("A", "config"), ("B", "import")]
    a = store.feeds()[0]
    record_poll(store, a.id, T0, PollOutcome("gone", None, error="HTTP 410 Gone"))
    store.sync_feeds([FeedSettings("https://a.example/feed", "A", 900)], T0)
    assert [f.name for f in store.feeds()] == ["B"]
    [gone] = [f for f in store.feeds(include_disabled=True) if f.name == "A"]
    assert not gone.enabled and gone.disabled_reason == "HTTP 410 Gone"


def test_the_store_and_its_transaction_are_what_the_pipeline_asks_for(store):
    from tracker.store.api import PollStore, WriteTx

    assert isinstance(store, PollStore)
    with store.transaction() as tx:
        assert isinstance(tx, WriteTx)
