"""Nudges: every DM the bot starts on its own, queued, sent or dropped (for the weekly cap)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Nudge(Base):
    """One nudge to one member: `(team, user, kind, key)` is unique, so it happens once.

    status is `pending` (waits for `not_before`), `sent` (counts towards the weekly cap from
    `sent_at`) or `dropped` (`reason` says why). The message is kept only while pending.
    """

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "kind", "key"),
        Index("ix_nudges_status_not_before", "status", "not_before"),
        Index("ix_nudges_team_user_sent", "team_id", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
