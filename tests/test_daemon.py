"""`tracker run` as a real process: it polls, then stops cleanly on SIGTERM within seconds;
it logs a summary line per poll and delivery run, and a line a minute (the tick)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_daemon_polls_and_stops_cleanly_on_a_signal(tmp_path, signum):
    # alerts go out at once instead of waiting out the default 2-minute group window
    config = (ROOT / "config.toml").read_text().replace('path = "outbox"', 'path = "outbox"\ngroup_wait = "0s"')
    (tmp_path / "config.toml").write_text(config)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    cmd = [sys.executable, "-m", "tracker.cli", "--config", str(tmp_path / "config.toml")]
    proc = subprocess.Popen([*cmd, "run"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        outbox = tmp_path / "outbox"
        while time.monotonic() < deadline and not (outbox.is_dir() and len(list(outbox.iterdir())) >= 3):
            assert proc.poll() is None, "the daemon exited early"
            time.sleep(0.2)
        assert len(list(outbox.iterdir())) == 3, "the daemon did not poll and deliver within 30 s"
        sent = time.monotonic()
        proc.send_signal(signum)
        proc.wait(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()  # also closes the pipes
    assert proc.returncode == 0, err
    assert took < 5, f"took {took:.1f} s to stop"
    assert "tracker started" in err and "stopping" in err and "tracker stopped" in err
    assert "database created at revision" in err  # the schema upgrade at start is said
    assert "INFO tracker: poll: 2 feed(s), 2 ok, 0 not modified, 0 failed; " in err  # the cycle's summary line
    assert "INFO tracker: tick: " in err
    pauses = json.loads(subprocess.run([*cmd, "pauses", "--json"], capture_output=True, text=True, check=True).stdout)
    assert [p["location"] for p in pauses] == ["Aleppo"]


def test_the_daemon_logs_json_summary_lines(tmp_path):
    config = (ROOT / "config.toml").read_text().replace('path = "outbox"', 'path = "outbox"\ngroup_wait = "0s"')
    (tmp_path / "config.toml").write_text(config.replace("[tracker]", '[tracker]\nlog_format = "json"'))
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    log = tmp_path / "stderr.log"
    cmd = [sys.executable, "-m", "tracker.cli", "--config", str(tmp_path / "config.toml"), "run"]
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, stderr=err, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and '"summary": "delivery"' not in log.read_text():
                assert proc.poll() is None, "the daemon exited early: " + log.read_text()
                time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # every line is one JSON object
    summaries = {x["summary"]: x for x in lines if "summary" in x}
    poll, delivery, tick = summaries["poll"], summaries["delivery"], summaries["tick"]
    assert (poll["feeds"], poll["ok"], poll["not_modified"], poll["failed"], poll["changes"]) == (2, 2, 0, 0, 1)
    assert poll["articles"] > 0 and poll["duration_s"] >= 0 and poll["level"] == "INFO"
    assert poll["event"].startswith("poll: 2 feed(s), 2 ok, 0 not modified, 0 failed; ")
    assert (delivery["sent"], delivery["retrying"], delivery["failed"], delivery["held"], delivery["silenced"]) == (1, 0, 0, 0, 0)
    assert tick["event"].startswith("tick: ") and tick["next_feed"] in ("Sample Wire (RSS 2.0)", "Sample Desk (Atom)")
    assert {"open_pauses", "pending_alerts", "next_poll_at", "next_alert_at"} <= set(tick)
    [new] = [x for x in lines if x.get("change") == "new"]
    assert new["pause"] == 1 and new["feed"] in ("Sample Wire (RSS 2.0)", "Sample Desk (Atom)")
    assert proc.returncode == 0 and lines[-1]["event"] == "tracker stopped"
