"""`tracker run` under load, as a real process against a real local HTTP server: SIGTERM in
the middle of a 300-feed poll exits within 10 s (as `systemctl stop` expects), and after
kill -9 no worker process is left running (issue #13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email.utils import format_datetime
from pathlib import Path

from servers import LocalHTTPServer
from tests_support import T0, config_with_feeds

FEEDS = 300


def _feed(i: int) -> bytes:
    items = "".join(
        f"<item><guid>f{i}-{j}</guid><title>Market report {i}-{j}</title><link>https://n.example/{i}/{j}</link>"
        f"<pubDate>{format_datetime(T0)}</pubDate><description>{'Prices rose again today in the capital. ' * 20}</description></item>"
        for j in range(20)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{i}</title>{items}</channel></rss>'.encode()


def _descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - out
        out |= frontier
    return out


def _alive(pid: int) -> bool:
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _start(tmp_path: Path, http: LocalHTTPServer, processes: int) -> subprocess.Popen:
    """The daemon, its stderr in a file (an orphaned worker would hold a pipe open)."""
    for i in range(FEEDS):
        http.serve(f"/f{i}", _feed(i))
        http.delay(f"/f{i}", 0.3)
    config = config_with_feeds(tmp_path, [f"{http.url}/f{i}" for i in range(FEEDS)], processes=processes)
    cmd = [sys.executable, "-m", "tracker.cli", "--config", str(config), "run"]
    with (tmp_path / "daemon.log").open("w") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for_requests(http: LocalHTTPServer, proc: subprocess.Popen, n: int) -> None:
    deadline = time.monotonic() + 60
    while len(http.requests) < n:
        assert proc.poll() is None, "the daemon exited early"
        assert time.monotonic() < deadline, "the daemon did not start polling"
        time.sleep(0.05)


def test_sigterm_in_the_middle_of_a_300_feed_poll_exits_within_10_seconds(tmp_path):
    with LocalHTTPServer() as http:
        proc = _start(tmp_path, http, processes=2)
        try:
            _wait_for_requests(http, proc, 60)
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    err = (tmp_path / "daemon.log").read_text()
    assert proc.returncode == 0, err
    assert took < 10, f"took {took:.1f} s to stop"
    assert "tracker stopped" in err
    assert len(http.requests) < FEEDS, "the poll had finished before the signal: the test proves nothing"


def test_after_kill_9_no_worker_process_is_left_running(tmp_path):
    with LocalHTTPServer() as http:
        proc = _start(tmp_path, http, processes=2)
        try:
            _wait_for_requests(http, proc, 80)  # past POOL_AFTER: the digest processes exist
            deadline = time.monotonic() + 30
            while len(_descendants(proc.pid)) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            children = _descendants(proc.pid)
            assert len(children) >= 3, "the forkserver and its two workers never started"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            deadline = time.monotonic() + 10
            while any(_alive(c) for c in children) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = [c for c in children if _alive(c)]
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    for c in left:
        os.kill(c, signal.SIGKILL)
    assert not left, f"{len(left)} worker process(es) outlived the daemon"


def test_a_second_sigterm_while_stopping_is_ignored_not_a_traceback(tmp_path):
    with LocalHTTPServer() as http:
        proc = _start(tmp_path, http, processes=0)
        try:
            _wait_for_requests(http, proc, 20)
            proc.send_signal(signal.SIGTERM)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    err = (tmp_path / "daemon.log").read_text()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert err.count("stopping") == 1 and "tracker stopped" in err
