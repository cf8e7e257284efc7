"""Alerts you can trust (issue #13), against real local servers: an odd Retry-After, a
crashing channel, a bad channel URL and a long backlog never stop or lose deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import requests

from tracker.alerts.channels import SlackChannel, WebhookChannel
from tracker.alerts.render import Renderer
from tracker.alerts.slack_limits import block_chars
from tracker.config import ChannelRules, FeedSettings, FetchSettings, SlackSettings, WebhookSettings
from tracker.feeds.fetch import Fetcher
from tracker.outbox import Outlet
from tracker.pipeline import Pipeline
from tracker.store.db import Store

T0 = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)
NOW = lambda: T0  # noqa: E731


def rss(places: list[str]) -> bytes:
    body = "".join(
        f"<item><guid>g{i}</guid><title>Truce agreed in {escape(p)}</title><link>https://news.example/s/{i}</link>"
        f"<pubDate>{format_datetime(T0)}</pubDate><description>The warring parties agreed to a 72-hour ceasefire in {escape(p)} on Monday.</description></item>"
        for i, p in enumerate(places)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode()


def build(tmp_path, http_server, channels: dict, templates: dict | None = None) -> tuple[Store, Pipeline]:
    """A pipeline polling `http_server`'s /feed into a SQLite file, with `channels` (name ->
    make(session)) and, for some of them, their own template (name -> {part: file})."""
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.upgrade()
    session = requests.Session()
    outlets = {name: Outlet(make(session), ChannelRules(group_wait_seconds=0), Renderer(None, (templates or {}).get(name))) for name, make in channels.items()}
    pipeline = Pipeline(store, Fetcher(FetchSettings(allow_private_networks=True)), outlets, rng=lambda: 0.5)
    store.sync_feeds([FeedSettings(http_server.url + "/feed", "Feed", 900)], T0)
    return store, pipeline


def hook(url: str, name: str = "hook"):
    return lambda session: WebhookChannel(WebhookSettings(name, url, None, timeout=5), session)


def slack(url: str):
    return lambda session: SlackChannel(SlackSettings("slack", url, timeout=5), session)


def by_channel(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for a in store.alerts(1000):
        out.setdefault(a.channel, []).append(a.status)
    return out


def test_a_webhook_asking_to_retry_after_infinity_holds_only_its_own_alerts_for_at_most_a_day(tmp_path, http_server):
    http_server.serve("/feed", rss(["Aleppo", "Gaza"]))
    http_server.respond("/inf", (429, {"Retry-After": "inf"}, b"slow down"))
    http_server.respond("/huge", (429, {"Retry-After": "1e12"}, b"slow down"))
    http_server.respond("/slack", (200, {}, b"ok"))
    store, pipeline = build(tmp_path, http_server, {"inf": hook(http_server.url + "/inf", "inf"), "huge": hook(http_server.url + "/huge", "huge"), "slack": slack(http_server.url + "/slack")})
    pipeline.poll(T0)
    report = pipeline.deliver(T0)  # raised OverflowError before: every channel stayed pending
    assert report.sent == 2 and len(http_server.posts("/slack")) == 2
    states = {a.id: a for a in store.alerts()}
    for a in states.values():
        if a.channel in ("inf", "huge"):
            assert a.status == "pending" and a.attempts == 1 and T0 < a.next_try_at <= T0 + timedelta(days=1, minutes=5)
    again = pipeline.deliver(T0 + timedelta(minutes=1))  # later runs do not crash either
    assert again.sent == 0 and again.failed == 0


def test_a_channel_that_crashes_does_not_stop_the_others(tmp_path, http_server):
    class Broken(WebhookChannel):
        def send(self, msg, now):
            raise RuntimeError("a bug in this channel")

    http_server.serve("/feed", rss(["Aleppo", "Gaza", "Khartoum"]))
    http_server.respond("/ok", (200, {}, b"ok"))
    store, pipeline = build(
        tmp_path, http_server,
        {"broken": lambda s: Broken(WebhookSettings("broken", http_server.url + "/broken", None), s), "ok": hook(http_server.url + "/ok", "ok")},
    )
    pipeline.poll(T0)
    report = pipeline.deliver(T0)
    assert len(http_server.posts("/ok")) == 3 and report.sent == 3
    assert by_channel(store) == {"broken": ["pending"] * 3, "ok": ["sent"] * 3}
    broken = [a for a in store.alerts() if a.channel == "broken"]
    assert all(a.attempts == 1 and "a bug in this channel" in a.last_error and a.next_try_at > T0 for a in broken)


def test_a_slack_url_with_a_bad_port_fails_that_channel_only_with_a_clear_error(tmp_path, http_server):
    http_server.serve("/feed", rss(["Aleppo"]))
    http_server.respond("/ok", (200, {}, b"ok"))
    store, pipeline = build(tmp_path, http_server, {"slack": slack("https://hooks.slack.example:99999/services/T/B/secret"), "ok": hook(http_server.url + "/ok", "ok")})
    pipeline.poll(T0)
    report = pipeline.deliver(T0)  # raised ValueError in mask_url before
    assert len(http_server.posts("/ok")) == 1
    [bad] = [a for a in store.alerts() if a.channel == "slack"]
    assert bad.status == "failed" and "invalid URL" in bad.last_error and "secret" not in bad.last_error
    assert report.failed == 1 and report.sent == 1


def test_one_delivery_run_sends_every_due_alert_not_only_the_first_hundred(tmp_path, http_server):
    from tracker.types import Rendered

    http_server.serve("/feed", rss([]))
    http_server.respond("/ok", (200, {}, b"ok"))
    store, pipeline = build(tmp_path, http_server, {"ok": hook(http_server.url + "/ok", "ok")})
    body = Rendered("subject", "text", "<p>html</p>", {"text": "x"}, {"type": "health"})
    for i in range(130):
        assert store.queue_health(T0, f"health/feed-{i}/failing", f"feed {i} failing", [("ok", body)])
    report = pipeline.deliver(T0, flush=True)  # as run --once does
    assert report.sent == 130 and len(http_server.posts("/ok")) == 130
    assert by_channel(store)["ok"] == ["sent"] * 130


def test_the_readme_weekday_digest_runs_monday_to_friday_as_standard_cron_means(tmp_path):
    from zoneinfo import ZoneInfo

    from click.testing import CliRunner

    from tracker import cron
    from tracker.cli import main

    zone = ZoneInfo("Africa/Khartoum")
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    week = cron.next_runs(cron.trigger("0 8 * * 1-5", zone), saturday, 5)
    assert [d.strftime("%a %H:%M") for d in week] == ["Mon 08:00", "Tue 08:00", "Wed 08:00", "Thu 08:00", "Fri 08:00"]
    assert all(d.utcoffset() == timedelta(hours=2) for d in week)
    for line, days in (("0 8 * * 0", {"Sun"}), ("0 8 * * 7", {"Sun"}), ("0 8 * * 5-1", {"Fri", "Sat", "Sun", "Mon"}), ("0 8 * * sat,sun", {"Sat", "Sun"}), ("@weekly", {"Sun"})):
        assert {d.strftime("%a") for d in cron.next_runs(cron.trigger(line, zone), saturday, 8)} == days, line
    assert {d.strftime("%H:%M") for d in cron.next_runs(cron.trigger("@daily", zone), saturday, 3)} == {"00:00"}
    # day-of-month and day-of-week both restricted: either fires (cron(5))
    either = cron.next_runs(cron.trigger("0 9 1 * 1", zone), saturday, 6)
    assert {d.strftime("%a") for d in either} | {d.strftime("%d") for d in either} >= {"Mon", "01"}

    (tmp_path / "feed.xml").write_text("<rss/>")
    config = tmp_path / "config.toml"
    config.write_text('[[feeds]]\nurl = "feed.xml"\n[[channels]]\nname = "desk"\ntype = "file"\npath = "o"\nmode = "digest"\nschedule = "0 8 * * 1-5"\ntimezone = "Africa/Khartoum"\n')
    out = CliRunner().invoke(main, ["--config", str(config), "check"])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.startswith("digest desk"))
    assert line.count("08:00") == 3 and "Sat" not in line and "Sun" not in line


def test_exit_codes_say_whether_the_cycle_failed_and_json_says_what(tmp_path, http_server):
    import json

    from click.testing import CliRunner
    from tests_support import config_with_feeds

    from tracker.cli import main

    http_server.serve("/good", rss(["Aleppo"]))
    http_server.respond("/bad", (500, {}, b"down"))
    http_server.respond("/hook", (503, {}, b"busy"))
    good = config_with_feeds(tmp_path, [http_server.url + "/good"])
    ok = CliRunner().invoke(main, ["--config", str(good), "run", "--once"])
    assert ok.exit_code == 0, ok.output

    bad_feed = tmp_path / "bad"
    bad_feed.mkdir()
    cfg = config_with_feeds(bad_feed, [http_server.url + "/bad"])
    failed = CliRunner().invoke(main, ["--config", str(cfg), "run", "--once"])
    assert failed.exit_code == 1 and "failed" in failed.output  # every feed failed: not 0

    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    env = {"HOOK_URL": http_server.url + "/hook"}
    cfg = config_with_feeds(hook_dir, [http_server.url + "/good"], extra='[[channels]]\nname = "hook"\ntype = "webhook"\nurl_env = "HOOK_URL"\ngroup_wait = "0s"')
    result = CliRunner().invoke(main, ["--config", str(cfg), "run", "--once", "--json"], env=env)
    assert result.exit_code == 1  # the webhook's alert must be retried
    summary = json.loads(result.output)
    assert summary["ok"] is False and summary["feeds"] == {"polled": 1, "ok": 1, "not_modified": 0, "failed": 0, "errors": []}
    assert summary["alerts"]["sent"] == summary["alerts"]["retrying"] >= 1 and "hook: HTTP 503" in summary["alerts"]["errors"][0]  # file ok, hook to retry
    assert summary["changes"][0]["event"] == "new" and isinstance(summary["pauses"], list)  # (a 2024 truce: expired by now)

    digest_dir = tmp_path / "digest"
    digest_dir.mkdir()
    cfg = config_with_feeds(digest_dir, [http_server.url + "/good"], extra='[[channels]]\nname = "hook"\ntype = "webhook"\nurl_env = "HOOK_URL"\nmode = "digest"\nschedule = "0 8 * * *"')
    digest = CliRunner().invoke(main, ["--config", str(cfg), "digest", "--channel", "hook"], env=env)
    assert digest.exit_code == 1 and "1 to retry" in digest.output

    broken = tmp_path / "broken.toml"
    broken.write_text("[tracker\n")
    assert CliRunner().invoke(main, ["--config", str(broken), "run", "--once"]).exit_code == 2
    assert CliRunner().invoke(main, ["--config", str(good), "run", "--bogus"]).exit_code == 2


class _StrictSlack:
    """A real local HTTP server that answers like Slack does to big messages: 400
    msg_blocks_too_long past `limit` characters of block text, else 200 ok; `fail_at`
    (1-based) answers 500 to that POST. Records every accepted payload and when."""

    def __init__(self, limit: int, fail_at: int | None = None):
        import threading
        import time as _time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from tracker.alerts.slack_limits import block_chars

        owner = self
        self.accepted: list[tuple[float, dict]] = []
        self.posts = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                import json as _json

                payload = _json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.posts += 1
                if owner.posts == fail_at:
                    status, body = 500, b"internal_error"
                elif block_chars(payload.get("blocks", [])) > limit:
                    status, body = 400, b"msg_blocks_too_long"
                else:
                    status, body = 200, b"ok"
                    owner.accepted.append((_time.monotonic(), payload))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T/B/X"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _big_template(tmp_path):
    """A user's Slack template making one message of ~40,000 characters in 40 sections."""
    path = tmp_path / "big.json.j2"
    path.write_text('{"text": "big", "blocks": [{% for i in range(40) %}{"type": "section", "text": {"type": "mrkdwn", "text": "section {{ i }} ' + "x" * 990 + '"}}{% if not loop.last %},{% endif %}{% endfor %}]}')
    return path


