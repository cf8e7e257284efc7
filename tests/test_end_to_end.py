"""Feeds in over real HTTP -> one pause record -> one Slack message, one email, one signed
webhook and the outbox files -> a second cycle sends nothing new.

Everything at our boundaries is real: a local HTTP server (feeds with ETag/Last-Modified
and 304, the Slack and webhook receivers), aiosmtpd, a SQLite file, the CLI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import main

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"pause-tracker-test-secret-32byte").decode()


def verify_standard_webhook(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Written from the Standard Webhooks spec, independent of the code under test."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(sig, expected)
        for version, _, sig in (part.partition(",") for part in headers["webhook-signature"].split(" "))
    )


def write_config(tmp_path: Path, http_url: str, smtp_port: int) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"""
[tracker]
database = "tracker.db"

[fetch]
allow_private_networks = true

[[feeds]]
name = "Wire"
url = "{http_url}/wire.xml"

[[feeds]]
name = "Desk"
url = "{http_url}/desk.xml"

[[channels]]
name = "desk-email"
type = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
from = "tracker@example.org"
to = ["desk@example.org", "analyst@example.org"]

[[channels]]
name = "team-slack"
type = "slack"
webhook_url_env = "E2E_SLACK_URL"

[[channels]]
name = "partner"
type = "webhook"
url_env = "E2E_HOOK_URL"
secret_env = "E2E_HOOK_SECRET"

