"""Two processes on one database never send an alert twice (issue #13, item 8), ids differ
between installs (item 9): real `tracker` processes, a real local HTTP receiver, real
SQLite files, and the local PostgreSQL for the concurrent ticks when
TRACKER_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import requests
from dbtools import drop_all

from tracker.alerts.channels import EmailChannel, WebhookChannel
from tracker.alerts.render import Renderer
from tracker.config import ChannelRules, EmailSettings, FeedSettings, FetchSettings, WebhookSettings, database_url
from tracker.feeds.fetch import Fetcher
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.coordination import Coordination
from tracker.store.db import Store

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("TRACKER_TEST_DATABASE_URL")
PLACES = [p["name"] for p in json.loads((ROOT / "tracker/extract/data/places.json").read_text())["places"] if p["type"] == "city"]


def rss(stories: list[str], when: datetime) -> bytes:
    items = "".join(
        f"<item><guid>{hashlib.sha1(s.encode()).hexdigest()}</guid><title>{escape(s[:60])}</title>"
        f"<link>https://news.example/{i}</link><pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{escape(s)}</description></item>"
        for i, s in enumerate(stories)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def story(place: str) -> str:
    return f"The warring parties agreed to a 72-hour ceasefire in {place} on Monday, officials said."


def config(tmp_path: Path, feeds: list[str], lease: str = "3s", hook_timeout: int = 10) -> Path:
    lines = ["[tracker]", 'database = "tracker.db"', 'poll_check = "1s"', 'deliver_every = "1s"', f'lease = "{lease}"', "processes = 0",
             "[fetch]", "allow_private_networks = true"]  # fmt: skip
    for i, url in enumerate(feeds):
        lines += ["[[feeds]]", f'name = "feed {i}"', f'url = "{url}"', 'every = "1m"']
    lines += ["[[channels]]", 'name = "hook"', 'type = "webhook"', 'url_env = "TWO_PROC_HOOK"', 'group_wait = "0s"', f"timeout = {hook_timeout}"]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def tracker(cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tracker.cli", "--config", str(cfg), *args]


def env(http) -> dict:
    return {**os.environ, "TWO_PROC_HOOK": http.url + "/hook", "PYTHONUNBUFFERED": "1"}


def query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=30) as c:
        try:
            return c.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []


def wait_for(condition, seconds: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process exited early ({proc.returncode}) waiting for {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def test_a_second_daemon_is_refused_and_one_started_after_kill_9_takes_over_after_the_lease(tmp_path, http_server):
    http_server.serve("/feed", rss([story("Aleppo")], datetime.now(UTC)))
    cfg = config(tmp_path, [http_server.url + "/feed"])
    db = tmp_path / "tracker.db"
    first = subprocess.Popen(tracker(cfg, "run"), env=env(http_server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: query(db, "select pid from lease") == [(first.pid,)], 30, "the first daemon's lease", first)
        second = subprocess.run(tracker(cfg, "run"), env=env(http_server), capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "another tracker daemon is running on" in second.stderr and f"pid {first.pid} on " in second.stderr
        assert "its lease runs out in" in second.stderr
        assert first.poll() is None  # the first goes on
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert query(db, "select pid from lease") == [(first.pid,)]  # killed: nobody gave the lease up
    time.sleep(3.5)  # its lease (3 s) runs out
    third = subprocess.Popen(tracker(cfg, "run"), env=env(http_server), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: query(db, "select pid from lease") == [(third.pid,)], 30, "the new daemon taking the lease over", third)
        time.sleep(2)  # it renews its lease (every 0.5 s) and keeps running
        assert third.poll() is None
        beats = query(db, "select heartbeat_at, started_at from lease")[0]
        assert beats[0] > beats[1]
    finally:
        code = stop(third)
        err = third.stderr.read()
        third.stderr.close()
    assert code == 0, err
    assert query(db, "select count(*) from lease") == [(0,)]  # a clean stop gives the lease up


def _changing_feeds(http, n_feeds: int, versions: int) -> list[str]:
    """Feeds whose every answer adds a story about a new place on top: each poll finds news."""
    now = datetime.now(UTC)
    urls = []
    for f in range(n_feeds):
        places = PLACES[f::n_feeds][:versions]
        http.respond(f"/feed/{f}", *[(200, {"Content-Type": "application/rss+xml"}, rss([story(p) for p in places[: v + 1]], now)) for v in range(len(places))])
        urls.append(f"{http.url}/feed/{f}")
    return urls


def test_run_once_beside_a_live_daemon_sends_every_alert_exactly_once(tmp_path, http_server):
    urls = _changing_feeds(http_server, 6, 8)
    http_server.delay("/hook", 0.15)  # each delivery is in flight a while: two senders would overlap
    cfg = config(tmp_path, urls)
    db = tmp_path / "tracker.db"
    daemon = subprocess.Popen(tracker(cfg, "run"), env=env(http_server), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: query(db, "select count(*) from lease") == [(1,)], 30, "the daemon", daemon)
        onces = []
        for _ in range(4):  # cron's `run --once` beside it, overlapping each other too
            onces.append(subprocess.Popen(tracker(cfg, "run", "--once"), env=env(http_server), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
            time.sleep(1.0)
        for p in onces:
            _, err = p.communicate(timeout=120)
            assert "Traceback" not in err, err
        wait_for(lambda: query(db, "select count(*) from alert where status != 'sent'") == [(0,)], 60, "every alert sent", daemon)
    finally:
        assert stop(daemon) == 0, daemon.stderr.read()
        daemon.stderr.close()
    ids = [r.headers["webhook-id"] for r in http_server.posts("/hook")]
    sent = query(db, "select count(*) from alert where status = 'sent'")[0][0]
    assert sent >= 12, "the feeds should have caused alerts"
    doubled = {i: ids.count(i) for i in set(ids) if ids.count(i) > 1}
    assert doubled == {}, f"{len(doubled)} alert(s) sent more than once"
    assert len(ids) == sent


def test_a_claim_whose_sender_was_killed_mid_send_is_sent_again_only_after_the_claim_runs_out(tmp_path, http_server):
    http_server.serve("/feed", rss([story("Aleppo")], datetime.now(UTC)))
    http_server.delay("/hook", 30)  # the first sender hangs in the send
    cfg = config(tmp_path, [http_server.url + "/feed"], lease="10s", hook_timeout=20)
    db = tmp_path / "tracker.db"
    first = subprocess.Popen(tracker(cfg, "run", "--once"), env=env(http_server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: http_server.posts("/hook"), 60, "the first send", first)  # a cold start: 30 s was not enough at a load average of 20
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    [(status, claimed_by, claimed_until)] = query(db, "select status, claimed_by, claimed_until from alert")
    assert status == "sending" and claimed_by
    http_server.delay("/hook", 0)
    # within the claim (10 s + the 20 s timeout), another process leaves it alone
    again = subprocess.run(tracker(cfg, "run", "--once"), env=env(http_server), capture_output=True, text=True, timeout=60)
    assert "Traceback" not in again.stderr, again.stderr
    assert len(http_server.posts("/hook")) == 1
    assert query(db, "select status, claimed_by from alert") == [("sending", claimed_by)]
    # once the claim ran out, the alert is due again and sent, with the same webhook-id
    until = datetime.fromisoformat(claimed_until).replace(tzinfo=UTC)
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.5)
    last = subprocess.run(tracker(cfg, "run", "--once"), env=env(http_server), capture_output=True, text=True, timeout=60)
    assert "Alerts: 1 sent" in last.stdout, last.stdout + last.stderr
    assert query(db, "select status, claimed_by from alert") == [("sent", None)]
    ids = [r.headers["webhook-id"] for r in http_server.posts("/hook")]
    assert len(ids) == 2 and ids[0] == ids[1]  # the one in flight at the kill, then the retry: a receiver dedupes it


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    if not PG:
        pytest.skip("PostgreSQL: set TRACKER_TEST_DATABASE_URL")
    url = database_url(PG, tmp_path)
    s = Store(url)
    drop_all(s.engine)
    s.close()
    yield url
    s = Store(url)
    drop_all(s.engine)
    s.close()


def _pipeline(url: str, http, worker: str) -> Pipeline:
    store = Store(url)
    hook = WebhookChannel(WebhookSettings("hook", http.url + "/hook", None, timeout=5), requests.Session())
    return Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), {"hook": Outlet(hook, ChannelRules(group_wait_seconds=0), Renderer())}, worker=worker)


def test_concurrent_ticks_fire_each_countdown_event_once_and_never_crash(db_url, http_server):
    published = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)  # a Monday
    text = "The parties agreed to a 48-hour ceasefire in Aleppo starting at 6 a.m. on Wednesday, officials said."
    http_server.serve("/feed", rss([text], published))
    setup = _pipeline(db_url, http_server, "setup")
    setup.store.upgrade()
    setup.store.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], published)
    [report] = setup.poll(published, due_only=False)
    assert report.status == "ok" and report.changes
    [pause] = setup.store.pauses()
    assert pause.starts_at is not None
    before = setup.store.alerts()
    now = pause.starts_at + timedelta(hours=47, minutes=30)  # started, and ending soon: several events due at once
    pipelines = [_pipeline(db_url, http_server, f"w{i}") for i in range(4)]
    barrier = threading.Barrier(len(pipelines))
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def tick(i: int) -> None:
        try:
            barrier.wait()
            results[i] = pipelines[i].tick(now)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=tick, args=(i,)) for i in range(len(pipelines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == []
        fired = [c.change.key for r in results.values() for c in r]
        assert fired and len(fired) == len(set(fired))  # each event fired by one tick only
        detail = setup.store.pause(pause.id)
        assert sorted(c.key for c in detail.changes if c.key) == sorted(fired)  # saved once each
        assert len(setup.store.alerts()) - len(before) == len(fired)  # one alert each, none twice
        assert setup.tick(now) == []  # nothing left to fire at this time
    finally:
        for p in [setup, *pipelines]:
            p.store.close()
            p.close()


def _one_alert_install(tmp_path: Path, http, smtp) -> tuple[list[str], list[str]]:
    """A fresh install (its own database) sends one alert by webhook and email; the first
    webhook attempt fails (503), so the ids of a retry are seen too."""
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    store.upgrade()
    session = requests.Session()
    outlets = {
        "hook": Outlet(WebhookChannel(WebhookSettings("hook", http.url + "/hook", None, timeout=5), session), ChannelRules(group_wait_seconds=0), Renderer()),
        "mail": Outlet(EmailChannel(EmailSettings("mail", smtp.host, smtp.port, "alerts@desk.example.org", ("ops@example.org",), False, None, None)), ChannelRules(group_wait_seconds=0), Renderer()),
    }
    p = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), outlets, rng=lambda: 0.5)
    t0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
    store.sync_feeds([FeedSettings(http.url + "/feed", "Feed", 900)], t0)
    p.poll(t0)
    http.respond("/hook", (503, {}, b"busy"), (204, {}, b""))
    first = p.deliver(t0)
    assert (first.sent, first.retrying) == (1, 1)
    assert p.deliver(t0 + timedelta(hours=2)).sent == 1
    keys = [a.key for a in store.alerts()]
    store.close()
    p.close()
    session.close()
    return keys, [r.headers["webhook-id"] for r in http.posts("/hook")]


def test_webhook_ids_and_message_ids_differ_between_installs_and_stay_the_same_across_retries(tmp_path, http_server, smtp_server):
    http_server.serve("/feed", rss([story("Aleppo")], datetime(2024, 6, 10, 9, 0, tzinfo=UTC)))
    (tmp_path / "a").mkdir()
    keys_a, ids_a = _one_alert_install(tmp_path / "a", http_server, smtp_server)
    http_server.reset()
    http_server.serve("/feed", rss([story("Aleppo")], datetime(2024, 6, 10, 9, 0, tzinfo=UTC)))
    before = len(http_server.posts("/hook"))
    (tmp_path / "b").mkdir()
    keys_b, all_ids = _one_alert_install(tmp_path / "b", http_server, smtp_server)
    ids_b = all_ids[before:]
    assert sorted(keys_a) == sorted(keys_b)  # the same alert keys (pause-1/change-1/...) on both installs
    assert len(ids_a) == 2 and ids_a[0] == ids_a[1]  # a retry keeps its webhook-id
    assert len(ids_b) == 2 and ids_b[0] == ids_b[1]
    assert ids_a[0] != ids_b[0]  # another install, other ids
    mids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(mids) == 2 and mids[0] != mids[1]
    assert all(m.endswith("@desk.example.org>") for m in mids)  # the From address's domain


def test_a_claimed_alert_is_sent_by_its_claimer_only_and_is_due_again_when_the_claim_runs_out(db_url, http_server):
    http_server.serve("/feed", rss([story("Aleppo")], datetime(2024, 6, 10, 9, 0, tzinfo=UTC)))
    p = _pipeline(db_url, http_server, "a")
    try:
        p.store.upgrade()
        t0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
        p.store.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], t0)
        p.poll(t0)
        [due] = p.store.due_alerts(t0)
        s, claim = p.store, lambda worker, at: p.coord.claim_alerts(worker, at, at + timedelta(seconds=30), 1) == [due.id]  # noqa: E731
        assert claim("a", t0)
        assert not claim("b", t0)  # claimed: nobody else gets it
        assert s.due_alerts(t0 + timedelta(seconds=29)) == []
        assert not s.mark_sent(due.id, t0, worker="b")  # only the claimer records the outcome
        later = t0 + timedelta(seconds=31)  # "a" died: its claim ran out
        assert [d.id for d in s.due_alerts(later)] == [due.id]
        assert claim("b", later)
        assert not s.mark_sent(due.id, later, worker="a")  # "a" woke up too late: b holds it now
        assert s.mark_sent(due.id, later, worker="b")
        [alert] = s.alerts()
        assert (alert.status, alert.attempts) == ("sent", 1)
        assert not claim("c", later + timedelta(hours=1))  # sent: never again
    finally:
        p.store.close()
        p.close()


class _Stall:
    """A monotonic clock for one worker that jumps `seconds` ahead the first time it is read
    after the worker claimed its batch, running `meanwhile(now)` at that point: the worker
    was descheduled (a busy machine, a database lock) between its claim and its sends."""

    def __init__(self, start: datetime, seconds: float, meanwhile):
        self.t, self.start, self.seconds, self.meanwhile, self.reads = 0.0, start, seconds, meanwhile, 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads == 3:  # 1: the run's start, 2: the claim's time, 3: the first alert's hold check
            self.t += self.seconds
            self.meanwhile(self.start + timedelta(seconds=self.t))
        return self.t


def test_a_worker_whose_batch_claim_ran_out_before_its_sends_leaves_the_batch_to_the_one_that_took_it(db_url, http_server):
    """The double send of `run --once` beside a daemon (4 alerts twice, one CI run): a batch
    of alerts is claimed at once and sent one by one; a sender stalled past its claim must
    not send what another took over meanwhile (Coordination.own_alert, right before each send)."""
    http_server.serve("/feed", rss([story("Aleppo"), story("Homs"), story("Hama")], datetime(2024, 6, 10, 9, 0, tzinfo=UTC)))
    t0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
    b = _pipeline(db_url, http_server, "b")
    b.store.upgrade()
    b.store.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], t0)
    b.poll(t0)
    taken = []
    stall = _Stall(t0, 600, lambda now: taken.append(b.deliver(now)))
    store = Store(db_url)
    hook = WebhookChannel(WebhookSettings("hook", http_server.url + "/hook", None, timeout=5), requests.Session())
    a = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), {"hook": Outlet(hook, ChannelRules(group_wait_seconds=0), Renderer())},
                 worker="a", claim_seconds=30, monotonic=stall)  # fmt: skip
    try:
        report = a.deliver(t0)
        [by_b] = taken
        assert by_b.sent == 3  # b found a's claims run out (30 s + the 5 s timeout; a stalled 600 s) and sent them
        assert report.sent == 0  # a, awake again, sends none of them: they are b's now
        ids = [r.headers["webhook-id"] for r in http_server.posts("/hook")]
        assert len(ids) == 3 and len(set(ids)) == 3
        assert [(x.status, x.attempts) for x in b.store.alerts()] == [("sent", 1)] * 3
    finally:
        for p in (a, b):
            p.store.close()
            p.close()


class _LateChannel:
    """A rated channel (one message a second, like Slack's webhook) whose first send reaches
    the receiver `late` seconds after its turn began: the worker was descheduled between
    taking its turn and its request leaving."""

    def __init__(self, inner: WebhookChannel, late: float, started: threading.Event):
        self.inner, self.late, self.started, self.sends = inner, late, started, 0
        self.name, self.type, self.timeout, self.min_interval = inner.name, inner.type, inner.timeout, 1.0

    def send(self, msg, now):
        self.sends += 1
        if self.sends == 1:
            self.started.set()
            time.sleep(self.late)
        return self.inner.send(msg, now)


def test_a_rated_channel_is_sent_to_a_second_after_the_last_send_arrived_across_workers(tmp_path, http_server, monkeypatch):
    """Slack's one message a second held across workers although a worker's request leaves
    late (0.18 s apart under load with send slots counted from when they were taken): the
    next worker's turn starts a second after the last send was answered."""
    if not PG:
        pytest.skip("PostgreSQL: set TRACKER_TEST_DATABASE_URL (SQLite runs one daemon: its turns are slots)")
    import tracker.outbox

    monkeypatch.setattr(tracker.outbox, "CLAIM_BATCH", 1)  # one alert each
    url = database_url(PG, tmp_path)
    setup = Store(url)
    drop_all(setup.engine)
    setup.upgrade()
    t0 = datetime.now(UTC)
    http_server.serve("/feed", rss([story("Aleppo"), story("Homs")], t0))
    setup.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], t0)
    first_sending = threading.Event()
    pipelines = []
    for name in ("a", "b"):
        inner = WebhookChannel(WebhookSettings("hook", http_server.url + "/hook", None, timeout=5), requests.Session())
        channel = _LateChannel(inner, 0.8 if name == "a" else 0.0, first_sending)
        pipelines.append(Pipeline(Store(url), Fetcher(FetchSettings(allow_private_networks=True)),
                                  {"hook": Outlet(channel, ChannelRules(group_wait_seconds=0), Renderer())}, worker=name))  # fmt: skip
    a, b = pipelines
    try:
        a.poll(t0)
        reports = {}
        ta = threading.Thread(target=lambda: reports.update(a=a.deliver(datetime.now(UTC))))
        ta.start()
        assert first_sending.wait(30)  # a is in its turn, its request not yet out
        reports["b"] = b.deliver(datetime.now(UTC))
        ta.join(30)
        assert reports["a"].sent + reports["b"].sent == 2 and reports["b"].sent >= 1
        arrivals = sorted(r.at for r in http_server.posts("/hook"))
        assert len(arrivals) == 2
        assert arrivals[1] - arrivals[0] >= 1.0, f"two sends {arrivals[1] - arrivals[0]:.2f} s apart on a one-a-second channel"
    finally:
        for p in pipelines:
            p.store.close()
            p.close()
        drop_all(setup.engine)
        setup.close()


