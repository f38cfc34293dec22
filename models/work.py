"""The one durable queue: every piece of work Slack was told is accepted, until it is done.

A row is written (and committed) before Slack gets its 200: an event, or the slow part of a
command, button, form or shortcut (Bolt's lazy-listener protocol: the request plus the
`x-slack-bolt-lazy-only` / `x-slack-bolt-lazy-function-name` headers). Workers lease rows,
run them, and mark them `done` (the payload is dropped then), or, after repeated failures,
`dead` (kept, for `app.py inbox --retry`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

PENDING, DONE, DEAD = "pending", "done", "dead"
PENDING_ONLY = "status = 'pending'"


class WorkItem(Base):
    """`key` makes a redelivery (the same event id, or a replayed signed request) a no-op;
    `natural_key` catches Slack's delivering one happening under two event ids."""

    __tablename__ = "work_items"
    # Workers take the oldest pending item: the first entry of an index of pending items only,
    # however many done rows (kept a week, for redeliveries) come before it. Queries name
    # 'pending' literally (PENDING_ONLY), so that even a prepared statement's plan uses it.
    __table_args__ = (
        Index(
            "ix_work_items_pending",
            "id",
            postgresql_where=text(PENDING_ONLY),
            sqlite_where=text(PENDING_ONLY),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    natural_key: Mapped[str | None] = mapped_column(String(400), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))  # event type or request type, for `inbox`
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    function: Mapped[str] = mapped_column(String(200))  # the lazy function; "" for an event
    body: Mapped[str | None] = mapped_column(Text, nullable=True)  # dropped once done
    headers: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    leased_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


class PostedMessage(Base):
    """A message the bot posted from queued or scheduled work, under its key: never twice."""

    __tablename__ = "posted_messages"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
