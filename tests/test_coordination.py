"""Coordination of several workers on one database (issue #16): tracker.store.coordination.

Each behaviour on SQLite and on the local PostgreSQL; the races (threads with their own
connections, and real processes) on PostgreSQL only, since that is where workers share a
database. PostgreSQL tests are skipped, saying so, when TRACKER_TEST_DATABASE_URL is unset.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbtools import drop_all
from sqlalchemy import create_engine, insert, update

from tracker.cli import main
from tracker.config import database_url
from tracker.store.coordination import AlertListener, Coordination, feed_host, minute, send_key, several_workers
from tracker.store.db import Store
from tracker.store.models import AlertRow, FeedRow

PG = os.environ.get("TRACKER_TEST_DATABASE_URL")
NOW = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)
PG_SKIP = "PostgreSQL coordination tests skipped: set TRACKER_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"


def _pg(tmp_path: Path) -> str:
    if not PG:
        pytest.skip(PG_SKIP)
    url = database_url(PG, tmp_path)
    engine = create_engine(url)
    try:
        drop_all(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """An empty database at head."""
    u = f"sqlite:///{tmp_path / 'tracker.db'}" if request.param == "sqlite" else _pg(tmp_path)
    store = Store(u)
    store.upgrade()
    store.close()
    return u


@pytest.fixture
def pg_url(tmp_path):
    u = _pg(tmp_path)
    store = Store(u)
    store.upgrade()
    store.close()
    return u


class Worker:
    """One worker's own connection pool, as a separate process would have."""

    def __init__(self, url: str, name: str):
        self.store = Store(url)
        self.c = Coordination(self.store)
        self.id = name

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def workers(request):
    made: list[Worker] = []

    def make(url: str, n: int) -> list[Worker]:
        new = [Worker(url, f"host{i}/{100 + i}/w{i}") for i in range(len(made), len(made) + n)]
        made.extend(new)
        return new

    yield make
    for w in made:
        w.close()


def add_feeds(url: str, hosts: list[str], per_host: int, due: datetime = NOW) -> list[int]:
    store = Store(url)
    try:
        with store.session() as s:
            rows = [
                {"url": f"https://{h}/feed/{i}.xml", "name": f"{h} {i}", "every_seconds": 900, "next_poll_at": due, "enabled": True,
                 "consecutive_failures": 0, "origin": "import", "silent_after_seconds": 172800, "moved_count": 0}
                for h in hosts for i in range(per_host)
            ]  # fmt: skip
            s.execute(insert(FeedRow.__table__), rows)
        return [f.id for f in store.feeds()]
    finally:
        store.close()


def add_alerts(url: str, n: int, channel: str = "hook", due: datetime = NOW) -> list[int]:
    store = Store(url)
    try:
        with store.session() as s:
            s.execute(
                insert(AlertRow.__table__),
                [{"key": f"test/{channel}/{i}", "kind": "test", "channel": channel, "status": "pending", "attempts": 0,
                  "next_try_at": due, "created_at": due, "summary": "", "rendered": {}, "change_ids": []} for i in range(n)],
            )  # fmt: skip
        return sorted(a.id for a in store.alerts(limit=n))
    finally:
        store.close()


def polled(store: Store, feed_ids: list[int], until: datetime) -> None:
    """What recording a poll does to the schedule: the next poll moves on."""
    t = FeedRow.__table__
    with store.session() as s:
        s.execute(update(t).where(t.c.id.in_(feed_ids)).values(next_poll_at=until))


# pure -----------------------------------------------------------------


def test_postgresql_shares_the_work_and_sqlite_keeps_one_worker():
    assert several_workers("postgresql+psycopg://u@h/db") and several_workers("postgresql://u@h/db")
    assert not several_workers("sqlite:///tracker.db")


def test_a_feed_host_is_its_lowercased_hostname_and_a_path_has_none():
    assert feed_host("https://News.Example:8443/a.xml") == "news.example"
    assert feed_host("/srv/feeds/a.xml") == ""
    assert feed_host("http://[::1") == ""  # a broken URL has no host rather than an error
    assert minute(datetime(2026, 12, 1, 13, 5, 59, 999, tzinfo=UTC)) == datetime(2026, 12, 1, 13, 5, tzinfo=UTC)


