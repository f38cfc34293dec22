"""weekly rhythm: channel settings, share-and-solve prompts and replies

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("digest_minute", sa.Integer(), nullable=False),
        sa.Column("digest_since", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prompt_enabled", sa.Boolean(), nullable=False),
        sa.Column("prompt_weekday", sa.Integer(), nullable=False),
        sa.Column("prompt_minute", sa.Integer(), nullable=False),
        sa.Column("prompt_since", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kudos_channel_id", sa.String(length=32), nullable=True),
        sa.Column("leaderboard", sa.Boolean(), nullable=False),
        sa.Column("empty_week_line", sa.Boolean(), nullable=False),
        sa.Column("enrolled_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_channel_settings")),
    )
    op.create_table(
        "share_prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_prompts")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "period",
            name=op.f("uq_share_prompts_team_id_channel_id_period"),
        ),
    )
    with op.batch_alter_table("share_prompts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_share_prompts_team_channel_ts",
            ["team_id", "channel_id", "message_ts"],
            unique=False,
        )
    op.create_table(
        "share_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("helped_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_replies")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "message_ts",
            name=op.f("uq_share_replies_team_id_channel_id_message_ts"),
        ),
    )
    with op.batch_alter_table("share_replies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_share_replies_team_channel_created",
            ["team_id", "channel_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("share_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_share_replies_team_channel_created")
    op.drop_table("share_replies")
    with op.batch_alter_table("share_prompts", schema=None) as batch_op:
        batch_op.drop_index("ix_share_prompts_team_channel_ts")
    op.drop_table("share_prompts")
    op.drop_table("channel_settings")
