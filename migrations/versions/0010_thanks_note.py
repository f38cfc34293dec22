"""thanks note: when a member was told their emoji counted as a thank-you, and their opt-out

Revision ID: 0010
Revises: 0009

`members.thanks_noted_at` is set in the transaction that records someone's first counted
emoji thanks, so the one ephemeral note about it is sent at most once, however often the
event is redelivered or the work taken over. `member_preferences.opt_out_thanks_note` is
the settings modal's switch to never get it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("thanks_noted_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("member_preferences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "opt_out_thanks_note", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("member_preferences", schema=None) as batch_op:
        batch_op.alter_column("opt_out_thanks_note", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("member_preferences", schema=None) as batch_op:
        batch_op.drop_column("opt_out_thanks_note")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("thanks_noted_at")
