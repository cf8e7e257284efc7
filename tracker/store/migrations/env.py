"""Alembic's env.py: runs the migrations on the connection tracker.store.migrate hands in.

Online only, and only through tracker.store.migrate: the connection (already inside the
transaction the caller commits) comes in `config.attributes["connection"]`. SQLite gets
render_as_batch, so later ALTERs become SQLite's copy-and-rename.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from tracker.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("pause-tracker's migrations run through `tracker db upgrade` (tracker.store.migrate), online only")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
