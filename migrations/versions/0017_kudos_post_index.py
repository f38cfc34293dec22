"""kudos: an index on (team_id, post_id)

Revision ID: 0017
Revises: 0016

Every kudos reads or writes its post's rows by `post_id` — where it was posted (`message_ts`)
after each post, a post's rows for its "also thank" button and for a run that gives again —
and without an index each of those read every kudos of the workspace.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_kudos_team_post", "kudos", ["team_id", "post_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kudos_team_post", table_name="kudos")
