"""Feed retrieval: HTTP that a hostile or broken server cannot abuse; local files from disk.

I/O. The only module that knows `requests`/`urllib3` exceptions for feeds: every failure
leaves as a FetchError. Does not parse, does not decide when to poll next
(tracker.feeds.policy does, from the fields of Fetched and of the errors below).

What one `Fetcher.fetch(url, etag, last_modified)` guarantees:
- connect timeout <= 5 s, a read timeout, and a WALL-CLOCK cap on the whole fetch
  (`total_timeout`, every hop included): a watchdog shuts the socket down when it
  passes, so a server dripping a byte at a time (headers or body) cannot hold a worker;
- at most `max_bytes` of DECODED body: a gzip bomb stops at the cap (urllib3 inflates
  in bounded steps), and memory stays near the cap;
- conditional GET: the stored validators are echoed byte for byte; `Fetched.sha256`
  lets the caller skip an unchanged 200;
- redirects followed by hand, at most MAX_REDIRECTS, each hop checked by the address
  guard (tracker.feeds.ssrf) and limited to http/https; `Fetched.permanent_url` is set
  when every hop from the start was 301/308;
- at most `per_host_limit` requests in flight per host, and a host that answered 429/503
  with Retry-After is not asked again (by this Fetcher) before that time;
- through a proxy (`ProxyRoutes`: [fetch] proxy, else HTTPS_PROXY/HTTP_PROXY, minus
  NO_PROXY): plain http as an absolute-URI request to the proxy, https through CONNECT
  with the target's certificate still verified for its name. Before anything is sent to
  the proxy the target is vetted here: an IP literal always, a name resolved locally and
  every address checked; a name that does not resolve locally is left to the proxy (see
  `Fetcher._vet_for_proxy`). The proxy's own address is the operator's choice and is not
  vetted. Every guarantee above holds through the proxy too.

Errors (all FetchError):

    FetchError
    ├── FetchFailed        .status .retryable .retry_after .gone .host
    │   │                  (also a dead proxy or a refused tunnel: the proxy is
    │   │                   named, its credentials masked)
    │   ├── FeedGone       410: disable the feed (gone = True)
    │   ├── RateLimited    429, or 503 with Retry-After (retry_after = seconds)
    │   └── BodyTooLarge   more than max_bytes after decoding
    ├── AddressBlocked     (tracker.feeds.ssrf) loopback/private/... address, any hop
    └── SchemeRefused      (tracker.feeds.ssrf) not http/https
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as u3connection

from ..clock import utcnow
from ..config import FetchSettings, proxy_problem, proxy_url
from ..errors import ConfigError, FetchError
from ..secrets import mask_text
from . import policy
from .ssrf import AddressBlocked, AddressGuard, Resolver, SchemeRefused, ip_literal, system_resolver

__all__ = [
    "AddressBlocked",
    "BodyTooLarge",
    "FeedGone",
    "FetchFailed",
    "Fetched",
    "Fetcher",
    "HostLimits",
    "Proxy",
    "ProxyRoutes",
    "RateLimited",
    "SchemeRefused",
    "is_http",
    "proxy_environment",
]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
MAX_CONNECT_TIMEOUT = 5.0
DEFAULT_PER_HOST_LIMIT = 2
CHUNK = 64 * 1024
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}


# --------------------------------------------------------------------------- results and errors


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a fetch returned. `body` is None when the server answered 304 Not Modified.

    url            the URL asked for (the stored feed URL)
    final_url      where the body came from after redirects (None: no redirect)
    permanent_url  the new URL when every hop from the start was 301/308 (store it per
                   policy.decide_move); None otherwise
    sha256         hex digest of the decoded body; equal to the stored one = unchanged 200
    fresh_for      seconds the response says it stays fresh (Cache-Control max-age,
                   Expires against Date, minus Age); None when it says nothing
    redirects      ((status, location), ...) hop by hop, for logs
    """

    url: str
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None = None
    final_url: str | None = None
    permanent_url: str | None = None
    sha256: str | None = None
    fresh_for: float | None = None
    redirects: tuple[tuple[int, str], ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.body is None


class FetchFailed(FetchError):
    """A FetchError that says what the poll policy needs to know.

    retryable    a server or network hiccup (5xx, reset, timeout): back off and retry
    retry_after  seconds the server asked us to wait (Retry-After), or None
    gone         the feed is gone for good (410): disable it
    status       the HTTP status, when there was one
    """

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        gone: bool = False,
        host: str | None = None,
    ):
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.gone = gone
        self.host = host if host is not None else (urlsplit(url).hostname or None)
        super().__init__(url, reason)


