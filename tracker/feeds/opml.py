"""OPML import and export of the feed list.

Pure: bytes in, data out (and back). Parsed with defusedxml, so a document that declares
entities or loads anything external is refused (OPMLError), not expanded. Does not read
files, does not touch the store: `tracker feeds import/export` does that.

    parse_opml(data) -> [(url, name), ...]     nested outlines flattened, first URL wins
    to_opml([(url, name), ...] or objects with .url and .name) -> bytes
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from urllib.parse import urlsplit

import defusedxml
import defusedxml.ElementTree as SafeET

from ..errors import ParseError

__all__ = ["OPMLError", "parse_opml", "to_opml"]

# Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class OPMLError(ParseError):
    """An OPML document that cannot be imported (not OPML, ill-formed, hostile, no feeds)."""

    def __init__(self, reason: str, source: str = "OPML"):
        super().__init__(source, reason)


def _attr(el: ET.Element, name: str) -> str | None:
    """An attribute by case-insensitive name (exports spell xmlUrl as xmlurl or XMLURL)."""
    for key, value in el.attrib.items():
        if key.lower() == name.lower():
            return value
    return None


def parse_opml(data: bytes, source: str = "OPML") -> list[tuple[str, str]]:
    """The feeds of an OPML document as (url, name), in document order.

    Every <outline> with an xmlUrl counts, however deeply nested (categories are
    flattened). The name is title, else text, else the URL's host. Only http and https
    URLs are taken (a file path or other scheme in someone else's OPML is skipped: local
    files are for config.toml). A URL listed twice is kept once. Raises OPMLError.
    """
    try:
        root = SafeET.fromstring(data)
    except defusedxml.DefusedXmlException as e:
        raise OPMLError(f"refused: the document declares entities or loads external resources ({type(e).__name__})", source) from e
    except ET.ParseError as e:
        raise OPMLError(f"not well-formed XML: {e}", source) from e
    tag = root.tag.rsplit("}", 1)[-1].lower()
    if tag != "opml":
        raise OPMLError(f"not an OPML document (the root element is <{root.tag}>, not <opml>)", source)
    body = next((el for el in root if el.tag.rsplit("}", 1)[-1].lower() == "body"), None)
    if body is None:
        raise OPMLError("an OPML document without a <body>", source)
    feeds: list[tuple[str, str]] = []
    seen: set[str] = set()
    for el in body.iter():
        if el.tag.rsplit("}", 1)[-1].lower() != "outline":
            continue
        url = (_attr(el, "xmlUrl") or "").strip()
        if not url or urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
            continue
        if url in seen:
            continue
        seen.add(url)
        name = (_attr(el, "title") or "").strip() or (_attr(el, "text") or "").strip() or (urlsplit(url).hostname or url)
        feeds.append((url, name))
    if not feeds:
        raise OPMLError("no feeds found (no <outline> with an http(s) xmlUrl)", source)
    return feeds


def to_opml(feeds: Iterable, title: str = "pause-tracker feeds") -> bytes:
    """An OPML 2.0 document listing `feeds`: (url, name) pairs or objects with .url and .name.

    Characters XML cannot carry are dropped from names; everything else round-trips
    through parse_opml. Deterministic (no date), so exports diff cleanly."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _NOT_XML.sub("", title)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        url, name = (feed.url, feed.name) if hasattr(feed, "url") else feed
        name = _NOT_XML.sub("", name)
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=_NOT_XML.sub("", url))
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"
