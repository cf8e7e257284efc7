"""When to poll a feed next, and whether a permanent redirect should move it. The decider.

Pure: no I/O, no clock. Every function takes `now` (timezone-aware) and, where it
randomises, a `jitter` number in [0, 1) that the caller draws (tests pass a constant).
Reads HTTP header values as text; does not fetch, does not store.

    success:  next_poll_after_success(now, every, fresh_for=..., ttl_seconds=..., jitter=...)
    failure:  next_poll_after_error(now, every, failures, error, jitter=...)
    301/308:  decide_move(current_url, permanent_url, state) -> (url to adopt | None, new state)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

#: A publisher's cache lifetime or ttl never pushes the next poll further than this.
MAX_FLOOR_SECONDS = 24 * 3600
#: Exponential backoff never waits longer than this.
MAX_BACKOFF_SECONDS = 24 * 3600
#: A Retry-After longer than this is clamped (a typo must not silence a feed for a year).
MAX_RETRY_AFTER_SECONDS = 24 * 3600
#: Consecutive failed polls that make a feed "unhealthy" (and raise a "source unhealthy" alert).
UNHEALTHY_FAILURES = 3
#: Polls that must agree on a permanent redirect to another host before the URL moves.
MOVE_CONFIRMATIONS = 3


@dataclass(frozen=True, slots=True)
class NextPoll:
    """A scheduling decision. `at` is None when the feed must be disabled (410 Gone)."""

    at: datetime | None
    why: str

    @property
    def disable(self) -> bool:
        return self.at is None


# --------------------------------------------------------------------------- headers


def http_date(value: str | None) -> datetime | None:
    """An HTTP-date ('Wed, 21 Oct 2015 07:28:00 GMT') as aware UTC, or None if unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_DIRECTIVE = re.compile(r"\s*([A-Za-z-]+)\s*(?:=\s*\"?([^\",]*)\"?)?\s*(?:,|$)")


def freshness_seconds(
    cache_control: str | None, expires: str | None = None, date: str | None = None, age: str | None = None
) -> float | None:
    """How long the response says it stays fresh, in seconds, or None when it says nothing.

    Cache-Control max-age wins over Expires (RFC 9111); Expires is measured against the
    response's own Date header, so a skewed server clock does not matter. no-store and
    no-cache give 0 (no floor). The Age header is subtracted. Pure.
    """
    age_s = _int(age) or 0
    if cache_control:
        directives = {m.group(1).lower(): m.group(2) for m in _DIRECTIVE.finditer(cache_control) if m.group(1)}
        if "no-store" in directives or "no-cache" in directives:
            return 0.0
        max_age = _int(directives.get("max-age"))
        if max_age is not None:
            return float(max(0, max_age - age_s))
    if expires is not None:
        exp = http_date(expires)
        ref = http_date(date)
        if exp is None or ref is None:
            return 0.0  # an invalid Expires means "already expired" (RFC 9111 5.3)
        return max(0.0, (exp - ref).total_seconds() - age_s)
    return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() else None