def test_a_webhook_rate_is_kept_per_webhook_without_storing_its_url():
    url = "https://hooks.slack.com/services/T000/B000/secret"
    assert send_key("desk", url) == send_key("alerts", url) != send_key("desk", url + "x")
    assert "secret" not in send_key("desk", url) and send_key("desk") == "desk"


# on both databases ----------------------------------------------------


def test_a_claimed_feed_is_not_claimed_again_until_its_lease_runs_out(url, workers):
    a, b = workers(url, 2)
    ids = add_feeds(url, ["one.example", "two.example"], 2)
    got = a.c.claim_feeds(a.id, NOW, 30, limit=10, per_host=5)
    assert sorted(got) == sorted(ids)
    assert b.c.claim_feeds(b.id, NOW + timedelta(seconds=29), 30, limit=10, per_host=5) == []
    # the lease ran out (a died): b takes every feed over
    assert sorted(b.c.claim_feeds(b.id, NOW + timedelta(seconds=30), 30, limit=10, per_host=5)) == sorted(ids)


def test_a_heartbeat_renews_the_workers_claims_and_a_dead_worker_is_expired(url, workers):
    a, b = workers(url, 2)
    for w in (a, b):
        w.c.register(w.id, w.id.split("/")[0], 1, NOW, 30)
    ids = add_feeds(url, ["one.example"], 2)
    alerts = add_alerts(url, 2)
    assert len(a.c.claim_feeds(a.id, NOW, 30, limit=10, per_host=5)) == 2
    assert a.c.claim_alerts(a.id, NOW, NOW + timedelta(seconds=30), limit=10) == alerts
    later = NOW + timedelta(seconds=20)
    assert a.c.heartbeat(a.id, later, 30)  # now held to NOW + 50
    assert b.c.heartbeat(b.id, later, 30)
    at = NOW + timedelta(seconds=40)
    assert b.c.claim_feeds(b.id, at, 30, limit=10, per_host=5) == []
    assert b.c.claim_alerts(b.id, at, at + timedelta(seconds=30), limit=10) == []
    assert b.c.expire(at) == []  # a is alive
    listed = {w.id: w for w in b.c.workers(at)}
    assert (listed[a.id].feeds, listed[a.id].alerts, listed[b.id].feeds) == (2, 2, 0)
    # a stops renewing; b (renewing) outlives it and expires it: a's claims are free at once
    assert b.c.heartbeat(b.id, NOW + timedelta(seconds=45), 30)
    gone = NOW + timedelta(seconds=51)
    assert b.c.expire(gone) == [a.id]
    assert not a.c.heartbeat(a.id, gone, 30)  # a learns it lost everything
    assert sorted(b.c.claim_feeds(b.id, gone, 30, limit=10, per_host=5)) == sorted(ids)
    assert b.c.claim_alerts(b.id, gone, gone + timedelta(seconds=30), limit=10) == alerts
    # and the store records a send only for the claim's holder
    assert not a.store.mark_sent(alerts[0], gone, worker=a.id)
    assert b.store.mark_sent(alerts[0], gone, worker=b.id)
    assert [w.id for w in b.c.workers(gone)] == [b.id]


def test_a_clean_stop_frees_what_the_worker_held_without_waiting_out_its_lease(url, workers):
    a, b = workers(url, 2)
    a.c.register(a.id, "host0", 1, NOW, 60)
    add_feeds(url, ["one.example"], 3)
    alerts = add_alerts(url, 1)
    a.c.claim_feeds(a.id, NOW, 60, limit=10, per_host=5)
    a.c.claim_alerts(a.id, NOW, NOW + timedelta(seconds=60), limit=10)
    assert a.c.begin_once("tick", minute(NOW), a.id, NOW, 60)
    a.c.unregister(a.id, NOW)
    assert len(b.c.claim_feeds(b.id, NOW, 60, limit=10, per_host=5)) == 3
    assert b.c.claim_alerts(b.id, NOW, NOW + timedelta(seconds=60), limit=10) == alerts
    assert b.c.begin_once("tick", minute(NOW), b.id, NOW, 60)  # the unfinished run is taken over
    assert [w.id for w in b.c.workers(NOW) if w.registered] == []


