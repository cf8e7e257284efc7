"""The concurrent poller (tracker.poller) and the batched writer behind Pipeline.poll.

A builder-style fake fetcher for the engine's bookkeeping (memory bound, order, stop,
failures); a real local HTTP server for per-host limits; the real digest processes once;
and the pipeline's batches checked against polling the same feeds one by one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dbtools import new_or_changed, record_poll

from tracker.alerts.render import Renderer
from tracker.config import ChannelRules, FeedSettings, FetchSettings
from tracker.errors import FetchError, ParseError, TemplateError
from tracker.feeds.fetch import Fetched, Fetcher, HostLimits
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.poller import Poller, digest
from tracker.store.db import FeedState, Store
from tracker.types import Article

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)


def rss(*items: tuple[str, str, str]) -> bytes:
    """items: (guid, title, text)"""
    entries = "".join(
        f"<item><guid>{g}</guid><title>{t}</title><link>https://news.example.org/{g}</link>"
        f"<pubDate>Mon, 10 Jun 2024 11:00:00 +0000</pubDate><description>{x}</description></item>"
        for g, t, x in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'.encode()


def feed_state(i: int, url: str | None = None) -> FeedState:
    return FeedState(i, url or f"https://h{i % 7}.example/feed/{i}", f"feed {i}", 900, None, None, T0, None, None, None, None, 0)


@dataclass
class FakeFetcher:
    """Answers every URL from `bodies` (304 when absent); `fail` URLs raise. Counts calls."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    hosts: HostLimits = field(default_factory=lambda: HostLimits(2))
    total_timeout: float = 5.0
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        with self.lock:
            self.calls.append(url)
        if url in self.fail:
            raise FetchError(url, "HTTP 500")
        body = self.bodies.get(url)
        if body is None:
            return Fetched(url, 304, None, etag, last_modified)
        return Fetched(url, 200, body, '"v1"', None, "application/rss+xml", sha256=str(hash(body)))


# --------------------------------------------------------------------------- the engine


def test_every_feed_is_written_once_in_order_and_memory_stays_within_the_window():
    fetcher = FakeFetcher(bodies={feed_state(i).url: rss((f"g{i}", "Markets", "Shares rose.")) for i in range(0, 300, 3)})
    failing = {i for i in range(300) if i % 10 == 1 and i % 3 == 1}
    fetcher.fail = {feed_state(i).url for i in failing}
    poller = Poller(fetcher, workers=8, processes=0, batch=16)
    pulled = 0
    outstanding = []  # feeds pulled from the iterator and not written yet, after each pull

    def feeds():
        nonlocal pulled
        for i in range(300):
            pulled += 1
            outstanding.append(pulled - len(written))
            yield feed_state(i)

    written = []
    assert poller.run(feeds(), T0, written.extend) == 300
    assert sorted(p.feed.id for p in written) == list(range(300))
    assert [p.order for p in written] == list(range(300))  # fast feeds: written in dispatch order
    assert max(outstanding) <= poller.window + max(4 * poller.window, 256) + 1  # never all 300 held
    errors = {p.feed.id for p in written if p.error}
    assert errors == failing
    parsed = [p for p in written if p.digest]
    assert len(parsed) == 100 and all(p.fetched.body == b"" for p in parsed)  # bodies dropped once read


def test_stop_ends_dispatching_and_what_started_is_still_written():
    stop = threading.Event()
    fetcher = FakeFetcher()
    written = []

    def write(batch):
        written.extend(batch)
        stop.set()

    Poller(fetcher, workers=2, processes=0, window=4, linger=0).run((feed_state(i) for i in range(1000)), T0, write, stop=stop)
    assert 1 <= len(written) < 1000 and len(set(p.feed.id for p in written)) == len(written)
    assert len(fetcher.calls) == len(written)  # nothing fetched is lost


def test_a_failure_to_read_the_feeds_is_raised_after_the_feeds_in_flight_are_written():
    def feeds():
        yield feed_state(1)
        yield feed_state(2)
        raise FetchError("db", "the feed list could not be read")

    written = []
    with pytest.raises(FetchError):
        Poller(FakeFetcher(), workers=2, processes=0).run(feeds(), T0, written.extend)
    assert sorted(p.feed.id for p in written) == [1, 2]


