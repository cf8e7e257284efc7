"""OPML import/export: nested outlines, names, hostile documents, and a round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.config import FeedSettings
from tracker.feeds.opml import OPMLError, parse_opml, to_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="News">
      <outline text="Al Jazeera" title="Al Jazeera: all" type="rss" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
      <outline text="Regional">
        <outline text="ReliefWeb updates" type="rss" xmlUrl="https://reliefweb.int/updates/rss.xml" htmlUrl="https://reliefweb.int"/>
      </outline>
    </outline>
    <outline type="rss" xmlurl="http://feeds.example.org/un.xml"/>
    <outline text="Same again" xmlUrl="https://reliefweb.int/updates/rss.xml"/>
    <outline text="A local file" xmlUrl="file:///etc/passwd"/>
    <outline text="Just a link" htmlUrl="https://example.org/"/>
  </body>
</opml>"""


def test_nested_outlines_are_flattened_with_names():
    assert parse_opml(NESTED) == [
        ("https://www.aljazeera.com/xml/rss/all.xml", "Al Jazeera: all"),  # title wins over text
        ("https://reliefweb.int/updates/rss.xml", "ReliefWeb updates"),  # text when no title
        ("http://feeds.example.org/un.xml", "feeds.example.org"),  # host when neither
    ]


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"<rss version='2.0'><channel/></rss>", "not an OPML document"),
        (b"<opml version='2.0'><head/></opml>", "without a <body>"),
        (b"<opml version='2.0'><body><outline text='x'/></body></opml>", "no feeds found"),
        (b"<opml><body><outline", "not well-formed"),
        (b"", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<opml><body><outline title="&b;" xmlUrl="https://x.example/f"/></body></opml>',
            "declares entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline title="&x;" xmlUrl="https://x.example/f"/></body></opml>',
            "declares entities",
        ),
    ],
)
def test_documents_that_cannot_be_imported_say_why(data, reason):
    with pytest.raises(OPMLError, match=reason):
        parse_opml(data)


def test_export_lists_every_feed_and_reads_back():
    feeds = [FeedSettings("https://a.example/feed.xml", "A & B <news>", 900), FeedSettings("http://b.example/rss", "Бюллетень", 3600)]
    data = to_opml(feeds)
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">')
    assert parse_opml(data) == [("https://a.example/feed.xml", "A & B <news>"), ("http://b.example/rss", "Бюллетень")]


def test_characters_xml_cannot_carry_are_dropped_from_names():
    assert parse_opml(to_opml([("https://a.example/f", "bell\x07 and nul\x00")])) == [("https://a.example/f", "bell and nul")]


names = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="\t\n\r"), min_size=1, max_size=40).filter(lambda s: s.strip())
urls = st.from_regex(r"https?://[a-z]{1,12}\.example/[a-z0-9/._-]{0,20}", fullmatch=True)


@given(st.lists(st.tuples(urls, names), max_size=8, unique_by=lambda f: f[0]))
def test_round_trip(feeds):
    if not feeds:
        return
    assert parse_opml(to_opml(feeds)) == [(u, n.strip()) for u, n in feeds]
