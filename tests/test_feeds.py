"""Fetching against a real local HTTP server, and parsing real feeds."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from tracker.config import FetchSettings
from tracker.errors import FetchError, ParseError
from tracker.feeds.fetch import Fetcher
from tracker.feeds.parse import parse

ROOT = Path(__file__).resolve().parent.parent
SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"


@pytest.fixture
def fetcher():
    with Fetcher(FetchSettings(connect_timeout=2, read_timeout=1, max_bytes=64 * 1024, allow_private_networks=True)) as f:
        yield f


def test_conditional_get_echoes_validators_byte_for_byte(http_server, fetcher):
    body = (ROOT / "seeds/sample-wire.rss.xml").read_bytes()
    etag = 'W/"5f3a-\\"odd\\""'
    lm = "Thu, 18 Aug 2016 14:30:00 GMT"
    http_server.serve("/feed", body, etag=etag, last_modified=lm)
    first = fetcher.fetch(http_server.url + "/feed")
    assert (first.status, first.body, first.etag, first.last_modified) == (200, body, etag, lm)
    second = fetcher.fetch(http_server.url + "/feed", first.etag, first.last_modified)
    assert second.not_modified and second.status == 304
    sent = http_server.requests[1].headers
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == lm
    assert sent["user-agent"].startswith("pause-tracker/")


def test_http_errors_timeouts_and_size_cap_are_fetch_errors(http_server, fetcher):
    http_server.respond("/gone", (410, {}, b"gone"))
    with pytest.raises(FetchError, match="HTTP 410"):
        fetcher.fetch(http_server.url + "/gone")
    http_server.serve("/slow", b"<rss/>")
    http_server.delay("/slow", 3)
    with pytest.raises(FetchError, match="timed out"):
        fetcher.fetch(http_server.url + "/slow")
    bomb = gzip.compress(b"<rss>" + b" " * (1024 * 1024) + b"</rss>")
    http_server.respond("/bomb", (200, {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}, bomb))
    with pytest.raises(FetchError, match="byte cap"):
        fetcher.fetch(http_server.url + "/bomb")


def test_a_dead_port_is_a_clear_fetch_error(fetcher):
    from servers import free_port

    with pytest.raises(FetchError, match="could not connect"):
        fetcher.fetch(f"http://127.0.0.1:{free_port()}/feed")


def test_local_files_are_read_from_disk(fetcher, tmp_path):
    got = fetcher.fetch(str(ROOT / "seeds/sample-desk.atom.xml"))
    assert got.status == 200 and got.body.startswith(b"<?xml")
    with pytest.raises(FetchError, match="cannot read the file"):
        fetcher.fetch(str(tmp_path / "missing.xml"))


def test_the_sample_feeds_parse_with_stable_identities():
    rss = parse((ROOT / "seeds/sample-wire.rss.xml").read_bytes(), "rss")
    atom = parse((ROOT / "seeds/sample-desk.atom.xml").read_bytes(), "atom")
    assert [a.title for a in rss.articles][0] == "Russia Proposes 48 Hour Ceasefire In Aleppo"
    assert rss.articles[0].key == "wire.example.org:2016-08-18:aleppo-48-hour-ceasefire"
    assert "past 48 hours" in rss.articles[0].text and "<p>" not in rss.articles[0].text
    assert len(atom.articles) == 3 and atom.articles[0].published.isoformat() == "2016-08-18T17:10:00+00:00"
    again = parse((ROOT / "seeds/sample-wire.rss.xml").read_bytes(), "rss")
    assert [a.content_hash for a in again.articles] == [a.content_hash for a in rss.articles]


def test_identity_falls_back_to_link_then_content_hash():
    body = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>One</title><link>https://x.example/1</link><description>a</description></item>
      <item><title>Two</title><description>b</description></item>
      <item><guid>g</guid><title>Three</title></item><item><guid>g</guid><title>Three again</title></item>
    </channel></rss>"""
    keys = [a.key for a in parse(body, "u").articles]
    assert keys[0] == "https://x.example/1" and keys[1].startswith("sha256:") and keys[2:] == ["g"]


