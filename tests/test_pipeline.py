"""The pipeline with its real parts (SQLite file, HTTP server, channels) and a controlled `now`:
retries with backoff, per-feed failures, edited entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tracker.alerts.channels import SlackChannel
from tracker.alerts.render import Renderer
from tracker.config import ChannelRules, FeedSettings, FetchSettings, SlackSettings
from tracker.feeds.fetch import Fetcher
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.db import Store

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2016, 8, 18, 15, 0, tzinfo=UTC)

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>story-1</guid><title>{title}</title><link>https://news.example.org/1</link>
<pubDate>Thu, 18 Aug 2016 14:00:00 +0000</pubDate><description>{body}</description></item>
</channel></rss>"""


@pytest.fixture
def parts(tmp_path, http_server):
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    session = requests.Session()
    slack = SlackChannel(SlackSettings("slack", http_server.url + "/slack", timeout=2), session)
    pipeline = Pipeline(
        store,
        Fetcher(FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=True)),
        {"slack": Outlet(slack, ChannelRules(group_wait_seconds=0), Renderer())},
        max_attempts=3,
        rng=lambda: 0.5,  # no jitter: times are exact
        monotonic=lambda: 0.0,  # time is `now` alone: no real time passes in a delivery run
        sleep=lambda seconds: None,
    )
    yield store, pipeline
    session.close()
    store.close()


def feeds(store, http_server, *paths):
    store.sync_feeds([FeedSettings(http_server.url + p, p, 900) for p in paths], T0)


def test_a_failed_alert_is_retried_with_backoff_then_sent_once(parts, http_server):
    store, pipeline = parts
    http_server.serve("/feed", RSS.format(title="Truce agreed in Idlib", body="A 72-hour truce in Idlib was agreed on Thursday.").encode())
    http_server.respond("/slack", (500, {}, b"oops"), (429, {"Retry-After": "600"}, b"slow down"), (200, {}, b"ok"))
    feeds(store, http_server, "/feed")
    [report] = pipeline.poll(T0)
    assert report.status == "ok" and len(report.changes) == 1

    first = pipeline.deliver(T0)
    assert (first.sent, first.retrying) == (0, 1) and "HTTP 500" in first.errors[0]
    assert pipeline.deliver(T0 + timedelta(seconds=59)).sent == 0  # backoff: 60 s
    second = pipeline.deliver(T0 + timedelta(seconds=60))
    assert second.retrying == 1  # 429: the peer's Retry-After (600 s) decides the next try
    assert pipeline.deliver(T0 + timedelta(seconds=60 + 599)).sent == 0
    third = pipeline.deliver(T0 + timedelta(seconds=60 + 600))
    assert third.sent == 1
    assert pipeline.deliver(T0 + timedelta(days=1)).sent == 0
    assert len(http_server.posts("/slack")) == 3
    [alert] = store.alerts()
    assert (alert.status, alert.attempts, alert.last_error) == ("sent", 3, None)


def test_a_permanent_refusal_is_marked_failed_and_not_retried(parts, http_server):
    store, pipeline = parts
    http_server.serve("/feed", RSS.format(title="Ceasefire agreed in Gaza", body="A ceasefire in Gaza was agreed.").encode())
    http_server.respond("/slack", (404, {}, b"no_service"))
    feeds(store, http_server, "/feed")
    pipeline.poll(T0)
    report = pipeline.deliver(T0)
    assert report.failed == 1 and "no_service" in report.errors[0]
    assert pipeline.deliver(T0 + timedelta(days=1)).failed == 0
    [alert] = store.alerts()
    assert alert.status == "failed" and "no_service" in alert.last_error


def test_one_broken_feed_does_not_stop_the_others_and_keeps_its_validators(parts, http_server):
    store, pipeline = parts
    http_server.serve("/good", RSS.format(title="Humanitarian pause in Rafah", body="Israel agreed to a daily four-hour humanitarian pause in Rafah.").encode())
    http_server.serve("/broken", b"<!DOCTYPE html><html><body>Login</body></html>", content_type="text/html", etag='"e1"')
    feeds(store, http_server, "/broken", "/good")
    reports = {r.feed: r for r in pipeline.poll(T0)}
    assert reports["/broken"].status == "error" and "HTML page" in reports["/broken"].error
    assert reports["/good"].status == "ok" and reports["/good"].changes
    broken = next(f for f in store.feeds() if f.name == "/broken")
    assert broken.consecutive_failures == 1 and broken.etag is None
    # the first failure retries at the normal interval; each further one doubles it, with
    # "equal jitter" (half fixed, half random; rng 0.5 here): the second waits 1350 s
    t1 = T0 + timedelta(seconds=900)
    assert sorted(f.name for f in store.feeds(due_at=t1)) == ["/broken", "/good"]
    pipeline.poll(t1)
    assert [f.name for f in store.feeds(due_at=t1 + timedelta(seconds=1349))] == ["/good"]
    assert sorted(f.name for f in store.feeds(due_at=t1 + timedelta(seconds=1350))) == ["/broken", "/good"]
    assert next(f for f in store.feeds() if f.name == "/broken").consecutive_failures == 2


