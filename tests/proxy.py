"""A real forward proxy for tests: absolute-URI forwarding for http, CONNECT tunnels for https.

Binds to 127.0.0.1 on a free port, one thread per client connection, and records every
request it is asked (before deciding anything), so a test can assert what reached it.

    with LocalProxy(hosts={"feed.example": "127.0.0.1"}) as proxy:
        ... Fetcher(settings, proxy_environment={"http": proxy.url}) ...
        proxy.asked[0].target         # "http://feed.example:8080/feed.xml" or "feed.test:443"
        proxy.asked[0].headers        # lower-case names, e.g. "proxy-authorization"

hosts       the proxy's own name resolution ({name: address}); other names are used as
            given (an IP literal, or the system resolver). Names the Fetcher's resolver
            seam cannot resolve still reach their server this way, as behind a real proxy
            that does the DNS.
credentials "user:password": answer 407 to any request without that Basic
            Proxy-Authorization.
ssl_context a server-side ssl.SSLContext: an https:// proxy (TLS between client and proxy).
connections counts accepted TCP connections (0: nothing reached the proxy).

Forwarding is one request per client connection: the answer is relayed with its
Connection header replaced by "close", then both sockets are closed.
"""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Asked", "LocalProxy"]


@dataclass(frozen=True, slots=True)
class Asked:
    method: str
    target: str  # the request target as sent: an absolute URI, or host:port for CONNECT
    headers: dict[str, str]  # lower-case names


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        owner = self.server.owner
        with owner._lock:
            owner.connections += 1
        client: socket.socket = self.request
        client.settimeout(10)
        if owner.ssl_context is None:
            self._serve(client)
            return
        try:
            client = owner.ssl_context.wrap_socket(client, server_side=True)
        except OSError:
            return
        with client:  # the wrapper owns the socket now; socketserver would close only the original
            self._serve(client)

    def _serve(self, client: socket.socket) -> None:
        owner = self.server.owner
        try:
            head = _read_head(client)
        except OSError:
            return
        if head is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        with owner._lock:
            owner._asked.append(Asked(method, target, headers))
        if owner.credentials is not None:
            expected = "Basic " + base64.b64encode(owner.credentials.encode()).decode()
            if headers.get("proxy-authorization") != expected:
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
        if method == "CONNECT":
            self._tunnel(client, target)
        else:
            self._forward(client, method, target, version, lines[1:])

    def _upstream(self, host: str, port: int) -> socket.socket:
        address = self.server.owner.hosts.get(host.lower(), host)
        return socket.create_connection((address, port), timeout=10)

    def _tunnel(self, client: socket.socket, target: str) -> None:
        host, _, port = target.rpartition(":")
        try:
            upstream = self._upstream(host.strip("[]"), int(port))
        except (OSError, ValueError):
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(client, upstream, self.server.owner._stopping)

    def _forward(self, client: socket.socket, method: str, target: str, version: str, header_lines: list[str]) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        try:
            upstream = self._upstream(parts.hostname, parts.port or 80)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [
            line for line in header_lines
            if line and line.split(":", 1)[0].strip().lower() not in ("proxy-authorization", "proxy-connection", "connection")
        ]  # fmt: skip
        request = f"{method} {path} {version}\r\n" + "".join(f"{line}\r\n" for line in kept) + "Connection: close\r\n\r\n"
        with upstream:
            upstream.sendall(request.encode("latin-1"))
            answer = _read_head(upstream)
            if answer is None:
                return
            status, *rest = answer.decode("latin-1").split("\r\n")
            rest = [line for line in rest if line and line.split(":", 1)[0].strip().lower() != "connection"]
            client.sendall((status + "\r\n" + "".join(f"{line}\r\n" for line in rest) + "Connection: close\r\n\r\n").encode("latin-1"))
            _pipe(client, upstream, self.server.owner._stopping, one_way=True)


def _read_head(sock: socket.socket) -> bytes | None:
    """Bytes up to the blank line ending a header block (the rest stays in the socket)."""
    data = b""
    while b"\r\n\r\n" not in data:
        byte = sock.recv(1)  # byte by byte: nothing past the head is consumed
        if not byte:
            return None
        data += byte
        if len(data) > 65536:
            return None
    return data[:-4]


def _pipe(client: socket.socket, upstream: socket.socket, stopping: threading.Event, one_way: bool = False) -> None:
    """Copy bytes both ways (or only upstream -> client) until a side closes or the proxy stops."""
    socks = [upstream] if one_way else [client, upstream]
    while not stopping.is_set():
        # TLS may hold decrypted bytes that select() cannot see
        readable = [s for s in socks if isinstance(s, ssl.SSLSocket) and s.pending()]
        readable = readable or select.select(socks, [], [], 0.05)[0]
        for sock in readable:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            other = client if sock is upstream else upstream
            try:
                other.sendall(data)
            except OSError:
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    owner: LocalProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up mid-relay is expected


class LocalProxy:
    """A forward proxy on 127.0.0.1 (see the module docstring). Context manager."""

    def __init__(self, hosts: dict[str, str] | None = None, credentials: str | None = None, ssl_context: Any = None) -> None:
        self.hosts = {k.lower(): v for k, v in (hosts or {}).items()}
        self.credentials = credentials
        self.ssl_context = ssl_context
        self.connections = 0
        self._asked: list[Asked] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.url = ""

    @property
    def asked(self) -> list[Asked]:
        """A copy of the requests received so far, oldest first."""
        with self._lock:
            return list(self._asked)

    def start(self) -> LocalProxy:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._server = server
        self.port = server.server_address[1]
        self.url = f"{'https' if self.ssl_context is not None else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> LocalProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
