"""Feed bytes -> articles, through feedparser.

Pure: no I/O. feedparser is only ever handed bytes, never a URL, so it cannot fetch
anything itself. Identity of an entry: guid, else link, else a hash of title and text;
guid and link for entries of a CMS that reuses one guid for different stories.

Before feedparser sees a document it is decoded to UTF-8 here (feedparser's detection,
corrected where it is known to be wrong: see `decode`) and refused if it declares XML
entities (`check_safe`), so what feedparser parses is exactly what was checked.
Uses feedparser.encodings.convert_to_utf8, an internal of feedparser 6 (pinned < 7).
"""

from __future__ import annotations

import calendar
import codecs
import hashlib
import html
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import charset_normalizer
import feedparser
from feedparser.encodings import convert_to_utf8
from feedparser.exceptions import CharacterEncodingOverride, CharacterEncodingUnknown, NonXMLContentType

from ..errors import ParseError
from ..types import Article, ParsedFeed, guid_key

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(p|br|div|li|h[1-6]|blockquote|tr)\b[^>]*>", re.I)
_SPACE = re.compile(r"[ \t\u00a0\u2060\u200b\u200c]+")
_LINES = re.compile(r"\s*\n\s*")
#: C0 controls but tab, newline and return: XML forbids them, a broken feed still carries
#: them, and PostgreSQL refuses a NUL in text (the whole feed's transaction with it).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(value: str | None) -> str | None:
    """A link or guid without control characters or surrounding space; None when empty."""
    return _CONTROLS.sub("", value or "").strip() or None


def html_to_text(value: str) -> str:
    """Strip markup, keep paragraph breaks as newlines, unescape entities. Pure."""
    value = _BLOCK.sub("\n", value)
    value = _TAG.sub("", value)
    value = _CONTROLS.sub("", html.unescape(value))
    value = _SPACE.sub(" ", value)
    return _LINES.sub("\n", value).strip()


def _entry_text(entry) -> str:
    # content:encoded / atom:content carry the full text; summary is the fallback.
    parts = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    if not parts and entry.get("summary"):
        parts = [entry["summary"]]
    return html_to_text("\n".join(parts))


#: Dates outside these bounds are a CMS's filler, not a publication time: before 1900
#: (year 1, "0000"), the Unix epoch's day (a zero timestamp, in any time zone), or more
#: than FUTURE_SLACK after `now` (year 9999; a clock a day ahead is still believed).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def implausible(when: datetime, now: datetime | None) -> str | None:
    """Why `when` cannot be when an entry was published, or None when it can. Pure."""
    if when < EARLIEST:
        return "before 1900"
    if abs(when - EPOCH) <= timedelta(days=1):
        return "the Unix epoch, a zero date"
    if now is not None and when > now + FUTURE_SLACK:
        return "more than a day ahead"
    return None


def _published(entry, now: datetime | None) -> tuple[datetime | None, str | None]:
    """The entry's first plausible date (published, else updated, else created), and a
    note when it carried only implausible ones (it is then undated)."""
    note = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain lookup: skips feedparser's deprecated key aliasing
        if value:
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                note = note or f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d} (out of range)"
                continue
            why = implausible(when, now)
            if why is None:
                return when, None
            note = note or f"{when:%Y-%m-%d} ({why})"
    return None, note


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Parsed(ParsedFeed):
    """A ParsedFeed plus what the poll policy and the logs want to know.

    ttl_seconds  RSS <ttl> (minutes in the feed) in seconds: a floor on the next poll
    encoding     the Python codec the text was decoded with (e.g. "cp1255" for windows-1255)
    duplicates   entries dropped because their guid or link repeated an earlier entry
    reused_guids entries that share a guid with another entry of a different link and
                 title (told apart by guid and link: see `parse`)
    undated      entries whose only dates were implausible (read as undated)
    """

    ttl_seconds: int | None = None
    encoding: str | None = None
    duplicates: int = 0
    reused_guids: int = 0
    undated: int = 0


# --------------------------------------------------------------------------- safety

# An entity declaration is only meaningful inside a DOCTYPE. feedparser's own DOCTYPE
# filter anchors on line starts, so a billion-laughs DOCTYPE on the same line as the
# XML declaration reaches expat and is expanded. We refuse any document that has both,
# looking at the DECODED text (so UTF-16, UTF-7 or EBCDIC spellings cannot hide one).
_DOCTYPE = re.compile(r"<!\s*DOCTYPE", re.I)
_ENTITY = re.compile(r"<!\s*ENTITY", re.I)