def test_an_unchanged_feed_answering_200_adds_nothing(parts, http_server):
    store, pipeline = parts
    http_server.serve("/feed", RSS.format(title="Ceasefire in Sudan collapses", body="The ceasefire in Khartoum collapsed on Friday.").encode())
    feeds(store, http_server, "/feed")
    first = pipeline.poll(T0)[0]
    again = pipeline.poll(T0 + timedelta(hours=1))[0]
    assert first.articles == 1 and first.changes
    assert again.articles == 0 and again.changes == []


@pytest.fixture
def health(tmp_path, http_server):
    """A pipeline whose one channel is a local webhook receiver taking every event."""
    from tracker.alerts.channels import WebhookChannel
    from tracker.config import WebhookSettings

    store = Store(f"sqlite:///{tmp_path / 'h.db'}")
    store.upgrade()
    session = requests.Session()
    hook = WebhookChannel(WebhookSettings("hook", http_server.url + "/hook", None), session)
    pipeline = Pipeline(
        store,
        Fetcher(FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=True)),
        {"hook": Outlet(hook, ChannelRules(group_wait_seconds=0), Renderer())},
        rng=lambda: 0.5,
    )
    yield store, pipeline
    session.close()
    store.close()


def _hooks(http_server):
    import json

    return [json.loads(r.body) for r in http_server.posts("/hook")]


def test_a_feed_failing_three_times_raises_one_source_unhealthy_alert(health, http_server):
    store, pipeline = health
    http_server.respond("/feed", (500, {}, b"oops"))
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Flaky", 900)], T0)
    now = T0
    for _ in range(6):
        pipeline.poll(now, due_only=False)
        pipeline.deliver(now)
        now += timedelta(hours=1)
    [alert] = _hooks(http_server)
    assert alert["type"] == "source.unhealthy" and alert["data"]["problem"] == "3 polls in a row failed"
    assert "HTTP 500" in alert["data"]["detail"]
    assert store.feeds()[0].consecutive_failures == 6


def test_a_gone_feed_is_disabled_and_reported(health, http_server):
    store, pipeline = health
    http_server.respond("/feed", (410, {}, b"gone"))
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Old", 900)], T0)
    [report] = pipeline.poll(T0, due_only=False)
    pipeline.deliver(T0)
    assert report.status == "error" and store.feeds() == []
    [gone] = store.feeds(include_disabled=True)
    assert not gone.enabled and "410" in gone.disabled_reason
    [alert] = _hooks(http_server)
    assert "removed it (HTTP 410)" in alert["data"]["problem"]


def test_a_silent_feed_is_reported_once(health, http_server):
    store, pipeline = health
    http_server.serve("/feed", RSS.format(title="Markets calm", body="Nothing happened.").encode(), etag='"v1"')
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Quiet", 900, silent_after_seconds=86400)], T0)
    pipeline.poll(T0, due_only=False)
    for hours in (1, 23, 25, 30, 50):
        pipeline.poll(T0 + timedelta(hours=hours), due_only=False)
        pipeline.deliver(T0 + timedelta(hours=hours))
    [alert] = _hooks(http_server)
    assert alert["data"]["problem"] == "no new article for 25 hours"


def test_an_unchanged_200_is_not_parsed_again_and_a_permanent_redirect_on_the_same_host_moves_the_feed(health, http_server):
    store, pipeline = health
    body = RSS.format(title="Markets calm", body="Nothing happened.").encode()
    http_server.serve("/new", body)  # no validators: only the body hash can tell it is unchanged
    http_server.respond("/old", (301, {"Location": "/new"}, b""))
    store.sync_feeds([FeedSettings(http_server.url + "/old", "Moved", 900)], T0)
    first = pipeline.poll(T0, due_only=False)[0]
    assert first.status == "ok" and first.articles == 1
    [feed] = store.feeds()
    assert feed.fetch_url == http_server.url + "/new" and feed.url == http_server.url + "/old"
    again = pipeline.poll(T0 + timedelta(hours=1), due_only=False)[0]
    assert again.status == "not modified"
    assert [r.path for r in http_server.requests] == ["/old", "/new", "/new"]
    assert store.feeds()[0].last_status == "unchanged"


def test_a_feed_fetched_late_in_a_round_is_next_due_a_period_after_its_fetch_not_after_the_round_began(tmp_path, http_server):
    """A round of many feeds takes a while (a worker's first round: every feed due at once);
    counted from the round's `now`, a feed fetched late in it came due again less than a
    period after its fetch (test_workers: "a feed polled twice within a period")."""
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    body = RSS.format(title="City budget", body="The council met on Thursday.").encode()
    http_server.serve("/slow", body)
    http_server.serve("/late", body)
    http_server.delay("/slow", 2.5)
    pipeline = Pipeline(store, Fetcher(FetchSettings(read_timeout=10, allow_private_networks=True)), {}, rng=lambda: 0.5, workers=1)
    try:
        store.sync_feeds([FeedSettings(http_server.url + "/slow", "slow", 900), FeedSettings(http_server.url + "/late", "late", 900)], T0)
        assert [r.status for r in pipeline.poll(T0)] == ["ok", "ok"]  # one fetch at a time: /late begins 2.5 s in
        due = {f.name: (f.next_poll_at - T0).total_seconds() for f in store.feeds()}
        assert due["slow"] == 900  # fetched at once: a period after `now` (no jitter)
        assert 902 <= due["late"] <= 905  # a period after its fetch began, in whole seconds
    finally:
        pipeline.close()
        store.close()