@pytest.mark.parametrize("body", [b"", b"   ", b"<!DOCTYPE html><html><body>Not here</body></html>", b"just text"])
def test_something_that_is_not_a_feed_is_refused_with_a_reason(body):
    with pytest.raises(ParseError) as info:
        parse(body, "https://x.example/feed")
    assert "not a feed" in str(info.value) or "HTML page" in str(info.value) or "empty" in str(info.value)


@pytest.mark.skipif(not SHARED_FEEDS.is_dir(), reason="../shared/data/feeds not present")
@pytest.mark.parametrize(
    "name,entries,title_fragment",
    [
        ("aljazeera-all-2026-08-13.xml", 25, None),
        ("indiatoday-home-2026-08-13.xml", 117, None),
        ("windows-1251-russian-declared.xml", 10, "В Бузулуке"),
        ("retriever-intranet30-swedish-iso8859-1-2018-08-19.xml", 30, "MÅNAD"),
        ("uol-noticias-latin1-undeclared-2018-09-24.rss", 15, "Ibope"),
        ("orf-at-rss10-rdf-bom.rdf", 50, None),
        ("tpm-all-news-atom10-relative-links-2017-11-08.atom", 20, "Hannity"),
        ("gdacs-disaster-alerts-archive-2016-04-09.xml", 100, "flood"),
    ],
)
def test_real_feeds_parse_with_decoded_titles(name, entries, title_fragment):
    parsed = parse((SHARED_FEEDS / name).read_bytes(), name)
    assert len(parsed.articles) == entries
    if title_fragment:
        assert any(title_fragment in a.title for a in parsed.articles)


@pytest.mark.skipif(not SHARED_FEEDS.is_dir(), reason="../shared/data/feeds not present")
def test_an_ill_formed_document_with_no_entries_is_refused():
    with pytest.raises(ParseError):
        parse((SHARED_FEEDS / "malformed-double-xml-decl-prefixed-rss.xml").read_bytes(), "m")


# --------------------------------------------------------------------------- issue 6: fetch behaviour

import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from servers import Stream  # noqa: E402

from tracker.feeds import policy  # noqa: E402
from tracker.feeds.fetch import FeedGone, FetchFailed, HostLimits, RateLimited  # noqa: E402
from tracker.feeds.parse import check_safe, decode  # noqa: E402

NOW = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><ttl>90</ttl><item><guid>1</guid><title>One</title></item></channel></rss>'


def test_body_hash_lets_the_caller_skip_an_unchanged_200(http_server, fetcher):
    http_server.serve("/feed", FEED)  # no validators: every poll is a full 200
    a = fetcher.fetch(http_server.url + "/feed")
    b = fetcher.fetch(http_server.url + "/feed")
    assert a.status == b.status == 200 and a.sha256 == b.sha256 == hashlib.sha256(FEED).hexdigest()
    http_server.serve("/feed", FEED.replace(b"One", b"Two"))
    assert fetcher.fetch(http_server.url + "/feed").sha256 != a.sha256


def test_cache_headers_and_ttl_are_a_floor_on_the_next_poll(http_server, fetcher):
    http_server.respond("/feed", (200, {"Cache-Control": "public, max-age=7200", "Age": "600"}, FEED))
    got = fetcher.fetch(http_server.url + "/feed")
    assert got.fresh_for == 6600
    parsed = parse(got.body, "u")
    assert parsed.ttl_seconds == 90 * 60
    nxt = policy.next_poll_after_success(NOW, 900, fresh_for=got.fresh_for, ttl_seconds=parsed.ttl_seconds, jitter=0.5)
    assert nxt.at == NOW + timedelta(seconds=6600) and "Cache-Control" in nxt.why
    # without publisher hints: the period, +-10 % jitter
    assert policy.next_poll_after_success(NOW, 900, jitter=0.0).at == NOW + timedelta(seconds=810)
    assert policy.next_poll_after_success(NOW, 900, jitter=0.999).at < NOW + timedelta(seconds=990)
    # a ttl above the period wins when there is no Cache-Control
    assert policy.next_poll_after_success(NOW, 900, ttl_seconds=5400, jitter=0.5).at == NOW + timedelta(seconds=5400)
    # a year-long max-age is capped
    assert policy.next_poll_after_success(NOW, 900, fresh_for=365 * 86400).at == NOW + timedelta(seconds=policy.MAX_FLOOR_SECONDS)


