"""Feed bytes -> articles, through feedparser.

Pure: no I/O. feedparser is only ever handed bytes, never a URL, so it cannot fetch
anything itself. Identity of an entry: guid, else link, else a hash of title and text.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime

import feedparser

from ..errors import ParseError
from ..types import Article, ParsedFeed

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|br|div|li|h[1-6]|blockquote|tr)\b[^>]*>", re.I)
_SPACE = re.compile(r"[ \t\u00a0\u2060\u200b\u200c]+")
_LINES = re.compile(r"\s*\n\s*")


def html_to_text(value: str) -> str:
    """Strip markup, keep paragraph breaks as newlines, unescape entities. Pure."""
    value = _BLOCK.sub("\n", value)
    value = _TAG.sub("", value)
    value = html.unescape(value)
    value = _SPACE.sub(" ", value)
    return _LINES.sub("\n", value).strip()


def _entry_text(entry) -> str:
    # content:encoded / atom:content carry the full text; summary is the fallback.
    parts = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    if not parts and entry.get("summary"):
        parts = [entry["summary"]]
    return html_to_text("\n".join(parts))


def _published(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain lookup: skips feedparser's deprecated key aliasing
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError):
                continue
    return None


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def parse(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse feed bytes. Raises ParseError for something that is not a feed.

    A feed with recoverable errors (bozo with entries) is returned with `warning` set.
    """
    if not body.strip():
        raise ParseError(url, "the response is empty, not a feed")
    headers = {"content-type": content_type} if content_type else None
    # sanitize_html / resolve_relative_uris cost time and we only extract text.
    d = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    version = d.get("version") or ""
    if not d.entries and (d.bozo or not version):
        reason = getattr(d.get("bozo_exception"), "getMessage", lambda: None)() or str(d.get("bozo_exception") or "")
        looks_html = body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))
        what = "an HTML page" if looks_html else "not a feed"
        raise ParseError(url, f"{what}{': ' + reason if reason else ''} (no RSS or Atom entries found)")
    warning = None
    if d.bozo:
        exc = d.get("bozo_exception")
        warning = f"feed is not well-formed, kept what could be read: {exc}"
    articles: list[Article] = []
    seen: set[str] = set()
    for entry in d.entries:
        title = html_to_text(entry.get("title", "") or "")
        text = _entry_text(entry)
        link = (entry.get("link") or "").strip() or None
        chash = content_hash(title, text)
        key = (entry.get("id") or "").strip() or link or f"sha256:{chash}"
        if key in seen:  # a guid repeated inside one feed: keep the first
            continue
        seen.add(key)
        articles.append(Article(key=key, title=title, link=link, published=_published(entry), text=text, content_hash=chash))
    title = html_to_text(d.feed.get("title", "") or "") or None
    return ParsedFeed(title=title, articles=tuple(articles), warning=warning)
