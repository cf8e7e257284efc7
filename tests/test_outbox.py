"""Alerts people can trust, against real local servers: routing, grouping, silences,
a Slack endpoint rate-limiting us, SMTP down for a while, a refused recipient, a hostile
feed title, and a daemon killed with SIGKILL between writing and sending."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from click.testing import CliRunner
from dbtools import save

from tracker.alerts.channels import EmailChannel, SlackChannel, WebhookChannel
from tracker.alerts.render import Renderer
from tracker.cli import main
from tracker.config import ChannelRules, EmailSettings, FeedSettings, FetchSettings, SlackSettings, WebhookSettings
from tracker.feeds.fetch import Fetcher
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.db import Store
from tracker.types import Silence

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
PLACES = ["Hodeidah", "Aleppo", "Gaza", "Khartoum", "Donetsk"]


def rss(items: list[tuple[str, str]], when: datetime = T0, raw_titles: bool = False) -> bytes:
    body = "".join(
        f"<item><guid>g{i}</guid><title>{t if raw_titles else escape(t)}</title><link>https://news{i}.example/s/{i}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(text)}</description></item>"
        for i, (t, text) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode()


def stories(places=PLACES) -> list[tuple[str, str]]:
    return [(f"Truce agreed in {p}", f"The warring parties agreed to a 72-hour ceasefire in {p} on Monday.") for p in places]


def build(tmp_path, http_server, outlets: dict, **kw) -> tuple[Store, Pipeline, requests.Session]:
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    session = requests.Session()
    channels = {name: Outlet(make(session), rules, Renderer()) for name, (make, rules) in outlets.items()}
    pipeline = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), channels, rng=lambda: 0.5, **kw)
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], T0)
    return store, pipeline, session


def slack(http_server, path="/slack"):
    return lambda session: SlackChannel(SlackSettings("slack", http_server.url + path, timeout=5), session)


def hook(http_server, path="/hook"):
    return lambda session: WebhookChannel(WebhookSettings("hook", http_server.url + path, None, timeout=5), session)


def test_routing_sends_each_change_only_where_its_rules_admit(tmp_path, http_server):
    http_server.serve("/feed", rss(stories(["Aleppo", "Gaza", "Khartoum"])))
    store, pipeline, session = build(
        tmp_path,
        http_server,
        {
            "syria": (hook(http_server, "/syria"), ChannelRules(places=("Syria",), group_wait_seconds=0)),
            "agreed-only": (hook(http_server, "/agreed"), ChannelRules(statuses=frozenset({"in_effect"}), group_wait_seconds=0)),
            "well-sourced": (hook(http_server, "/sourced"), ChannelRules(min_sources=2, group_wait_seconds=0)),
            "everything": (hook(http_server, "/all"), ChannelRules(group_wait_seconds=0)),
            "digest": (hook(http_server, "/digest"), ChannelRules(mode="digest", schedule="0 8 * * *")),
        },
    )
    pipeline.poll(T0)
    pipeline.deliver(T0)
    places = lambda path: sorted(json.loads(r.body)["data"]["pause"]["location"] for r in http_server.posts(path))  # noqa: E731
    assert places("/syria") == ["Aleppo"]
    assert places("/all") == ["Aleppo", "Gaza", "Khartoum"]
    assert places("/agreed") == [] and places("/sourced") == [] and places("/digest") == []
    session.close()


def test_changes_of_one_pause_within_the_window_go_out_as_one_message(tmp_path, http_server):
    http_server.serve("/feed", rss([("Truce proposed in Aleppo", "Russia proposed a 48-hour ceasefire in Aleppo.")]))
    store, pipeline, session = build(tmp_path, http_server, {"hook": (hook(http_server), ChannelRules(group_wait_seconds=120))})
    pipeline.poll(T0)
    assert pipeline.deliver(T0 + timedelta(seconds=60)).sent == 0  # still waiting out the window
    later = [("Truce proposed in Aleppo", "Russia proposed a 48-hour ceasefire in Aleppo."), ("Aleppo truce agreed", "The government and rebels agreed to a 48-hour ceasefire in Aleppo.")]
    http_server.serve("/feed", rss(later, T0 + timedelta(seconds=90)))
    pipeline.poll(T0 + timedelta(seconds=90), due_only=False)
    assert pipeline.deliver(T0 + timedelta(seconds=119)).sent == 0
    assert pipeline.deliver(T0 + timedelta(seconds=121)).sent == 1
    [post] = http_server.posts("/hook")
    body = json.loads(post.body)
    assert body["data"]["pause"]["status"] == "agreed" and body["data"]["change"]["event"] == "status"
    assert [c["event"] for c in body["data"]["earlier"]] == ["new"]
    [alert] = store.alerts()
    assert alert.changes == 2 and alert.status == "sent"
    session.close()


def test_a_silence_holds_back_alerts_for_its_place_until_it_expires(tmp_path, http_server):
    http_server.serve("/feed", rss(stories(["Aleppo", "Gaza"])))
    store, pipeline, session = build(tmp_path, http_server, {"hook": (hook(http_server), ChannelRules(group_wait_seconds=0))})
    store.add_silence(Silence(None, T0 + timedelta(hours=24), "known already", T0, place="Syria"))
    store.add_silence(Silence(None, T0 - timedelta(hours=1), "expired", T0 - timedelta(days=1), place="Gaza"))
    pipeline.poll(T0)
    report = pipeline.deliver(T0)
    assert (report.sent, report.silenced) == (1, 1)
    assert [json.loads(r.body)["data"]["pause"]["location"] for r in http_server.posts("/hook")] == ["Gaza"]
    silenced = [a for a in store.alerts() if a.status == "silenced"]
    assert len(silenced) == 1 and "known already" in silenced[0].note
    session.close()


def test_slack_rate_limit_everything_arrives_never_faster_than_one_per_second(tmp_path, http_server):
    http_server.serve("/feed", rss(stories()))
    http_server.respond(
        "/slack",
        (429, {"Retry-After": "2"}, b"rate_limited"),
        (429, {"Retry-After": "2"}, b"rate_limited"),
        (200, {}, b"ok"),
    )
    store, pipeline, session = build(tmp_path, http_server, {"slack": (slack(http_server), ChannelRules(group_wait_seconds=0))})
    pipeline.poll(datetime.now(UTC), due_only=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(a.status != "sent" for a in store.alerts()):
        pipeline.deliver(datetime.now(UTC))
        time.sleep(0.1)
    posts = http_server.posts("/slack")
    assert all(a.status == "sent" for a in store.alerts()) and len(store.alerts()) == 5
    delivered = [json.loads(p.body)["text"] for p in posts[2:]]  # the first two were answered 429
    assert len(delivered) == 5 and len(set(delivered)) == 5
    gaps = [b.at - a.at for a, b in zip(posts, posts[1:])]
    assert min(gaps) >= 1.0, gaps
    assert posts[2].at - posts[1].at >= 2.0  # Retry-After honoured
    session.close()


def test_smtp_down_for_a_while_then_everything_is_delivered_with_attempts_recorded(tmp_path, http_server):
    from servers import LocalSMTPServer, free_port

    port = free_port()
    settings = EmailSettings("mail", "127.0.0.1", port, "tracker@example.org", ("a@example.org",), False, None, None, timeout=3)
    http_server.serve("/feed", rss(stories(["Aleppo", "Gaza"])))
    store, pipeline, session = build(tmp_path, http_server, {"mail": (lambda s: EmailChannel(settings), ChannelRules(group_wait_seconds=0))})
    pipeline.poll(T0)
    now = T0
    for _ in range(3):  # three cycles with nobody listening
        report = pipeline.deliver(now)
        assert report.sent == 0
        now += timedelta(hours=2)
    alerts = store.alerts()
    assert all(a.status == "pending" and a.attempts == 3 and "cannot connect" in a.last_error for a in alerts)
    with LocalSMTPServer(port=port) as smtp:
        assert pipeline.deliver(now).sent == 2
        assert sorted(m.message["Subject"] for m in smtp.messages) == [
            "[pause-tracker] New: 3-day truce in Aleppo agreed",
            "[pause-tracker] New: 3-day truce in Gaza agreed",
        ]
    assert all(a.status == "sent" and a.attempts == 4 and a.last_error is None for a in store.alerts())
    session.close()


def test_a_refused_recipient_leaves_the_others_delivered_and_is_recorded(tmp_path, http_server, smtp_server):
    smtp_server.rcpt_replies = {"gone@example.org": "550 5.1.1 No such user"}
    to = ("a@example.org", "gone@example.org", "b@example.org")
    settings = EmailSettings("mail", "127.0.0.1", smtp_server.port, "tracker@example.org", to, False, None, None)
    http_server.serve("/feed", rss(stories(["Aleppo"])))
    store, pipeline, session = build(tmp_path, http_server, {"mail": (lambda s: EmailChannel(settings), ChannelRules(group_wait_seconds=0))})
    pipeline.poll(T0)
    assert pipeline.deliver(T0).sent == 1
    [mail] = smtp_server.messages
    assert sorted(mail.rcpt_tos) == ["a@example.org", "b@example.org"]
    [alert] = store.alerts()
    assert alert.status == "sent" and "gone@example.org" in alert.note and "550" in alert.note
    assert pipeline.deliver(T0 + timedelta(days=1)).sent == 0  # not sent again to the others
    session.close()


def test_a_hostile_feed_title_injects_no_header_and_no_live_script(tmp_path, http_server, smtp_server):
    title = "Ceasefire agreed in Gaza&#13;&#10;Bcc: x@example.org &lt;script&gt;alert(1)&lt;/script&gt;"
    http_server.serve("/feed", rss([(title, "A ceasefire in Gaza was agreed on Monday, officials said.")], raw_titles=True))
    settings = EmailSettings("mail", "127.0.0.1", smtp_server.port, "tracker@example.org", ("desk@example.org",), False, None, None)
    rules = ChannelRules(group_wait_seconds=0)
    store, pipeline, session = build(
        tmp_path,
        http_server,
        {"mail": (lambda s: EmailChannel(settings), rules), "slack": (slack(http_server), rules), "hook": (hook(http_server), rules)},
    )
    pipeline.poll(T0)
    assert pipeline.deliver(T0).sent == 3
    [mail] = smtp_server.messages
    assert list(mail.rcpt_tos) == ["desk@example.org"] and mail.message["Bcc"] is None
    raw = mail.raw if hasattr(mail, "raw") else mail.message.as_bytes()
    assert b"\nBcc:" not in raw.replace(b"\r\n", b"\n")
    html = next(p for p in mail.message.walk() if p.get_content_type() == "text/html").get_content()
    # markup in titles is stripped when the feed is parsed; what is left is escaped (test_render)
    for payload in (html, http_server.posts("/slack")[0].body.decode(), http_server.posts("/hook")[0].body.decode()):
        assert "<script" not in payload
    session.close()


def test_a_user_template_that_fails_falls_back_to_the_built_in_and_says_so(tmp_path, http_server):
    broken = tmp_path / "mine.json.j2"
    broken.write_text('{"text": {{ pause.no_such_thing | tojson }}}')
    http_server.serve("/feed", rss(stories(["Aleppo"])))
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    session = requests.Session()
    outlet = Outlet(SlackChannel(SlackSettings("slack", http_server.url + "/slack"), session), ChannelRules(group_wait_seconds=0), Renderer(None, {"slack": broken}))
    pipeline = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), {"slack": outlet})
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], T0)
    pipeline.poll(T0)
    assert pipeline.deliver(T0).sent == 1
    [alert] = store.alerts()
    assert "slack template failed" in alert.note and "the built-in one was used" in alert.note
    assert json.loads(http_server.posts("/slack")[0].body)["blocks"][0]["type"] == "header"  # the built-in one
    # a template in the sandbox cannot reach Python's internals
    sneaky = tmp_path / "sneaky.json.j2"
    sneaky.write_text('{"text": {{ pause.__class__.__mro__[1].__subclasses__() | length | tojson }}}')
    rendered, notes = Renderer(None, {"slack": sneaky}).render_noted(store.pauses()[0], [store.pause(1).changes[0]], T0)
    assert notes and "SecurityError" in notes[0] and rendered.slack["blocks"]
    session.close()


def _daemon_config(tmp_path: Path, http_url: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"""
[tracker]
database = "tracker.db"
poll_check = "1s"
deliver_every = "1s"
lease = "3s"

