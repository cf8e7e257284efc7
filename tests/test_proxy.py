"""Feed fetches through a real local proxy (tests/proxy.py): absolute-URI forwarding for
http, CONNECT for https, NO_PROXY, [fetch] proxy over the environment, the address guard
in front of the proxy, dead and authenticating proxies, and the caps through the proxy.

Names like feed.example are resolved by the Fetcher's resolver seam to a public address
(so the guard lets them through) and by the proxy's own table to 127.0.0.1 (where the
test server lives): what a real proxy with its own DNS does. No traffic leaves the
machine (the only_loopback_traffic safety net of tests/conftest.py).
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
from proxy import LocalProxy
from servers import LocalHTTPServer, Stream, free_port

from tracker.config import FetchSettings
from tracker.errors import ConfigError
from tracker.feeds.fetch import BodyTooLarge, Fetcher, FetchFailed, ProxyRoutes, proxy_environment
from tracker.feeds.ssrf import AddressBlocked, AddressGuard

pytestmark = pytest.mark.usefixtures("only_loopback_traffic")

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>One</title></item></channel></rss>'
ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "93.184.216.34"  # what the seam answers for names; never connected to (the proxy is)
NAMES = {"feed.example": "127.0.0.1", "feed.test": "127.0.0.1", "other.test": "127.0.0.1", "only-the-proxy-knows.example": "127.0.0.1"}


def public(host, port):
    return [PUBLIC]


def nothing_resolves(host, port):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def fetcher(environment=None, *, proxy=None, resolver=public, allow_private=False, **kw) -> Fetcher:
    settings = FetchSettings(
        connect_timeout=2, read_timeout=kw.pop("read_timeout", 2), max_bytes=kw.pop("max_bytes", 1 << 20),
        allow_private_networks=allow_private, proxy=proxy, per_host_limit=kw.pop("per_host_limit", 2),
    )  # fmt: skip
    return Fetcher(settings, total_timeout=kw.pop("total_timeout", 5), resolver=resolver, proxy_environment=environment, **kw)


@pytest.fixture
def proxy():
    with LocalProxy(hosts=NAMES) as p:
        yield p


@pytest.fixture
def tls_server(tls_cert):
    cert, key = tls_cert
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    with LocalHTTPServer(ssl_context=ctx) as server:
        yield server


# --------------------------------------------------------------------------- the two ways through


def test_an_http_feed_goes_to_the_proxy_as_an_absolute_uri(http_server, proxy):
    http_server.serve("/feed.xml", RSS)
    url = f"http://feed.example:{http_server.port}/feed.xml"
    with fetcher({"http": proxy.url}) as f:
        got = f.fetch(url)
    assert got.body == RSS
    assert [(a.method, a.target) for a in proxy.asked] == [("GET", url)]
    seen = http_server.requests[-1]
    assert seen.path == "/feed.xml" and seen.headers["host"] == f"feed.example:{http_server.port}"


def test_an_https_feed_goes_through_connect_and_the_certificate_is_checked_for_the_name(tls_server, tls_cert, proxy):
    tls_server.serve("/feed.xml", RSS)
    cert, _key = tls_cert
    with fetcher({"https": proxy.url}, verify=str(cert)) as f:
        got = f.fetch(f"https://feed.test:{tls_server.port}/feed.xml")
        assert got.body == RSS
        assert [(a.method, a.target) for a in proxy.asked] == [("CONNECT", f"feed.test:{tls_server.port}")]
        assert tls_server.requests[-1].headers["host"] == f"feed.test:{tls_server.port}"
        # the same server under another name: the tunnel opens, the certificate does not match
        with pytest.raises(FetchFailed, match="TLS failed"):
            f.fetch(f"https://other.test:{tls_server.port}/feed.xml")
    assert proxy.asked[-1].target == f"other.test:{tls_server.port}"
    assert len(tls_server.requests) == 1


def test_a_redirect_through_the_proxy_is_followed_by_hand_and_each_hop_goes_to_the_proxy(http_server, proxy):
    http_server.serve("/new.xml", RSS)
    http_server.respond("/old.xml", (301, {"Location": "/new.xml"}, b""))
    with fetcher({"http": proxy.url}) as f:
        got = f.fetch(f"http://feed.example:{http_server.port}/old.xml")
    assert got.body == RSS and got.permanent_url == f"http://feed.example:{http_server.port}/new.xml"
    assert [a.target.rsplit("/", 1)[-1] for a in proxy.asked] == ["old.xml", "new.xml"]


@pytest.fixture
def tls_proxy(tls_cert):
    """An https:// proxy at 127.0.0.1 (TLS between the Fetcher and the proxy)."""
    cert, key = tls_cert
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    with LocalProxy(hosts=NAMES, ssl_context=ctx) as p:
        yield p


