"""enterprise ids and uninstalls: every workspace row carries its Enterprise Grid org; a
workspace remembers when the app was uninstalled from it

Revision ID: 0013
Revises: 0012

- `enterprise_id` (nullable): on every table that has `team_id`, the Enterprise Grid org the
  workspace belongs to, None outside Grid. Existing rows stay None (nothing knew it yet).
- `workspaces.uninstalled_at` (nullable): when Slack said the app was uninstalled there (or
  its bot token revoked); while set, no scheduled work runs for that workspace.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "buddy_volunteers",
    "channel_settings",
    "feedback",
    "feedback_offers",
    "feedback_requests",
    "help_offers",
    "help_requests",
    "help_suggestions",
    "help_thanks",
    "job_claims",
    "kudos",
    "member_preferences",
    "member_topics",
    "members",
    "mentoring_avoids",
    "mentoring_enrollments",
    "mentoring_group_members",
    "mentoring_groups",
    "mentoring_sessions",
    "nudges",
    "onboarding_hires",
    "onboarding_programmes",
    "posted_messages",
    "share_prompts",
    "share_replies",
    "stories",
    "story_channels",
    "story_consents",
    "thanks",
    "work_items",
    "workspaces",
)
"""Every table with a `team_id` at this revision (a later table declares its own)."""


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("uninstalled_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("uninstalled_at")
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("enterprise_id")