@pytest.mark.parametrize(
    "cc,expires,date,age,expected",
    [
        ("max-age=300", None, None, None, 300),
        ("no-cache, max-age=300", None, None, None, 0),
        ("private, no-store", None, None, None, 0),
        ('max-age="60", must-revalidate', None, None, None, 60),
        (None, "Thu, 13 Aug 2026 13:00:00 GMT", "Thu, 13 Aug 2026 12:00:00 GMT", None, 3600),
        (None, "0", "Thu, 13 Aug 2026 12:00:00 GMT", None, 0),  # invalid Expires = already expired
        ("max-age=100", "Thu, 13 Aug 2026 13:00:00 GMT", "Thu, 13 Aug 2026 12:00:00 GMT", None, 100),  # max-age wins
        (None, None, None, None, None),
        ("public", None, None, None, None),
    ],
)
def test_freshness_from_headers(cc, expires, date, age, expected):
    assert policy.freshness_seconds(cc, expires, date, age) == expected


@pytest.mark.parametrize(
    "value,server_date,expected",
    [
        ("120", None, 120),
        ("Thu, 13 Aug 2026 12:02:00 GMT", None, 120),
        ("Thu, 13 Aug 2026 12:02:00 GMT", datetime(2026, 8, 13, 12, 1, tzinfo=UTC), 60),  # measured on the server's clock
        ("Thu, 13 Aug 2026 11:00:00 GMT", None, 0),
        ("999999999", None, policy.MAX_RETRY_AFTER_SECONDS),
        ("soon", None, None),
        (None, None, None),
    ],
)
def test_retry_after_seconds_or_http_date(value, server_date, expected):
    assert policy.retry_after_seconds(value, NOW, server_date) == expected


def test_backoff_is_exponential_with_injected_jitter_and_never_faster_than_the_period():
    low = [policy.backoff_seconds(n, 600, jitter=0.0) for n in range(1, 8)]
    high = [policy.backoff_seconds(n, 600, jitter=0.999) for n in range(1, 8)]
    assert low == [600, 600, 1200, 2400, 4800, 9600, 19200]
    assert all(lo <= hi for lo, hi in zip(low, high, strict=True)) and high[3] == pytest.approx(4800 * 0.9995, rel=1e-3)
    assert policy.backoff_seconds(40, 600, jitter=0.999) <= policy.MAX_BACKOFF_SECONDS


def test_next_poll_after_each_kind_of_error():
    gone = FeedGone("u", "HTTP 410 Gone")
    assert policy.next_poll_after_error(NOW, 600, 1, gone).disable
    limited = RateLimited("u", "HTTP 429", retryable=True, retry_after=7200)
    assert policy.next_poll_after_error(NOW, 600, 1, limited, jitter=0.5).at == NOW + timedelta(seconds=7200)
    busy = FetchFailed("u", "HTTP 503", retryable=True)
    first = policy.next_poll_after_error(NOW, 600, 1, busy, jitter=0.5)
    third = policy.next_poll_after_error(NOW, 600, 3, busy, jitter=0.5)
    assert first.at == NOW + timedelta(seconds=600) and third.at == NOW + timedelta(seconds=1800)
    assert "transient" in third.why
    assert "failure" in policy.next_poll_after_error(NOW, 600, 2, ParseError("u", "not a feed")).why


@pytest.mark.parametrize(
    "old,new,adopt_at_once",
    [
        ("http://a.example/feed", "https://a.example/feed", True),
        ("http://a.example/feed", "https://a.example/rss/", True),
        ("https://a.example/feed", "https://a.example/feed.xml", True),
        ("https://a.example/feed", "http://a.example/feed", False),  # downgrade: never at once
        ("http://a.example/feed", "https://b.example/feed", False),
        ("http://a.example:8080/feed", "https://a.example/feed", False),
    ],
)
def test_permanent_redirects_same_host_at_once_other_hosts_after_consistent_polls(old, new, adopt_at_once):
    url, state = policy.decide_move(old, new, policy.MoveState())
    if adopt_at_once:
        assert url == new and state == policy.MoveState()
        return
    assert url is None and state == policy.MoveState(new, 1)
    url, state = policy.decide_move(old, new, state)
    assert url is None and state.count == 2
    url, state = policy.decide_move(old, new, state)
    assert url == new and state == policy.MoveState()


