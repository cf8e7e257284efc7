"""Fetching against a real local HTTP server, and parsing real feeds."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import requests

from tracker.config import FetchSettings
from tracker.errors import FetchError, ParseError
from tracker.feeds.fetch import Fetcher
from tracker.feeds.parse import parse

ROOT = Path(__file__).resolve().parent.parent
SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"


@pytest.fixture
def fetcher():
    with requests.Session() as session:
        yield Fetcher(FetchSettings(connect_timeout=2, read_timeout=1, max_bytes=64 * 1024, allow_private_networks=True), session)


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