[[channels]]
name = "outbox"
type = "file"
path = "outbox"
"""
    )
    return cfg


def test_feeds_to_one_pause_to_one_alert_per_channel_and_nothing_twice(tmp_path, http_server, smtp_server):
    http_server.serve("/wire.xml", (ROOT / "seeds/sample-wire.rss.xml").read_bytes(), etag='"wire-v1"')
    http_server.serve(
        "/desk.xml", (ROOT / "seeds/sample-desk.atom.xml").read_bytes(),
        content_type="application/atom+xml", last_modified="Thu, 18 Aug 2016 18:00:00 GMT",
    )
    cfg = write_config(tmp_path, http_server.url, smtp_server.port)
    env = {
        "E2E_SLACK_URL": http_server.url + "/slack/T000/B000/XXXX",
        "E2E_HOOK_URL": http_server.url + "/hook",
        "E2E_HOOK_SECRET": SECRET,
    }
    runner = CliRunner()

    first = runner.invoke(main, ["--config", str(cfg), "run", "--once"], env=env)
    assert first.exit_code == 0, first.output
    assert "Polled 2 feed(s): 2 ok" in first.output
    assert "Alerts: 4 sent, 0 to retry, 0 failed." in first.output

    # one pause record, merged from both feeds
    pauses = json.loads(runner.invoke(main, ["--config", str(cfg), "pauses", "--json"], env=env).output)
    assert len(pauses) == 1
    p = pauses[0]
    assert (p["kind"], p["location"], p["country"], p["status"], p["duration_hours"]) == ("ceasefire", "Aleppo", "Syria", "proposed", 48)
    assert p["sources"] == 2 and p["starts_at"] is None and p["seconds_left"] is None
    stances = {a["name"]: a["stance"] for a in p["actors"]}
    assert stances["Russia"] == "proposed" and stances["UN"] == "welcomed"

    # Slack: one Block Kit message
    slack = http_server.posts("/slack/T000/B000/XXXX")
    assert len(slack) == 1
    body = json.loads(slack[0].body)
    assert "Aleppo" in body["text"] and body["blocks"][0]["type"] == "header"

    # email: one message to both recipients, text and HTML
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert sorted(mail.rcpt_tos) == ["analyst@example.org", "desk@example.org"]
    assert "Aleppo" in mail.message["Subject"]
    assert {part.get_content_type() for part in mail.message.walk()} >= {"text/plain", "text/html"}

    # webhook: one POST whose signature verifies
    hooks = http_server.posts("/hook")
    assert len(hooks) == 1
    assert verify_standard_webhook(SECRET, hooks[0].headers, hooks[0].body)
    payload = json.loads(hooks[0].body)
    assert payload["type"] == "pause.new" and payload["data"]["pause"]["location"] == "Aleppo"

    # the file channel: the email as .eml, Slack and webhook payloads as .json
    files = sorted(f.name for f in (tmp_path / "outbox").iterdir())
    assert len(files) == 3 and [f.rsplit(".", 2)[-2:] for f in files].count(["slack", "json"]) == 1
    assert any(f.endswith(".eml") for f in files) and any(f.endswith(".webhook.json") for f in files)

    # second cycle: conditional GET answers 304, nothing new is sent anywhere
    second = runner.invoke(main, ["--config", str(cfg), "run", "--once"], env=env)
    assert second.exit_code == 0, second.output
    assert "2 not modified" in second.output and "No new or changed pauses." in second.output
    assert "Alerts: 0 sent" in second.output
    assert len(http_server.posts("/slack/T000/B000/XXXX")) == 1 and len(http_server.posts("/hook")) == 1
    assert len(smtp_server.messages) == 1
    wire_gets = [r for r in http_server.requests if r.method == "GET" and r.path == "/wire.xml"]
    desk_gets = [r for r in http_server.requests if r.method == "GET" and r.path == "/desk.xml"]
    assert wire_gets[-1].headers["if-none-match"] == '"wire-v1"'
    assert desk_gets[-1].headers["if-modified-since"] == "Thu, 18 Aug 2016 18:00:00 GMT"

    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("select status, count(*) from alert group by status").fetchall() == [("sent", 4)]


def test_a_changed_entry_is_examined_again_and_a_dead_channel_is_retried_later(tmp_path, http_server, smtp_server):
    http_server.serve("/wire.xml", (ROOT / "seeds/sample-wire.rss.xml").read_bytes(), etag='"v1"')
    http_server.serve("/desk.xml", (ROOT / "seeds/sample-desk.atom.xml").read_bytes())
    http_server.respond("/slack/T000/B000/XXXX", (503, {"Retry-After": "0"}, b"busy"), (200, {}, b"ok"))
    cfg = write_config(tmp_path, http_server.url, smtp_server.port)
    env = {"E2E_SLACK_URL": http_server.url + "/slack/T000/B000/XXXX", "E2E_HOOK_URL": http_server.url + "/hook", "E2E_HOOK_SECRET": SECRET}
    runner = CliRunner()
    first = runner.invoke(main, ["--config", str(cfg), "run", "--once"], env=env)
    assert "Alerts: 3 sent, 1 to retry, 0 failed." in first.output
    assert "XXXX" not in first.output  # the Slack URL is a secret

    # the wire edits its story: the agreement is now reported
    edited = (ROOT / "seeds/sample-wire.rss.xml").read_text().replace(
        "<title>Russia Proposes 48 Hour Ceasefire In Aleppo</title>",
        "<title>Russia and rebels agree 48-hour ceasefire in Aleppo</title>",
    )
    http_server.serve("/wire.xml", edited.encode(), etag='"v2"')
    alerts = json.loads(runner.invoke(main, ["--config", str(cfg), "alerts", "--json"], env=env).output)
    assert [a["status"] for a in alerts if a["channel"] == "team-slack"] == ["pending"]
    assert alerts[0]["attempts"] in (0, 1) and any(a["last_error"] and "HTTP 503" in a["last_error"] for a in alerts)

    second = runner.invoke(main, ["--config", str(cfg), "run", "--once"], env=env)
    assert second.exit_code == 0, second.output
    assert "1 new or changed article(s)" in second.output
    assert "proposed -> agreed" in second.output
    pauses = json.loads(runner.invoke(main, ["--config", str(cfg), "pauses", "--json"], env=env).output)
    assert len(pauses) == 1 and pauses[0]["status"] == "agreed"
