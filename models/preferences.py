"""What each person chose about their own bandwidth and interests. Nobody else sees it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class MemberPreferences(Base):
    """One row per person who changed anything; absent means the defaults."""

    __tablename__ = "member_preferences"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: Slack profile's
    work_start_minute: Mapped[int] = mapped_column(Integer, default=9 * 60)
    work_end_minute: Mapped[int] = mapped_column(Integer, default=17 * 60)
    work_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    weekly_nudge_cap: Mapped[int] = mapped_column(Integer, default=3)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opt_out_prompts: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_pairing: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_suggestions: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_out_digest_mentions: Mapped[bool] = mapped_column(Boolean, default=False)
    # No note the first time one of their emoji reactions counts as a thank-you.
    opt_out_thanks_note: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_mentions: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberTopic(Base):
    """A topic someone can help with (lower-case, no `#`)."""

    __tablename__ = "member_topics"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "topic"),
        Index("ix_member_topics_team_topic", "team_id", "topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