def retry_after_seconds(value: str | None, now: datetime, server_date: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds, or an HTTP-date (measured against the
    server's Date when given, else against `now`). Clamped to [0, MAX_RETRY_AFTER_SECONDS]. Pure."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        when = http_date(value)
        if when is None:
            return None
        seconds = (when - (server_date or now)).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


# --------------------------------------------------------------------------- next poll


def next_poll_after_success(
    now: datetime,
    every_seconds: float,
    *,
    fresh_for: float | None = None,
    ttl_seconds: float | None = None,
    jitter: float = 0.5,
) -> NextPoll:
    """The configured period (+-10 % jitter so feeds drift apart), floored by what the
    publisher asked: Cache-Control max-age / Expires (`fresh_for`) and RSS <ttl>. The floor
    is capped at MAX_FLOOR_SECONDS. Pure."""
    base = every_seconds * (0.9 + 0.2 * jitter)
    floor = max(fresh_for or 0.0, ttl_seconds or 0.0)
    floor = min(floor, MAX_FLOOR_SECONDS)
    if floor > base:
        source = "Cache-Control/Expires" if (fresh_for or 0) >= (ttl_seconds or 0) else "RSS ttl"
        return NextPoll(now + timedelta(seconds=floor), f"publisher asks to wait {floor:.0f}s ({source})")
    return NextPoll(now + timedelta(seconds=base), "every")


def backoff_seconds(failures: int, every_seconds: float, jitter: float, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Exponential backoff with 'equal jitter': d = every * 2^(failures-1), capped; the wait is
    uniform in [d/2, d] but never shorter than one period. Pure."""
    failures = max(1, failures)
    d = min(cap, every_seconds * 2 ** min(failures - 1, 30))
    return max(min(every_seconds, cap), d / 2 + (d / 2) * jitter)


def next_poll_after_error(
    now: datetime, every_seconds: float, failures: int, error: BaseException, jitter: float = 0.5
) -> NextPoll:
    """Decide after a failed poll. `failures` counts this one (1 on the first failure).

    Reads, when present, these attributes of the error (the FetchError subclasses in
    tracker.feeds.fetch and tracker.feeds.ssrf have them; any other error is treated as
    not retryable): `gone` -> disable; `retry_after` (seconds) -> wait at least that;
    `retryable` -> exponential backoff with jitter. Non-retryable errors (404, a body that
    is not a feed, a blocked address) back off the same way: a broken feed is not polled
    harder than a healthy one. Pure.
    """
    if getattr(error, "gone", False):
        return NextPoll(None, "the publisher says the feed is gone (HTTP 410): disable it")
    delay = backoff_seconds(failures, every_seconds, jitter)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None and retry_after > delay:
        return NextPoll(now + timedelta(seconds=retry_after), f"server asked to retry after {retry_after:.0f}s")
    kind = "transient" if getattr(error, "retryable", False) else "failure"
    return NextPoll(now + timedelta(seconds=delay), f"{kind} #{failures}: back off {delay:.0f}s")


# --------------------------------------------------------------------------- moved feeds


@dataclass(frozen=True, slots=True)
class MoveState:
    """Permanent-redirect evidence carried between polls (the store keeps it per feed)."""

    target: str | None = None  # the URL the last polls were permanently redirected to
    count: int = 0  # consecutive polls that agreed on `target`


def same_host_upgrade(old: str, new: str) -> bool:
    """True when `new` is the same host as `old`, on https, or on the same scheme as old.

    http->https on the same host moves at once; an https->http downgrade never does. Pure."""
    a, b = urlsplit(old), urlsplit(new)
    if (a.hostname or "").lower() != (b.hostname or "").lower():
        return False
    if (a.scheme, b.scheme) not in (("http", "https"), ("http", "http"), ("https", "https")):
        return False
    default = {"http": 80, "https": 443}
    a_port = a.port or default.get(a.scheme)
    b_port = b.port or default.get(b.scheme)
    if a.scheme == b.scheme:
        return a_port == b_port
    return a_port == 80 and b_port == 443  # http -> https on the default ports


def decide_move(
    current_url: str,
    permanent_url: str | None,
    state: MoveState = MoveState(),
    confirmations: int = MOVE_CONFIRMATIONS,
) -> tuple[str | None, MoveState]:
    """After a poll: the URL to store now (or None) and the state to keep for the next poll.

    `permanent_url` is Fetched.permanent_url (None when the poll was not permanently
    redirected, which resets the evidence). Same host (http->https, or a new path): at
    once. Another host: only after `confirmations` consecutive polls agree. Pure.
    """
    if not permanent_url or permanent_url == current_url:
        return None, MoveState()
    if same_host_upgrade(current_url, permanent_url):
        return permanent_url, MoveState()
    count = state.count + 1 if state.target == permanent_url else 1
    if count >= confirmations:
        return permanent_url, MoveState()
    return None, MoveState(permanent_url, count)
