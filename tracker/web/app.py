"""`tracker serve`: a thin Starlette app over the store and the pure views.

I/O shell: each endpoint reads the store (only its reading methods: no endpoint writes,
and only GET and HEAD are routed), reads the clock once, calls `tracker.web.views` and
returns the response. Bearer tokens (from [serve] tokens_env / tokens_file) guard every
path but /healthz; security headers go on every response. Does not poll, tick or send:
`tracker run --serve` runs this beside the daemon's jobs.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..clock import utcnow
from ..config import ServeSettings, Settings
from ..errors import TrackerError
from ..feeds.health import feed_json
from ..store.db import Store
from . import views
from .openapi import OPENAPI

log = logging.getLogger("tracker.web")

STATIC = Path(__file__).parent / "static"

#: No inline script or style, nothing from elsewhere: the board's JS and CSS are files of this app.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]

#: Paths that answer without a token (a liveness probe must not need a secret).
OPEN_PATHS = frozenset({"/healthz"})


class Guard:
    """ASGI middleware: security headers on every response; with tokens, a 401 for any
    request (but /healthz) without `Authorization: Bearer TOKEN` or Basic auth whose
    password is a token (so a browser can sign in by its own prompt). Tokens are compared
    in constant time and never appear in a response or a log line."""

    def __init__(self, app, tokens: Sequence[str]):
        self.app = app
        self.tokens = [t.encode() for t in tokens]

    def allowed(self, header: str | None) -> bool:
        if not self.tokens:
            return True
        if not header:
            return False
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                value = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                return False
        elif scheme.lower() != "bearer":
            return False
        given = value.encode()
        return any(hmac.compare_digest(given, t) for t in self.tokens)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [(k, v) for k, v in SECURITY_HEADERS if k not in have]
            await send(message)

        if scope["path"] not in OPEN_PATHS:
            auth = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
            if not self.allowed(auth):
                response = PlainTextResponse(
                    "401 Unauthorized: this tracker needs a bearer token (Authorization: Bearer TOKEN, or Basic auth with the token as password)\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="pause-tracker", charset="UTF-8"', "Cache-Control": "no-store"},
                )
                # one challenge per header: browsers read only the first scheme of a combined one
                response.raw_headers.append((b"www-authenticate", b'Bearer realm="pause-tracker"'))
                return await response(scope, receive, with_headers)
        return await self.app(scope, receive, with_headers)


def _bad(e: views.BadQuery) -> JSONResponse:
    return JSONResponse({"error": str(e)}, status_code=400)


def _filters(request: Request) -> views.Filters:
    return views.Filters.of(request.query_params)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def create_app(store: Store, settings: Settings, clock: Callable[[], datetime] = utcnow, live: Sequence = ()) -> Starlette:
    """The app over an open store. `clock` is the one place it reads the time (tests pass
    their own); `live` are prometheus collectors of this process (the daemon's poll
    durations under `run --serve`)."""

    pages = views.Pages()
    channels = [c.name for c in settings.channels]

    def board(request: Request) -> Response:
        try:
            f = _filters(request)
        except views.BadQuery as e:
            return PlainTextResponse(f"400 Bad Request: {e}\n", status_code=400)
        now = clock()
        every = store.pauses()
        shown = views.select(every, f, now)
        evidence = store.evidence([p.id for p in shown]) if shown else {}
        return HTMLResponse(pages.board(shown, every, evidence, f, now), headers={"Cache-Control": "no-store"})

    def pause_page(request: Request) -> Response:
        detail = store.pause(request.path_params["pause_id"])
        if detail is None:
            return PlainTextResponse(f"404 Not Found: no pause #{request.path_params['pause_id']}\n", status_code=404)
        return HTMLResponse(pages.pause(detail, clock()), headers={"Cache-Control": "no-store"})

    def api_pauses(request: Request) -> Response:
        try:
            f = _filters(request)
        except views.BadQuery as e:
            return _bad(e)
        now = clock()
        return JSONResponse([views.pause_api(p, now) for p in views.select(store.pauses(), f, now)])

    def api_pause(request: Request) -> Response:
        detail = store.pause(request.path_params["pause_id"])
        if detail is None:
            return JSONResponse({"error": f"no pause #{request.path_params['pause_id']}"}, status_code=404)
        return JSONResponse(views.detail_api(detail, clock()))

    def api_changes(request: Request) -> Response:
        try:
            since = views.parse_since(request.query_params.get("since"))
        except views.BadQuery as e:
            return _bad(e)
        now = clock()
        return JSONResponse([views.change_api(p, c) for p, c in store.changes_since(since, now)])

    def api_feeds(request: Request) -> Response:
        now = clock()
        include = request.query_params.get("all", "").lower() in ("1", "true", "yes")
        return JSONResponse([feed_json(f, now) for f in store.feeds(include_disabled=include)])

    def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    def ics(request: Request) -> Response:
        try:
            f = _filters(request)
        except views.BadQuery as e:
            return PlainTextResponse(f"400 Bad Request: {e}\n", status_code=400)
        f = views.Filters(f.place, f.kind, f.status, all=True)  # a calendar keeps past windows
        now = clock()
        shown = views.select(store.pauses(), f, now)
        wanted = {p.id for p in shown}
        changes: dict[int, list] = {}
        for p, c in store.changes_since(None, now):
            if p.id in wanted:
                changes.setdefault(p.id, []).append(c)
        evidence = store.evidence(sorted(wanted)) if wanted else {}
        body = views.calendar(shown, changes, evidence, now, _base(request))
        return Response(body, media_type="text/calendar; charset=utf-8", headers={"Content-Disposition": 'inline; filename="pauses.ics"'})

    def atom(request: Request) -> Response:
        now = clock()
        changes = store.changes_since(None, now)[-200:]
        return Response(views.atom(changes, now, _base(request)), media_type="application/atom+xml; charset=utf-8")

    def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    def readyz(request: Request) -> Response:
        try:
            store.require_current()
            feeds = store.feeds()
        except TrackerError as e:
            log.warning("readyz: %s", e)
            return PlainTextResponse("not ready: database not reachable or not at the current schema\n", status_code=503)
        ok, why = views.readiness(feeds, clock())
        return PlainTextResponse(("ready: " if ok else "not ready: ") + why + "\n", status_code=200 if ok else 503)

    def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        snap = views.Snapshot(store.feeds(include_disabled=True), store.pauses(), store.alert_counts(), channels)
        return Response(views.metrics(snap, clock(), live), media_type=CONTENT_TYPE_LATEST)

    async def failed(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return PlainTextResponse("500 Internal Server Error: the tracker could not read its database; see its log\n", status_code=500)

    get = ["GET", "HEAD"]
    routes = [
        Route("/", board, methods=get),
        Route("/pauses/{pause_id:int}", pause_page, methods=get),
        Route("/api/pauses", api_pauses, methods=get),
        Route("/api/pauses/{pause_id:int}", api_pause, methods=get),
        Route("/api/changes", api_changes, methods=get),
        Route("/api/feeds", api_feeds, methods=get),
        Route("/openapi.json", openapi, methods=get),
        Route("/calendar.ics", ics, methods=get),
        Route("/changes.atom", atom, methods=get),
        Route("/healthz", healthz, methods=get),
        Route("/readyz", readyz, methods=get),
        Route("/metrics", metrics, methods=get),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={TrackerError: failed})
    return Guard(app, settings.serve.tokens)


def open_read_store(settings: Settings) -> Store:
    """The store for serving: the schema must be at head (nothing is created, migrated
    or synced: the server never writes)."""
    store = Store(settings.database, readonly=True)
    try:
        store.require_current()
    except BaseException:
        store.close()
        raise
    return store


def server(app, serve: ServeSettings):
    """A uvicorn server for `app` (not started). SIGTERM and Ctrl-C stop it gracefully and
    the process then exits 0, like `tracker run` (uvicorn itself re-raises the signal
    after shutting down, so the exit status would be "killed by SIGTERM")."""
    import signal
    from contextlib import contextmanager

    import uvicorn

    class _Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield  # beside the daemon: the daemon's handlers stay, it stops us
                return

            def stop(signum, _frame):
                self.force_exit = self.should_exit  # a second signal: do not wait for open connections
                self.should_exit = True

            old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
            try:
                yield
            finally:
                for s, handler in old.items():
                    signal.signal(s, handler)

    config = uvicorn.Config(app, host=serve.host, port=serve.port, log_level="warning", access_log=False, server_header=False, lifespan="off")
    return _Server(config)


class Background:
    """The server in a thread, for `tracker run --serve` (the daemon keeps the main thread
    and its signal handlers; uvicorn installs none outside the main thread)."""

    def __init__(self, app, serve: ServeSettings):
        self.server = server(app, serve)
        self.thread = threading.Thread(target=self.server.run, name="tracker-web", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        for _ in range(int(timeout * 20)):
            if self.server.started or not self.thread.is_alive():
                break
            self.thread.join(0.05)
        if not self.server.started:
            raise TrackerError(f"the web server did not start on {self.server.config.host}:{self.server.config.port} (is the port in use?)")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

