"""A feed farm for benchmarks: N feeds x M items of realistic news text, served locally.

    python benchmarks/farm.py serve --feeds 1000 --items 20 [--latency 0.1] [--port 0] [--hosts 0]
    python benchmarks/farm.py sample --feeds 3 --items 5        # print a feed, to look at

Text: the sentences of the real feeds in ../shared/data/feeds (English ones) when they
are present, else generated background sentences; each item is a title and 2-8 HTML
paragraphs (~1.2 KB, like a publisher's summary), a link, a guid and a date. One feed
in PAUSE_EVERY carries an item with a pause sentence (a different place per feed).
Deterministic: the same arguments give the same bytes.

Versions: every feed starts at version 1; `change(ids)` moves feeds to the next version,
which adds one new item on top and drops the oldest, as a publisher does. Of the changed
feeds, one in PAUSE_EVERY gets a new item announcing a pause (the benchmark's webhook
measurement follows those).

The server (127.0.0.1 only, one thread per connection, HTTP/1.1 keep-alive; with
`--hosts N` also on 127.0.0.2 ... 127.0.0.N+1, same port, same feeds and log, so that
real processes, which cannot use the Fetcher's resolver seam, see N publisher hosts):
    GET  /feed/<i>          the feed; ETag per version, If-None-Match -> 304; optional
                            latency (seconds) slept before every answer
    POST /hook              a webhook receiver: records (monotonic time, body)
    POST /_control          JSON {"latency": s, "change": [ids], "reset_log": true,
                            "reset_versions": true (every feed back to version 1)}
    GET  /_log              JSON {"gets": {i: first GET time}, "hooks": [[t, body]], ...}
Times are time.monotonic() of the server process (CLOCK_MONOTONIC: comparable between
processes on one Linux machine).
"""

from __future__ import annotations

import argparse
import glob
import html
import json
import random
import re
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from texts import BACKGROUND  # noqa: E402 - benchmarks run as scripts from their folder

SHARED_FEEDS = ROOT.parent / "shared" / "data" / "feeds"
ENGLISH = ("aljazeera", "bd24live", "guardian", "indianexpress", "indiatoday", "mehr", "tpm")
PAUSE_EVERY = 25  # one feed in 25 carries a pause item
EPOCH = datetime(2024, 6, 10, 6, 0, tzinfo=UTC)
HOSTS = 250  # feeds are spread over this many publisher host names

PLACES = [
    "Khartoum", "Hodeidah", "Gaza", "Aleppo", "Idlib", "Mariupol", "Rafah", "Taiz", "Goma", "Tripoli",
    "Darfur", "Marib", "Kherson", "Homs", "Benghazi", "Mogadishu", "Juba", "Donetsk", "Sanaa", "El Fasher",
]
#: Places of the pauses that changes announce (never used by a feed's first items), so that
#: a change brings a new pause, hence an alert.
NEW_PLACES = [
    "Kharkiv", "Zaporizhzhia", "Bakhmut", "Misrata", "Sirte", "Deir ez-Zor", "Raqqa", "Kismayo", "Bentiu", "Malakal",
    "Nyala", "Kassala", "Tigray", "Mekelle", "Bunia", "Beni", "Jenin", "Sumy", "Odesa", "Kandahar", "Kabul", "Sittwe",
]
PAUSE = [
    "Both sides agreed to a 72-hour ceasefire in {place} starting at 6 a.m. on Saturday, mediators said.",
    "The UN called for an immediate humanitarian pause in {place} to let aid convoys through.",
    "A truce in {place} took effect at midnight local time, the UN envoy said.",
    "The warring parties agreed to a 48-hour humanitarian pause in {place}, the Red Cross said.",
]
_TAG = re.compile(r"<[^>]+>")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def corpus() -> tuple[list[str], list[str]]:
    """(titles, sentences) from the shared English feeds, else the generated background."""
    titles: list[str] = []
    sentences: list[str] = []
    for path in sorted(glob.glob(str(SHARED_FEEDS / "*"))):
        if not Path(path).name.startswith(ENGLISH):
            continue
        text = Path(path).read_text("utf-8", "replace")
        for m in re.finditer(r"<title>(.*?)</title>", text, re.S):
            t = _clean(m.group(1))
            if 20 < len(t) < 140:
                titles.append(t)
        for m in re.finditer(r"<(description|content:encoded|content|summary)[^>]*>(.*?)</\1>", text, re.S):
            for s in _SENTENCE.split(_clean(m.group(2))):
                if 40 < len(s) < 400 and not re.search(r"ceasefire|cease-fire|truce|pause|corridor", s, re.I):
                    sentences.append(s)
    if len(sentences) < 50:
        return [s[:70] for s in BACKGROUND], list(BACKGROUND)
    return sorted(set(titles)), sorted(set(sentences))


