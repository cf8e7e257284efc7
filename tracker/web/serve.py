"""Starting the web app: `tracker serve` on its own, or beside the daemon (`run --serve`).

I/O: opens the store, builds the app and runs uvicorn. The standalone server opens the
database without upgrading, creating or syncing anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..config import Settings

log = logging.getLogger("tracker.web")


def serve(settings: Settings) -> None:
    """Run until SIGTERM or Ctrl-C (uvicorn handles both)."""
    from .app import create_app, open_read_store, server

    store = open_read_store(settings)
    try:
        s = settings.serve
        logging.getLogger("tracker").setLevel(logging.INFO)
        log.info("serving on http://%s:%d/ (%s)", _host(s.host), s.port, "bearer token required" if s.tokens else "no token required")
        server(create_app(store, settings), s).run()
    finally:
        store.close()
    log.info("tracker serve stopped")


@contextmanager
def beside_daemon(app) -> Iterator[Callable[[float], None]]:
    """The server in a thread over the daemon's own store, for `run --serve`; yields the
    callback the daemon reports each poll's duration to (a histogram on /metrics)."""
    from prometheus_client import Histogram

    from .app import Background, create_app

    polls = Histogram(
        "tracker_poll_duration_seconds", "Wall time of each poll that polled at least one feed (this process).",
        buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300), registry=None,
    )
    s = app.settings.serve
    web = Background(create_app(app.store, app.settings, live=[polls]), s)
    web.start()
    log.info("serving on http://%s:%d/ (%s)", _host(s.host), s.port, "bearer token required" if s.tokens else "no token required")
    try:
        yield polls.observe
    finally:
        web.stop()


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
