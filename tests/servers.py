"""Real local servers for tests of the I/O shell: an HTTP server and an SMTP server.

Both bind to 127.0.0.1 on a free port, run in a background thread and stop when the
`with` block ends. They record what they receive so tests can assert on the wire.

    with LocalHTTPServer() as http:
        http.serve("/feed.xml", b"<rss/>", etag='"v1"')
        http.respond("/hook", (429, {"Retry-After": "7"}, b"slow down"), (200, {}, b"ok"))
        http.delay("/slow", 2.0)
        http.respond("/drip", Stream(200, {}, [b"<rss>", b"</rss>"], interval=1.0))  # slow, chunked
        ... requests.get(http.url + "/feed.xml") ...
        http.requests[0].headers["if-none-match"]   # header keys are lower-case

    LocalHTTPServer(host="127.0.0.5")          # another loopback address: another "host" for per-host limits
    LocalHTTPServer(identify=lambda peer: ...) # each Recorded.client = identify(the client's (ip, port)),
                                               # asked while the client waits for the answer
    LocalHTTPServer(answer=lambda rec: ...)    # a script chosen by the request itself (its body, headers)

    with LocalSMTPServer(rcpt_reply="450 4.2.0 try later") as smtp:
        ... smtplib.SMTP(smtp.host, smtp.port) ...
        smtp.messages[0].message["Subject"]
"""

from __future__ import annotations

import email
import email.policy
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["RESET", "LocalHTTPServer", "LocalSMTPServer", "Received", "Recorded", "Stream", "free_port"]

#: A scripted "response" that resets the TCP connection instead of answering.
RESET = "RESET"

Response = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Stream:
    """A scripted response written piece by piece (for respond()): drip feeds, endless or
    huge bodies (a gzip bomb), slow headers.

    status, headers  as for a plain response
    chunks           bytes pieces, or a zero-argument callable returning an iterable of
                     them (called per request, so a repeated script can stream again)
    interval         seconds to wait before each piece (and before each header byte when
                     drip_headers); the wait ends early when the server stops
    chunked          Transfer-Encoding: chunked (no Content-Length); otherwise the
                     connection is closed after the last piece
    drip_headers     write the status line and header block one byte per interval
    """

    status: int
    headers: dict[str, str]
    chunks: Any
    interval: float = 0.0
    chunked: bool = True
    drip_headers: bool = False


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- HTTP


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the HTTP server received.

    `headers` is a plain dict whose keys are LOWER-CASE header names (a repeated
    header keeps its last value); `path` is the request target as sent, with query.
    `peer` is the client's (ip, port); `client` what the server's `identify` made of it.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request had been read
    peer: tuple[str, int] = ("", 0)
    client: Any = None


@dataclass(slots=True)
class _Served:
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


