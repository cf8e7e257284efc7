"""`tracker run` as a real process: it polls, then stops cleanly on SIGTERM within seconds."""

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
    pauses = json.loads(subprocess.run([*cmd, "pauses", "--json"], capture_output=True, text=True, check=True).stdout)
    assert [p["location"] for p in pauses] == ["Aleppo"]
