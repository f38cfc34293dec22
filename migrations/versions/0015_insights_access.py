"""insights access: who may see insights, the monthly summary, used dashboard links

Revision ID: 0015
Revises: 0014

`insights_viewers`: the people an admin listed for insights (`listed`) and who opted in to the
monthly summary (`monthly`). `used_dashboard_links`: the ids of dashboard sign-in links
already followed, so each works once (pruned once expired). `workspaces.insights_min_group`:
the smallest group insights show, as an admin set it (NULL: the INSIGHTS_MIN_GROUP setting).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_viewers",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("monthly", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_insights_viewers")),
    )
    op.create_table(
        "used_dashboard_links",
        sa.Column("link_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("used_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_used_dashboard_links")),
    )
    with op.batch_alter_table("used_dashboard_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_dashboard_links_expires_at"), ["expires_at"], unique=False
        )

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("insights_min_group", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("insights_min_group")

    with op.batch_alter_table("used_dashboard_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_dashboard_links_expires_at"))

    op.drop_table("used_dashboard_links")
    op.drop_table("insights_viewers")
