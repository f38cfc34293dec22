"""Kudos and emoji thanks: the two ways people recognise each other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Kudos(Base):
    """One receiver's share of a kudos; a kudos to three people is three rows with one post_id."""

    __tablename__ = "kudos"
    __table_args__ = (
        Index("ix_kudos_team_giver_created", "team_id", "giver_id", "created_at"),
        Index("ix_kudos_team_channel_created", "team_id", "channel_id", "created_at"),
        Index("ix_kudos_team_receiver", "team_id", "receiver_id"),
        Index("ix_kudos_team_created", "team_id", "created_at", "giver_id", "receiver_id"),
        Index("ix_kudos_team_post", "team_id", "post_id"),  # a post's rows: its ts, "also"
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    post_id: Mapped[str] = mapped_column(String(36))
    giver_id: Mapped[str] = mapped_column(String(32))
    receiver_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(80), nullable=True)
    source_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Thanks(Base):
    """A thank-you by emoji; unique per (giver, message, emoji) so a redelivery counts once."""

    __tablename__ = "thanks"
    __table_args__ = (
        UniqueConstraint("team_id", "giver_id", "channel_id", "message_ts", "emoji"),
        Index("ix_thanks_team_channel_created", "team_id", "channel_id", "created_at"),
        Index("ix_thanks_team_receiver", "team_id", "receiver_id"),
        Index(
            "ix_thanks_team_created",
            "team_id",
            "created_at",
            "giver_id",
            "receiver_id",
            "retracted_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    giver_id: Mapped[str] = mapped_column(String(32))
    receiver_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    emoji: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