def test_an_https_proxy_carries_http_and_https_feeds_with_both_certificates_checked(http_server, tls_server, tls_cert, tls_proxy):
    http_server.serve("/feed.xml", RSS)
    tls_server.serve("/feed.xml", RSS)
    assert tls_proxy.url.startswith("https://")
    with fetcher({"http": tls_proxy.url, "https": tls_proxy.url}, verify=str(tls_cert[0])) as f:
        assert f.fetch(f"http://feed.example:{http_server.port}/feed.xml").body == RSS
        assert f.fetch(f"https://feed.test:{tls_server.port}/feed.xml").body == RSS  # TLS inside TLS
    assert [a.method for a in tls_proxy.asked] == ["GET", "CONNECT"]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_an_https_proxy_with_an_untrusted_certificate_is_refused(scheme, http_server, tls_server, tls_proxy):
    """requests alone would not check the proxy's certificate for an http feed; the Fetcher does."""
    server = tls_server if scheme == "https" else http_server
    with fetcher({scheme: tls_proxy.url}) as f, pytest.raises(FetchFailed, match="could not connect to the proxy .*CERTIFICATE_VERIFY_FAILED"):
        f.fetch(f"{scheme}://feed.example:{server.port}/feed.xml")
    assert tls_proxy.asked == [] and server.requests == []


# --------------------------------------------------------------------------- which proxy, if any


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost, 127.0.0.1", "127.0.0.0/8", "*", "{port}"])
def test_no_proxy_sends_the_fetch_directly(http_server, proxy, no_proxy):
    http_server.serve("/feed.xml", RSS)
    no_proxy = no_proxy.replace("{port}", f"127.0.0.1:{http_server.port}")
    with fetcher({"http": proxy.url, "no": no_proxy}, allow_private=True) as f:
        assert f.fetch(http_server.url + "/feed.xml").body == RSS
    assert proxy.connections == 0 and len(http_server.requests) == 1


def test_no_proxy_matches_a_domain_and_its_subdomains_only():
    routes = ProxyRoutes.build(None, {"http": "http://proxy.corp:3128", "https": "http://proxy.corp:3128", "no": ".intranet.example,example.org"})
    assert routes.for_url("http://feeds.intranet.example/a") is None
    assert routes.for_url("https://example.org/a") is None
    assert routes.for_url("https://news.example.org/a") is None
    assert routes.for_url("https://badexample.org/a") is not None  # a suffix of the name, not a subdomain
    assert routes.for_url("http://10.1.2.3/a") is not None  # no CIDR entry covers it


def test_fetch_proxy_in_the_config_beats_the_environment(http_server, proxy):
    http_server.serve("/feed.xml", RSS)
    with LocalProxy(hosts=NAMES) as other:
        with fetcher({"http": other.url, "https": other.url}, proxy=proxy.url) as f:
            assert f.fetch(f"http://feed.example:{http_server.port}/feed.xml").body == RSS
        assert other.connections == 0
    assert len(proxy.asked) == 1


def test_no_proxy_still_applies_to_the_configured_proxy(http_server, proxy):
    http_server.serve("/feed.xml", RSS)
    with fetcher({"no": "127.0.0.1"}, proxy=proxy.url, allow_private=True) as f:
        assert f.fetch(http_server.url + "/feed.xml").body == RSS
    assert proxy.connections == 0


