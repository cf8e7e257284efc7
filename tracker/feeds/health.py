"""Whether a feed is healthy, and the "source unhealthy" alerts its polls raise.

Pure: no I/O, no clock (`now` is passed in). Does not render and does not route: it
names the problem; alerts.render words it per channel, the store writes it once per key.

    after a poll:  failed(feed, failures, gone, error, now) -> HealthAlert | None
                   silent(feed, outcome, now)               -> HealthAlert | None
    shown:         feed_health(feed, now) -> "healthy", "failing (2)", ...
    digests:       is_stale(feed, now)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..types import FeedState, HealthAlert, PollOutcome
from .policy import UNHEALTHY_FAILURES

STALE_FAILURES = UNHEALTHY_FAILURES  # consecutive failed polls that make a feed stale in digests
STALE_PERIODS = 4  # or no successful poll for this many of its intervals


def failed(f: FeedState, failures: int, gone: bool, error: str, now: datetime) -> HealthAlert | None:
    """The alert a failed poll raises: the feed is gone (HTTP 410), or it has just failed
    UNHEALTHY_FAILURES times in a row (once per streak: the key holds when it began)."""
    if gone:
        return HealthAlert(f"health/feed-{f.id}/gone", f.name, f.effective_url, "the publisher removed it (HTTP 410); it is disabled", error)
    if failures == UNHEALTHY_FAILURES:
        key = f"health/feed-{f.id}/failing/{(f.failing_since or now).isoformat()}"
        return HealthAlert(key, f.name, f.effective_url, f"{failures} polls in a row failed", f"last error: {error}")
    return None


def silent(f: FeedState, o: PollOutcome, now: datetime) -> HealthAlert | None:
    """The alert a successful poll raises when the feed answers but has published nothing
    new for longer than its `silent_after_seconds` (once per silence: the key holds the
    last article's time). `o` is what this poll records (a new article ends the silence)."""
    last = now if (o.new_articles or f.last_article_at is None) else f.last_article_at
    quiet = now - last
    if quiet.total_seconds() <= f.silent_after_seconds:
        return None
    return HealthAlert(
        f"health/feed-{f.id}/silent/{last.isoformat()}", f.name, o.fetch_url or f.effective_url, f"no new article for {quiet.total_seconds() / 3600:.0f} hours",
        f"it answers, but has published nothing new since {last:%Y-%m-%d %H:%M} UTC",
    )


def is_stale(f: FeedState, now: datetime) -> bool:
    """A feed failing for STALE_FAILURES polls, or without success for STALE_PERIODS intervals."""
    if f.consecutive_failures >= STALE_FAILURES:
        return True
    last = f.last_success_at
    return last is not None and now - last > timedelta(seconds=f.every_seconds * STALE_PERIODS)


def feed_health(f: FeedState, now: datetime) -> str:
    """One word or phrase a person can act on, for a feed's state: what `tracker feeds`,
    its JSON and the web API show."""
    if not f.enabled:
        return f"disabled: {f.disabled_reason or 'not in the config'}"
    if f.consecutive_failures >= UNHEALTHY_FAILURES:
        return f"unhealthy: {f.consecutive_failures} failures in a row"
    if f.consecutive_failures:
        return f"failing ({f.consecutive_failures})"
    if f.last_article_at and (now - f.last_article_at).total_seconds() > f.silent_after_seconds:
        return f"silent since {f.last_article_at:%Y-%m-%d}"
    return "healthy" if f.last_polled_at else "not polled yet"


def feed_json(f: FeedState, now: datetime) -> dict:
    """The feed as `tracker feeds --json` and the web API show it."""
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "url": f.url,
        "fetch_url": f.effective_url,
        "name": f.name,
        "origin": f.origin,
        "enabled": f.enabled,
        "health": feed_health(f, now),
        "every_seconds": f.every_seconds,
        "last_status": f.last_status,
        "last_error": f.last_error,
        "last_polled_at": iso(f.last_polled_at),
        "last_success_at": iso(f.last_success_at),
        "last_article_at": iso(f.last_article_at),
        "next_poll_at": iso(f.next_poll_at),
        "consecutive_failures": f.consecutive_failures,
        "articles": f.articles,
    }
