"""insights: members' Slack profile title, and indexes for counting by team and time

Revision ID: 0016
Revises: 0015

`members.title` is the Slack profile's title, the department insights fall back to when a
member set none. The indexes let the insights' aggregates read one workspace's period
(`team_id`, then the moment) instead of every row of the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    (
        "ix_members_insights",
        "members",
        ("team_id", "user_id", "is_bot", "deleted", "created_at", "department", "title"),
    ),
    ("ix_kudos_team_created", "kudos", ("team_id", "created_at", "giver_id", "receiver_id")),
    (
        "ix_thanks_team_created",
        "thanks",
        ("team_id", "created_at", "giver_id", "receiver_id", "retracted_at"),
    ),
    (
        "ix_help_offers_team_created",
        "help_offers",
        ("team_id", "created_at", "helper_id", "request_id"),
    ),
    (
        "ix_help_requests_team_created",
        "help_requests",
        ("team_id", "created_at", "requester_id"),
    ),
    ("ix_help_requests_team_resolved", "help_requests", ("team_id", "resolved_at")),
    ("ix_feedback_requests_team_requested", "feedback_requests", ("team_id", "requested_at")),
    ("ix_feedback_requests_team_answered", "feedback_requests", ("team_id", "answered_at")),
    (
        "ix_feedback_team_created",
        "feedback",
        ("team_id", "created_at", "giver_id", "receiver_id"),
    ),
    ("ix_share_replies_team_created", "share_replies", ("team_id", "created_at")),
)


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title", sa.String(length=255), nullable=False, server_default="")
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("title", server_default=None)
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("title")
