"""Several workers on one PostgreSQL (issue #16): workers, feed claims, shared channel
state, singleton jobs, and a NOTIFY when alerts are written.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

- worker: one row per live `tracker run` worker (id, host, pid, started, heartbeat,
  expires), renewed by its heartbeat.
- feed.claimed_by / feed.claimed_until: a feed is claimed before it is polled, so one
  worker polls it per period; a claim past its time is free again.
- channel_state: a channel's Retry-After hold and its last send slot (Slack's one message
  a second per webhook), shared by every worker.
- singleton: the tick and each digest run once per period across workers.
- PostgreSQL only: a statement trigger on alert inserts runs pg_notify('tracker_alerts'),
  so a waiting worker wakes when alerts are committed (compare_metadata does not see it).

Only adds: every existing row is kept as it is (existing feeds have no claim).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_alert_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tracker_alerts', '');
    RETURN NULL;
END
$$
"""
NOTIFY_TRIGGER = "CREATE TRIGGER alert_notify AFTER INSERT ON alert FOR EACH STATEMENT EXECUTE FUNCTION tracker_alert_notify()"


def upgrade() -> None:
    op.create_table(
        "worker",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "channel_state",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_send_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "singleton",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("period", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS alert_notify ON alert")
        op.execute("DROP FUNCTION IF EXISTS tracker_alert_notify()")
    with op.batch_alter_table("feed", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
    op.drop_table("singleton")
    op.drop_table("channel_state")
    op.drop_table("worker")