def _clean(value: str) -> str:
    value = value.replace("<![CDATA[", "").replace("]]>", "")
    value = html.unescape(html.unescape(value))
    return " ".join(_TAG.sub(" ", value).split())


class Farm:
    """The feeds' content. Pure and deterministic: `body(i)` is built on demand."""

    def __init__(self, feeds: int, items: int, seed: int = 7):
        self.feeds, self.items, self.seed = feeds, items, seed
        self.titles, self.sentences = corpus()
        self.version = [1] * feeds  # version v has items [v - 1, v - 1 + items) of the feed's story list
        self.lock = threading.Lock()

    def host(self, i: int) -> str:
        return f"h{i % HOSTS}.farm.test"

    def has_pause(self, i: int, j: int) -> bool:
        """Item j of feed i announces a pause: the original pause item of one feed in
        PAUSE_EVERY, and each later item of such a feed (so a change brings a new pause)."""
        if i % PAUSE_EVERY:
            return False
        return j == self.items // 2 or j >= self.items

    def place(self, i: int, j: int) -> str:
        if j >= self.items:  # announced by a change
            return NEW_PLACES[(i // PAUSE_EVERY + j - self.items) % len(NEW_PLACES)]
        return PLACES[(i // PAUSE_EVERY + j) % len(PLACES)]

    def item(self, i: int, j: int) -> str:
        rng = random.Random(f"{self.seed}/{i}/{j}")
        title = rng.choice(self.titles)
        paras = []
        for _ in range(rng.randint(2, 5)):
            paras.append(" ".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 3))))
        if self.has_pause(i, j):
            place = self.place(i, j)
            title = f"{place}: {rng.choice(['talks', 'fighting', 'aid'])} latest"
            paras.insert(1, rng.choice(PAUSE).format(place=place))
        desc = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
        when = EPOCH + timedelta(minutes=17 * j + i % 60)
        link = f"https://{self.host(i).replace('farm.test', 'example.org')}/news/{i}/{j}-{title[:30].lower().replace(' ', '-')}"
        return (
            f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f'<guid isPermaLink="false">farm-{i}-{j}</guid><pubDate>{format_datetime(when)}</pubDate>'
            f"<dc:creator>Staff reporter</dc:creator><category>World</category>"
            f"<description>{html.escape(desc)}</description></item>\n"
        )

    def body(self, i: int, version: int | None = None) -> bytes:
        v = self.version[i] if version is None else version
        items = "".join(self.item(i, j) for j in reversed(range(v - 1, v - 1 + self.items)))
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>'
            f"<title>Farm feed {i}</title><link>https://{self.host(i)}/</link>"
            f"<description>News from farm feed {i}</description><language>en</language>\n{items}</channel></rss>\n"
        ).encode()

    def etag(self, i: int) -> str:
        return f'"{i}-v{self.version[i]}"'

    def change(self, ids) -> None:
        with self.lock:
            for i in ids:
                self.version[i] += 1