class _State:
    """Shared, lock-protected configuration and log of one LocalHTTPServer."""

    def __init__(self, identify: Callable[[tuple[str, int]], Any] | None, answer: Callable[[Recorded], Any] | None) -> None:
        self.lock = threading.Lock()
        self.identify = identify
        self.answer = answer
        self.served: dict[str, _Served] = {}
        self.scripts: dict[str, list[Response | Stream | str]] = {}
        self.delays: dict[str, float] = {}
        self.requests: list[Recorded] = []
        self.stopping = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence logging
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailers end with an empty line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        state = self.server.state
        body = self._read_body()
        at = time.monotonic()
        peer = (self.client_address[0], self.client_address[1])
        record = Recorded(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            at=at,
            peer=peer,
            client=state.identify(peer) if state.identify else None,
        )
        path = self.path.split("?", 1)[0]
        chosen = state.answer(record) if state.answer else None
        with state.lock:
            state.requests.append(record)
            delay = state.delays.get(self.path, state.delays.get(path, 0.0))
            script = state.scripts.get(self.path) or state.scripts.get(path)
            response: Response | Stream | str | None = chosen
            if script and response is None:
                response = script.pop(0) if len(script) > 1 else script[0]
            served = state.served.get(self.path) or state.served.get(path)
        if delay:
            # interruptible, so stopping the server does not wait for sleeping handlers
            state.stopping.wait(delay)
            if state.stopping.is_set():
                return
        if response == RESET:
            self._reset()
            return
        if isinstance(response, Stream):
            self._stream(response)
            return
        if response is not None:
            status, headers, payload = response  # type: ignore[misc]
            self._send(status, headers, payload)
        elif served is not None and self.command in ("GET", "HEAD"):
            self._send_served(served)
        elif served is None and self.command == "POST":
            self._send(200, {"Content-Type": "text/plain"}, b"ok")
        elif served is not None:
            self._send(405, {"Allow": "GET, HEAD"}, b"method not allowed")
        else:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")

    def _send_served(self, served: _Served) -> None:
        headers = {"Content-Type": served.content_type}
        if served.etag is not None:
            headers["ETag"] = served.etag
        if served.last_modified is not None:
            headers["Last-Modified"] = served.last_modified
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        not_modified = (served.etag is not None and inm == served.etag) or (
            served.last_modified is not None and ims == served.last_modified
        )
        if not_modified:
            self._send(304, headers, b"")
        else:
            self._send(200, headers, served.body)

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        lower = {k.lower() for k in headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if "content-length" not in lower and status != 304 and not 100 <= status < 200:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(payload)
        self.wfile.flush()

    def _stream(self, spec: Stream) -> None:
        stopping = self.server.state.stopping
        headers = dict(spec.headers)
        if spec.chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            self.close_connection = True
            headers.setdefault("Connection", "close")
        head = f"HTTP/1.1 {spec.status} {self.responses.get(spec.status, ('',))[0]}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        try:
            if spec.drip_headers:
                for byte in head.encode("latin-1"):
                    if stopping.wait(spec.interval):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(head.encode("latin-1"))
                self.wfile.flush()
            pieces = spec.chunks() if callable(spec.chunks) else spec.chunks
            for piece in pieces:
                if spec.interval and stopping.wait(spec.interval):
                    return
                if stopping.is_set():
                    return
                if spec.chunked:
                    if not piece:
                        continue
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                else:
                    self.wfile.write(piece)
                self.wfile.flush()
            if spec.chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:  # the client gave up (cap reached, timed out): expected
            self.close_connection = True

    def _reset(self) -> None:
        """Close with SO_LINGER 0: the client sees 'connection reset by peer'."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) makes our late write fail; that is expected.
        pass


class LocalHTTPServer:
    """A real HTTP/1.1 server on 127.0.0.1 with scripted answers. Context manager.

    Precedence for a request to `path`: what `answer(request)` returns when it returns
    something, else a `respond()` script, else `serve()` content (GET/HEAD; other methods
    get 405), else POST gets 200 b"ok", else 404.
    Paths match exactly as requested, then without the query string.
    """

    def __init__(
        self,
        ssl_context: Any = None,
        host: str = "127.0.0.1",
        identify: Callable[[tuple[str, int]], Any] | None = None,
        answer: Callable[[Recorded], Response | Stream | str | None] | None = None,
    ) -> None:
        """`ssl_context`: an ssl.SSLContext (server side) to serve HTTPS instead of HTTP.
        `host`: a loopback address to listen on (127.0.0.0/8: each address is another host).
        `identify`: called with the client's (ip, port) while it waits; kept as Recorded.client.
        `answer`: called with each request; a response (as for respond()) it returns wins."""
        self._state = _State(identify, answer)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ssl_context = ssl_context
        self.host = host
        self.url = ""
        self.port = 0

    # lifecycle
    def start(self) -> LocalHTTPServer:
        server = _Server((self.host, 0), _Handler)
        server.state = self._state
        if self._ssl_context is not None:
            server.socket = self._ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.port = server.server_address[1]
        self.url = f"{'https' if self._ssl_context is not None else 'http'}://{self.host}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # configuration
    def serve(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml; charset=utf-8",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Serve `body` to GET; 304 when If-None-Match == etag or If-Modified-Since == last_modified
        (byte-for-byte string equality). Calling again replaces the content."""
        with self._state.lock:
            self._state.served[path] = _Served(body, content_type, etag, last_modified)

    def respond(self, path: str, *responses: Response | Stream | str) -> None:
        """Script answers for any method, in order; the last repeats.

        Each is (status, headers, body), a Stream (written piece by piece), or RESET to
        reset the connection."""
        if not responses:
            raise ValueError("respond() needs at least one response")
        with self._state.lock:
            self._state.scripts[path] = list(responses)

    def delay(self, path: str, seconds: float) -> None:
        """Sleep `seconds` before answering requests to `path` (to provoke client timeouts)."""
        with self._state.lock:
            self._state.delays[path] = seconds

    def reset(self) -> None:
        """Forget every serve(), respond() and delay() (the request log is kept)."""
        with self._state.lock:
            self._state.served.clear()
            self._state.scripts.clear()
            self._state.delays.clear()

    # inspection
    @property
    def requests(self) -> list[Recorded]:
        """A snapshot (copy) of the requests received so far, oldest first."""
        with self._state.lock:
            return list(self._state.requests)

    def posts(self, path: str | None = None) -> list[Recorded]:
        """The POST requests received, optionally only those to `path` (query ignored)."""
        return [
            r for r in self.requests if r.method == "POST" and (path is None or r.path.split("?", 1)[0] == path)
        ]


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True, slots=True)
class Received:
    """One message the SMTP server accepted."""

    envelope_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage  # parsed with email.policy.default
    raw: bytes
    at: float = 0.0  # time.monotonic() when the message had been read
    peer: tuple[str, int] = ("", 0)  # the client's (ip, port)
    client: Any = None  # what the server's `identify` made of `peer`


