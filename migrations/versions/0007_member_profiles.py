"""member profiles: the Slack profile fields the ack path checks people with

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = ("deleted", "is_admin", "is_owner")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("real_name", sa.String(length=255), nullable=False, server_default="")
        )
        for flag in _FLAGS:
            batch_op.add_column(
                sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch_op.add_column(
            sa.Column("profile_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        for column in ("name", "real_name", *_FLAGS):
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("roster_synced_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("roster_synced_at")
    with op.batch_alter_table("members", schema=None) as batch_op:
        for column in ("profile_at", *reversed(_FLAGS), "real_name", "name"):
            batch_op.drop_column(column)