def changed_ids(feeds: int, fraction: float, seed: int = 11) -> list[int]:
    """Which feeds a `fraction` change touches: deterministic; one in PAUSE_EVERY of them
    is a feed with pauses (its new item announces a pause)."""
    n = max(1, round(feeds * fraction))
    pauses = list(range(0, feeds, PAUSE_EVERY))[: max(1, n // PAUSE_EVERY)]
    others = [i for i in range(feeds) if i % PAUSE_EVERY]
    random.Random(seed).shuffle(others)
    return sorted(pauses + others[: n - len(pauses)])


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a listen backlog of 5 drops SYNs under 32 parallel clients

    def __init__(self, farm: Farm, port: int, cache: bool, address: str = "127.0.0.1"):
        super().__init__((address, port), _Handler)
        self.main = self  # another host's server answers from the first one's state
        self.farm = farm
        self.latency = 0.0
        self.lock = threading.Lock()
        self.gets: dict[int, float] = {}
        self.hooks: list[tuple[float, str]] = []
        self.requests = 0
        self.not_modified = 0
        self.cache: dict[tuple[int, int], bytes] | None = {} if cache else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        now = time.monotonic()
        srv = self.server.main
        if self.path.startswith("/feed/"):
            try:
                i = int(self.path[6:].split("?")[0])
                farm = srv.farm
                version, etag = farm.version[i], farm.etag(i)
            except (ValueError, IndexError):
                return self._send(404, b"no such feed")
            with srv.lock:
                srv.gets.setdefault(i, now)
                srv.requests += 1
            if srv.latency:
                time.sleep(srv.latency)
            if self.headers.get("If-None-Match") == etag:
                with srv.lock:
                    srv.not_modified += 1
                return self._send(304, b"", {"ETag": etag})
            key = (i, version)
            body = srv.cache.get(key) if srv.cache is not None else None
            if body is None:
                body = farm.body(i, version)
                if srv.cache is not None:
                    srv.cache[key] = body
            return self._send(200, body, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag})
        if self.path == "/_log":
            with srv.lock:
                log = {"gets": srv.gets, "hooks": srv.hooks, "requests": srv.requests, "not_modified": srv.not_modified}
                body = json.dumps(log).encode()
            return self._send(200, body, {"Content-Type": "application/json"})
        self._send(404, b"not found")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        now = time.monotonic()
        srv = self.server.main
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/hook":
            with srv.lock:
                srv.hooks.append((now, body.decode("utf-8", "replace")))
            return self._send(200, b"ok")
        if self.path == "/_control":
            ctl = json.loads(body or b"{}")
            with srv.lock:
                if "latency" in ctl:
                    srv.latency = float(ctl["latency"])
                if ctl.get("reset_log"):
                    srv.gets, srv.hooks, srv.requests, srv.not_modified = {}, [], 0, 0
            if ctl.get("reset_versions"):
                with srv.farm.lock:
                    srv.farm.version = [1] * srv.farm.feeds
            if ctl.get("change"):
                srv.farm.change(ctl["change"])
            return self._send(200, b"ok")
        self._send(404, b"not found")


def serve(farm: Farm, port: int = 0, latency: float = 0.0, cache: bool = True, prebuild: float | None = None, ready=sys.stdout, hosts: int = 0) -> None:
    """Serve until killed; prints "PORT <n>" on `ready` once listening. `prebuild` builds
    every body (version 1, and version 2 of changed_ids(prebuild)) before, so that serving
    costs the benchmark's machine no more than copying bytes. `hosts`: also listen on
    127.0.0.2 ... 127.0.0.<hosts + 1>, same port (feed i's host: `host_address(i, hosts)`)."""
    srv = _Server(farm, port, cache)
    srv.latency = latency
    for k in range(hosts):
        extra = _Server(farm, srv.server_address[1], cache=False, address=f"127.0.0.{2 + k}")
        extra.main = srv
        threading.Thread(target=extra.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    if prebuild is not None and srv.cache is not None:
        for i in range(farm.feeds):
            srv.cache[(i, 1)] = farm.body(i, 1)
        for i in changed_ids(farm.feeds, prebuild):
            srv.cache[(i, 2)] = farm.body(i, 2)
    print(f"PORT {srv.server_address[1]}", file=ready, flush=True)
    srv.serve_forever(poll_interval=0.2)


def host_address(i: int, hosts: int) -> str:
    """The address feed i is served on by `serve(hosts=...)`: 127.0.0.1 without hosts."""
    return f"127.0.0.{2 + i % hosts}" if hosts else "127.0.0.1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["serve", "sample"])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--no-cache", action="store_true", help="build each body per request (saves the server's memory)")
    ap.add_argument("--prebuild", type=float, default=None, metavar="FRACTION", help="build every body first (and version 2 of this fraction)")
    ap.add_argument("--hosts", type=int, default=0, help="also serve on 127.0.0.2 ... 127.0.0.<N+1> (N publisher hosts for real processes)")
    args = ap.parse_args()
    farm = Farm(args.feeds, args.items)
    if args.command == "sample":
        for i in range(args.feeds):
            sys.stdout.write(farm.body(i).decode())
        return
    serve(farm, args.port, args.latency, cache=not args.no_cache, prebuild=args.prebuild, hosts=args.hosts)


if __name__ == "__main__":
    main()