class FeedGone(FetchFailed):
    def __init__(self, url: str, reason: str):
        super().__init__(url, reason, status=410, gone=True)


class RateLimited(FetchFailed):
    pass


class BodyTooLarge(FetchFailed):
    pass


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def _is_local_path(url: str) -> bool:
    scheme = urlsplit(url).scheme
    return scheme == "" or len(scheme) == 1  # no scheme, or a Windows drive letter


# --------------------------------------------------------------------------- per-host limits


class HostLimits:
    """Per-host concurrency slots and Retry-After holds. Thread-safe; one per Fetcher.

    `monotonic` is a seam (tests pass a fake); it only measures durations.
    """

    def __init__(self, limit: int = DEFAULT_PER_HOST_LIMIT, monotonic: Callable[[], float] = time.monotonic):
        if limit < 1:
            raise ValueError("per-host limit must be at least 1")
        self.limit = limit
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._hold_until: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str, timeout: float) -> Iterator[None]:
        with self._lock:
            sem = self._slots.setdefault(host, threading.BoundedSemaphore(self.limit))
        if not sem.acquire(timeout=max(0.0, timeout)):
            raise FetchFailed(host, f"{self.limit} requests to {host} already in flight; gave up waiting", retryable=True, host=host)
        try:
            yield
        finally:
            sem.release()

    def hold(self, host: str, seconds: float) -> None:
        """Ask no more of `host` for `seconds` (the server's Retry-After)."""
        with self._lock:
            until = self._monotonic() + seconds
            self._hold_until[host] = max(until, self._hold_until.get(host, 0.0))

    def held_for(self, host: str) -> float:
        """Seconds left before `host` may be asked again (0 when free)."""
        with self._lock:
            until = self._hold_until.get(host)
            if until is None:
                return 0.0
            left = until - self._monotonic()
            if left <= 0:
                del self._hold_until[host]
                return 0.0
            return left


# --------------------------------------------------------------------------- proxies


def proxy_environment() -> dict[str, str]:
    """The proxy variables as urllib and requests read them: {"http": ..., "https": ..., "no": ...}.

    HTTPS_PROXY, HTTP_PROXY and NO_PROXY, lower-case winning over upper-case (HTTP_PROXY
    is ignored under CGI), by `urllib.request.getproxies`. I/O (the environment): called
    once where the Fetcher is built (tracker.app), never per request.
    """
    return {k: v for k, v in urllib.request.getproxies().items() if k in ("http", "https", "no") and v}


@dataclass(frozen=True, slots=True)
class Proxy:
    """One proxy. `url` may carry user:password@ and is never printed: use `shown`."""

    url: str = field(repr=False)
    source: str  # where it came from: "[fetch] proxy", "HTTPS_PROXY" or "HTTP_PROXY"

    @property
    def shown(self) -> str:
        """scheme://host:port, with any credentials replaced by ***@."""
        parts = urlsplit(self.url)
        creds = "***@" if parts.username or parts.password else ""
        host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{creds}{host}{port}"

    @property
    def secrets(self) -> tuple[str, ...]:
        parts = urlsplit(self.url)
        return tuple(x for x in (self.url, parts.password) if x)

    @property
    def credentials_hint(self) -> str:
        """Where the credentials go, for a 407 answer."""
        if self.source == "[fetch] proxy":
            return "proxy credentials go in HTTPS_PROXY/HTTP_PROXY in the environment (user:password@), with [fetch] proxy unset"
        return f"check the user:password@ in {self.source}"

    def __repr__(self) -> str:
        return f"Proxy({self.shown!r}, source={self.source!r})"


