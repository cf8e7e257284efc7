"""Feed retrieval: HTTP with timeouts, a size cap and conditional GET; local files from disk.

I/O. The only module that knows `requests` exceptions for feeds: every failure leaves
as FetchError. Does not parse, does not decide when to poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ..config import FetchSettings
from ..errors import FetchError


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a fetch returned. `body` is None when the server answered 304 Not Modified."""

    url: str
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.body is None


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


class Fetcher:
    """Fetches one feed at a time with a shared requests.Session (built by tracker.app)."""

    def __init__(self, settings: FetchSettings, session: requests.Session):
        self.settings = settings
        self.session = session

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        if not is_http(url):
            return self._read_file(url)
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"}
        # Validators are echoed back byte for byte, never normalised.
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=True) as r:
                if r.status_code == 304:
                    return Fetched(url, 304, None, etag, last_modified)
                if r.status_code >= 400:
                    raise FetchError(url, f"HTTP {r.status_code} {r.reason or ''}".strip())
                body = self._read_capped(url, r)
                return Fetched(
                    url,
                    r.status_code,
                    body,
                    r.headers.get("ETag"),
                    r.headers.get("Last-Modified"),
                    r.headers.get("Content-Type"),
                )
        except FetchError:
            raise
        except requests.Timeout as e:
            raise FetchError(url, f"timed out (connect {timeout[0]}s, read {timeout[1]}s)") from e
        except requests.ConnectionError as e:
            raise FetchError(url, f"could not connect: {_root_cause(e)}") from e
        except requests.RequestException as e:
            raise FetchError(url, f"request failed: {_root_cause(e)}") from e

    def _read_capped(self, url: str, r: requests.Response) -> bytes:
        cap = self.settings.max_bytes
        chunks, size = [], 0
        for chunk in r.iter_content(64 * 1024):  # decoded (gunzipped) bytes
            size += len(chunk)
            if size > cap:
                raise FetchError(url, f"body larger than the {cap} byte cap ([fetch] max_bytes)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_file(self, path: str) -> Fetched:
        p = Path(path)
        try:
            if p.stat().st_size > self.settings.max_bytes:
                raise FetchError(path, f"file larger than the {self.settings.max_bytes} byte cap ([fetch] max_bytes)")
            return Fetched(path, 200, p.read_bytes(), None, None)
        except OSError as e:
            raise FetchError(path, f"cannot read the file: {e.strerror or e}") from e


def _root_cause(e: BaseException) -> str:
    while e.__cause__ or e.__context__:
        e = e.__cause__ or e.__context__  # type: ignore[assignment]
    text = str(e)
    return text[:300] or type(e).__name__