def test_a_hosts_in_flight_limit_holds_across_workers(url, workers):
    a, b = workers(url, 2)
    add_feeds(url, ["busy.example", "other.example"], 10)
    mine = a.c.claim_feeds(a.id, NOW, 60, limit=100, per_host=3)
    store = a.store
    by_id = {f.id: feed_host(f.url) for f in store.feeds()}
    assert Counter(by_id[i] for i in mine) == {"busy.example": 3, "other.example": 3}
    assert b.c.claim_feeds(b.id, NOW, 60, limit=100, per_host=3) == []
    done = [i for i in mine if by_id[i] == "busy.example"][:2]
    polled(store, done, NOW + timedelta(hours=1))
    assert a.c.release_feeds(a.id, done) == 2
    theirs = b.c.claim_feeds(b.id, NOW, 60, limit=100, per_host=3)
    assert Counter(by_id[i] for i in theirs) == {"busy.example": 2}
    assert b.c.release_feeds(b.id, mine) == 0  # not b's to release


def test_a_feed_moved_elsewhere_counts_against_the_host_it_is_fetched_from(url, workers):
    (a,) = workers(url, 1)
    ids = add_feeds(url, ["old.example"], 4)
    t = FeedRow.__table__
    with a.store.session() as s:
        s.execute(update(t).where(t.c.id.in_(ids[:2])).values(fetch_url="https://new.example/feed.xml"))
    assert len(a.c.claim_feeds(a.id, NOW, 60, limit=100, per_host=1)) == 2  # one per host


def test_a_hold_and_the_send_slots_are_shared_by_every_worker(url, workers):
    a, b = workers(url, 2)
    assert b.c.held_until("hook", NOW) is None
    assert a.c.hold("hook", NOW + timedelta(seconds=30)) == NOW + timedelta(seconds=30)
    assert b.c.held_until("hook", NOW + timedelta(seconds=10)) == NOW + timedelta(seconds=30)
    assert b.c.hold("hook", NOW + timedelta(seconds=5)) == NOW + timedelta(seconds=30)  # a shorter hold never shortens one
    assert b.c.held_until("hook", NOW + timedelta(seconds=30)) is None
    assert b.c.held_until("mail", NOW + timedelta(seconds=10)) is None  # per channel
    assert a.c.reserve_send("slack:abc", 1.0, NOW) == 0
    assert b.c.reserve_send("slack:abc", 1.0, NOW) == 1.0
    assert a.c.reserve_send("slack:abc", 1.0, NOW + timedelta(seconds=0.5)) == 1.5
    assert a.c.reserve_send("slack:abc", 1.0, NOW + timedelta(seconds=10)) == 0
    assert b.c.reserve_send("slack:other", 1.0, NOW) == 0


def test_a_singleton_runs_once_per_period_and_a_dead_runner_is_taken_over(url, workers):
    a, b = workers(url, 2)
    p1 = minute(NOW)
    assert a.c.begin_once("tick", p1, a.id, NOW, 60)
    assert not b.c.begin_once("tick", p1, b.id, NOW, 60)
    assert a.c.finish_once("tick", p1, a.id)
    assert not b.c.begin_once("tick", p1, b.id, NOW + timedelta(minutes=5), 60)  # done: not again
    p2 = p1 + timedelta(minutes=1)
    assert b.c.begin_once("tick", p2, b.id, NOW + timedelta(minutes=1), 60)
    assert not a.c.begin_once("tick", p1, a.id, NOW + timedelta(minutes=1), 60)  # an older period never runs again
    assert a.c.begin_once("digest:desk", p2, a.id, NOW + timedelta(minutes=1), 60)  # each job on its own
    # b dies running p2: after its lease a takes it over, and b can no longer finish it
    assert not a.c.begin_once("tick", p2, a.id, NOW + timedelta(seconds=119), 60)
    assert a.c.begin_once("tick", p2, a.id, NOW + timedelta(seconds=121), 60)
    assert not b.c.finish_once("tick", p2, b.id)
    assert a.c.finish_once("tick", p2, a.id)