@dataclass(frozen=True, slots=True)
class ProxyRoutes:
    """Which proxy, if any, a feed URL goes through. Pure once built.

    `[fetch] proxy` serves http and https feeds and overrides the environment; otherwise
    HTTPS_PROXY serves https feeds and HTTP_PROXY http feeds. NO_PROXY applies to both
    (urllib's matching: "*", host names and their subdomains, host:port; plus CIDR blocks
    for IP-literal hosts, as requests and curl accept). ALL_PROXY and SOCKS are not used.
    """

    http: Proxy | None = None
    https: Proxy | None = None
    no_proxy: str = ""

    @classmethod
    def build(cls, configured: str | None, environment: Mapping[str, str]) -> ProxyRoutes:
        """From [fetch] proxy (validated by tracker.config) and `proxy_environment()`.

        Raises ConfigError naming each environment variable that is not a usable proxy.
        """
        no_proxy = environment.get("no", "")
        if configured:
            proxy = Proxy(proxy_url(configured), "[fetch] proxy")
            return cls(proxy, proxy, no_proxy)
        problems, found = [], {}
        for scheme in ("http", "https"):
            value = environment.get(scheme)
            if not value:
                continue
            name = f"{scheme.upper()}_PROXY"
            problem = proxy_problem(value, credentials=True)
            if problem:
                problems.append(f"{name} ({mask_text(value, [urlsplit(proxy_url(value)).password])}): {problem}")
            else:
                found[scheme] = Proxy(proxy_url(value), name)
        if problems:
            raise ConfigError("the environment", problems)
        return cls(found.get("http"), found.get("https"), no_proxy)

    @property
    def any(self) -> bool:
        return self.http is not None or self.https is not None

    def for_url(self, url: str) -> Proxy | None:
        """The proxy for this URL, or None: connect directly (through the address guard)."""
        parts = urlsplit(url)
        proxy = self.https if parts.scheme == "https" else self.http
        if proxy is None or not parts.hostname or self.bypass(parts.hostname, parts.port):
            return None
        return proxy

    def bypass(self, host: str, port: int | None) -> bool:
        """Does NO_PROXY exempt host[:port]?"""
        if not self.no_proxy.strip():
            return False
        netloc = f"[{host}]" if ":" in host else host
        if port:
            netloc += f":{port}"
        if urllib.request.proxy_bypass_environment(netloc, {"no": self.no_proxy}):
            return True
        literal = ip_literal(host)
        if literal is None:
            return False
        address = ipaddress.ip_address(literal)
        for entry in self.no_proxy.split(","):
            try:
                if "/" in entry and address in ipaddress.ip_network(entry.strip(), strict=False):
                    return True
            except ValueError:
                continue
        return False

    def mask(self, text: str) -> str:
        """`text` with every proxy credential masked (for errors from libraries)."""
        for proxy in (self.http, self.https):
            if proxy is not None:
                for secret in proxy.secrets:
                    text = text.replace(secret, proxy.shown if "://" in secret else "***")
        return text

    def __str__(self) -> str:
        if not self.any:
            return "no proxy"
        routes = [f"{s} feeds through {p.shown} ({p.source})" for s, p in (("http", self.http), ("https", self.https)) if p]
        return "; ".join(routes) + (f"; NO_PROXY {self.no_proxy}" if self.no_proxy else "")


# --------------------------------------------------------------------------- the wall-clock cap


class _Deadline:
    """One fetch's wall-clock budget. When it passes, `fire` shuts down every socket the
    fetch used, which wakes a read blocked in another thread."""

    def __init__(self, seconds: float, monotonic: Callable[[], float]):
        self.seconds = seconds
        self._monotonic = monotonic
        self.at = monotonic() + seconds
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[HTTPConnection] = []

    def remaining(self) -> float:
        return max(0.0, self.at - self._monotonic())

    @property
    def expired(self) -> bool:
        return self.fired.is_set() or self._monotonic() >= self.at

    def watch(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conns.append(conn)
        if self.fired.is_set():
            _shutdown(conn)

    def fire(self) -> None:
        self.fired.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)


