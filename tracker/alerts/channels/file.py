"""File channel: write each alert as files in a folder (an outbox to read or test with). I/O.

Per alert, three files named from a safe slug of the alert key:
    <slug>.eml           the email (build_message, with placeholder addresses)
    <slug>.slack.json    the Slack payload
    <slug>.webhook.json  the generic webhook body

Each file is written atomically (temporary file in the same folder, fsync, os.replace),
so a crash never leaves half a file; writing the same key again overwrites the same
files. Does not decide whether to send, does not retry, never raises into the caller.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from ...config import EmailSettings, FileSettings
from ...types import Delivery, Outgoing
from .email import build_message

#: A file channel has no addresses; the .eml uses these.
PLACEHOLDER_FROM = "pause-tracker@localhost"
PLACEHOLDER_TO = "outbox@localhost"
MAX_SLUG = 80


def slug(key: str) -> str:
    """A file-name-safe, stable name for an alert key. Pure.

    Readable part ([A-Za-z0-9._-], at most MAX_SLUG chars) plus 12 hex of the key's
    SHA-256, so two keys that read alike ("a/b", "a:b") never share files.
    """
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip(".-")[:MAX_SLUG].rstrip(".-")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}--{digest}" if readable else digest


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _json(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


class FileChannel:
    """Write alerts into settings.path (created if missing). I/O."""

    type = "file"
    min_interval = 0.0
    timeout = 0.0  # a local file: no peer to wait for

    def __init__(self, settings: FileSettings) -> None:
        self.settings = settings
        self.name = settings.name
        self._email = EmailSettings(
            name=settings.name,
            smtp_host="",
            smtp_port=0,
            sender=PLACEHOLDER_FROM,
            to=(PLACEHOLDER_TO,),
            starttls=False,
            username=None,
            password=None,
        )

    def __repr__(self) -> str:
        return f"FileChannel(name={self.name!r}, path={str(self.settings.path)!r})"

    def paths(self, key: str) -> dict[str, Path]:
        """Where the files for `key` go: {"eml": ..., "slack": ..., "webhook": ...}. Pure."""
        base = slug(key)
        folder = Path(self.settings.path)
        return {
            "eml": folder / f"{base}.eml",
            "slack": folder / f"{base}.slack.json",
            "webhook": folder / f"{base}.webhook.json",
        }

    def send(self, msg: Outgoing, now: datetime) -> Delivery:
        try:
            contents = {
                "eml": build_message(self._email, msg).as_bytes(),
                "slack": _json(msg.rendered.slack),
                "webhook": _json(msg.rendered.webhook),
            }
        except (TypeError, ValueError) as e:
            return Delivery(ok=False, error=f"cannot serialise the alert: {e}", retry=False)
        try:
            Path(self.settings.path).mkdir(parents=True, exist_ok=True)
            for kind, path in self.paths(msg.key).items():
                write_atomic(path, contents[kind])
        except OSError as e:
            return Delivery(ok=False, error=f"cannot write to {self.settings.path}: {e.strerror or e}", retry=True)
        return Delivery(ok=True)