def test_a_message_slack_refuses_as_too_long_is_split_smaller_and_all_of_it_arrives(tmp_path, http_server):
    http_server.serve("/feed", rss(["Aleppo"]))
    template = _big_template(tmp_path)
    with _StrictSlack(limit=9000) as slack_server:
        store, pipeline = build(tmp_path, http_server, {"slack": slack(slack_server.url)}, {"slack": {"slack": template}})
        pipeline.poll(T0)
        report = pipeline.deliver(T0)
    assert report.sent == 1 and report.failed == 0
    texts = [b["text"]["text"] for _, p in slack_server.accepted for b in p["blocks"] if b["type"] == "section"]
    assert [t.split()[1] for t in texts] == [str(i) for i in range(40)]  # every section, in order, once
    assert all(block_chars(p["blocks"]) <= 9000 for _, p in slack_server.accepted) and slack_server.posts > len(slack_server.accepted)
    times = [t for t, _ in slack_server.accepted]
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:]))  # one message a second
    [alert] = store.alerts()
    assert alert.status == "sent" and "parts" in (alert.note or "")


def test_a_part_that_fails_midway_is_retried_without_resending_the_parts_already_delivered(tmp_path, http_server):
    http_server.serve("/feed", rss(["Aleppo"]))
    template = _big_template(tmp_path)
    with _StrictSlack(limit=12000, fail_at=3) as slack_server:
        store, pipeline = build(tmp_path, http_server, {"slack": slack(slack_server.url)}, {"slack": {"slack": template}})
        pipeline.poll(T0)
        first = pipeline.deliver(T0)
        assert first.retrying == 1 and len(slack_server.accepted) == 2
        second = pipeline.deliver(T0 + timedelta(hours=2))
    assert second.sent == 1
    texts = [b["text"]["text"] for _, p in slack_server.accepted for b in p["blocks"] if b["type"] == "section"]
    assert [t.split()[1] for t in texts] == [str(i) for i in range(40)]  # nothing twice, nothing lost


def test_slack_messages_are_budgeted_at_12000_characters():
    from tracker.alerts.slack_limits import MAX_MESSAGE_CHARS, split_message

    payload = {"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 2900}} for _ in range(20)]}
    parts = split_message(payload)
    assert MAX_MESSAGE_CHARS == 12000 and len(parts) >= 5
    assert all(block_chars(p["blocks"]) <= 12000 for p in parts)
