"""Helpers for tests on a real database (SQLite file or the PostgreSQL of TRACKER_TEST_DATABASE_URL)."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData


def drop_all(engine: Engine) -> None:
    """Drop every table of the database, alembic_version included (PostgreSQL tests share one database)."""
    md = MetaData()
    md.reflect(engine)
    md.drop_all(engine)


# The store writes through one transaction API (Store.transaction -> Tx); these say the
# common test steps in one line, through that same API.


def save(store, now, feed_id, articles, updates, route=lambda pause, change: [], render=None):
    """Upsert `articles` and write pause `updates` with the alerts they cause, in ONE
    transaction, as the poll engine does (tracker.pipeline.save_updates). Returns the
    saved changes."""
    from tracker.poll import save_updates

    with store.transaction() as tx:
        want = {ev.article_key for u in updates for ev in u.evidence}
        ids = tx.upsert_articles(now, [(feed_id, a) for a in articles], want)
        return [c for _, changes in save_updates(tx, now, ids, updates, route, render) for c in changes]


def new_or_changed(store, articles, feed_id=None):
    """Tx.new_or_changed for one feed's articles."""
    if not articles:
        return [], frozenset()
    with store.transaction() as tx:
        return tx.new_or_changed([(feed_id, articles)])[0]


def candidates(store, now):
    with store.transaction() as tx:
        return tx.candidates(now)


def record_poll(store, feed_id, now, outcome):
    """Tx.record_polls for one feed; returns the feed as it is now."""
    with store.transaction() as tx:
        return tx.record_polls(now, [(feed_id, outcome)]).get(feed_id)