#: feedparser spends ~10 us per element: 10 MiB of `<x/>` is 2.6 M elements and ~27 s of
#: CPU. Real feeds carry one '<' per 20-50 bytes (a 10 MiB feed: ~300 000), so a document
#: with more is refused before parsing; the worst accepted parse costs a few seconds.
MAX_TAGS = 400_000


def check_safe(text: str, url: str) -> None:
    """Raise ParseError when the document declares entities or is an element flood. Pure."""
    if _DOCTYPE.search(text) and _ENTITY.search(text):
        raise ParseError(url, "refused: the document declares XML entities (<!ENTITY> in a DOCTYPE), "
                              "which can expand to gigabytes (billion laughs); feeds do not need them")
    tags = text.count("<")
    if tags > MAX_TAGS:
        raise ParseError(url, f"refused: {tags} tags, more than the {MAX_TAGS} a feed needs (an element flood costs seconds of CPU per poll)")


# --------------------------------------------------------------------------- encodings

_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_SINGLE_BYTE_FALLBACKS = {"cp1252", "iso8859-2", "iso8859-1", "ascii"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str | None = None) -> tuple[bytes, str | None, str | None]:
    """Feed bytes -> (UTF-8 bytes with a utf-8 XML declaration, encoding used, warning). Pure.

    A byte-order mark or the NUL pattern of UTF-16/32 wins over any declaration (a
    "utf-8" declaration on UTF-16 bytes). Otherwise feedparser's own detection (RFC 3023:
    HTTP charset, XML declaration, then utf-8, windows-1252, iso-8859-2) is kept where it
    is right, and corrected where it is known to go wrong:
    - bytes that are valid UTF-8 (and not ASCII) decoded as a single-byte charset because a
      server or a declaration said so: they are UTF-8;
    - a declared encoding that failed and fell back to windows-1252: charset-normalizer
      decides among the encodings that decode the bytes (windows-1255 Hebrew, windows-1251
      Russian...), keeping feedparser's pick when it is as plausible, or when there are
      fewer than MIN_BYTES_TO_DETECT non-ASCII bytes to judge by;
    - the HTTP charset and the XML declaration disagree and both decode: charset-normalizer
      breaks the tie (a server-wide iso-8859-1 default on a windows-1251 feed).
    """
    unicode = _sniff_unicode(body)
    if unicode is not None:
        codec, skip = unicode
        try:
            text = body[skip:].decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            m = _XML_DECL_TEXT_ENCODING.match(text)
            declared = _codec(m.group(1)) if m else None
            family = codec.split("-")[0].replace("_", "")
            lie = declared and not declared.replace("_", "").startswith(family)
            return _reencode(text), codec, f"declared {declared}, but the bytes are {codec}" if lie else None
    headers = {"content-type": content_type} if content_type else {}
    result: dict = {}
    data = convert_to_utf8(headers, body, result)
    chosen = _codec(result.get("encoding"))
    error = result.get("bozo_exception")
    warning = f"{error}" if error is not None and not isinstance(error, NonXMLContentType) else None
    if warning and "declared as us-ascii" in warning and not _http_charset(content_type):
        warning = None  # RFC 3023's default for text/xml without a charset, not the publisher's claim
    if chosen is None:  # nothing decoded it
        return data, None, warning
    raw = body[3:] if body.startswith(codecs.BOM_UTF8) else body
    if chosen != "utf-8" and chosen in _SINGLE_BYTE_FALLBACKS | _declared_single_byte(body, content_type) and not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return _reencode(raw.decode("utf-8")), "utf-8", f"declared or served as {chosen}, but the bytes are UTF-8"
    if raw.isascii():
        return data, chosen, warning
    if isinstance(error, (CharacterEncodingOverride, CharacterEncodingUnknown)):
        better = _detect(raw, chosen)
        if better and better != chosen:
            try:
                return _reencode(raw.decode(better)), better, f"encoding not declared correctly; detected {better}"
            except UnicodeDecodeError:
                pass
    http_cs, xml_cs = _http_charset(content_type), _xml_charset(body)
    if http_cs and xml_cs and http_cs != xml_cs and chosen in (http_cs, xml_cs):
        # The server's charset and the document's own declaration disagree (a server-wide
        # default is the usual culprit): let detection break the tie between the two.
        other = xml_cs if chosen == http_cs else http_cs
        try:
            text = raw.decode(other)
        except UnicodeDecodeError:
            return data, chosen, warning
        if _detect(raw, chosen, among=(chosen, other)) == other:
            return _reencode(text), other, f"served as {http_cs} but declared {xml_cs}; the bytes are {other}"
    return data, chosen, warning


