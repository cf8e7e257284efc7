"""What one poll of one feed means: the decider.

Pure: no I/O, no clock, no logging. It only processes data: the feed's state, what its
poll found, the candidate pauses and `now` in; a FeedIntent out, which the poll engine
(tracker.poll) writes and logs. Does not fetch, parse, store, route or render.

    failed poll       failed(feed, error, jitter, now)            -> FeedIntent
    304, same body    unchanged(feed, fetched, jitter, now)       -> FeedIntent
    a new body        evidence(feed, digested, articles, now)     -> the mentions of the new
                                                                     or edited articles
                      fetched(feed, fetched, digested, articles, replaced, evidence,
                              pauses, now, ...)                   -> FeedIntent

`pauses` (Candidates) are needed only when there is evidence or an edited article: the
engine reads them then, and keeps them in memory across a batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from .errors import TrackerError
from .feeds import health, policy
from .lifecycle import Ancestors, Zones, country_only, no_zones, reconcile, source_of
from .types import Article, Evidence, FeedIntent, FeedState, Pause, PollOutcome, Update

if TYPE_CHECKING:
    from .feeds.fetch import Fetched
    from .poller import Digested


@dataclass(frozen=True, slots=True)
class Candidates:
    """The pauses new evidence may join, and the evidence each holds (by pause id)."""

    pauses: Sequence[Pause]
    known: Mapping[int, Sequence[Evidence]]


NO_CANDIDATES = Candidates((), {})


def failed(feed: FeedState, error: TrackerError, jitter: float, now: datetime) -> FeedIntent:
    """A poll that failed: back off (feeds.policy; a 410 disables the feed), and raise a
    "source unhealthy" alert when it is gone or has just failed UNHEALTHY_FAILURES times."""
    failures = feed.consecutive_failures + 1
    nxt = policy.next_poll_after_error(now, feed.every_seconds, failures, error, jitter=jitter)
    gone = nxt.at is None
    outcome = PollOutcome("gone" if gone else "error", nxt.at, error=str(error))
    alert = health.failed(feed, failures, gone, str(error), now)
    return FeedIntent(feed, "error", outcome, health=alert, error=str(error), warnings=(nxt.why,))


def unchanged(feed: FeedState, fetched: Fetched, jitter: float, now: datetime) -> FeedIntent:
    """A 304, or the same body again: the next poll (the publisher's freshness counts),
    the validators kept, a permanent move counted; silent too long raises an alert."""
    moved, move = policy.decide_move(feed.effective_url, fetched.permanent_url, policy.MoveState(feed.moved_to, feed.moved_count))
    nxt = policy.next_poll_after_success(now, feed.every_seconds, fresh_for=fetched.fresh_for, ttl_seconds=feed.ttl_seconds, jitter=jitter)
    outcome = PollOutcome(
        "not modified" if fetched.not_modified else "unchanged", nxt.at,
        etag=fetched.etag or feed.etag, last_modified=fetched.last_modified or feed.last_modified,
        fetch_url=moved, moved_to=move.target, moved_count=move.count,
    )  # fmt: skip
    return FeedIntent(feed, "not modified", outcome, health=health.silent(feed, outcome, now), moved=moved)


def evidence(feed: FeedState, d: Digested, articles: Sequence[Article], now: datetime) -> list[Evidence]:
    """The mentions of the new or changed `articles` (their keys as the store knows them:
    a re-issued guid keeps its stored key), as evidence."""
    if not any(d.mentions):
        return []
    read = {(a.content_hash, a.published): m for a, m in zip(d.articles, d.mentions, strict=True) if m}
    out = []
    for a in articles:
        mentions = read.get((a.content_hash, a.published), ())
        if mentions:
            src = source_of(a.link, feed.name, a.text)
            out += [Evidence(m, a.key, src, a.link, a.published or now) for m in mentions]
    return out


def fetched(
    feed: FeedState,
    fetched: Fetched,
    d: Digested,
    articles: Sequence[Article],
    replaced: frozenset[str],
    evidence: Sequence[Evidence],
    pauses: Candidates,
    now: datetime,
    jitter: float,
    reused_guids: int = 0,
    ancestors: Ancestors = country_only,
    zones: Zones = no_zones,
) -> FeedIntent:
    """A new body, parsed and read: the new or edited `articles` (store.Tx.new_or_changed)
    to upsert, their `evidence` reconciled with the candidate `pauses` (lifecycle), the
    next poll. Without evidence and edits, no pause is looked at."""
    moved, move = policy.decide_move(feed.effective_url, fetched.permanent_url, policy.MoveState(feed.moved_to, feed.moved_count))
    warnings = [w for w in (d.warning,) if w]
    if reused_guids:
        warnings.append(f"guid reused: {reused_guids} entries carry the guid of a stored entry with another link and title; kept apart by guid and link")
    updates: list[Update] = []
    if evidence or replaced:
        updates, skipped = _reconcile(pauses, list(evidence), replaced, now, ancestors, zones)
        if skipped:
            warnings.append(skipped)
    nxt = policy.next_poll_after_success(now, feed.every_seconds, fresh_for=fetched.fresh_for, ttl_seconds=d.ttl_seconds, jitter=jitter)
    outcome = PollOutcome(
        f"ok {fetched.status}", nxt.at, etag=fetched.etag, last_modified=fetched.last_modified,
        body_sha256=fetched.sha256, ttl_seconds=d.ttl_seconds, fetch_url=moved, moved_to=move.target,
        moved_count=move.count, new_articles=len(articles) - len(replaced),
    )  # fmt: skip
    quiet = health.silent(feed, outcome, now) if not outcome.new_articles else None
    return FeedIntent(feed, "ok", outcome, tuple(articles), tuple(updates), quiet, moved, tuple(warnings))


def _reconcile(
    pauses: Candidates, evidence: list[Evidence], replaced: frozenset[str], now: datetime, ancestors: Ancestors, zones: Zones
) -> tuple[list[Update], str | None]:
    """lifecycle.reconcile, guarded: when it raises (a bug, or numbers past what a datetime
    holds, such as a 99,999,999-day ceasefire), each article's mentions are tried alone and
    those that raise are skipped (named in the warning returned), so one item never fails
    its feed. Raises TrackerError only when the rest fails together too."""
    run = partial(reconcile, pauses.pauses, now=now, known=pauses.known, replaced=replaced, ancestors=ancestors, zones=zones)
    try:
        return run(evidence=evidence), None
    except Exception as e:  # noqa: BLE001 - isolate the article at fault
        first = e
    bad: dict[str, str] = {}
    for key in dict.fromkeys(ev.article_key for ev in evidence):
        try:
            run(evidence=[ev for ev in evidence if ev.article_key == key])
        except Exception as e:  # noqa: BLE001
            bad[key] = f"{e.__class__.__name__}: {e}"
    named = ", ".join(f"{k!r} ({why})" for k, why in list(bad.items())[:3]) or f"none alone ({first.__class__.__name__}: {first})"
    skipped = f"the mentions of {len(bad)} entries could not be reconciled, skipped: {named}"
    try:
        return run(evidence=[ev for ev in evidence if ev.article_key not in bad]), skipped
    except Exception as e:  # noqa: BLE001
        raise TrackerError(f"internal error reconciling its mentions: {e.__class__.__name__}: {e}") from e
