"""The CLI: every command documents itself; check, extract and run --once on the default config."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tracker.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "aleppo-48-hour-ceasefire.txt"


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,)
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [()] + list(all_commands(main)), ids=lambda p: " ".join(p) or "tracker")
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    cmd = main
    for name in path:
        cmd = cmd.commands[name]
    assert cmd.help, f"{' '.join(path)} has no help text"


HEAVY = ("requests", "jinja2", "feedparser", "apscheduler.schedulers", "tracker.pipeline", "tracker.feeds.fetch", "pythonjsonlogger")
PROBE = """
import json, sys
from tracker.cli import main
try:
    main(sys.argv[1:], prog_name="tracker")
except SystemExit:
    pass
from tracker.extract import default_extractor
print(json.dumps({"modules": sorted(sys.modules), "compiled": default_extractor.built()}), file=sys.stderr)
"""


def _loaded_by(*args: str) -> tuple[set[str], int]:
    """The modules a fresh `tracker ARGS` process imported, and whether it compiled the vocabulary."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    seen = json.loads(done.stderr.strip().splitlines()[-1])
    return set(seen["modules"]), seen["compiled"]


def test_commands_load_only_what_they_use(default_copy):
    """Start-up (issue #10): --help needs neither config nor store; the board opens only the store."""
    modules, compiled = _loaded_by("--help")
    assert not compiled and not {"tracker.config", "tracker.store.db", "sqlalchemy", *HEAVY} & modules
    config = str(default_copy / "config.toml")
    modules, compiled = _loaded_by("--config", config, "pauses")
    assert "tracker.store.db" in modules and not compiled
    assert not set(HEAVY) & modules
    modules, compiled = _loaded_by("extract", str(SEED))
    assert compiled and "tracker.store.db" not in modules


@pytest.fixture
def default_copy(tmp_path):
    """The embedded default config with its seeds, in a scratch folder (the templates are built in)."""
    for name in ("config.toml",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path


def test_check_accepts_the_default_and_reports_every_problem_of_a_bad_config(default_copy):
    ok = CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "check"])
    assert ok.exit_code == 0 and "OK (2 feed(s), 1 channel(s)" in ok.output
    bad = default_copy / "bad.toml"
    bad.write_text('[tracker]\ndatabse = "typo.db"\n[[feeds]]\nurl = "nope.xml"\nevery = "often"\n[[channels]]\nname = "s"\ntype = "slack"\nwebhook_url_env = "UNSET_VAR_FOR_TEST"\n')
    result = CliRunner().invoke(main, ["--config", str(bad), "check"], env={"UNSET_VAR_FOR_TEST": ""})
    assert result.exit_code == 2
    for key in ("tracker.databse", "feeds[0].url", "feeds[0].every", "channels[0] (s).webhook_url_env"):
        assert key in result.output
    refused = CliRunner().invoke(main, ["--config", str(bad), "run"], env={"UNSET_VAR_FOR_TEST": ""})
    assert refused.exit_code == 2 and "tracker.databse" in refused.output


def test_run_once_on_the_default_config_finds_the_aleppo_ceasefire_and_fills_the_outbox(default_copy):
    result = CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "48-hour ceasefire in Aleppo (Syria), proposed, start not fixed" in result.output
    assert "Russia (proposed)" in result.output and "UN (welcomed)" in result.output
    assert "1 change(s)" in result.output
    outbox = sorted(p.name for p in (default_copy / "outbox").iterdir())
    assert len(outbox) == 3
    [board] = json.loads(CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "pauses", "--json"]).output)
    required = {"id", "kind", "location", "country", "status", "duration_hours", "starts_at", "ends_at", "seconds_left", "sources", "actors"}
    assert required <= set(board)
    assert (board["location"], board["country"], board["sources"], board["seconds_left"]) == ("Aleppo", "Syria", 2, None)
    assert {"name": "Russia", "stance": "proposed"} in board["actors"]
    shown = CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "show", str(board["id"])])
    assert "Russia Proposes 48 Hour Ceasefire In Aleppo" in shown.output and "why this pause: first report" in shown.output
    detail = json.loads(CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "show", "1", "--json"]).output)
    assert [c["event"] for c in detail["changes"]] == ["new"] and len(detail["evidence"]) >= 5
    missing = CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "show", "99"])
    assert missing.exit_code == 1 and "no pause #99" in missing.output
    table = CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "pauses"])
    assert "Aleppo" in table.output and "start not fixed" in table.output
    feeds = json.loads(CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "feeds", "--json"]).output)
    assert [(f["name"], f["last_status"], f["articles"]) for f in feeds] == [
        ("Sample Wire (RSS 2.0)", "ok 200", 4),
        ("Sample Desk (Atom)", "ok 200", 3),
    ]
    again = CliRunner().invoke(main, ["--config", str(default_copy / "config.toml"), "run", "--once"])
    assert "No new or changed pauses." in again.output and "Alerts: 0 sent" in again.output