def test_the_environment_is_read_like_urllib_and_requests_read_it(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://upper.example:1")
    monkeypatch.setenv("https_proxy", "http://lower.example:3128")  # lower-case wins, as in urllib and curl
    monkeypatch.setenv("HTTP_PROXY", "plain.example:8080")  # no scheme: http://, as in requests
    monkeypatch.setenv("NO_PROXY", "intranet.example")
    monkeypatch.setenv("ALL_PROXY", "socks5://ignored.example:1080")
    env = proxy_environment()
    assert env == {"https": "http://lower.example:3128", "http": "plain.example:8080", "no": "intranet.example"}
    routes = ProxyRoutes.build(None, env)
    assert routes.for_url("https://a.example/").shown == "http://lower.example:3128"
    assert routes.for_url("https://a.example/").source == "HTTPS_PROXY"
    assert routes.for_url("http://a.example/").url == "http://plain.example:8080"
    assert routes.for_url("http://intranet.example/") is None


def test_an_unusable_proxy_variable_is_named_with_its_password_masked():
    with pytest.raises(ConfigError) as info:
        ProxyRoutes.build(None, {"https": "socks5://u:hunter2@proxy.corp:1080", "http": "http://proxy.corp:3128/path"})
    text = str(info.value)
    assert "HTTPS_PROXY" in text and "socks5://" in text and "HTTP_PROXY" in text and "without a path" in text
    assert "hunter2" not in text


# --------------------------------------------------------------------------- the guard in front of the proxy


def test_a_name_resolving_to_a_blocked_address_is_refused_before_anything_reaches_the_proxy(proxy):
    to_private = lambda host, port: [PUBLIC, "10.0.0.5"]  # noqa: E731 - one bad record is enough
    with fetcher({"http": proxy.url, "https": proxy.url}, resolver=to_private) as f:
        for url in ("http://intranet.example/feed.xml", "https://intranet.example/feed.xml"):
            with pytest.raises(AddressBlocked, match="10.0.0.5") as info:
                f.fetch(url)
            assert info.value.category == "private" and info.value.retryable is False
    assert proxy.connections == 0


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/feed.xml", "http://127.1/feed.xml", "http://2130706433/",
     "https://[::ffff:10.0.0.1]/feed.xml", "https://[::1]:8443/feed.xml"],
)  # fmt: skip
def test_an_ip_literal_target_is_always_vetted_even_when_no_name_resolves_here(proxy, url):
    with fetcher({"http": proxy.url, "https": proxy.url}, resolver=nothing_resolves) as f, pytest.raises(AddressBlocked):
        f.fetch(url)
    assert proxy.connections == 0


def test_a_redirect_to_a_blocked_address_is_refused_at_that_hop_before_the_proxy_is_asked(http_server, proxy):
    http_server.respond("/start", (302, {"Location": "http://10.0.0.1/feed.xml"}, b""))
    with fetcher({"http": proxy.url}) as f, pytest.raises(AddressBlocked, match="on the redirect to http://10.0.0.1/feed.xml"):
        f.fetch(f"http://feed.example:{http_server.port}/start")
    assert [a.target for a in proxy.asked] == [f"http://feed.example:{http_server.port}/start"]


def test_a_name_that_does_not_resolve_here_is_left_to_the_proxy(http_server, proxy):
    """Behind a forced proxy the local DNS often knows nothing: the proxy resolves (decided in
    Fetcher._vet_for_proxy). Without a proxy the same name is a DNS failure."""
    http_server.serve("/feed.xml", RSS)
    url = f"http://only-the-proxy-knows.example:{http_server.port}/feed.xml"
    with fetcher({"http": proxy.url}, resolver=nothing_resolves) as f:
        assert f.fetch(url).body == RSS
    assert [a.target for a in proxy.asked] == [url]
    with fetcher(None, resolver=nothing_resolves) as f, pytest.raises(FetchFailed, match="did not resolve"):
        f.fetch(url)


