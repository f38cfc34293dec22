"""one durable queue: work items with a status, leases and retries (events included), and
the keys of messages posted from queued or scheduled work

Revision ID: 0008
Revises: 0007

Queued requests and the event inbox's rows are carried over: a queued request stays
pending, an event already seen stays `done` (so a late redelivery is still recognised).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    queued = bind.execute(
        sa.text("SELECT id, team_id, function, body, headers, enqueued_at FROM work_items").columns(
            headers=sa.JSON
        )
    ).all()
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_taken_id")
    op.drop_table("work_items")
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("natural_key", sa.String(length=400), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", _TIME, nullable=False),
        sa.Column("available_at", _TIME, nullable=False),
        sa.Column("leased_until", _TIME, nullable=True),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("finished_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        sa.UniqueConstraint("key", name=op.f("uq_work_items_key")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_work_items_natural_key")),
    )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_work_items_status_available_id", ["status", "available_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_work_items_finished_at"), ["finished_at"], unique=False
        )
    for row in queued:
        bind.execute(
            sa.text(
                "INSERT INTO work_items (key, kind, team_id, function, body, headers, status,"
                " attempts, enqueued_at, available_at) VALUES (:key, 'request', :team_id,"
                " :function, :body, :headers, 'pending', 0, :enqueued_at, :enqueued_at)"
            ).bindparams(sa.bindparam("headers", type_=sa.JSON)),
            {
                "key": f"legacy:{row.id}",
                "team_id": row.team_id,
                "function": row.function,
                "body": row.body,
                "headers": row.headers,
                "enqueued_at": row.enqueued_at,
            },
        )
    op.execute(
        "INSERT INTO work_items (key, natural_key, kind, team_id, function, headers, status,"
        " attempts, enqueued_at, available_at, finished_at)"
        " SELECT 'event:' || event_id, natural_key, event_type, team_id, '', '{}', 'done', 1,"
        " received_at, received_at, received_at FROM processed_events"
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_received_at"))
    op.drop_table("processed_events")

    op.create_table(
        "posted_messages",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_posted_messages")),
    )
    with op.batch_alter_table("posted_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_posted_messages_posted_at"), ["posted_at"], unique=False
        )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_feedback_origin"), ["origin"])


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_feedback_origin"), type_="unique")
        batch_op.drop_column("origin")
    with op.batch_alter_table("posted_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posted_messages_posted_at"))
    op.drop_table("posted_messages")

    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("natural_key", sa.String(length=400), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_processed_events_natural_key")),
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_events_received_at"), ["received_at"], unique=False
        )
    op.execute(
        "INSERT INTO processed_events (event_id, natural_key, team_id, event_type, received_at)"
        " SELECT substr(key, 7, 64), natural_key, team_id, substr(kind, 1, 64), enqueued_at"
        " FROM work_items WHERE key LIKE 'event:%' AND natural_key IS NOT NULL"
    )
    bind = op.get_bind()
    pending = bind.execute(
        sa.text(
            "SELECT team_id, function, body, headers, enqueued_at FROM work_items"
            " WHERE status = 'pending' AND function != '' AND body IS NOT NULL"
        ).columns(headers=sa.JSON)
    ).all()
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_status_available_id")
        batch_op.drop_index(batch_op.f("ix_work_items_finished_at"))
    op.drop_table("work_items")
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("enqueued_at", _TIME, nullable=False),
        sa.Column("taken_at", _TIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
    )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index("ix_work_items_taken_id", ["taken_at", "id"], unique=False)
    for row in pending:
        bind.execute(
            sa.text(
                "INSERT INTO work_items (team_id, function, body, headers, enqueued_at, attempts)"
                " VALUES (:team_id, :function, :body, :headers, :enqueued_at, 0)"
            ).bindparams(sa.bindparam("headers", type_=sa.JSON)),
            row._asdict(),
        )