def test_tracker_workers_lists_workers_heartbeats_and_holdings(url, workers, tmp_path):
    (a,) = workers(url, 1)
    now = datetime.now(UTC)
    a.c.register(a.id, "host0", 100, now, 60)
    add_feeds(url, ["one.example"], 2, due=now)
    a.c.claim_feeds(a.id, now, 60, limit=10, per_host=5)
    add_alerts(url, 1, due=now)
    a.c.claim_alerts("vm/4242/once", now, now + timedelta(seconds=60), limit=10)  # a `run --once` beside it
    a.c.begin_once("tick", minute(now), a.id, now, 60)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[tracker]\ndatabase = "{url.replace("postgresql+psycopg://", "postgresql://")}"\n[[feeds]]\nname = "one"\nurl = "https://one.example/feed/0.xml"\n')
    out = CliRunner().invoke(main, ["--config", str(cfg), "workers", "--json"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert [(w["id"], w["registered"], w["alive"], w["feeds"], w["alerts"], w["jobs"]) for w in got] == [
        (a.id, True, True, 2, 0, ["tick"]),
        ("vm/4242/once", False, True, 0, 1, []),
    ]
    assert got[0]["pid"] == 100 and got[1]["pid"] == 4242 and got[0]["heartbeat_age_s"] < 60
    table = CliRunner().invoke(main, ["--config", str(cfg), "workers"])
    assert table.exit_code == 0 and "not registered" in table.output and "alive" in table.output


# races on PostgreSQL ----------------------------------------------------


def test_racing_workers_poll_each_feed_once_and_keep_each_hosts_limit(pg_url, workers):
    hosts = [f"h{i}.example" for i in range(20)]
    ids = add_feeds(pg_url, hosts, 10)  # 200 feeds
    crew = workers(pg_url, 4)
    per_host = 3
    claimed: list[tuple[str, int]] = []
    in_flight: Counter = Counter()
    peak: Counter = Counter()
    lock = threading.Lock()
    host_of = {f.id: feed_host(f.url) for f in crew[0].store.feeds()}
    errors: list[BaseException] = []

    def run(w: Worker) -> None:
        try:
            idle = 0
            while idle < 3:
                got = w.c.claim_feeds(w.id, NOW, 60, limit=7, per_host=per_host)
                if not got:
                    idle += 1
                    time.sleep(0.02)
                    continue
                idle = 0
                with lock:
                    claimed.extend((w.id, i) for i in got)
                    for i in got:
                        in_flight[host_of[i]] += 1
                        peak[host_of[i]] = max(peak[host_of[i]], in_flight[host_of[i]])
                time.sleep(0.01)  # the fetch
                with lock:
                    for i in got:
                        in_flight[host_of[i]] -= 1
                polled(w.store, got, NOW + timedelta(hours=1))
                w.c.release_feeds(w.id, got)
        except BaseException as e:  # noqa: BLE001  (reported by the test)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    counts = Counter(i for _, i in claimed)
    assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}  # every feed polled, once
    assert max(peak.values()) <= per_host
    assert len({w for w, _ in claimed}) > 1  # the work was shared


def _send_alerts(url: str, name: str, out, start) -> None:
    """A worker process: claim alerts in batches, 'send' them, mark them sent."""
    store = Store(url)
    c = Coordination(store)
    start.wait()
    sent = []
    while True:
        now = NOW
        ids = c.claim_alerts(name, now, now + timedelta(seconds=60), limit=5)
        if not ids:
            break
        for i in ids:
            assert store.mark_sent(i, now, worker=name)
            sent.append(i)
    store.close()
    out.put((name, sent))


def test_alerts_are_claimed_once_across_processes(pg_url):
    alerts = add_alerts(pg_url, 300)
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_send_alerts, args=(pg_url, f"vm/{i}/p{i}", out, start)) for i in range(3)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(10)
        assert p.exitcode == 0
    sent = [i for _, ids in results for i in ids]
    assert sorted(sent) == sorted(alerts)  # each alert sent, by one process only
    store = Store(pg_url)
    try:
        assert Counter(a.status for a in store.alerts(limit=400)) == {"sent": 300}
    finally:
        store.close()


def test_racing_workers_take_a_singleton_once_per_period(pg_url, workers):
    crew = workers(pg_url, 8)
    wins: list[tuple[datetime, str]] = []
    lock = threading.Lock()
    gate = threading.Barrier(len(crew))

    def run(w: Worker) -> None:
        for m in range(5):
            period = minute(NOW) + timedelta(minutes=m)
            gate.wait()
            if w.c.begin_once("tick", period, w.id, period, 60):
                with lock:
                    wins.append((period, w.id))
                w.c.finish_once("tick", period, w.id)

    threads = [threading.Thread(target=run, args=(w,)) for w in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(p for p, _ in wins) == {minute(NOW) + timedelta(minutes=m): 1 for m in range(5)}


def test_racing_workers_share_one_send_slot_sequence(pg_url, workers):
    crew = workers(pg_url, 4)
    waits: list[float] = []
    lock = threading.Lock()

    def run(w: Worker) -> None:
        for _ in range(5):
            wait = w.c.reserve_send("slack:shared", 1.0, NOW)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=run, args=(w,)) for w in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(waits) == [float(i) for i in range(20)]  # 20 distinct slots a second apart