def test_a_local_resolver_that_never_answers_costs_at_most_the_connect_timeout(http_server, proxy):
    """DNS blackholed behind a forced proxy: the local look-up is given up after the connect
    timeout (2 s here) and the name left to the proxy, instead of adding the resolver's own
    timeouts to every fetch."""
    http_server.serve("/feed.xml", RSS)
    release = threading.Event()
    url = f"http://only-the-proxy-knows.example:{http_server.port}/feed.xml"
    try:
        with fetcher({"http": proxy.url}, resolver=lambda host, port: release.wait(30) and [], total_timeout=10) as f:
            started = time.monotonic()
            assert f.fetch(url).body == RSS
            took = time.monotonic() - started
    finally:
        release.set()
    assert 1.9 < took < 4
    assert [a.target for a in proxy.asked] == [url]


def test_the_proxy_own_private_address_is_not_blocked(http_server, proxy):
    """The proxy listens on 127.0.0.1 (loopback, blocked for feeds): it is the operator's choice."""
    http_server.serve("/feed.xml", RSS)
    with fetcher({"http": proxy.url}, allow_private=False) as f:
        assert f.fetch(f"http://feed.example:{http_server.port}/feed.xml").status == 200


# --------------------------------------------------------------------------- dead, picky and secret proxies


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_dead_proxy_is_a_retryable_error_naming_the_proxy_with_its_password_masked(scheme, caplog):
    caplog.set_level(logging.DEBUG)
    port = free_port()  # nothing listens there
    dead = f"http://feeduser:s3cret-pw@127.0.0.1:{port}"
    with fetcher({scheme: dead}) as f:
        with pytest.raises(FetchFailed) as info:
            f.fetch(f"{scheme}://feed.example/feed.xml")
        routes_text = f"{f.proxies!r} {f.proxies}"
    e = info.value
    assert e.retryable is True
    assert f"could not connect to the proxy http://***@127.0.0.1:{port} ({scheme.upper()}_PROXY)" in str(e)
    for text in (str(e), repr(e), routes_text, caplog.text):
        assert "s3cret-pw" not in text


def test_credentials_in_the_proxy_url_are_sent_to_the_proxy_only(http_server):
    http_server.serve("/feed.xml", RSS)
    with LocalProxy(hosts=NAMES, credentials="feeduser:pa ss") as picky:
        proxy_url = f"http://feeduser:pa%20ss@127.0.0.1:{picky.port}"
        with fetcher({"http": proxy_url}) as f:
            assert f.fetch(f"http://feed.example:{http_server.port}/feed.xml").body == RSS
        assert picky.asked[0].headers["proxy-authorization"].startswith("Basic ")
    assert "proxy-authorization" not in http_server.requests[-1].headers


def test_credentials_reach_the_proxy_on_connect_too(tls_server, tls_cert):
    tls_server.serve("/feed.xml", RSS)
    with LocalProxy(hosts=NAMES, credentials="feeduser:pw") as picky:
        with fetcher({"https": f"http://feeduser:pw@127.0.0.1:{picky.port}"}, verify=str(tls_cert[0])) as f:
            assert f.fetch(f"https://feed.test:{tls_server.port}/feed.xml").body == RSS
        assert picky.asked[0].method == "CONNECT" and "proxy-authorization" in picky.asked[0].headers


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_refusing_the_credentials_says_so_without_showing_them(scheme, http_server, tls_server):
    server = tls_server if scheme == "https" else http_server
    with LocalProxy(hosts=NAMES, credentials="feeduser:right") as picky:
        with fetcher({scheme: f"http://feeduser:wrong-pw@127.0.0.1:{picky.port}"}) as f, pytest.raises(FetchFailed) as info:
            f.fetch(f"{scheme}://feed.example:{server.port}/feed.xml")
    text = str(info.value)
    assert "407" in text and f"http://***@127.0.0.1:{picky.port}" in text and "wrong-pw" not in text
    assert "check the user:password@ in" in text
    assert info.value.retryable is False  # wrong credentials stay wrong until the operator fixes them
    assert server.requests == []


