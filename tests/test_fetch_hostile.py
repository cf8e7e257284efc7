"""Hostile and broken feeds served by the real local HTTP server: one parametrised row each.

Each row is `input -> expected behaviour`. A "poll" here is what the pipeline does with a
feed: fetch (tracker.feeds.fetch) then parse (tracker.feeds.parse); every failure must
leave as a TrackerError with a clear reason, never as anything that would stop a daemon.
Every real-world file in ../shared/data/feeds/ is one row (skipped when ../shared is absent).

benchmarks/hostile_feeds.py runs the same CASES and prints time and memory per case.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path

import pytest
from servers import RESET, LocalHTTPServer, Stream

from tracker.config import FetchSettings
from tracker.errors import ParseError, TrackerError
from tracker.feeds.fetch import BodyTooLarge, FeedGone, Fetched, Fetcher, FetchFailed, RateLimited
from tracker.feeds.parse import Parsed, parse

ROOT = Path(__file__).resolve().parent.parent
SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"

CAP = 2 * 1024 * 1024  # max_bytes for the suite: above the largest real file (911 KB)
TOTAL = 2.0  # wall-clock cap per fetch for the suite, seconds
READ = 1.0  # read timeout: a drip faster than this defeats it; the wall-clock cap must not


def make_fetcher(**overrides) -> Fetcher:
    settings = FetchSettings(connect_timeout=2, read_timeout=READ, max_bytes=CAP, allow_private_networks=True)
    return Fetcher(settings, total_timeout=overrides.pop("total_timeout", TOTAL), **overrides)


# --------------------------------------------------------------------------- inputs


def rss(*items: str, extra: str = "", decl: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    body = "".join(items)
    return f'{decl}\n<rss version="2.0"><channel><title>t</title>{extra}{body}</channel></rss>'.encode()


def item(guid: str | None, title: str, link: str | None = None) -> str:
    g = f"<guid>{guid}</guid>" if guid else ""
    lk = f"<link>{link}</link>" if link else ""
    return f"<item>{g}<title>{title}</title>{lk}<description>about {title}</description></item>"


GOOD = rss(item("a", "A ceasefire in Aleppo"), item("b", "Aid corridor opens"))

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>'
)


@cache
def gzip_bomb(members: int = 64) -> bytes:
    """~1 MB of gzip that inflates to `members` x 16 MiB of zeros (1 GiB by default)."""
    return gzip.compress(b"\0" * (16 << 20), compresslevel=9) * members


def pieces(data: bytes, size: int = 64 * 1024) -> Callable[[], list[bytes]]:
    return lambda: [data[i : i + size] for i in range(0, len(data), size)]


def endless(block: bytes = b"<!-- " + b"x" * 65000 + b" -->") -> Callable[[], object]:
    def gen():
        while True:
            yield block

    return gen


def real(name: str) -> bytes:
    return (SHARED_FEEDS / name).read_bytes()


CONTENT_TYPES = {".atom": "application/atom+xml", ".rdf": "application/rdf+xml"}


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One row: how the server answers -> what a poll must do.

    setup(server) configures the server and returns the path (or absolute URL) to poll.
    expect: "ingest" (entries, and `title` found in a title or text), "not modified", or an
    exception class; `match` is a regex the outcome's text must match.
    """

    name: str
    setup: Callable[[LocalHTTPServer], str]
    expect: object
    entries: int | None = None
    title: str | None = None
    match: str | None = None
    check: Callable[[object, LocalHTTPServer], None] | None = None
    needs_shared: bool = False
    fetch_kwargs: dict = field(default_factory=dict)


def serve(body: bytes | Callable[[], bytes], ctype: str = "application/rss+xml", **kw) -> Callable[[LocalHTTPServer], str]:
    def setup(server: LocalHTTPServer) -> str:
        server.serve("/feed", body() if callable(body) else body, content_type=ctype, **kw)
        return "/feed"

    return setup