class _SMTPHandler:
    """aiosmtpd handler: answers scripted codes or stores messages."""

    def __init__(self, owner: LocalSMTPServer) -> None:
        self.owner = owner

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        reply = self.owner.rcpt_replies.get(address) or self.owner.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.owner.data_reply:
            return self.owner.data_reply
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        peer = tuple(session.peer[:2]) if session.peer else ("", 0)
        client = self.owner.identify(peer) if self.owner.identify else None  # the client waits for our answer
        with self.owner._lock:
            self.owner._messages.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed, raw, time.monotonic(), peer, client)  # type: ignore[arg-type]
            )
        return "250 Message accepted for delivery"


class LocalSMTPServer:
    """A real SMTP server (aiosmtpd Controller) on 127.0.0.1. Context manager.

    rcpt_reply:   answer every RCPT TO with this line, e.g. "450 4.2.0 Mailbox busy".
    rcpt_replies: per-address answers, e.g. {"gone@example.org": "550 5.1.1 No such user"}.
    data_reply:   answer DATA with this line instead of accepting, e.g. "554 5.7.1 Rejected".
    auth:         {username: password}; enables AUTH LOGIN/PLAIN without TLS (test only).
    port:         a fixed port (e.g. one a client already failed to reach); default: a free one.
    identify:     called with the client's (ip, port) at DATA; kept as Received.client.
    The reply attributes may be changed while the server runs.
    """

    def __init__(
        self,
        rcpt_reply: str | None = None,
        rcpt_replies: dict[str, str] | None = None,
        data_reply: str | None = None,
        auth: dict[str, str] | None = None,
        port: int = 0,
        identify: Callable[[tuple[str, int]], Any] | None = None,
    ) -> None:
        self.identify = identify
        self.rcpt_reply = rcpt_reply
        self.rcpt_replies = dict(rcpt_replies or {})
        self.data_reply = data_reply
        self.auth = dict(auth) if auth else None
        self.host = "127.0.0.1"
        self.port = port  # 0: a free one is picked at start
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        self._controller: Any = None

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def _authenticator(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        assert self.auth is not None
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if self.auth.get(user) == auth_data.password.decode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> LocalSMTPServer:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        if self.auth is not None:
            kwargs.update(authenticator=self._authenticator, auth_require_tls=False)
        # Controller cannot use port 0 (it connects to its own port to check readiness).
        self.port = self.port or free_port()
        self._controller = Controller(_SMTPHandler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> LocalSMTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