def test_a_tunnel_the_proxy_cannot_open_is_a_retryable_error_naming_the_proxy(proxy):
    port = free_port()  # the proxy reaches feed.example (127.0.0.1) but nothing listens there
    with fetcher({"https": proxy.url}) as f, pytest.raises(FetchFailed) as info:
        f.fetch(f"https://feed.example:{port}/feed.xml")
    assert str(info.value).endswith(f"the proxy {proxy.url} (HTTPS_PROXY) refused the tunnel to feed.example:{port}: 502 Bad Gateway")
    assert info.value.retryable is True


# --------------------------------------------------------------------------- the caps through the proxy


def test_the_wall_clock_cap_cuts_a_drip_feed_through_the_proxy(http_server, proxy):
    http_server.respond("/drip", Stream(200, {}, [b"<rss>"] * 100, interval=0.2))
    with fetcher({"http": proxy.url}, total_timeout=1.0, read_timeout=2) as f:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="wall-clock cap"):
            f.fetch(f"http://feed.example:{http_server.port}/drip")
    assert time.monotonic() - started < 3


def test_the_wall_clock_cap_cuts_a_stalled_tunnel(proxy):
    """CONNECT to a listener that accepts TCP and never speaks TLS: the watchdog cuts it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with fetcher({"https": proxy.url}, total_timeout=1.0, read_timeout=10) as f:
            started = time.monotonic()
            with pytest.raises(FetchFailed, match="wall-clock cap"):
                f.fetch(f"https://feed.example:{port}/feed.xml")
        assert time.monotonic() - started < 3


def test_the_size_cap_holds_through_the_proxy(http_server, proxy):
    http_server.respond("/big", Stream(200, {}, [b"x" * 65536] * 64))
    with fetcher({"http": proxy.url}, max_bytes=100_000) as f, pytest.raises(BodyTooLarge):
        f.fetch(f"http://feed.example:{http_server.port}/big")


def test_the_per_host_limit_holds_through_the_proxy(http_server, proxy):
    http_server.serve("/slow.xml", RSS)
    http_server.delay("/slow.xml", 0.4)
    results: list[int] = []
    with fetcher({"http": proxy.url}, per_host_limit=1) as f:
        threads = [threading.Thread(target=lambda: results.append(f.fetch(f"http://feed.example:{http_server.port}/slow.xml").status)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [200, 200]
    first, second = sorted(r.at for r in http_server.requests)
    assert second - first >= 0.35  # one at a time: the second was sent after the first answered


# --------------------------------------------------------------------------- DNS failures read as such


def test_a_dns_failure_reads_as_a_dns_failure():
    """Issue 10, item 6: it used to read "... does not appear to be an IPv4 or IPv6 address"."""
    with fetcher(None, resolver=nothing_resolves) as f, pytest.raises(FetchFailed) as info:
        f.fetch("http://nowhere.example/feed.xml")
    assert str(info.value) == (
        "http://nowhere.example/feed.xml: could not connect: the host name did not resolve: nowhere.example: Name or service not known"
    )
    assert info.value.retryable is True


def test_the_guard_raises_the_resolver_error_without_an_address_parsing_error_behind_it():
    with pytest.raises(socket.gaierror) as info:
        AddressGuard(False, resolver=nothing_resolves).vet("nowhere.example", 80)
    assert info.value.__context__ is None


def test_the_app_reads_the_environment_once_and_hands_it_to_the_fetcher(tmp_path, monkeypatch, http_server, proxy):
    from datetime import UTC, datetime

    from tracker.app import build
    from tracker.config import load

    for name in ("http_proxy", "https_proxy", "no_proxy", "NO_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    http_server.serve("/feed.xml", RSS)
    config = tmp_path / "config.toml"
    config.write_text(
        '[tracker]\ndatabase = "t.db"\n[fetch]\nallow_private_networks = true\n'
        f'[[feeds]]\nurl = "{http_server.url}/feed.xml"\n'
    )
    app = build(load(config, env={}), datetime.now(UTC), upgrade=True)
    try:
        monkeypatch.delenv("HTTP_PROXY")  # read at build time, not per request
        assert app.pipeline.fetcher.fetch(http_server.url + "/feed.xml").body == RSS
    finally:
        app.close()
    assert [a.target for a in proxy.asked] == [http_server.url + "/feed.xml"]
