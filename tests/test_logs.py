"""Logs for machines (issue #10): `[tracker] log_format = "json"` or `--log-format json` writes
one JSON object per line on stderr, carrying the ids of what the line is about.

Real processes (`python -m tracker.cli`), a real local HTTP server for the feeds and the
webhook peer, a real SQLite file.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import main

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"pause-tracker-test-secret-32byte").decode()


def write_config(tmp_path: Path, http_url: str, log_format: str | None) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"""
[tracker]
database = "tracker.db"
templates = "{ROOT / 'templates'}"
{f'log_format = "{log_format}"' if log_format else ""}

[fetch]
allow_private_networks = true

[[feeds]]
name = "Wire"
url = "{http_url}/wire.xml"

[[feeds]]
name = "Broken"
url = "{http_url}/broken.xml"

[[channels]]
name = "partner"
type = "webhook"
url_env = "LOGS_HOOK_URL"
secret_env = "LOGS_HOOK_SECRET"
"""
    )
    return cfg


def run_once(cfg: Path, http_url: str, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOGS_HOOK_URL": http_url + "/hook", "LOGS_HOOK_SECRET": SECRET}
    env.pop("TRACKER_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", "--config", str(cfg), *options, "run", "--once"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_run_once_writes_json_lines_with_the_ids_and_the_command_line_wins(tmp_path, http_server):
    http_server.serve("/wire.xml", (ROOT / "seeds/sample-wire.rss.xml").read_bytes())
    http_server.respond("/broken.xml", *[(500, {}, b"down")] * 4)
    http_server.respond("/hook", *[(503, {}, b"busy")] * 4)
    cfg = write_config(tmp_path, http_server.url, "json")
    before = datetime.now(UTC)

    done = run_once(cfg, http_server.url)
    assert done.returncode == 1, done.stderr  # a feed and an alert failed
    assert "Polled 2 feed(s): 1 ok, 0 not modified, 1 failed" in done.stdout
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]  # every line is JSON
    for line in lines:
        assert {"time", "level", "logger", "event"} <= set(line)
        at = datetime.fromisoformat(line["time"])
        assert at.utcoffset() == timedelta(0) and before - timedelta(seconds=1) <= at <= datetime.now(UTC)
    [feed] = [x for x in lines if x.get("feed") == "Broken"]
    assert (feed["level"], feed["logger"], feed["failures"]) == ("WARNING", "tracker", 1)
    assert feed["event"].startswith("feed Broken failed (1 in a row): ") and "HTTP 500" in feed["event"]
    [alert] = [x for x in lines if "alert" in x]
    assert (alert["level"], alert["channel"], alert["pause"]) == ("WARNING", "partner", 1)
    assert alert["alert"] in alert["event"] and alert["retry_in_s"] > 0
    assert "to partner failed, retry in" in alert["event"]

    # --log-format text wins over the config's json
    again = run_once(cfg, http_server.url, "--log-format", "text")
    assert again.returncode == 1, again.stderr
    [text] = [line for line in again.stderr.splitlines() if "Broken" in line]
    assert " WARNING tracker: feed Broken failed (2 in a row): " in text and "HTTP 500" in text
    assert not text.lstrip().startswith("{")


def test_log_format_is_checked_with_the_other_keys(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[tracker]\nlog_format = "xml"\n[[feeds]]\nurl = "x.xml"\n[[channels]]\nname = "o"\ntype = "file"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "check"])
    assert result.exit_code == 2
    assert 'tracker.log_format: must be "text" or "json", not \'xml\'' in result.output
    assert "feeds[0].url" in result.output and "channels[0] (o).path" in result.output  # reported together


def test_the_log_format_option_refuses_other_formats():
    result = CliRunner().invoke(main, ["--log-format", "xml", "check"])
    assert result.exit_code == 2 and "'xml' is not one of 'text', 'json'" in result.output