def test_move_evidence_resets_when_a_poll_is_not_redirected_or_points_elsewhere():
    state = policy.MoveState("https://b.example/f", 2)
    assert policy.decide_move("http://a.example/f", None, state) == (None, policy.MoveState())
    assert policy.decide_move("http://a.example/f", "https://c.example/f", state) == (None, policy.MoveState("https://c.example/f", 1))


def test_the_per_host_limit_caps_requests_in_flight(http_server):
    http_server.serve("/feed", FEED)
    http_server.delay("/feed", 0.4)
    settings = FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=True)
    with Fetcher(settings, per_host_limit=2, total_timeout=5) as f:
        threads = [threading.Thread(target=f.fetch, args=(http_server.url + "/feed",)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    arrivals = sorted(r.at for r in http_server.requests)
    assert len(arrivals) == 4
    assert arrivals[1] - arrivals[0] < 0.3  # two at once...
    assert arrivals[2] - arrivals[0] >= 0.35  # ...the third waits for a slot


def test_host_limits_time_out_when_no_slot_frees():
    limits = HostLimits(1)
    with limits.slot("a.example", 1), pytest.raises(FetchFailed, match="already in flight"):
        with limits.slot("a.example", 0.05):
            pass
    with limits.slot("b.example", 0.05):  # other hosts are not affected
        pass


def test_retry_after_holds_the_whole_host_without_asking_it_again(http_server):
    http_server.respond("/a", (429, {"Retry-After": "60"}, b"slow down"))
    http_server.serve("/b", FEED)
    clock = [1000.0]
    settings = FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=True)
    with Fetcher(settings, monotonic=lambda: clock[0]) as f:
        with pytest.raises(RateLimited) as info:
            f.fetch(http_server.url + "/a")
        assert info.value.retry_after == 60 and info.value.host == "127.0.0.1"
        with pytest.raises(RateLimited, match="asked us to wait; 60 s left"):
            f.fetch(http_server.url + "/b")  # another feed on the same host
        assert len(http_server.requests) == 1
        clock[0] += 61
        assert f.fetch(http_server.url + "/b").status == 200


def test_a_wall_clock_cap_stops_a_drip_feed_that_beats_the_read_timeout(http_server):
    http_server.respond("/drip", Stream(200, {}, lambda: (bytes([b]) for b in FEED), interval=0.2))
    settings = FetchSettings(connect_timeout=2, read_timeout=1, allow_private_networks=True)
    with Fetcher(settings, total_timeout=1.0) as f:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="1 s wall-clock cap") as info:
            f.fetch(http_server.url + "/drip")
        assert time.monotonic() - started < 1.8
        assert info.value.retryable


def test_the_connect_timeout_is_at_most_five_seconds():
    from tracker.feeds.fetch import MAX_CONNECT_TIMEOUT

    assert MAX_CONNECT_TIMEOUT == 5.0


def test_redirects_report_a_permanent_url_only_when_every_hop_is_permanent(http_server, fetcher):
    http_server.respond("/old", (301, {"Location": "/moved"}, b""))
    http_server.respond("/moved", (302, {"Location": "/feed"}, b""))
    http_server.serve("/feed", FEED)
    got = fetcher.fetch(http_server.url + "/old")
    assert got.permanent_url == http_server.url + "/moved"  # the 301's target; the 302 after it is temporary
    assert got.final_url == http_server.url + "/feed" and [s for s, _ in got.redirects] == [301, 302]


def test_410_is_gone_and_asks_to_disable(http_server, fetcher):
    http_server.respond("/gone", (410, {}, b""))
    with pytest.raises(FeedGone) as info:
        fetcher.fetch(http_server.url + "/gone")
    assert info.value.gone and not info.value.retryable


# --------------------------------------------------------------------------- issue 6: parse safety and encodings


