"""The weekly rhythm: each enrolled channel's settings, and share-and-solve prompts and replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ChannelSettings(Base):
    """A channel the bot was added to: when its digest and prompt run, where its kudos go."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: the default, UTC
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=4)  # Monday is 0
    digest_minute: Mapped[int] = mapped_column(Integer, default=15 * 60)
    # When the digest was last turned on: a due moment before it is not caught up.
    digest_since: Mapped[datetime] = mapped_column(UTCDateTime)
    prompt_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    prompt_weekday: Mapped[int] = mapped_column(Integer, default=0)
    prompt_minute: Mapped[int] = mapped_column(Integer, default=10 * 60)
    prompt_since: Mapped[datetime] = mapped_column(UTCDateTime)
    kudos_channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)
    empty_week_line: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SharePrompt(Base):
    """One share-and-solve prompt per channel per week; its message is the thread people use."""

    __tablename__ = "share_prompts"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "period"),
        Index("ix_share_prompts_team_channel_ts", "team_id", "channel_id", "message_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))  # ISO week, e.g. 2026-W48
    message_ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ShareReply(Base):
    """A reply in a prompt's thread: a challenge shared, help offered to someone, or a comment."""

    __tablename__ = "share_replies"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        Index("ix_share_replies_team_channel_created", "team_id", "channel_id", "created_at"),
        Index("ix_share_replies_team_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    prompt_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # challenge | help | comment
    helped_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