def test_extract_the_seed_article():
    result = CliRunner().invoke(main, ["extract", "--published", "2016-08-18T14:30:00Z", "--json", str(SEED)])
    assert result.exit_code == 0, result.output
    mentions = json.loads(result.output)
    aleppo48 = [m for m in mentions if m["duration_hours"] == 48 and m["location"] == "Aleppo"]
    assert aleppo48
    assert any(m["status"] == "proposed" for m in aleppo48)
    names = {a["name"] for m in mentions for a in m["actors"]}
    assert {"Russia", "UN"} <= names
    for m in mentions:
        assert "past 48 hours" not in m["quote"] and "month-long" not in m["quote"]


def test_extract_jsonl(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": "The army declared a 72-hour truce in Donetsk starting on Friday.", "published": "2024-05-01T10:00:00Z"})
        + "\n"
        + json.dumps({"id": "b", "text": "Dockworkers began a 48-hour strike on Monday."})
        + "\n"
    )
    result = CliRunner().invoke(main, ["extract", "--jsonl", str(src)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["mentions"] and rows[0]["mentions"][0]["duration_hours"] == 72
    assert rows[1]["mentions"] == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    result = CliRunner().invoke(main, ["extract", "--jsonl", str(bad)])
    assert result.exit_code == 1 and "line 1" in result.output


def test_feeds_import_and_export_opml(default_copy):
    opml = default_copy / "list.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>desk</title></head><body>'
        '<outline text="Middle East"><outline text="Wire" type="rss" xmlUrl="https://wire.example.org/rss"/>'
        '<outline title="Relief" type="rss" xmlUrl="https://relief.example.net/updates.xml"/></outline>'
        '<outline text="bad" xmlUrl="file:///etc/passwd"/></body></opml>'
    )
    cfg = str(default_copy / "config.toml")
    result = CliRunner().invoke(main, ["--config", cfg, "feeds", "import", str(opml)])
    assert result.exit_code == 0 and "2 feed(s) in the file; 2 added" in result.output
    again = CliRunner().invoke(main, ["--config", cfg, "feeds", "import", str(opml)])
    assert "0 added, 2 already there" in again.output
    listed = json.loads(CliRunner().invoke(main, ["--config", cfg, "feeds", "--json"]).output)
    assert [(f["name"], f["origin"], f["health"]) for f in listed][-2:] == [("Wire", "import", "not polled yet"), ("Relief", "import", "not polled yet")]
    exported = CliRunner().invoke(main, ["--config", cfg, "feeds", "export"]).output
    assert "https://wire.example.org/rss" in exported and "sample-wire.rss.xml" in exported
    hostile = default_copy / "bomb.opml"
    hostile.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body><outline xmlUrl="https://x.example/&a;"/></body></opml>')
    refused = CliRunner().invoke(main, ["--config", cfg, "feeds", "import", str(hostile)])
    assert refused.exit_code == 1 and "Error" in refused.output


def test_extract_shows_times_with_precision_zone_and_notes():
    zoneless = "The sides agreed a ceasefire that begins at 6 a.m. on Monday."
    text = "A truce in Gaza will take effect at 06:00 (03:00 GMT) on Friday. " + zoneless
    result = CliRunner().invoke(main, ["extract", "--published", "2024-03-07T09:30:00Z", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "starts: 2024-03-08 03:00 UTC; precision minute, zone stated" in result.output
    assert "note: local 06:00 and the bracketed figure (03:00 GMT) disagree: the UTC figure is used" in result.output
    alone = CliRunner().invoke(main, ["extract", "--published", "2024-03-07T09:30:00Z", "-"], input=zoneless)
    assert "starts: not known (somewhere in 2024-03-10 16:00 .. 2024-03-11 18:00 UTC); precision range, zone unknown" in alone.output


def test_eval_lists_misses_unless_asked_for_the_summary(tmp_path):
    row = {"id": "made-1", "text": "Rebels in Sirte agreed to a 24-hour truce on Monday.", "is_pause_event": True,
           "kind": "truce", "status": "agreed", "duration_hours": 48, "location": "Sirte"}  # 48: a deliberate miss
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(json.dumps(row) + "\n")
    full = CliRunner().invoke(main, ["eval", str(labelled)])
    summary = CliRunner().invoke(main, ["eval", "--summary", str(labelled)])
    assert full.exit_code == summary.exit_code == 0, full.output + summary.output
    assert "made-1: duration: expected 48.0, got 24.0" in full.output
    assert "made-1" not in summary.output and "On true positives: status 1.000, duration 0.000" in summary.output
