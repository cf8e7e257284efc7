"""How the `tracker` command writes its log to stderr: text for people (the default), or one
JSON object per line for journald and log shippers (`[tracker] log_format = "json"`, or
`--log-format json`, which wins).

A JSON line holds `time` (ISO-8601, UTC), `level`, `logger`, `event` (the message, as the
text format prints it) and every field the log call passed with `extra=`: the ids of what
it is about (`feed`: the feed's name, `channel`, `pause`: the pause id, `alert`: the alert's
key) and, on the daemon's summary lines, `summary` ("poll", "delivery", "tick") with its
counts. A traceback comes as `exc_info`. Formatting is python-json-logger's.

Decides how lines look, not what is logged nor at which level (the callers do).
"""

from __future__ import annotations

import logging
import sys

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NAME = "tracker"  # our handler's name on the root logger


def formatter(fmt: str) -> logging.Formatter:
    """The formatter for "text" or "json"."""
    if fmt == "text":
        return logging.Formatter(TEXT)
    from pythonjsonlogger.json import JsonFormatter  # only when asked for

    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "message": "event"},
        timestamp="time",  # record.created as an aware UTC datetime, written in ISO-8601
        json_ensure_ascii=False,
    )


def setup(fmt: str, verbose: bool) -> None:
    """Send the log to stderr in `fmt`, unless something else (a test runner) already set up
    the root logger; called again (the config's log_format), only changes the format."""
    root = logging.getLogger()
    ours = next((h for h in root.handlers if h.get_name() == _NAME), None)
    if ours is None:
        if root.handlers:
            return
        ours = logging.StreamHandler(sys.stderr)
        ours.set_name(_NAME)
        root.addHandler(ours)
        root.setLevel(logging.DEBUG if verbose else logging.INFO)
    ours.setFormatter(formatter(fmt))
