"""Work deferred past Slack's ack: durable, so a crash or restart loses none of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class WorkItem(Base):
    """A Slack request whose lazy listener still has to run (Bolt's lazy-listener protocol)."""

    __tablename__ = "work_items"
    __table_args__ = (Index("ix_work_items_taken_id", "taken_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    function: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
