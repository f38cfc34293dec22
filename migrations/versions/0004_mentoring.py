"""mentoring: enrollments, confidential avoid lists, pairs and circles, logged sessions

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentoring_avoids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("avoid_user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_avoids")),
        sa.UniqueConstraint(
            "team_id",
            "user_id",
            "avoid_user_id",
            name=op.f("uq_mentoring_avoids_team_id_user_id_avoid_user_id"),
        ),
    )
    op.create_table(
        "mentoring_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_enrollments")),
        sa.UniqueConstraint(
            "team_id", "user_id", "role", name=op.f("uq_mentoring_enrollments_team_id_user_id_role")
        ),
    )
    op.create_table(
        "mentoring_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("round_key", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("introduced_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("thanked_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_groups")),
    )
    with op.batch_alter_table("mentoring_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_groups_team_ended", ["team_id", "ended_at"], unique=False
        )
    op.create_table(
        "mentoring_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("left_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["mentoring_groups.id"],
            name=op.f("fk_mentoring_group_members_group_id_mentoring_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_group_members")),
        sa.UniqueConstraint(
            "group_id", "user_id", name=op.f("uq_mentoring_group_members_group_id_user_id")
        ),
    )
    with op.batch_alter_table("mentoring_group_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_group_members_team_user", ["team_id", "user_id"], unique=False
        )
    op.create_table(
        "mentoring_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("logged_by", sa.String(length=32), nullable=False),
        sa.Column("with_user", sa.String(length=32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["mentoring_groups.id"],
            name=op.f("fk_mentoring_sessions_group_id_mentoring_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_sessions")),
    )
    with op.batch_alter_table("mentoring_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_sessions_team_created", ["team_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mentoring_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_sessions_team_created")
    op.drop_table("mentoring_sessions")
    with op.batch_alter_table("mentoring_group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_group_members_team_user")
    op.drop_table("mentoring_group_members")
    with op.batch_alter_table("mentoring_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_groups_team_ended")
    op.drop_table("mentoring_groups")
    op.drop_table("mentoring_enrollments")
    op.drop_table("mentoring_avoids")