def script(*responses, path: str = "/feed") -> Callable[[LocalHTTPServer], str]:
    def setup(server: LocalHTTPServer) -> str:
        server.respond(path, *[r(server) if callable(r) else r for r in responses])
        return path

    return setup


def redirect_chain(*statuses: int, final: bytes = GOOD) -> Callable[[LocalHTTPServer], str]:
    def setup(server: LocalHTTPServer) -> str:
        for i, status in enumerate(statuses):
            server.respond(f"/hop{i}", (status, {"Location": f"/hop{i + 1}"}, b""))
        server.serve(f"/hop{len(statuses)}", final)
        return "/hop0"

    return setup


def retry_after_date(seconds: int) -> Callable[[LocalHTTPServer], tuple]:
    def response(server: LocalHTTPServer) -> tuple:
        when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
        return (429, {"Retry-After": format_datetime(when, usegmt=True)}, b"slow down")

    return response


def not_modified_on_second_poll(server: LocalHTTPServer) -> str:
    server.serve("/feed", GOOD, etag='W/"v1"', last_modified="Thu, 18 Aug 2016 14:30:00 GMT")
    return "/feed#conditional"  # run_case sends the validators of a first fetch


def no_secret_requested(outcome, server: LocalHTTPServer) -> None:
    assert [r.path for r in server.requests if r.path != "/feed"] == [], "something external was loaded"


def redirected_permanently(expect_permanent: bool) -> Callable:
    def check(outcome, server):
        fetched, _ = outcome
        assert (fetched.permanent_url is not None) is expect_permanent
        assert fetched.final_url and fetched.final_url.endswith(f"/hop{len(fetched.redirects)}")

    return check


def retry_after_between(lo: float, hi: float) -> Callable:
    def check(error, server):
        assert error.retry_after is not None and lo <= error.retry_after <= hi, error.retry_after

    return check


def retryable(expected: bool) -> Callable:
    def check(error, server):
        assert error.retryable is expected

    return check


def with_warning(outcome, server) -> None:
    assert outcome[1].warning


REAL = [
    # (file, entries ingested, a fragment of a correctly decoded title or text; or a refusal)
    ("aljazeera-all-2026-08-13.xml", 25, "Israeli settlers"),
    ("bd24live-bangladesh-english-2026-08-13.xml", 10, "Oil Prices"),
    ("declared-utf16-actually-ascii.xml", 1, "UTF-16 Entry 1"),
    ("gdacs-disaster-alerts-archive-2016-04-09.xml", 100, "flood"),
    ("guardian-global-development-2022-02-07.xml", 53, "Afghan"),
    ("guardian-world-2022-02-07.xml", 44, "Ukraine"),
    ("indianexpress-2017-01-07.xml", 200, "truce"),
    ("indiatoday-home-2026-08-13.xml", 117, "Pakistan soil to hit Afghanistan"),  # 131 items, 14 repeat a link
    ("jagonews-bengali-very-large-2026-08-13.xml", 50, "হালান্ডের"),
    ("malformed-double-xml-decl-prefixed-rss.xml", ParseError, r"not a feed: not well-formed"),
    ("malformed-incomplete-cdata-crlf.xml", ParseError, r"entries are empty \(a truncated"),
    ("mehr-news-english-2026-08-13.xml", 30, "Gaza"),
    ("orf-at-rss10-rdf-bom.rdf", 50, "Walk of Fame"),
    ("retriever-intranet30-swedish-iso8859-1-2018-08-19.xml", 30, "SVART MÅNAD"),
    ("tpm-all-news-atom10-relative-links-2017-11-08.atom", 20, "Hannity"),
    ("uol-noticias-latin1-undeclared-2018-09-24.rss", 15, "simulações"),
    ("windows-1251-russian-declared.xml", 10, "В Бузулуке"),
    ("windows-1255-hebrew-undeclared.xml", 1, "האם תדפיס נייר של אתר אינטרנט"),
]