[fetch]
allow_private_networks = true

[[feeds]]
url = "{http_url}/feed"

[[channels]]
name = "hook"
type = "webhook"
url_env = "KILL_TEST_HOOK"
group_wait = "2s"
"""
    )
    return cfg


def _sent(db: Path) -> tuple[int, int]:
    if not db.exists():
        return 0, 0
    with sqlite3.connect(db) as c:
        try:
            rows = c.execute("select status, count(*) from alert group by status").fetchall()
        except sqlite3.OperationalError:
            return 0, 0
    counts = dict(rows)
    return sum(counts.values()), counts.get("sent", 0)


def test_kill_9_between_writing_and_sending_loses_nothing_and_doubles_nothing(tmp_path, http_server):
    http_server.serve("/feed", rss(stories(), datetime.now(UTC)))  # news of today: nothing expires meanwhile
    http_server.delay("/hook", 1.5)  # each delivery is in flight for 1.5 s
    cfg = _daemon_config(tmp_path, http_server.url)
    env = {**os.environ, "KILL_TEST_HOOK": http_server.url + "/hook", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "tracker.cli", "--config", str(cfg), "run"]
    db = tmp_path / "tracker.db"

    first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not http_server.posts("/hook"):
            time.sleep(0.05)
        assert http_server.posts("/hook"), "no delivery started"
        written, sent = _sent(db)
        assert written == 5 and sent == 0  # all written; the first is in flight, none marked
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)

    time.sleep(3.5)  # the killed daemon's lease (3 s) runs out: a new daemon takes over
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _sent(db) != (5, 5):
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert _sent(db) == (5, 5)
    ids = [r.headers["webhook-id"] for r in http_server.posts("/hook")]
    assert len(set(ids)) == 5  # every alert arrived at a receiver that dedupes by key
    assert len(ids) <= 6  # at most the one in flight at the kill was sent again
    assert max(ids.count(i) for i in set(ids)) <= 2


def test_cli_silence_alerts_and_test_alert(tmp_path, http_server):
    cfg = _daemon_config(tmp_path, http_server.url)
    env = {"KILL_TEST_HOOK": http_server.url + "/hook"}
    run = lambda *args: CliRunner().invoke(main, ["--config", str(cfg), *args], env=env)  # noqa: E731
    added = run("silence", "add", "--place", "Aleppo", "--for", "24h", "--reason", "handled by the Syria desk")
    assert added.exit_code == 0 and "Silence #1 added" in added.output
    listed = json.loads(run("silence", "list", "--json").output)
    assert [(x["place"], x["active"], x["reason"]) for x in listed] == [("Aleppo", True, "handled by the Syria desk")]
    assert run("silence", "add", "--place", "X", "--for", "soon", "--reason", "r").exit_code == 2
    assert "Silence #1 removed" in run("silence", "remove", "1").output
    assert run("silence", "remove", "1").exit_code == 1
    assert json.loads(run("silence", "list", "--json", "--all").output) == []
    ok = run("test-alert", "--channel", "hook")
    assert ok.exit_code == 0 and "hook: delivered" in ok.output
    assert json.loads(http_server.posts("/hook")[0].body)["data"]["pause"]["location"] == "Testville"
    http_server.respond("/hook", (410, {}, b"gone"))
    failed = run("test-alert", "--channel", "hook")
    assert failed.exit_code == 1 and "HTTP 410" in failed.output
    assert json.loads(run("alerts", "--json").output) == []  # test alerts are not recorded


def test_a_digest_of_200_pauses_goes_out_within_slack_limits_and_as_a_two_part_email(tmp_path, http_server, smtp_server):
    from tracker.alerts.slack_limits import violations
    from tracker.lifecycle import reconcile
    from tracker.types import Evidence, Mention

    settings = EmailSettings("mail", "127.0.0.1", smtp_server.port, "tracker@example.org", ("desk@example.org",), False, None, None)
    digest = lambda tz: ChannelRules(mode="digest", schedule="0 8 * * *", timezone=tz)  # noqa: E731
    store, pipeline, session = build(
        tmp_path, http_server, {"slack": (slack(http_server), digest("Europe/Paris")), "mail": (lambda s: EmailChannel(settings), digest("Asia/Tokyo"))}
    )
    from tracker.alerts.digest import DigestRenderer

    pipeline.outbox.digests = DigestRenderer()  # the outbox renders digests
    now = datetime.now(UTC)
    mentions = [
        Evidence(Mention("ceasefire", "agreed", 48.0, f"Town {i}", "Syria", (), "from noon", now + timedelta(hours=i % 30), f"A ceasefire in Town {i} <b>&</b> was agreed.", 0.9), f"a{i}", "wire.example", None, now)
        for i in range(200)
    ]
    store.sync_feeds([FeedSettings("/tmp/x.xml", "X", 900)], now)
    from tracker.feeds.parse import content_hash
    from tracker.types import Article

    articles = [Article(f"a{i}", "t", None, now, "x", content_hash("t", str(i))) for i in range(200)]
    save(store, now, store.feeds()[0].id, articles, reconcile([], mentions, now))
    assert len(store.pauses()) == 200

    runner_now = datetime.now(UTC)
    pipeline.digest("slack", runner_now)
    pipeline.digest("mail", runner_now)
    pipeline.digest("slack", runner_now)  # the same digest twice is written once
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(a.status != "sent" for a in store.alerts()):
        pipeline.deliver(datetime.now(UTC))
    posts = http_server.posts("/slack")
    assert len(posts) >= 2 and all(a.status == "sent" for a in store.alerts())
    bodies = [json.loads(p.body) for p in posts]
    assert all(violations(b) == [] for b in bodies)
    text = json.dumps(bodies)
    assert all(f"Town {i}" in text for i in range(200))
    assert all(b.at - a.at >= 1.0 for a, b in zip(posts, posts[1:]))
    assert [b["text"].rsplit("(part ", 1)[-1] for b in bodies] == [f"{i} of {len(bodies)})" for i in range(1, len(bodies) + 1)]
    [mail] = smtp_server.messages
    parts = {p.get_content_type(): p.get_content() for p in mail.message.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert all(f"Town {i}" in parts["text/plain"] for i in range(200))  # every pause in the text part
    assert len(parts["text/html"].encode("utf-8")) < 102 * 1024 and "more active pauses: all of them are in the plain-text part" in parts["text/html"]
    assert "<b>&</b>" not in parts["text/html"]
    assert "JST" in parts["text/plain"] or "+09" in parts["text/plain"]
    session.close()
