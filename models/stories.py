"""Stories worth retelling: a nominated moment, each named person's consent, and the channel
an admin chose for the monthly post."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Story(Base):
    """One nominated story. `status` is `pending` (consent asked) or `agreed` (everyone named
    said yes). A "Rather not" deletes the row and its consents: nothing of it is kept."""

    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_stories_team_status_agreed", "team_id", "status", "agreed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32))  # the queued work that nominated it (stable_id)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sharer_id: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    message_text: Mapped[str] = mapped_column(Text, default="")
    why: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StoryConsent(Base):
    """One named person's answer: `asked` until they press a button, then `yes`."""

    __tablename__ = "story_consents"
    __table_args__ = (
        UniqueConstraint("story_id", "user_id"),
        Index("ix_story_consents_team_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(16))  # asked | yes
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StoryChannel(Base):
    """Where a workspace's monthly stories go (`/reciprocity admin stories #channel`)."""

    __tablename__ = "story_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