def test_billion_laughs_is_refused_before_feedparser_sees_it():
    from test_fetch_hostile import LAUGHS

    started = time.monotonic()
    with pytest.raises(ParseError, match="declares XML entities"):
        parse(LAUGHS.encode(), "u")
    assert time.monotonic() - started < 0.1


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r/>',
        '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY % p SYSTEM "http://x/">\n]><r/>',
        "<!doctype r [<!entity a 'b'>]><r/>",
    ],
)
def test_any_entity_declaration_in_a_doctype_is_refused(text):
    with pytest.raises(ParseError):
        check_safe(text, "u")


def test_a_doctype_without_entities_and_entity_text_without_a_doctype_are_fine():
    check_safe('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/rss-0.91.dtd"><rss/>', "u")
    check_safe("<rss><item><description><![CDATA[write <!ENTITY x 'y'> to declare]]></description></item></rss>", "u")


def test_utf7_cannot_smuggle_an_entity_declaration():
    body = b'<?xml version="1.0" encoding="utf-7"?>+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY a +ACI-b+ACI-+AD4-+AF0-+AD4-<rss/>'
    text = decode(body)[0].decode()
    assert "<!ENTITY" in text
    with pytest.raises(ParseError, match="declares XML entities"):
        parse(body, "u")


RU = (
    '<rss version="2.0"><channel><item><title>Стороны договорились о перемирии в Алеппо</title>'
    "<description>Гуманитарная пауза продлится 48 часов, сообщили в министерстве обороны.</description></item></channel></rss>"
)
HE = (
    '<rss version="2.0"><channel><item><title>הפסקת אש בעזה תיכנס לתוקף הלילה</title>'
    "<description>לפי ההסכם, ההפוגה ההומניטרית תימשך ארבעים ושמונה שעות.</description></item></channel></rss>"
)


@pytest.mark.parametrize(
    "body,content_type,title,encoding",
    [
        ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><item><title>café</title></item></channel></rss>'.encode("latin-1"), None, "café", "cp1252"),
        (RU.encode("cp1251"), None, "Стороны договорились", "cp1251"),
        (HE.encode("cp1255"), None, "הפסקת אש", "cp1255"),
        (RU.encode("cp1251"), "application/rss+xml; charset=utf-8", "Стороны договорились", "cp1251"),
        (b'<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><item><title>ascii only</title></item></channel></rss>', None, "ascii only", "utf-8"),
        ('<?xml version="1.0"?><rss version="2.0"><channel><item><title>Größe</title></item></channel></rss>'.encode(), "text/xml; charset=iso-8859-1", "Größe", "utf-8"),
    ],
)
def test_wrong_or_missing_declarations_decode_to_the_right_text(body, content_type, title, encoding):
    parsed = parse(body, "u", content_type)
    assert parsed.articles[0].title.startswith(title) and parsed.encoding == encoding


def test_identity_dedupes_by_guid_and_by_link_within_a_feed():
    body = b"""<rss version="2.0"><channel><title>t</title>
      <item><guid>g1</guid><title>First</title><link>https://x.example/1</link></item>
      <item><guid>g2</guid><title>First, new guid</title><link>https://x.example/1</link></item>
      <item><guid>g1</guid><title>First again</title></item>
      <item><title>No guid</title><link>https://x.example/2</link></item>
      <item><title>No guid, same link</title><link> https://x.example/2 </link></item>
      <item></item>
    </channel></rss>"""
    parsed = parse(body, "u")
    assert [a.key for a in parsed.articles] == ["g1", "https://x.example/2"]
    assert parsed.duplicates == 3


def test_every_tracker_error_survives_pickling_with_its_attributes():
    """The poller's worker processes send errors back to the parent."""
    import pickle

    from tracker.errors import ConfigError, FetchError, ParseError, StoreError
    from tracker.feeds.fetch import AddressBlocked, FetchFailed

    for error in (
        ParseError("https://x.example/feed", "not a feed"),
        FetchError("https://x.example/feed", "refused"),
        ConfigError("/etc/config.toml", ["a: is required", "b: must be an integer"]),
        StoreError("database error"),
        FetchFailed("https://x.example/feed", "HTTP 503", status=503, retryable=True, retry_after=30.0, host="x.example"),
        AddressBlocked("https://x.example/feed", "x.example", "127.0.0.1", "loopback", None),
    ):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.__dict__ == error.__dict__