def _real_case(name: str, expected, fragment: str) -> Case:
    ctype = CONTENT_TYPES.get(Path(name).suffix, "application/rss+xml")
    setup = serve(lambda: real(name), ctype)
    if isinstance(expected, int):
        return Case(f"real: {name}", setup, "ingest", entries=expected, title=fragment, needs_shared=True)
    return Case(f"real: {name}", setup, expected, match=fragment, needs_shared=True)


def _strip_decl(data: bytes) -> bytes:
    return re.sub(rb"^<\?xml[^>]*>", b"", data)


CASES: list[Case] = [
    Case("well-formed RSS", serve(GOOD), "ingest", entries=2, title="Aleppo"),
    Case("conditional GET, unchanged", not_modified_on_second_poll, "not modified"),
    # XML bombs and external loads
    Case("billion laughs, DOCTYPE on the XML declaration's line", serve(LAUGHS.encode()), ParseError, match="declares XML entities"),
    Case("billion laughs, one declaration per line", serve(LAUGHS.replace("<!ENTITY", "\n<!ENTITY").encode()), ParseError, match="declares XML entities"),
    Case("billion laughs in UTF-16", serve(LAUGHS.replace('?xml version="1.0"', '?xml version="1.0" encoding="utf-16"').encode("utf-16")), ParseError, match="declares XML entities"),
    Case(
        "external entity (XXE) pointing at the test server",
        lambda s: serve(f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{s.url}/secret">]><rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>'.encode())(s),
        ParseError,
        match="declares XML entities",
        check=no_secret_requested,
    ),
    Case(
        "external DTD (no entities) is never fetched",
        lambda s: serve(rss(item("a", "Truce"), decl=f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{s.url}/evil.dtd">'))(s),
        "ingest",
        entries=1,
        title="Truce",
        check=no_secret_requested,
    ),
    # size
    Case("gzip bomb, 1 GiB inflated, chunked", script(Stream(200, {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}, pieces(gzip_bomb()))), BodyTooLarge, match="byte cap after decoding"),
    Case("gzip bomb with Content-Length", lambda s: script((200, {"Content-Encoding": "gzip"}, gzip_bomb(8)))(s), BodyTooLarge, match="byte cap"),
    Case("endless chunked body", script(Stream(200, {"Content-Type": "application/rss+xml"}, endless())), BodyTooLarge, match="byte cap"),
    Case("Content-Length over the cap", script((200, {"Content-Length": str(CAP + 1)}, b"")), BodyTooLarge, match=f"{CAP + 1} bytes"),
    Case("gzip declared, body is not gzip", script((200, {"Content-Encoding": "gzip"}, GOOD)), FetchFailed, match="could not be decoded"),
    # slow servers
    Case("drip body: 1 byte every 0.4 s (read timeout 1 s)", script(Stream(200, {}, lambda: (bytes([b]) for b in GOOD), interval=0.4)), FetchFailed, match="wall-clock cap", check=retryable(True)),
    Case("drip headers: 1 byte every 0.4 s", script(Stream(200, {"Content-Type": "application/rss+xml"}, [GOOD], interval=0.4, drip_headers=True)), FetchFailed, match="wall-clock cap"),
    Case("no answer at all (read timeout)", lambda s: (s.delay("/feed", 5), serve(GOOD)(s))[1], FetchFailed, match="timed out", check=retryable(True)),
    # broken connections and status codes
    Case("connection reset", script(RESET), FetchFailed, match="could not connect|connection", check=retryable(True)),
    Case("body shorter than Content-Length", script(Stream(200, {"Content-Length": "5000"}, [GOOD[:100]], chunked=False)), FetchFailed, match="broke|could not connect", check=retryable(True)),
    Case("HTTP 500", script((500, {}, b"oops")), FetchFailed, match="HTTP 500", check=retryable(True)),
    Case("HTTP 503 without Retry-After", script((503, {}, b"busy")), FetchFailed, match="HTTP 503", check=retryable(True)),
    Case("HTTP 503 Retry-After: 120", script((503, {"Retry-After": "120"}, b"busy")), RateLimited, match="wait 120 s", check=retry_after_between(120, 120)),
    Case("HTTP 429 Retry-After as an HTTP date (+90 s)", script(retry_after_date(90)), RateLimited, match="HTTP 429", check=retry_after_between(85, 91)),
    Case("HTTP 410 Gone", script((410, {}, b"gone")), FeedGone, match="disable it"),
    Case("HTTP 404", script((404, {}, b"nope")), FetchFailed, match="HTTP 404", check=retryable(False)),
    # redirects
    Case("301 -> 308 -> feed", redirect_chain(301, 308), "ingest", entries=2, check=redirected_permanently(True)),
    Case("302 -> feed", redirect_chain(302), "ingest", entries=2, check=redirected_permanently(False)),
    Case("301 -> 307 -> feed", redirect_chain(301, 307), "ingest", entries=2),
    Case("6 redirects", redirect_chain(301, 302, 301, 302, 301, 302), FetchFailed, match="more than 5 redirects"),
    Case("redirect loop", script((302, {"Location": "/feed"}, b"")), FetchFailed, match="more than 5 redirects"),
    Case("redirect without Location", script((301, {}, b"")), FetchFailed, match="without a Location"),
    # not feeds
    Case("HTML page", serve(b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>", "text/html"), ParseError, match="HTML page"),
    Case("empty 200", serve(b""), ParseError, match="empty"),
    Case("JSON", serve(b'{"items": [1, 2, 3]}', "application/json"), ParseError, match="not a feed"),
    Case("binary noise", serve(bytes(range(256)) * 64, "application/octet-stream"), ParseError, match="not a feed"),
    Case("element flood: 2 MiB of <x/> (524 000 elements)", serve(b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<x/>" * (CAP // 4 - 20) + b"</channel></rss>"), ParseError, match="more than the 400000"),
    Case("50 000 nested elements", serve(b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<x>" * 50000 + b"</x>" * 50000 + b"</channel></rss>"), "ingest", entries=0),
    # identity and recoverable errors
    Case("repeated guid and a new guid for the same link", serve(rss(item("g1", "One", "https://x.example/1"), item("g1", "One again"), item("g2", "One, new guid", "https://x.example/1"), item("g3", "Two", "https://x.example/2"))), "ingest", entries=2, title="Two"),
    Case("unescaped & (bozo, entries kept with a warning)", serve(rss(item("a", "Aid & relief"), item("b", "Truce"))), "ingest", entries=2, title="Truce", check=with_warning),
    Case("5 000 items", serve(rss(*[item(f"g{i}", f"Story {i}") for i in range(5000)])), "ingest", entries=5000, title="Story 4999"),
    # encodings
    Case("Latin-1 bytes declared UTF-8", serve(rss(item("a", "café crème")).decode().encode("latin-1")), "ingest", entries=1, title="café crème"),
    Case("UTF-8 served as charset=iso-8859-1", serve(rss(item("a", "Waffenruhe für Aleppo")), "application/rss+xml; charset=iso-8859-1"), "ingest", entries=1, title="Waffenruhe für"),
    Case("UTF-8 BOM, declared iso-8859-1", serve(b"\xef\xbb\xbf" + rss(item("a", "Größe"), decl='<?xml version="1.0" encoding="iso-8859-1"?>')), "ingest", entries=1, title="Größe"),
    Case("UTF-16 LE with BOM, declared utf-8", serve(rss(item("a", "перемирие")).decode().encode("utf-16")), "ingest", entries=1, title="перемирие"),
    Case("UTF-16 BE, no BOM, declared utf-16", serve(rss(item("a", "هدنة"), decl='<?xml version="1.0" encoding="utf-16"?>').decode().encode("utf-16-be")), "ingest", entries=1, title="هدنة"),
]

if SHARED_FEEDS.is_dir():
    CASES += [_real_case(*row) for row in REAL]
    CASES += [
        Case("windows-1251, declaration removed", serve(lambda: _strip_decl(real("windows-1251-russian-declared.xml"))), "ingest", entries=10, title="В Бузулуке", needs_shared=True),
        Case("windows-1251 served as charset=iso-8859-1", serve(lambda: real("windows-1251-russian-declared.xml"), "text/xml; charset=iso-8859-1"), "ingest", entries=10, title="В Бузулуке", needs_shared=True),
    ]
else:
    CASES += [Case(f"real: {row[0]}", serve(b""), "skip", needs_shared=True) for row in REAL]


# --------------------------------------------------------------------------- running a case


def poll(fetcher: Fetcher, url: str, etag: str | None = None, last_modified: str | None = None) -> tuple[Fetched, Parsed | None]:
    fetched = fetcher.fetch(url, etag, last_modified)
    if fetched.not_modified:
        return fetched, None
    return fetched, parse(fetched.body, url, fetched.content_type)


def run_case(case: Case, server: LocalHTTPServer, fetcher: Fetcher, host: str = "127.0.0.1"):
    """Poll the case's URL as the pipeline would. Returns (Fetched, Parsed|None) or the TrackerError."""
    target = case.setup(server)
    url = target if "://" in target else f"http://{host}:{server.port}{target}"
    try:
        if url.endswith("#conditional"):
            url = url[: -len("#conditional")]
            first, _ = poll(fetcher, url)
            return poll(fetcher, url, first.etag, first.last_modified)
        return poll(fetcher, url)
    except TrackerError as e:
        return e


def describe(outcome) -> str:
    """One line: what the poll did."""
    if isinstance(outcome, TrackerError):
        return f"refused: {type(outcome).__name__}: {getattr(outcome, 'reason', outcome)}"
    fetched, parsed = outcome
    if parsed is None:
        return f"not modified ({fetched.status})"
    extra = f", {parsed.duplicates} duplicates dropped" if parsed.duplicates else ""
    extra += f", warning: {parsed.warning[:70]}" if parsed.warning else ""
    return f"ingested {len(parsed.articles)} entries ({parsed.encoding}){extra}"


def assert_outcome(case: Case, outcome, server: LocalHTTPServer) -> None:
    if case.expect == "ingest":
        assert not isinstance(outcome, BaseException), f"expected ingest, got {outcome!r}"
        _, parsed = outcome
        assert parsed is not None and len(parsed.articles) == case.entries
        if case.title:
            assert any(case.title in f"{a.title}\n{a.text}" for a in parsed.articles), [a.title for a in parsed.articles[:5]]
    elif case.expect == "not modified":
        assert not isinstance(outcome, BaseException) and outcome[0].not_modified
    else:
        assert isinstance(outcome, case.expect), f"expected {case.expect.__name__}, got {outcome!r}"
        if case.match:
            assert re.search(case.match, str(outcome)), str(outcome)
    if case.check:
        case.check(outcome, server)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_feed(case: Case):
    if case.expect == "skip":
        pytest.skip("../shared/data/feeds is not present next to the repository")
    with LocalHTTPServer() as server, make_fetcher(**case.fetch_kwargs) as fetcher:
        started = time.monotonic()
        outcome = run_case(case, server, fetcher)
        elapsed = time.monotonic() - started
    assert_outcome(case, outcome, server)
    assert elapsed < TOTAL + 1.5, f"{case.name} took {elapsed:.1f}s"


def test_one_daemon_survives_every_case_in_a_row():
    """One Fetcher, one server, every case back to back, as a long-running daemon sees them.
    Each case is served under its own host name (all resolving to 127.0.0.1), so one
    host's Retry-After hold does not spill over to the next case."""
    runnable = [c for c in CASES if c.expect != "skip"]
    with LocalHTTPServer() as server, make_fetcher(resolver=lambda host, port: ["127.0.0.1"]) as fetcher:
        for i, case in enumerate(runnable):
            server.reset()
            outcome = run_case(case, server, fetcher, host=f"case{i}.test")
            assert isinstance(outcome, (TrackerError, tuple)), case.name
        # and it still fetches a healthy feed afterwards
        server.reset()
        server.serve("/after", GOOD)
        fetched, parsed = poll(fetcher, server.url + "/after")
        assert len(parsed.articles) == 2