def test_the_digest_processes_read_bodies_like_the_parent_and_report_parse_errors_per_feed():
    body = rss(("g1", "Truce agreed in Hodeidah", "The Houthis and the government agreed to a 72-hour truce in Hodeidah."))
    good, bad = feed_state(1, "https://a.example/ok"), feed_state(2, "https://b.example/html")
    fetcher = FakeFetcher(bodies={good.url: body, bad.url: b"<!DOCTYPE html><html><body>Login</body></html>"})
    with Poller(fetcher, workers=2, processes=1, pool_after=0) as poller:
        written = []
        poller.run([good, bad], T0, written.extend)
        assert poller.worker_pids()
    by_id = {p.feed.id: p for p in written}
    assert by_id[1].digest == digest(body, good.url, "application/rss+xml", T0)
    assert by_id[1].digest.mentions[0][0].location == "Hodeidah"
    assert isinstance(by_id[2].error, ParseError) and "HTML page" in str(by_id[2].error)
    assert poller.worker_pids() == []


def test_no_more_than_the_per_host_limit_of_one_host_is_fetched_at_once(http_server):
    for i in range(6):
        http_server.serve(f"/f{i}", rss((f"g{i}", "Markets", "Shares rose.")))
        http_server.delay(f"/f{i}", 0.4)
    fetcher = Fetcher(FetchSettings(allow_private_networks=True), per_host_limit=2)
    feeds = [feed_state(i, f"{http_server.url}/f{i}") for i in range(6)]
    try:
        Poller(fetcher, workers=6, processes=0).run(feeds, T0, lambda batch: None)
    finally:
        fetcher.close()
    at = sorted(r.at for r in http_server.requests)
    # six requests to one host, two at a time: three waves, each after the previous answered
    assert at[2] - at[0] >= 0.35 and at[4] - at[2] >= 0.35


# --------------------------------------------------------------------------- the pipeline's batches


STORIES = [
    ("Oman proposes Hodeidah truce", "Oman proposed a 72-hour ceasefire in Hodeidah on Monday, officials said."),
    ("UN welcomes Hodeidah proposal", "The United Nations welcomed the proposal for a 72-hour truce in Hodeidah."),
    ("Hodeidah ceasefire agreed", "The Houthis and the government agreed to a 72-hour ceasefire in Hodeidah."),
    ("Markets", "Shares rose on Monday."),
    ("Gaza pause", "Israel agreed to a daily four-hour humanitarian pause in Gaza, the UN said."),
]


def _pipeline(tmp_path, name, fetcher, renderer=None, **kw) -> tuple[Store, Pipeline]:
    store = Store(f"sqlite:///{tmp_path / name}")
    store.upgrade()
    renderer = renderer or Renderer()
    pipeline = Pipeline(store, fetcher, {"log": Outlet(_Null(), ChannelRules(group_wait_seconds=0), renderer)}, rng=lambda: 0.5, **kw)
    return store, pipeline


class _Null:
    type = "webhook"
    min_interval = 0.0
    timeout = 0.0

    def send(self, msg, now):  # pragma: no cover - delivery is not exercised here
        raise AssertionError("not sent in these tests")


def _world(store) -> tuple:
    pauses = sorted((p.kind, p.location, p.status, p.sources) for p in store.pauses())
    evidence = sorted(len(d.evidence) for d in (store.pause(p.id) for p in store.pauses()))
    feeds = sorted((f.name, f.last_status, f.consecutive_failures) for f in store.feeds())
    return pauses, evidence, feeds


def test_a_batch_saves_what_polling_the_feeds_one_by_one_saves(tmp_path):
    bodies = {f"https://h{i}.example/feed": rss((f"story-{i}", *STORIES[i % len(STORIES)])) for i in range(12)}
    bodies["https://h3.example/feed"] = rss(("story-3", *STORIES[3]), ("story-1b", *STORIES[1]))  # a duplicate story, another guid
    fetcher = FakeFetcher(bodies=bodies)
    batched, pipeline = _pipeline(tmp_path, "a.db", fetcher, processes=0)
    single, one_by_one = _pipeline(tmp_path, "b.db", fetcher, processes=0)
    for store in (batched, single):
        store.sync_feeds([FeedSettings(url, f"feed {i}", 900) for i, url in enumerate(bodies)], T0)
    reports = pipeline.poll(T0, due_only=False)
    one_by_one.poller.batch = 1  # each feed in its own transaction
    one_by_one.poll(T0, due_only=False)
    assert [r.status for r in reports] == ["ok"] * 12
    assert _world(batched) == _world(single)
    assert any(p[1] == "Hodeidah" and p[2] == "agreed" for p in _world(batched)[0])


