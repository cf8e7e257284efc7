"""Helpers for tests on a real database (SQLite file or the PostgreSQL of TRACKER_TEST_DATABASE_URL)."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData


def drop_all(engine: Engine) -> None:
    """Drop every table of the database, alembic_version included (PostgreSQL tests share one database)."""
    md = MetaData()
    md.reflect(engine)
    md.drop_all(engine)