def _shutdown(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain-socket method, also for TLS
        except OSError:
            pass


# --------------------------------------------------------------------------- guarded transport


def _connect_vetted(conn: HTTPConnection, guard: AddressGuard) -> socket.socket:
    """Resolve once, vet every address, connect to a vetted address (never re-resolving).

    The connection keeps its host name, so the Host header, TLS SNI and certificate
    checks still use the name."""
    try:
        addresses = guard.vet(conn.host, conn.port or 80)
    except socket.gaierror as e:
        raise NameResolutionError(conn.host, conn, e) from e
    error: Exception | None = None
    for address in addresses:
        try:
            return u3connection.create_connection(
                (address, conn.port or 80),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError:
            error = ConnectTimeoutError(conn, f"Connection to {conn.host} ({address}) timed out. (connect timeout={conn.timeout})")
        except OSError as e:
            error = NewConnectionError(conn, f"Failed to establish a new connection to {address}: {e}")
    assert error is not None
    raise error


class _GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose pools connect only through the address guard and register
    each connection with the current fetch's deadline (so the watchdog can cut it).

    Pools of a proxy manager connect to the proxy without the guard (the proxy is the
    operator's choice; the Fetcher vets the target before sending it there) but are
    registered with the deadline all the same."""

    def __init__(self, guard: AddressGuard, local: threading.local, pool_maxsize: int, proxy_maxsize: int):
        self._guard = guard
        self._local = local
        self._proxy_maxsize = proxy_maxsize
        self._proxy_lock = threading.Lock()

        def new_conn(conn: HTTPConnection) -> socket.socket:
            return _connect_vetted(conn, guard)

        self._pool_classes = _pool_classes(local, new_conn, "Guarded")
        self._proxied_pool_classes = _pool_classes(local, None, "Proxied")
        super().__init__(pool_connections=16, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pool_classes)

    def cert_verify(self, conn, url, verify, cert) -> None:
        """As requests does, except that an https:// proxy carrying an http feed has its own
        certificate checked too (requests checks none for an http URL)."""
        if isinstance(conn, HTTPSConnectionPool) and not url.lower().startswith("https:"):
            url = "https" + url[url.index(":") :]
        super().cert_verify(conn, url, verify, cert)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        """A urllib3 ProxyManager (absolute-URI for http, CONNECT for https) over the
        proxied pools; Proxy-Authorization from the proxy URL's credentials."""
        with self._proxy_lock:
            manager = self.proxy_manager.get(proxy)
            if manager is None:
                manager = urllib3.proxy_from_url(
                    proxy,
                    proxy_headers=self.proxy_headers(proxy),
                    num_pools=16,
                    maxsize=self._proxy_maxsize,
                    **proxy_kwargs,
                )
                manager.pool_classes_by_scheme = dict(self._proxied_pool_classes)
                self.proxy_manager[proxy] = manager
            return manager


def _pool_classes(local: threading.local, new_conn: Callable[[HTTPConnection], socket.socket] | None, prefix: str) -> dict[str, type]:
    """http/https pool classes whose connections register with the fetch's deadline, and
    (when `new_conn` is given) open their sockets through it."""

    def get_conn(pool_cls: type, pool: HTTPConnectionPool, timeout: float | None = None):
        conn = pool_cls._get_conn(pool, timeout)
        deadline = getattr(local, "deadline", None)
        if deadline is not None:
            deadline.watch(conn)
        return conn

    extra = {"_new_conn": new_conn} if new_conn is not None else {}
    conn_cls = type(f"{prefix}HTTPConnection", (HTTPConnection,), extra)
    sconn_cls = type(f"{prefix}HTTPSConnection", (HTTPSConnection,), extra)
    return {
        "http": type(
            f"{prefix}HTTPConnectionPool",
            (HTTPConnectionPool,),
            {"ConnectionCls": conn_cls, "_get_conn": lambda p, timeout=None: get_conn(HTTPConnectionPool, p, timeout)},
        ),
        "https": type(
            f"{prefix}HTTPSConnectionPool",
            (HTTPSConnectionPool,),
            {"ConnectionCls": sconn_cls, "_get_conn": lambda p, timeout=None: get_conn(HTTPSConnectionPool, p, timeout)},
        ),
    }


# --------------------------------------------------------------------------- the fetcher


@runtime_checkable
class FetcherType(Protocol):
    """What the poll engine (tracker.poller) needs of a fetcher: the one HTTP seam.
    Fetcher is the real one; tests pass fakes with these three members."""

    hosts: HostLimits  # .limit: how many feeds of one host are fetched at once
    total_timeout: float  # the longest one fetch takes, redirects included

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Thread-safe. Raises FetchError (FetchFailed, ssrf.Blocked), never requests' own."""
        ...


class Fetcher:
    """Fetches feeds. Thread-safe: polls of different feeds may run in parallel threads.

    settings        [fetch] settings (timeouts, total_timeout, per_host_limit, max_bytes,
                    user agent, allow_private_networks). Feed fetches go through the
                    Fetcher's own guarded connection pool, never through a session shared
                    with channels (a webhook to a private address is the operator's choice;
                    a feed redirect to one is not)
    total_timeout   overrides settings.total_timeout (tests use short caps)
    per_host_limit  overrides settings.per_host_limit
    resolver        DNS seam for the address guard: (host, port) -> [addresses]
    guard           the address guard itself (default: from allow_private_networks and
                    resolver); tests pass a subclass
    clock           wall clock, only to read Retry-After HTTP-dates
    monotonic       duration clock for the deadline and Retry-After holds
    verify          TLS verification: True (system CAs) or a CA bundle path (tests, private CAs)
    proxy_environment  the proxy variables as `proxy_environment()` reads them, read once
                    by the caller (tracker.app); None: none. settings.proxy overrides
                    them; NO_PROXY ("no") applies either way (see ProxyRoutes)
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        total_timeout: float | None = None,
        per_host_limit: int | None = None,
        resolver: Resolver = system_resolver,
        guard: AddressGuard | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        verify: bool | str = True,
        proxy_environment: Mapping[str, str] | None = None,
    ):
        total_timeout = settings.total_timeout if total_timeout is None else total_timeout
        per_host_limit = settings.per_host_limit if per_host_limit is None else per_host_limit
        if total_timeout <= 0:
            raise ValueError("total_timeout must be positive")
        self.settings = settings
        self.total_timeout = float(total_timeout)
        self.guard = guard or AddressGuard(settings.allow_private_networks, resolver)
        self.hosts = HostLimits(per_host_limit, monotonic)
        self._clock = clock
        self._monotonic = monotonic
        self._verify = verify
        self.proxies = ProxyRoutes.build(settings.proxy, proxy_environment or {})
        self._local = threading.local()
        self._adapter = _GuardedAdapter(
            self.guard, self._local, pool_maxsize=max(per_host_limit, 2), proxy_maxsize=max(settings.workers, per_host_limit, 2)
        )
        if self.proxies.any:
            log.info("feed fetches: %s", self.proxies)

    def close(self) -> None:
        self._adapter.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # public ---------------------------------------------------------------

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch one feed. Raises FetchError (see the module docstring for the subclasses)."""
        if not is_http(url):
            if _is_local_path(url):
                return self._read_file(url)
            raise SchemeRefused(url, f"only http and https URLs (or local file paths) are fetched, not {urlsplit(url).scheme}:")
        deadline = _Deadline(self.total_timeout, self._monotonic)
        watchdog = threading.Timer(self.total_timeout, deadline.fire)
        watchdog.daemon = True
        watchdog.start()
        self._local.deadline = deadline
        try:
            return self._fetch_http(url, etag, last_modified, deadline)
        except FetchError as e:
            if deadline.fired.is_set() and not isinstance(e, (AddressBlocked, SchemeRefused, BodyTooLarge)):
                raise self._too_slow(url) from e
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError) as e:
            if deadline.fired.is_set():
                raise self._too_slow(url) from e
            raise _wrap(url, e, self.settings, self.proxies.mask) from e
        finally:
            watchdog.cancel()
            self._local.deadline = None

    # HTTP -----------------------------------------------------------------

    def _too_slow(self, url: str) -> FetchFailed:
        return FetchFailed(url, f"timed out: the fetch took longer than the {self.total_timeout:g} s wall-clock cap ([fetch] total_timeout)", retryable=True)

    def _fetch_http(self, url: str, etag: str | None, last_modified: str | None, deadline: _Deadline) -> Fetched:
        headers = {"User-Agent": self.settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        # Validators are echoed back byte for byte, never normalised.
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        permanent: str | None = None
        all_permanent = True
        hops: list[tuple[int, str]] = []
        for _ in range(MAX_REDIRECTS + 1):
            try:
                self.guard.check_url(current)
            except SchemeRefused as e:
                if current == url:
                    raise
                raise SchemeRefused(url, f"redirected to {current}: {e.reason}") from None
            host = (urlsplit(current).hostname or "").lower()
            wait = self.hosts.held_for(host)
            if wait > 0:
                raise RateLimited(current, f"{host} asked us to wait; {wait:.0f} s left (Retry-After)", retryable=True, retry_after=wait, host=host)
            if deadline.expired:
                raise self._too_slow(url)
            proxy = self.proxies.for_url(current)
            with self.hosts.slot(host, timeout=deadline.remaining()):
                try:
                    if proxy is not None:
                        self._vet_for_proxy(current, deadline)
                    r = self._send(current, headers, deadline, proxy)
                except AddressBlocked as e:  # before the proxy, or at connect time inside urllib3
                    hop = current if current != url else None
                    raise AddressBlocked(url, e.host, e.address, e.category, hop) from None
                with r:
                    if r.status_code == 407 and proxy is not None:
                        raise FetchFailed(url, f"the proxy {proxy.shown} ({proxy.source}) refused the request: HTTP 407 {r.reason or ''}".rstrip() + f"; {proxy.credentials_hint}", status=407)
                    if r.status_code in _REDIRECTS:
                        location = (r.headers.get("Location") or "").strip()
                        if not location:
                            raise FetchFailed(url, f"HTTP {r.status_code} redirect without a Location header", status=r.status_code)
                        nxt = urldefrag(urljoin(current, location))[0]
                        hops.append((r.status_code, nxt))
                        if r.status_code in _PERMANENT and all_permanent:
                            permanent = nxt
                        else:
                            all_permanent = False
                        current = nxt
                        continue
                    return self._finish(url, current, r, etag, last_modified, permanent, tuple(hops), deadline)
        raise FetchFailed(url, f"more than {MAX_REDIRECTS} redirects (last hop to {current})")

    def _vet_for_proxy(self, url: str, deadline: _Deadline) -> None:
        """The address guard for a URL about to be sent to a proxy (which will resolve and
        connect to it, out of our sight). An IP literal is always vetted. A name is resolved
        here and every address vetted: one blocked address refuses the fetch, exactly as
        without a proxy. A name that does not resolve here (common behind a forced proxy:
        only the proxy resolves) is sent on unvetted: the proxy's own rules are the guard
        then. The proxy resolves again, so a rebinding name can still differ between our
        look-up and its own; only a direct connection pins the vetted address.

        The look-up gets the connect timeout (and what is left of the wall-clock cap): a
        local resolver that never answers (DNS blackholed behind the proxy) would otherwise
        add its own timeouts to every fetch. Slower counts as "does not resolve here"; that
        opens nothing a rebinding name could not already do."""
        if self.guard.allow_private:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        outcome: list[BaseException | None] = []

        def vet() -> None:
            try:
                self.guard.vet(host, port, url)
                outcome.append(None)
            except BaseException as e:  # handed to the fetching thread below
                outcome.append(e)

        looker = threading.Thread(target=vet, name=f"resolve {host}", daemon=True)
        looker.start()
        looker.join(min(self.settings.connect_timeout, MAX_CONNECT_TIMEOUT, deadline.remaining()))
        if not outcome:
            log.debug("%s did not resolve here in time; the proxy resolves it, unvetted", host)
        elif isinstance(outcome[0], socket.gaierror):
            log.debug("%s does not resolve here (%s); the proxy resolves it, unvetted", host, outcome[0])
        elif outcome[0] is not None:
            raise outcome[0]

    def _send(self, url: str, headers: dict[str, str], deadline: _Deadline, proxy: Proxy | None) -> requests.Response:
        left = max(0.01, deadline.remaining())
        timeout = (min(self.settings.connect_timeout, MAX_CONNECT_TIMEOUT, left), min(self.settings.read_timeout, left))
        prepared = requests.Request("GET", url, headers=headers).prepare()
        if proxy is None:
            return self._adapter.send(prepared, stream=True, timeout=timeout, verify=self._verify, cert=None, proxies={})
        try:
            return self._adapter.send(prepared, stream=True, timeout=timeout, verify=self._verify, cert=None, proxies={urlsplit(url).scheme: proxy.url})
        except requests.ConnectionError as e:  # requests' ProxyError included
            if deadline.fired.is_set():
                raise
            cause = self.proxies.mask(_root_cause(e))
            if cause.startswith("Tunnel connection failed: "):  # the proxy answered CONNECT with an error
                answer = cause.removeprefix("Tunnel connection failed: ")
                code = answer.split(" ", 1)[0]
                hint = f"; {proxy.credentials_hint}" if code == "407" else ""
                parts = urlsplit(url)
                reason = f"the proxy {proxy.shown} ({proxy.source}) refused the tunnel to {parts.hostname}:{parts.port or 443}: {answer}{hint}"
                raise FetchFailed(url, reason, retryable=not code.startswith("4")) from e
            if isinstance(e, requests.exceptions.ProxyError):
                raise FetchFailed(url, f"could not connect to the proxy {proxy.shown} ({proxy.source}): {cause}", retryable=True) from e
            raise

    def _finish(
        self,
        url: str,
        final: str,
        r: requests.Response,
        etag: str | None,
        last_modified: str | None,
        permanent: str | None,
        hops: tuple[tuple[int, str], ...],
        deadline: _Deadline,
    ) -> Fetched:
        status = r.status_code
        h = r.headers
        fresh = policy.freshness_seconds(h.get("Cache-Control"), h.get("Expires"), h.get("Date"), h.get("Age"))
        final_url = final if hops else None
        if status == 304:
            # A 304 may carry updated validators; otherwise the stored ones stay valid.
            return Fetched(url, 304, None, h.get("ETag") or etag, h.get("Last-Modified") or last_modified,
                           h.get("Content-Type"), final_url, permanent, None, fresh, hops)  # fmt: skip
        if 200 <= status < 300:
            body = self._read_capped(url, r, deadline)
            return Fetched(url, status, body, h.get("ETag"), h.get("Last-Modified"), h.get("Content-Type"),
                           final_url, permanent, hashlib.sha256(body).hexdigest(), fresh, hops)  # fmt: skip
        reason = f"HTTP {status} {r.reason or ''}".strip()
        host = (urlsplit(final).hostname or "").lower()
        if status == 410:
            raise FeedGone(url, f"{reason}: the publisher removed this feed; disable it")
        retry_after = policy.retry_after_seconds(h.get("Retry-After"), self._clock(), policy.http_date(h.get("Date")))
        if status == 429 or (status == 503 and retry_after is not None):
            if retry_after is not None:
                self.hosts.hold(host, retry_after)
            wait = f"; asked to wait {retry_after:.0f} s" if retry_after is not None else ""
            raise RateLimited(url, f"{reason}{wait}", status=status, retryable=True, retry_after=retry_after, host=host)
        if status >= 500 or status == 408:
            raise FetchFailed(url, reason, status=status, retryable=True, host=host)
        raise FetchFailed(url, reason, status=status, host=host)

    def _read_capped(self, url: str, r: requests.Response, deadline: _Deadline) -> bytes:
        cap = self.settings.max_bytes
        declared = r.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap and not r.headers.get("Content-Encoding"):
            raise BodyTooLarge(url, f"body of {declared} bytes is larger than the {cap} byte cap ([fetch] max_bytes)")
        chunks, size = [], 0
        for chunk in r.iter_content(CHUNK):  # decoded (gunzipped) bytes, inflated in bounded steps
            size += len(chunk)
            if size > cap:
                raise BodyTooLarge(url, f"body larger than the {cap} byte cap after decoding ([fetch] max_bytes)")
            if deadline.expired:
                raise self._too_slow(url)
            chunks.append(chunk)
        return b"".join(chunks)

    # files ----------------------------------------------------------------

    def _read_file(self, path: str) -> Fetched:
        p = Path(path)
        cap = self.settings.max_bytes
        try:
            if p.stat().st_size > cap:
                raise BodyTooLarge(path, f"file larger than the {cap} byte cap ([fetch] max_bytes)")
            with p.open("rb") as f:
                body = f.read(cap + 1)
        except OSError as e:
            raise FetchError(path, f"cannot read the file: {e.strerror or e}") from e
        if len(body) > cap:
            raise BodyTooLarge(path, f"file larger than the {cap} byte cap ([fetch] max_bytes)")
        return Fetched(path, 200, body, None, None, sha256=hashlib.sha256(body).hexdigest())


def _wrap(url: str, e: BaseException, settings: FetchSettings, mask: Callable[[str], str] = lambda text: text) -> FetchFailed:
    """A requests/urllib3/socket error as a FetchFailed, with a reason a person can act on.

    `mask` hides proxy credentials in the library's own words."""
    failed = _explain(url, e, settings)
    return FetchFailed(url, mask(failed.reason), retryable=failed.retryable)


def _explain(url: str, e: BaseException, settings: FetchSettings) -> FetchFailed:
    if isinstance(e, requests.ConnectTimeout):
        return FetchFailed(url, f"timed out connecting (connect timeout {min(settings.connect_timeout, MAX_CONNECT_TIMEOUT):g} s)", retryable=True)
    if isinstance(e, (requests.Timeout, TimeoutError)):
        return FetchFailed(url, f"timed out reading (read timeout {settings.read_timeout:g} s)", retryable=True)
    if isinstance(e, requests.exceptions.ContentDecodingError):
        return FetchFailed(url, f"the body could not be decoded (Content-Encoding): {_root_cause(e)}")
    if isinstance(e, requests.exceptions.SSLError):
        return FetchFailed(url, f"TLS failed: {_root_cause(e)}", retryable=True)
    if isinstance(e, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)):
        return FetchFailed(url, f"not a valid URL: {_root_cause(e)}")
    if isinstance(e, requests.ConnectionError) and (name_error := _name_error(e)) is not None:
        return FetchFailed(url, f"could not connect: the host name did not resolve: {name_error}", retryable=True)
    if isinstance(e, (requests.ConnectionError, urllib3.exceptions.ProtocolError, ConnectionError)):
        return FetchFailed(url, f"could not connect: {_root_cause(e)}", retryable=True)
    if isinstance(e, (requests.exceptions.ChunkedEncodingError, http.client.HTTPException)):
        return FetchFailed(url, f"the connection broke mid-response: {_root_cause(e)}", retryable=True)
    return FetchFailed(url, f"request failed: {_root_cause(e)}", retryable=True)


def _name_error(e: BaseException) -> str | None:
    """ "host: why" when a DNS look-up failed somewhere in the chain, else None."""
    host = None
    for seen in _chain(e):
        if isinstance(seen, NameResolutionError):
            host = getattr(seen, "_host", None)
        if isinstance(seen, socket.gaierror):
            why = seen.strerror or str(seen) or "no address"
            return f"{host}: {why}" if host else why
    return host and f"{host}: no address"


def _chain(e: BaseException) -> Iterator[BaseException]:
    """`e`, then what caused it, down to the root (an explicit cause first; a context
    only when not suppressed by `raise ... from`)."""
    seen: BaseException | None = e
    while seen is not None:
        yield seen
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)


def _root_cause(e: BaseException) -> str:
    *_, root = _chain(e)
    text = str(root)
    return text[:300] or type(root).__name__