def test_a_later_round_of_a_poll_claims_its_feeds_for_the_lease_from_when_it_claims_them(db_url, http_server):
    """A poll runs round after round while a host's slots free up, all at the poll's `now`;
    each claim must still last the lease from the moment it is made. Counted from the
    round's start, a round begun 15 s into a poll claimed feeds already run out, and another
    worker polled them too (test_workers: 29 feeds polled twice, 0.5 s apart)."""
    t0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
    for i in range(3):
        http_server.serve(f"/feed/{i}", rss([story(PLACES[i])], t0))
    clock = {"t": 0.0}

    def monotonic() -> float:
        clock["t"] += 7.0  # every read, 7 s later: a slow, loaded poll
        return clock["t"]

    class Recording(Coordination):
        def claim_feeds(self, worker, now, seconds, limit, per_host):
            ids = super().claim_feeds(worker, now, seconds, limit, per_host)
            if ids:
                claims.append((now + timedelta(seconds=seconds), clock["t"]))
            return ids

    claims: list[tuple[datetime, float]] = []
    store = Store(db_url)
    store.upgrade()
    p = Pipeline(store, Fetcher(FetchSettings(per_host_limit=1, allow_private_networks=True)), {}, worker="a",
                 claim_seconds=30, monotonic=monotonic, coord=Recording(store))  # fmt: skip
    try:
        store.sync_feeds([FeedSettings(f"{http_server.url}/feed/{i}", f"feed {i}", 900) for i in range(3)], t0)
        began = clock["t"] + 7.0  # the poll's first read of the clock, at t0
        assert len(p.poll(t0)) == 3
        assert len(claims) == 3  # one feed of the one host at a time: three rounds
        for until, at in claims:
            assert until >= t0 + timedelta(seconds=at - began + 30), "a claim that ran out before the lease"
    finally:
        store.close()
        p.close()