def test_a_listener_wakes_within_a_second_of_alerts_being_written(pg_url):
    engine = create_engine(pg_url)
    listener = AlertListener(engine)
    try:
        assert listener.wait(0.2) is False  # nothing written: it times out
        woke: list[float] = []

        def write() -> None:
            time.sleep(0.3)
            woke.append(time.monotonic())
            add_alerts(pg_url, 3)  # one statement, one commit

        t = threading.Thread(target=write)
        t.start()
        assert listener.wait(5.0) is True
        latency = time.monotonic() - woke[0]
        t.join()
        assert latency < 1.0
        assert listener.wait(0.2) is False  # that insert's notification was consumed
    finally:
        listener.close()
        engine.dispose()


def test_the_listener_needs_postgresql(tmp_path):
    from tracker.errors import StoreError

    with pytest.raises(StoreError, match="needs PostgreSQL"):
        AlertListener(create_engine(f"sqlite:///{tmp_path / 'x.db'}"))


def _hold_and_beat(url: str, name: str, lease: float, ready) -> None:
    """A worker process that claims every due feed and alert, then only heartbeats (it is
    polling and sending, slowly) until it is killed."""
    store = Store(url)
    c = Coordination(store)
    now = datetime.now(UTC)
    c.register(name, "vm", os.getpid(), now, lease)
    c.claim_feeds(name, now, lease, limit=100, per_host=100)
    c.claim_alerts(name, now, now + timedelta(seconds=lease), limit=100)
    ready.set()
    while True:
        time.sleep(lease / 6)
        c.heartbeat(name, datetime.now(UTC), lease)


def test_a_worker_killed_mid_work_has_its_feeds_and_alerts_taken_over_within_the_lease(pg_url, workers):
    lease = 2.0
    start = datetime.now(UTC) - timedelta(minutes=1)
    feeds = add_feeds(pg_url, ["one.example", "two.example"], 5, due=start)
    alerts = add_alerts(pg_url, 5, due=start)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_and_beat, args=(pg_url, "vm/1/dies", lease, ready))
    proc.start()
    try:
        assert ready.wait(120)  # spawn and import, on a busy machine
        (b,) = workers(pg_url, 1)
        time.sleep(lease * 1.5)  # its heartbeat keeps everything its own past its first lease
        now = datetime.now(UTC)
        assert b.c.expire(now) == []
        assert b.c.claim_feeds(b.id, now, lease, limit=100, per_host=100) == []
        assert b.c.claim_alerts(b.id, now, now + timedelta(seconds=lease), limit=100) == []
        os.kill(proc.pid, 9)
        killed = time.monotonic()
        got_feeds: list[int] = []
        got_alerts: list[int] = []
        while (len(got_feeds), len(got_alerts)) != (len(feeds), len(alerts)) and time.monotonic() - killed < 10:
            now = datetime.now(UTC)
            b.c.expire(now)
            got_feeds += b.c.claim_feeds(b.id, now, 60, limit=100, per_host=100)
            got_alerts += b.c.claim_alerts(b.id, now, now + timedelta(seconds=60), limit=100)
            time.sleep(0.05)
        recovered = time.monotonic() - killed
        print(f"taken over {recovered:.2f} s after kill -9 (lease {lease} s)")
        assert sorted(got_feeds) == sorted(feeds) and got_alerts == alerts
        assert recovered <= lease + 1.0  # within the lease (plus a claiming round on a busy machine)
    finally:
        proc.kill()
        proc.join(10)


def test_workers_starting_together_sync_the_feed_list_without_crashing(pg_url, workers):
    """Every `tracker run` syncs the config's feeds at start; several workers starting at
    once on a database without those feeds must each get through it."""
    from tracker.config import FeedSettings

    feeds = [FeedSettings(f"https://h{i}.example/feed.xml", f"feed {i}", 900) for i in range(50)]
    crew = workers(pg_url, 4)
    gate = threading.Barrier(len(crew))
    errors: list[BaseException] = []

    def run(w: Worker) -> None:
        gate.wait()
        try:
            w.store.sync_feeds(feeds, NOW)
        except BaseException as e:  # noqa: BLE001  (reported by the test)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(f.url for f in crew[0].store.feeds()) == sorted(f.url for f in feeds)
