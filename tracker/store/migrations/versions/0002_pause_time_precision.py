"""A pause's start and end carry their precision, and the pause its place's time zone
(issue #11: local time beside UTC; "about" or "not confirmed" when the text was vague).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Old rows keep NULL: their times were stored without a precision (shown as before, in UTC),
and the next evidence or clock tick that refolds a pause fills them in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pause") as batch:
        batch.add_column(sa.Column("start_precision", sa.String(), nullable=True))
        batch.add_column(sa.Column("end_precision", sa.String(), nullable=True))
        batch.add_column(sa.Column("zone", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pause") as batch:
        batch.drop_column("zone")
        batch.drop_column("end_precision")
        batch.drop_column("start_precision")
