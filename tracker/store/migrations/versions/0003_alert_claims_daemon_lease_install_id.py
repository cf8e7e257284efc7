"""Alert claims, the daemon lease, the install id (issue #13, items 8 and 9).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

- alert.claimed_by / alert.claimed_until: an alert is claimed (status "sending") before it
  is sent, so two processes never send one alert; a claim past its time is due again.
- lease: one row per role (`daemon`), so a second `tracker run` daemon is refused.
- install: one row, this database's random install id (made on first use, not here), in
  every webhook-id and Message-ID.

Only adds: every existing row is kept as it is (existing alerts have no claim).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "install",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("install_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "lease",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("worker", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
    op.drop_table("lease")
    op.drop_table("install")