_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_XML_DECL_TEXT_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _sniff_unicode(body: bytes) -> tuple[str, int] | None:
    """A byte-order mark, or the NUL pattern of UTF-16/32 text: (codec, bytes to skip).

    Either is authoritative over any declaration (XML 1.0 appendix F): a document whose
    declaration says utf-8 but whose bytes are UTF-16 is UTF-16. Pure."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    head = body[:256]
    if len(head) < 8 or b"\0" not in head[:8]:
        return None
    if head[:4] == b"\0\0\0<":
        return "utf-32-be", 0
    if head[:4] == b"<\0\0\0":
        return "utf-32-le", 0
    even, odd = head[0::2], head[1::2]
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be", 0
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le", 0
    return None


def _declared_single_byte(body: bytes, content_type: str | None) -> set[str]:
    names = {_http_charset(content_type), _xml_charset(body)}
    return {n for n in names if n and n.startswith(("iso8859", "cp125", "latin", "windows", "koi8", "mac"))}


def _xml_charset(body: bytes) -> str | None:
    m = _XML_DECL_ENCODING.match(body[3:] if body.startswith(codecs.BOM_UTF8) else body)
    return _codec(m.group(1).decode("ascii")) if m else None


def _http_charset(content_type: str | None) -> str | None:
    if not content_type or "charset=" not in content_type.lower():
        return None
    return _codec(content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'"))


#: Below this many non-ASCII bytes, statistical detection is a coin toss: keep feedparser's pick.
MIN_BYTES_TO_DETECT = 32


def _detect(raw: bytes, chosen: str, among: tuple[str, ...] | None = None) -> str | None:
    """charset-normalizer's pick, unless feedparser's choice is as plausible.

    feedparser's choice is kept when it is among the least chaotic candidates, when one of
    those decodes the bytes to the same text (cp1250 and cp1252 agree on 'café'), or when
    there are too few non-ASCII bytes to judge. `among` restricts the candidates."""
    if sum(b > 0x7F for b in raw) < MIN_BYTES_TO_DETECT:
        return chosen
    matches = list(charset_normalizer.from_bytes(raw, cp_isolation=list(among) if among else None))
    if not matches:
        return chosen
    plausible = [_codec(m.encoding) for m in matches if m.chaos <= matches[0].chaos]
    if chosen in plausible:
        return chosen
    try:
        mine = raw.decode(chosen)
    except (UnicodeDecodeError, LookupError):
        return plausible[0]
    for other in plausible:
        try:
            if other and raw.decode(other) == mine:
                return chosen
        except (UnicodeDecodeError, LookupError):
            continue
    return plausible[0]


def _reencode(text: str) -> bytes:
    decl = "<?xml version='1.0' encoding='utf-8'?>"
    text = text.lstrip("\ufeff")
    if _XML_DECL_TEXT.match(text):
        text = _XML_DECL_TEXT.sub(decl, text, count=1)
    else:
        text = decl + "\n" + text
    return text.encode("utf-8")


_XML_DECL_TEXT = re.compile(r"^<\?xml[^>]*?>")


# --------------------------------------------------------------------------- parse


def _looks_html(text: bytes, content_type: str | None) -> bool:
    head = text.lstrip()[:512].lower()
    if head.startswith(b"<?xml"):
        head = head.split(b"?>", 1)[-1].lstrip()
    return head.startswith((b"<!doctype html", b"<html")) or (content_type or "").lower().startswith("text/html")


def _ttl_seconds(feed) -> int | None:
    value = str(feed.get("ttl") or "").strip()
    return int(value) * 60 if value.isdigit() and 0 < int(value) < 100_000 else None


def parse(body: bytes, url: str, content_type: str | None = None, now: datetime | None = None) -> Parsed:
    """Parse feed bytes. Raises ParseError for something that is not a feed, or is hostile.

    A feed with recoverable errors (bozo with entries) is returned with `warning` set.
    Entries are deduplicated within the feed (the first one wins) when they repeat a link,
    or a guid with the same title or without a link to tell them apart. Entries that share
    a guid but have different links and different titles are different stories from a CMS
    that reuses guids: each is kept, keyed by `guid_key`, and counted in `reused_guids` and
    the warning. A date before 1900, on
    the Unix epoch's day or more than a day after `now` is dropped (the entry is undated:
    the store reads it as of when it was first seen), counted in `undated` and the
    warning. Entries with no title, text or link (a truncated document's debris) are
    dropped.
    """
    if not body.strip():
        raise ParseError(url, "the response is empty, not a feed")
    data, encoding, enc_warning = decode(body, content_type)
    check_safe(data.decode("utf-8", "replace"), url)
    # sanitize_html / resolve_relative_uris cost time and we only extract text. feedparser
    # is handed UTF-8 bytes (never a URL or a path), so it cannot fetch anything itself.
    d = feedparser.parse(
        data,
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = d.get("version") or ""
    entries: list[tuple[str | None, Article]] = []  # (guid, article keyed guid, else link, else hash)
    by_guid: dict[str, list[int]] = {}  # guid -> the entries kept with it
    seen_keys: set[str] = set()
    seen_links: set[str] = set()
    duplicates = 0
    undated: list[str] = []
    for entry in d.entries:
        title = html_to_text(entry.get("title", "") or "")
        text = _entry_text(entry)
        link = _clean(entry.get("link"))
        guid = _clean(entry.get("id"))
        if not (title or text or link):
            continue
        chash = content_hash(title, text)
        key = guid or link or f"sha256:{chash}"
        if link and link in seen_links:  # repeated, or a new guid for the same link
            duplicates += 1
            continue
        if key in seen_keys:
            # a link that is the guid itself (feedparser's reading of a permalink guid) tells nothing apart
            other = [entries[i][1] for i in by_guid.get(key, ())]
            if guid is None or link in (None, guid) or any(a.title == title or a.link in (None, guid) for a in other):  # the same story again
                duplicates += 1
                continue
        seen_keys.add(key)
        if link:
            seen_links.add(link)
        published, note = _published(entry, now)
        if note:
            undated.append(f"{key!r} dated {note}")
        if guid:
            by_guid.setdefault(guid, []).append(len(entries))
        entries.append((guid, Article(key=key, title=title, link=link, published=published, text=text, content_hash=chash)))
    reused = {g for g, idx in by_guid.items() if len(idx) > 1}
    articles = [replace(a, key=guid_key(g, a.link, a.content_hash)) if g in reused else a for g, a in entries]
    reused_count = sum(len(by_guid[g]) for g in reused)
    bozo = d.get("bozo_exception") if d.bozo else None
    reason = _reason(bozo)
    if not articles and (bozo is not None or not version):
        if _looks_html(body, content_type):
            what = "an HTML page, not a feed"
        elif d.entries:
            what = "not a usable feed: its entries are empty (a truncated or ill-formed document)"
        else:
            what = "not a feed"
        raise ParseError(url, f"{what}{': ' + reason if reason else ''} (no RSS or Atom entries found)")
    warnings = [w for w in (enc_warning, bozo and f"feed is not well-formed, kept what could be read: {reason}") if w]
    if reused:
        warnings.append(
            f"guid reused: {reused_count} entries share {len(reused)} guid(s) ({', '.join(sorted(reused)[:3])}) "
            "with different links and titles; kept apart by guid and link"
        )
    if undated:
        more = f" and {len(undated) - 3} more" if len(undated) > 3 else ""
        warnings.append(f"implausible date dropped, read as undated (when first seen): {', '.join(undated[:3])}{more}")
    title = html_to_text(d.feed.get("title", "") or "") or None
    return Parsed(
        title=title,
        articles=tuple(articles),
        warning="; ".join(warnings) or None,
        ttl_seconds=_ttl_seconds(d.feed),
        encoding=encoding,
        duplicates=duplicates,
        reused_guids=reused_count,
        undated=len(undated),
    )


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    get = getattr(exc, "getMessage", None)
    text = get() if callable(get) else str(exc)
    line = getattr(exc, "getLineNumber", None)
    if callable(line):
        text = f"{text} (line {line()})"
    return text