def test_a_feed_whose_save_fails_is_recorded_as_failed_and_the_rest_of_its_batch_is_saved(tmp_path):
    class Picky(Renderer):
        def render_noted(self, pause, views, now):
            if pause.location == "Gaza":
                raise TemplateError("the template failed for Gaza")
            return super().render_noted(pause, views, now)

    bodies = {f"https://h{i}.example/feed": rss((f"story-{i}", *STORIES[i])) for i in range(5)}
    store, pipeline = _pipeline(tmp_path, "c.db", FakeFetcher(bodies=bodies), renderer=Picky(), processes=0)
    store.sync_feeds([FeedSettings(url, f"feed {i}", 900) for i, url in enumerate(bodies)], T0)
    reports = {r.feed: r for r in pipeline.poll(T0, due_only=False)}
    assert reports["feed 4"].status == "error" and "Gaza" in reports["feed 4"].error
    assert all(reports[f"feed {i}"].status == "ok" for i in range(4))
    assert {p.location for p in store.pauses()} == {"Hodeidah"}
    failed = {f.name: f.consecutive_failures for f in store.feeds()}
    assert failed == {"feed 0": 0, "feed 1": 0, "feed 2": 0, "feed 3": 0, "feed 4": 1}


def test_on_changes_is_called_as_each_batch_with_changes_commits(tmp_path):
    bodies = {f"https://h{i}.example/feed": rss((f"story-{i}", *STORIES[i])) for i in range(5)}
    store, pipeline = _pipeline(tmp_path, "d.db", FakeFetcher(bodies=bodies), processes=0)
    store.sync_feeds([FeedSettings(url, f"feed {i}", 900) for i, url in enumerate(bodies)], T0)
    seen = []
    reports = pipeline.poll(T0, due_only=False, on_changes=lambda changes: seen.append(len(store.alerts())))
    assert seen and seen[-1] == len(store.alerts()) > 0  # each call sees its alerts already committed
    assert sum(len(r.changes) for r in reports) >= 2


# --------------------------------------------------------------------------- the store's batch methods


def test_due_feeds_are_read_a_page_at_a_time_most_overdue_first(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'e.db'}")
    store.upgrade()
    store.sync_feeds([FeedSettings(f"https://h{i}.example/feed", f"feed {i}", 900) for i in range(5)], T0)
    from tracker.store.db import PollOutcome

    ids = {f.name: f.id for f in store.feeds()}
    record_poll(store, ids["feed 2"], T0, PollOutcome("ok 200", T0 - timedelta(minutes=5)))  # most overdue
    record_poll(store, ids["feed 4"], T0, PollOutcome("ok 200", T0 + timedelta(minutes=5)))  # not due
    seen = []
    for f in store.due_feeds(T0, page=2):
        seen.append(f.name)
        record_poll(store, f.id, T0, PollOutcome("ok 200", T0 + timedelta(minutes=15)))  # as a poll would
    assert seen == ["feed 2", "feed 0", "feed 1", "feed 3"]
    assert [f.name for f in store.due_feeds(None, page=2)] == [f"feed {i}" for i in range(5)]  # all, by id
    assert [f.name for f in store.due_feeds(T0 + timedelta(minutes=10))] == ["feed 4"]


def test_one_transaction_sees_an_article_saved_by_an_earlier_feed_of_its_batch(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    store.upgrade()
    store.sync_feeds([FeedSettings("https://a.example/feed", "A", 900), FeedSettings("https://b.example/feed", "B", 900)], T0)
    a = Article("wire-1", "Truce", "https://wire.example/1", T0, "A truce.", "h1")
    edited = Article("wire-1", "Truce", "https://wire.example/1", T0, "A truce, now agreed.", "h2")
    with store.transaction() as tx:
        (fresh_a, _), (fresh_b, replaced_b), (fresh_c, _) = tx.new_or_changed([(1, [a]), (2, [edited]), (2, [a])])
        assert (fresh_a, fresh_b, replaced_b) == ([a], [edited], frozenset({"wire-1"}))
        assert fresh_c == [a]  # the same content again: changed back
        ids = tx.upsert_articles(T0, [(1, a), (2, edited)])
    assert list(ids) == ["wire-1"]
    assert new_or_changed(store, [edited]) == ([], frozenset())  # the later content won


def test_the_fake_and_the_real_fetcher_are_what_the_engine_asks_for():
    from tracker.feeds.fetch import Fetcher, FetcherType

    for f in (FakeFetcher(), Fetcher(FetchSettings())):
        assert isinstance(f, FetcherType) and f.hosts.limit >= 1 and f.total_timeout > 0
