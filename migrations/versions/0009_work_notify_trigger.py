"""PostgreSQL: a new work item wakes the idle workers from the database itself

Revision ID: 0009
Revises: 0008

A statement-level trigger sends `NOTIFY work_items` (delivered at commit, once per
transaction) after every insert into `work_items`, so the ack's commit needs no round trip
of its own to wake the workers. SQLite has no LISTEN/NOTIFY; its workers poll.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION work_items_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('work_items', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER work_items_notify AFTER INSERT ON work_items "
        "FOR EACH STATEMENT EXECUTE FUNCTION work_items_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS work_items_notify ON work_items")
    op.execute("DROP FUNCTION IF EXISTS work_items_notify()")
