"""`tracker serve` over real HTTP (uvicorn on a free port) and a database seeded through
the real pipeline: the board, the pause page, the JSON API and its OpenAPI schema, the
calendar (read back with icalendar), the Atom feed (feedparser), /metrics (prometheus
client's parser), health, bearer tokens, security headers, and that nothing writes."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
import icalendar
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from servers import free_port
from webseed import ARTICLES, HOSTILE_TITLE, Served, seed

from tracker import cli
from tracker.config import ConfigError, load
from tracker.web import views
from tracker.web.app import CSP
from tracker.web.openapi import OPENAPI

TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = seed(tmp_path_factory.mktemp("web"))  # at `webseed.seed_time()`: no start within the hour
    yield w
    w.feed.stop()
    w.store.close()


@pytest.fixture(scope="module")
def web(world):
    clock = {"now": world.now + timedelta(minutes=5)}
    with Served(world, clock=lambda: clock["now"]) as s:
        s.clock = clock
        yield s


def test_api_pauses_has_the_fields_and_order_of_tracker_pauses_json(web, world):
    now = web.clock["now"]
    got = web.get("/api/pauses").json()
    want = [cli._pause_json(p, now) for p in cli._sorted_board(world.store.pauses(), now, False)]
    assert got == want
    assert [p["location"] for p in got] == ["El Fasher", "Gaza", "Aleppo"]  # soonest deadline first, no start last


@pytest.mark.parametrize(
    "query, places",
    [
        ("place=Sudan", ["El Fasher"]),  # hierarchical: the country takes the city
        ("place=darfur", ["El Fasher"]),  # a region between them, any case
        ("place=Syria", ["Aleppo"]),
        ("place=El+Fasher", ["El Fasher"]),
        ("place=Chad", []),
        ("kind=truce", ["Gaza"]),
        ("status=proposed", ["Aleppo"]),
        ("place=Sudan&kind=truce", []),
    ],
)
def test_api_filters(web, query, places):
    assert [p["location"] for p in web.get(f"/api/pauses?{query}").json()] == places


def test_bad_filters_are_refused_by_name(web):
    r = web.get("/api/pauses?kind=war")
    assert r.status_code == 400 and "kind must be one of ceasefire" in r.json()["error"]
    r = web.get("/api/changes?since=yesterday")
    assert r.status_code == 400 and "since must be an ISO-8601 time" in r.json()["error"]
    assert web.get("/?status=over").status_code == 400


def test_api_pause_detail_and_not_found(web, world):
    [gaza] = [p for p in world.store.pauses() if p.location == "Gaza"]
    body = web.get(f"/api/pauses/{gaza.id}").json()
    assert body["kind"] == "truce" and {e["article_title"] for e in body["evidence"]} == {HOSTILE_TITLE}
    assert body["evidence"][0]["why"] and body["changes"][0]["event"] == "new"
    r = web.get("/api/pauses/999")
    assert r.status_code == 404 and r.json() == {"error": "no pause #999"}


def test_api_changes_since(web, world):
    every = web.get("/api/changes").json()
    assert len(every) == 3 and {c["event"] for c in every} == {"new"}
    assert web.get("/api/changes?since=" + (world.now - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")).json() == every
    assert web.get("/api/changes?since=" + world.now.isoformat()).json() == []


def test_api_feeds(web, world):
    [feed] = web.get("/api/feeds").json()
    assert feed["name"] == "Desk" and feed["articles"] == 3 and feed["health"] == "healthy" and feed["last_status"]


def test_openapi_lists_every_api_route_and_every_field(web, world):
    schema = web.get("/openapi.json").json()
    assert schema == OPENAPI and schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {"/api/pauses", "/api/pauses/{pause_id}", "/api/changes", "/api/feeds"}
    props = lambda name: set(schema["components"]["schemas"][name]["properties"])  # noqa: E731
    assert set(web.get("/api/pauses").json()[0]) == props("Pause")
    assert set(web.get("/api/changes").json()[0]) == props("Change")
    assert set(web.get("/api/feeds").json()[0]) == props("Feed")


def test_board_is_server_rendered_with_headers_labels_and_escaped_text(web, world):
    r = web.get("/")
    html = r.text
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert [m for m in re.findall(r"<th scope=\"col\"[^>]*>([^<]+)</th>", html)][:3] == ["Pause", "Place", "Status"]
    assert html.count('<tr id="pause-') == 3
    for control in ("f-place", "f-kind", "f-status", "f-all"):
        assert f'<label for="{control}">' in html and f'id="{control}"' in html
    # time left is there without JavaScript, and the deadline for the ticking script
    assert re.search(r'data-deadline="[^"]+" data-phase="to start">\d+ h \d\d min \d\d s to start<', html)
    # a hostile title and quote show as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    page = web.get("/pauses/3").text
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Gaza &lt;b&gt;truce&lt;/b&gt;" in page
    assert "<script>alert" not in page and "<b>truce" not in page
    # local time and UTC, with the precision
    assert "EAT" in html or "CAT" in html or "UTC+" in html  # El Fasher's zone
    assert '<span class="precision">about</span>' in html  # "from tomorrow": a day without a time
    # no inline script, no external resource
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/board.js" defer>']
    assert "http://" not in re.sub(r'href="https://[a-z-]+\.example/story/\d"', "", html).replace(web.url, "")


def test_board_filters_stay_in_the_form(web):
    html = web.get("/?place=Sudan&kind=humanitarian_pause").text
    assert html.count('<tr id="pause-') == 1 and 'value="Sudan"' in html and '<option value="humanitarian_pause" selected>' in html


def test_pause_page_shows_timeline_evidence_and_actors(web, world):
    [fasher] = [p for p in world.store.pauses() if p.location == "El Fasher"]
    html = web.get(f"/pauses/{fasher.id}").text
    assert "Timeline" in html and "Evidence" in html and "Why this pause:" in html
    assert ARTICLES[0][3].replace(",", ",") in html and 'href="https://sudan-wire.example/story/0"' in html
    assert "<td>UN</td><td>mentioned</td>" in html
    assert web.get("/pauses/999").status_code == 404


def test_calendar_parses_with_stable_uids_alarms_and_precision(web, world):
    r = web.get("/calendar.ics")
    assert r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    events = {str(e["LOCATION"]).split(",")[0]: e for e in cal.walk("VEVENT")}
    assert set(events) == {"El Fasher", "Gaza"}  # Aleppo has no start: no window to show
    fasher, gaza = events["El Fasher"], events["Gaza"]
    [p1] = [p for p in world.store.pauses() if p.location == "El Fasher"]
    assert str(fasher["UID"]) == f"pause-{p1.id}@pause-tracker" and int(fasher["SEQUENCE"]) == 0
    assert fasher.decoded("DTSTART") == p1.starts_at and fasher.decoded("DTEND") == p1.ends_at
    [alarm] = fasher.walk("VALARM")
    assert alarm["TRIGGER"].params["RELATED"] == "END" and alarm.decoded("TRIGGER") == timedelta(hours=-1)
    # "from tomorrow": an all-day event over the local days, saying so
    assert type(gaza.decoded("DTSTART")) is date and "approximate" in str(gaza["DESCRIPTION"])
    # 5 days from local midnight: five whole days, the end date exclusive as RFC 5545 has it
    assert (gaza.decoded("DTEND") - gaza.decoded("DTSTART")).days == 5
    assert "(about)" in str(gaza["SUMMARY"])
    assert web.get("/calendar.ics").content.replace(b"DTSTAMP", b"").count(b"UID:") == 2
    narrowed = icalendar.Calendar.from_ical(web.get("/calendar.ics?place=Sudan").content)
    assert [str(e["UID"]) for e in narrowed.walk("VEVENT")] == [str(fasher["UID"])]


def test_calendar_sequence_grows_when_a_pause_changes(tmp_path):
    w = seed(tmp_path)
    later = w.now + timedelta(hours=1)
    try:
        with Served(w, clock=lambda: later + timedelta(minutes=1)) as s:
            uid = lambda cal: {str(e["UID"]): int(e["SEQUENCE"]) for e in icalendar.Calendar.from_ical(cal).walk("VEVENT")}  # noqa: E731
            before = uid(s.get("/calendar.ics").content)
            extra = (0, "un-news.example", "El Fasher pause extended", "The parties agreed to extend the El Fasher humanitarian pause by 48 hours, the UN said.")
            w.publish([*ARTICLES, extra], later)
            after = uid(s.get("/calendar.ics").content)
        assert set(before) == set(after)
        grew = {k for k in before if after[k] > before[k]}
        assert len(grew) == 1 and next(iter(grew)).startswith("pause-1@")
    finally:
        w.feed.stop()
        w.store.close()


def test_atom_feed_parses_with_stable_ids(web, world):
    r = web.get("/changes.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 3
    ids = [e.id for e in feed.entries]
    assert ids == [e.id for e in feedparser.parse(web.get("/changes.atom").content).entries]
    assert all(re.fullmatch(r"tag:pause-tracker,2026:pause-\d+/change-\d+", i) for i in ids)
    [gaza] = [e for e in feed.entries if "Gaza" in e.title]
    assert "<img src=x onerror=alert(1)>" in gaza.content[0].value  # text content, as text
    assert gaza.link.endswith("/pauses/3")


def test_metrics_parse(web, world):
    r = web.get("/metrics")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    value = lambda name, **labels: next(s.value for s in families[name].samples if s.labels == labels)  # noqa: E731
    assert value("tracker_pauses", status="agreed") == 2 and value("tracker_pauses", status="proposed") == 1
    assert value("tracker_pauses_open") == 3
    assert value("tracker_articles") == 3 and value("tracker_feeds_polled") == 1 and value("tracker_feeds_failed") == 0
    assert value("tracker_alerts", channel="desk", status="sent") == 3 and value("tracker_alerts", channel="desk", status="pending") == 0
    assert 0 <= value("tracker_last_successful_poll_age_seconds") < 3600


def test_health_and_readiness(web):
    assert web.get("/healthz").text == "ok\n"
    r = web.get("/readyz")
    assert r.status_code == 200 and r.text.startswith("ready:")
    saved = web.clock["now"]
    web.clock["now"] = saved + timedelta(hours=1)  # three 15-minute intervals without a successful poll
    try:
        r = web.get("/readyz")
        assert r.status_code == 503 and "more than three poll intervals" in r.text
    finally:
        web.clock["now"] = saved


def test_security_headers_and_static_script(web):
    r = web.get("/")
    assert r.headers["content-security-policy"] == CSP and "unsafe-inline" not in CSP
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert "server" not in r.headers
    js = web.get("/static/board.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and "setInterval(tick, 1000)" in js.text
    assert web.get("/static/board.css").headers["content-security-policy"] == CSP


def test_read_only_nothing_but_get(web, world):
    before = (world.store.pauses(), world.store.alerts(), world.store.feeds())
    for path in ("/", "/api/pauses", "/api/pauses/1", "/calendar.ics", "/metrics", "/healthz"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            assert web.http.request(method, web.url + path, timeout=10).status_code == 405, (method, path)
    assert (world.store.pauses(), world.store.alerts(), world.store.feeds()) == before


def test_tokens_are_required_except_for_healthz(world):
    with Served(world, tokens=("another-token-of-length-16", TOKEN)) as s:
        for path in ("/", "/api/pauses", "/pauses/1", "/calendar.ics", "/changes.atom", "/metrics", "/readyz", "/openapi.json", "/static/board.js"):
            r = s.get(path)
            assert r.status_code == 401, path
            assert r.raw.headers.getlist("www-authenticate") == ['Basic realm="pause-tracker", charset="UTF-8"', 'Bearer realm="pause-tracker"']
            assert TOKEN not in r.text
        assert s.get("/api/pauses", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
        assert s.get("/api/pauses", headers={"Authorization": f"Token {TOKEN}"}).status_code == 401
        assert s.get("/api/pauses", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        basic = base64.b64encode(f"desk:{TOKEN}".encode()).decode()
        assert s.get("/", headers={"Authorization": f"Basic {basic}"}).status_code == 200
        assert s.get("/healthz").status_code == 200
        r = s.get("/", headers={"Authorization": f"Bearer {TOKEN}"})
        assert TOKEN not in r.text and all(TOKEN not in v for v in r.headers.values())


# configuration -------------------------------------------------------------------------


def _config(tmp_path: Path, serve: str) -> Path:
    (tmp_path / "feed.xml").write_text("<rss/>")
    path = tmp_path / "config.toml"
    path.write_text(f'[[feeds]]\nurl = "feed.xml"\n{serve}\n')
    return path


def test_serve_config_defaults_to_loopback(tmp_path):
    s = load(_config(tmp_path, ""), env={}).serve
    assert (s.host, s.port, s.tokens) == ("127.0.0.1", 8080, ())


def test_serve_config_listen_and_tokens(tmp_path):
    (tmp_path / "tokens").write_text(f"{TOKEN}\nanother-token-of-length-16\n")
    s = load(_config(tmp_path, '[serve]\nlisten = "[::1]:9000"\ntokens_file = "${DIR}/tokens"'), env={"DIR": str(tmp_path)}).serve
    assert (s.host, s.port, s.tokens) == ("::1", 9000, (TOKEN, "another-token-of-length-16"))
    assert TOKEN not in repr(s)
    s = load(_config(tmp_path, '[serve]\ntokens_env = "WEB_TOKENS"'), env={"WEB_TOKENS": f"{TOKEN}, another-token-of-length-16"}).serve
    assert s.tokens == (TOKEN, "another-token-of-length-16")


def test_serve_config_problems_all_at_once(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(_config(tmp_path, '[serve]\nlisten = "8080"\ntokens_env = "WEB_TOKENS"\nport = 1'), env={"WEB_TOKENS": "short"})
    text = str(e.value)
    assert "serve.listen: must be host:port" in text and "at least 16 characters" in text and "serve.port: is not a known key" in text


# the real command ----------------------------------------------------------------------


def _wait(url: str, headers=None, status: int = 200, seconds: float = 20.0) -> requests.Response:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(url, headers=headers, timeout=2)
            if last.status_code == status:
                return last
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} in {seconds} s (last: {last and last.status_code})")


def test_run_serve_polls_and_serves_then_stops_on_sigterm(tmp_path, http_server):
    from webseed import rss

    now = datetime.now(UTC)
    http_server.serve("/feed", rss(ARTICLES, now))
    port = free_port()
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[tracker]\npoll_check = "1s"\ndeliver_every = "1s"\nprocesses = 0\n[fetch]\nallow_private_networks = true\n'
        f'[serve]\nlisten = "127.0.0.1:{port}"\ntokens_env = "WEB_TOKENS"\n'
        f'[[feeds]]\nname = "Desk"\nurl = "{http_server.url}/feed"\n'
        '[[channels]]\nname = "out"\ntype = "file"\npath = "outbox"\ngroup_wait = "0s"\n'
    )
    env = {**os.environ, "WEB_TOKENS": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--config", str(cfg), "run", "--serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/readyz", auth)  # polled once: ready
        assert requests.get(base + "/api/pauses", timeout=5).status_code == 401
        assert len(requests.get(base + "/api/pauses", headers=auth, timeout=5).json()) == 3
        metrics = {s.name: s.value for f in text_string_to_metric_families(requests.get(base + "/metrics", headers=auth, timeout=5).text) for s in f.samples}
        assert metrics["tracker_poll_duration_seconds_count"] >= 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "serving on http://127.0.0.1:" in err and "tracker stopped" in err and TOKEN not in err + out


def test_serve_refuses_a_database_not_at_head_and_creates_nothing(tmp_path):
    cfg = _config(tmp_path, f'[tracker]\ndatabase = "{tmp_path / "none.db"}"')
    r = subprocess.run([sys.executable, "-m", "tracker.cli", "--config", str(cfg), "serve"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "tracker db upgrade" in r.stderr
    assert not (tmp_path / "none.db").exists()


def test_views_time_left_and_precision_are_pure():
    from tracker.types import Pause

    t = datetime(2026, 1, 1, tzinfo=UTC)
    p = Pause(1, "truce", "Gaza", "Palestine", "agreed", 48, "at 06:00", t + timedelta(hours=1), t + timedelta(hours=49), (), t, t)
    assert views.time_left(p.seconds_left(t), True, p) == "01 h 00 min 00 s to start"
    assert views.time_left(p.seconds_left(t + timedelta(days=1, hours=2, seconds=1)), False, p) == "22 h 59 min 59 s left"
    assert views.start_precision(p) is None
    # the record's own precision, in the alerts' words
    assert views.start_precision(Pause(1, "truce", None, None, "agreed", 48, "at 06:00", t, None, (), t, t, start_precision="range")) == "not confirmed"
    assert views.start_precision(Pause(1, "truce", None, None, "agreed", 48, "at 06:00", t, None, (), t, t, start_precision="day")) == "about"
    # a record stored before pauses carried one: from its mentions, else its words
    assert views.start_precision(Pause(1, "truce", None, None, "agreed", 48, "on Friday", t, None, (), t, t)) == "about"
    # the extractor's precision for the mention that carries the start wins over the words
    from tracker.types import Evidence, Mention

    def ev(precision: str, at: datetime) -> Evidence:
        m = Mention("truce", "agreed", 48, "Gaza", None, (), "at dawn", at, "q", 0.9, start_precision=precision)
        return Evidence(m, "k", "src", None, t)

    assert views.start_precision(p, [ev("day", p.starts_at)]) == "about"
    assert views.start_precision(p, [ev("day", p.starts_at), ev("minute", p.starts_at)]) is None
    assert views.end_precision(p, [ev("day", p.starts_at)]) == "about"
    assert views.start_precision(p, [ev("day", t)]) is None  # another start: the words decide


def test_tracker_serve_as_a_process_reads_and_changes_no_byte_of_the_database(tmp_path):
    import hashlib

    w = seed(tmp_path)
    w.feed.stop()
    w.store.close()  # the WAL checkpointed into the file: what is there now must stay
    db = tmp_path / "web.db"
    digest = lambda: hashlib.sha256(db.read_bytes()).hexdigest()  # noqa: E731
    before = digest()
    port = free_port()
    cfg = tmp_path / "serve.toml"
    cfg.write_text(f'[tracker]\ndatabase = "{db}"\n[serve]\nlisten = "127.0.0.1:{port}"\n[[feeds]]\nname = "Desk"\nurl = "{w.settings.feeds[0].url}"\n')
    proc = subprocess.Popen([sys.executable, "-m", "tracker.cli", "--config", str(cfg), "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        assert len(_wait(base + "/api/pauses").json()) == 3
        for path in ("/", "/pauses/1", "/calendar.ics", "/changes.atom", "/metrics", "/readyz", "/api/feeds"):
            assert requests.get(base + path, timeout=5).status_code in (200, 503), path
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"serving on http://127.0.0.1:{port}/ (no token required)" in err and "tracker serve stopped" in err
    assert digest() == before
