"""The address guard: which hosts a feed fetch may connect to.

A feed URL (or any redirect hop) whose host resolves to a loopback, private,
link-local (cloud metadata 169.254.169.254 included), CGNAT, unspecified, multicast
or reserved address is refused, unless `[fetch] allow_private_networks = true`.
IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64
64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::a.b.c.d) are judged by the IPv4
address they carry.

Against DNS rebinding the guard resolves a name ONCE, checks EVERY address it got,
and hands back the checked addresses; the connection (tracker.feeds.fetch) connects
to those addresses and never resolves the name again. TLS still verifies the name.

The resolver is a seam: `AddressGuard(resolver=...)` takes any callable
`(host, port) -> list[str]`; tests use it to make a name resolve to 127.0.0.1.

Pure apart from `system_resolver` (DNS). Does not open connections.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from ..errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

ALLOWED_SCHEMES = ("http", "https")

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use: a private translator
_IPV4_COMPAT = ipaddress.ip_network("::/96")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class AddressBlocked(FetchError):
    """A host or redirect hop that resolves to an address the tracker must not reach.

    Not retryable: the same URL will be refused again. `address` is the offending IP,
    `category` one of the names `classify` returns.
    """

    retryable = False
    gone = False
    retry_after: float | None = None
    status: int | None = None

    def __init__(self, url: str, host: str, address: str, category: str, hop: str | None = None):
        self.host = host
        self.address = address
        self.category = category
        via = f" on the redirect to {hop}" if hop else ""
        super().__init__(
            url,
            f"refused to connect to {host} ({address}){via}: {category} address "
            "(set [fetch] allow_private_networks = true to allow)",
        )


class SchemeRefused(FetchError):
    retryable = False
    gone = False
    retry_after: float | None = None
    status: int | None = None


def classify(address: str | IPAddress) -> str | None:
    """The reason an address is blocked ("loopback", "private", ...), or None if it is public. Pure."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = classify(ip.ipv4_mapped)
            return f"IPv4-mapped {inner}" if inner else None
        if ip in _NAT64:
            inner = classify(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            return f"NAT64 {inner}" if inner else None
        if ip in _NAT64_LOCAL:
            return "NAT64 local-use"
        if ip.sixtofour is not None:
            inner = classify(ip.sixtofour)
            return f"6to4 {inner}" if inner else None
        if ip in _IPV4_COMPAT and int(ip) > 1:
            return "IPv4-compatible"
        if ip.is_site_local:
            return "site-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip in _METADATA:
        return "cloud metadata (link-local)"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "CGNAT (100.64/10)"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-global"
    return None


def ip_literal(host: str) -> str | None:
    """The address a host names literally, or None for a name. Pure (no DNS).

    Besides the standard forms ("127.0.0.1", "[::1]") it reads the spellings inet_aton and
    so getaddrinfo accept ("127.1", "2130706433", "0x7f.1"): a proxy or a resolver would
    take them for that address, so the guard must too.
    """
    host = host.strip("[]").split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and host[:1].isdigit():
        try:
            return str(ipaddress.IPv4Address(socket.inet_aton(host)))
        except OSError:
            return None
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port (A and AAAA), in its order. I/O."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addr = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if addr not in seen:
            seen.append(addr)
    return seen


class AddressGuard:
    """Resolves a host once and vets every address. Thread-safe (holds no mutable state)."""

    def __init__(self, allow_private: bool = False, resolver: Resolver = system_resolver):
        self.allow_private = allow_private
        self.resolver = resolver

    def check_url(self, url: str) -> None:
        """Refuse any scheme but http and https (on the first URL and on every redirect hop)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise SchemeRefused(url, f"only http and https URLs are fetched, not {parts.scheme or 'no scheme'}:")
        if not parts.hostname:
            raise SchemeRefused(url, "the URL has no host")

    def vet(self, host: str, port: int, url: str | None = None) -> list[str]:
        """Resolve `host` once; return its addresses if every one is allowed, else raise AddressBlocked.

        A literal IP is not resolved. socket.gaierror from the resolver propagates.
        """
        host = host.strip("[]").rstrip(".")
        literal = ip_literal(host)
        # Resolved outside any `except ValueError`: a DNS failure must not carry "does not
        # appear to be an IPv4 or IPv6 address" along as its context (issue 10, item 6).
        addresses = [literal] if literal else [str(ipaddress.ip_address(a)) for a in self.resolver(host, port)]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} did not resolve to any address")
        if self.allow_private:
            return addresses
        for address in addresses:  # one bad record is enough: a rebinding name mixes them
            category = classify(address)
            if category:
                raise AddressBlocked(url or host, host, address, category)
        return addresses
