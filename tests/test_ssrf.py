"""The address guard: every blocked address class, redirects to blocked addresses, and
names that resolve to loopback (DNS rebinding), through the real Fetcher.

No traffic leaves the machine: blocked addresses are refused before any socket is
opened, and an autouse fixture fails the test if anything tries to connect to an
address outside 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import socket

import pytest

from tracker.config import FetchSettings
from tracker.feeds.fetch import Fetcher
from tracker.feeds.ssrf import AddressBlocked, AddressGuard, SchemeRefused, classify

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>One</title></item></channel></rss>'


pytestmark = pytest.mark.usefixtures("only_loopback_traffic")  # tests/conftest.py


def fetcher(allow_private: bool, resolver=None) -> Fetcher:
    settings = FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=allow_private)
    kwargs = {"resolver": resolver} if resolver else {}
    return Fetcher(settings, total_timeout=5, **kwargs)


BLOCKED = [
    # (class, literal address in a URL host)
    ("loopback v4", "127.0.0.1"),
    ("loopback v4, other /8 address", "127.1.2.3"),
    ("loopback v6", "[::1]"),
    ("private 10/8", "10.1.2.3"),
    ("private 172.16/12", "172.16.5.4"),
    ("private 192.168/16", "192.168.1.1"),
    ("unique local fc00::/7", "[fd12:3456::1]"),
    ("link-local v4", "169.254.10.10"),
    ("cloud metadata", "169.254.169.254"),
    ("link-local v6", "[fe80::1]"),
    ("CGNAT 100.64/10", "100.64.0.1"),
    ("unspecified v4", "0.0.0.0"),
    ("unspecified v6", "[::]"),
    ("'this network' 0/8", "0.1.2.3"),
    ("multicast v4", "224.0.0.1"),
    ("multicast v6", "[ff02::1]"),
    ("reserved 240/4", "240.0.0.1"),
    ("broadcast", "255.255.255.255"),
    ("documentation TEST-NET", "192.0.2.1"),
    ("IPv4-mapped loopback", "[::ffff:127.0.0.1]"),
    ("IPv4-mapped metadata", "[::ffff:169.254.169.254]"),
    ("IPv4-mapped private", "[::ffff:10.0.0.1]"),
    ("NAT64 embedding private", "[64:ff9b::10.0.0.1]"),
    ("NAT64 embedding loopback", "[64:ff9b::7f00:1]"),
    ("6to4 embedding loopback", "[2002:7f00:1::]"),
    ("IPv4-compatible", "[::127.0.0.1]"),
    ("site-local fec0::/10", "[fec0::1]"),
    ("decimal-integer spelling of 127.0.0.1", "2130706433"),
    ("short spelling of 127.0.0.1", "127.1"),
]


@pytest.mark.parametrize("label,host", BLOCKED, ids=[b[0] for b in BLOCKED])
def test_each_blocked_address_class_is_refused_before_connecting(label, host):
    with fetcher(allow_private=False) as f, pytest.raises(AddressBlocked) as info:
        f.fetch(f"http://{host}:8080/feed.xml")
    assert "allow_private_networks" in str(info.value)
    assert info.value.retryable is False


@pytest.mark.parametrize(
    "address,expected",
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address is fine
        ("::ffff:8.8.8.8", None),
        ("169.254.169.254", "cloud metadata (link-local)"),
        ("100.127.255.255", "CGNAT (100.64/10)"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("64:ff9b::a00:1", "NAT64 private"),
        ("fd00::1", "private"),
    ],
)
def test_classify_names_the_class(address, expected):
    assert classify(address) == expected


def test_public_names_pass_the_guard_without_any_connection():
    guard = AddressGuard(False, resolver=lambda host, port: ["93.184.216.34", "2606:2800:220:1::1"])
    assert guard.vet("feeds.example.org", 443) == ["93.184.216.34", "2606:2800:220:1::1"]


def test_a_name_with_one_bad_record_among_good_ones_is_refused():
    guard = AddressGuard(False, resolver=lambda host, port: ["93.184.216.34", "169.254.169.254"])
    with pytest.raises(AddressBlocked, match="169.254.169.254"):
        guard.vet("rebind.example", 80)


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "gopher://127.0.0.1:70/", "file:///etc/passwd", "dict://x/"])
def test_only_http_and_https_schemes(url):
    with fetcher(allow_private=True) as f, pytest.raises(SchemeRefused):
        f.fetch(url)


def test_localhost_by_name_is_refused_unless_private_networks_are_allowed(http_server):
    http_server.serve("/feed.xml", RSS)
    url = f"http://localhost:{http_server.port}/feed.xml"
    with fetcher(allow_private=False) as f, pytest.raises(AddressBlocked, match="loopback"):
        f.fetch(url)
    assert http_server.requests == []
    with fetcher(allow_private=True) as f:  # the system resolver; ::1 first is fine, every address is tried
        assert f.fetch(url).body == RSS


def test_a_dns_name_resolving_to_127_0_0_1_through_the_resolver_seam(http_server):
    http_server.serve("/feed.xml", RSS)
    to_loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731 - what a rebinding DNS server answers
    url = f"http://feeds.rebind.test:{http_server.port}/feed.xml"
    with fetcher(allow_private=False, resolver=to_loopback) as f, pytest.raises(AddressBlocked) as info:
        f.fetch(url)
    assert info.value.address == "127.0.0.1" and info.value.category == "loopback"
    assert http_server.requests == []
    with fetcher(allow_private=True, resolver=to_loopback) as f:
        got = f.fetch(url)
    assert got.body == RSS
    # the Host header still names the host, although the connection went to the vetted IP
    assert http_server.requests[-1].headers["host"] == f"feeds.rebind.test:{http_server.port}"


def test_the_connection_uses_the_vetted_address_and_never_resolves_again(http_server, monkeypatch):
    """DNS rebinding: the name is resolved once (by the guard); the socket connects to that
    address. If anything resolved the name a second time, it would get a different answer."""
    http_server.serve("/feed.xml", RSS)
    answers = iter([["127.0.0.1"]])  # a second resolution would raise StopIteration
    calls = []

    def resolver(host, port):
        calls.append(host)
        return next(answers)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        assert host != "flip.rebind.test", "the name was resolved outside the guard"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with fetcher(allow_private=True, resolver=resolver) as f:
        assert f.fetch(f"http://flip.rebind.test:{http_server.port}/feed.xml").status == 200
    assert calls == ["flip.rebind.test"]


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed.xml",
        "http://[::ffff:127.0.0.1]:{port}/feed.xml",
        "http://127.0.0.1:{port}/feed.xml",
    ],
)
def test_a_redirect_to_a_blocked_address_is_refused_at_that_hop(http_server, location):
    """The first hop is allowed (a public name, resolved by the seam to the local test server);
    the redirect it answers points at a blocked address and is refused before connecting."""
    http_server.serve("/feed.xml", RSS)
    http_server.respond("/start", (302, {"Location": location.format(port=http_server.port)}, b""))

    class OnlyFirstHopAllowed(AddressGuard):
        def vet(self, host, port, url=None):
            if host == "public.example":
                return ["127.0.0.1"]  # stands in for a public address; the test server lives on loopback
            return super().vet(host, port, url)

    settings = FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=False)
    with Fetcher(settings, guard=OnlyFirstHopAllowed(False)) as f, pytest.raises(AddressBlocked, match="on the redirect to") as info:
        f.fetch(f"http://public.example:{http_server.port}/start")
    assert [r.path for r in http_server.requests] == ["/start"]
    assert info.value.url.endswith("/start")


def test_a_redirect_to_a_non_http_scheme_is_refused(http_server):
    http_server.respond("/start", (301, {"Location": "file:///etc/passwd"}, b""))
    with fetcher(allow_private=True) as f, pytest.raises(SchemeRefused, match="redirected to file:///etc/passwd"):
        f.fetch(http_server.url + "/start")


def test_allow_private_networks_keeps_the_local_test_server_reachable(http_server):
    http_server.serve("/feed.xml", RSS)
    with fetcher(allow_private=True) as f:
        assert f.fetch(http_server.url + "/feed.xml").body == RSS


# --------------------------------------------------------------------------- TLS to a vetted address


def test_https_connects_to_the_vetted_address_and_verifies_the_certificate_for_the_name(tls_cert):
    import ssl

    from servers import LocalHTTPServer

    cert, key = tls_cert
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    settings = FetchSettings(connect_timeout=2, read_timeout=2, allow_private_networks=True)
    to_loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731
    with LocalHTTPServer(ssl_context=ctx) as server:
        server.serve("/feed.xml", RSS)
        with Fetcher(settings, resolver=to_loopback, verify=str(cert), total_timeout=5) as f:
            got = f.fetch(f"https://feed.test:{server.port}/feed.xml")
            assert got.body == RSS
            assert server.requests[-1].headers["host"] == f"feed.test:{server.port}"
            # the same certificate is wrong for another name at the same address: SNI/hostname checks still apply
            from tracker.feeds.fetch import FetchFailed

            with pytest.raises(FetchFailed, match="TLS failed"):
                f.fetch(f"https://other.test:{server.port}/feed.xml")
