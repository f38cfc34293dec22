"""Feedback: who asked whom (one row per reviewer), what was given, and one-time offers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class FeedbackRequest(Base):
    """One reviewer's share of a request; `/feedback request @a @b` is two rows with one batch_id.

    A cycle is `requested_at` → `answered_at` with status `given`; `reminded_at` records the
    one gentle reminder so it is never sent twice.
    """

    __tablename__ = "feedback_requests"
    __table_args__ = (
        UniqueConstraint("team_id", "batch_id", "reviewer_id"),
        Index("ix_feedback_requests_team_reviewer_status", "team_id", "reviewer_id", "status"),
        Index("ix_feedback_requests_team_requester", "team_id", "requester_id", "requested_at"),
        Index("ix_feedback_requests_team_requested", "team_id", "requested_at"),
        Index("ix_feedback_requests_team_answered", "team_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    batch_id: Mapped[str] = mapped_column(String(36))
    requester_id: Mapped[str] = mapped_column(String(32))
    reviewer_id: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(300), nullable=True)
    message_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | given | declined
    dm_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    dm_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FeedbackOffer(Base):
    """The one invitation to send feedback after help or a mentoring session, per occasion."""

    __tablename__ = "feedback_offers"
    __table_args__ = (UniqueConstraint("team_id", "helped_id", "helper_id", "about"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    helped_id: Mapped[str] = mapped_column(String(32))
    helper_id: Mapped[str] = mapped_column(String(32))
    about: Mapped[str] = mapped_column(String(300))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Feedback(Base):
    """Feedback as given. Its text is shown only to the receiver: never logged or exported."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("request_id"),
        UniqueConstraint("offer_id"),
        Index("ix_feedback_team_receiver_created", "team_id", "receiver_id", "created_at"),
        Index("ix_feedback_team_giver_created", "team_id", "giver_id", "created_at"),
        Index("ix_feedback_team_created", "team_id", "created_at", "giver_id", "receiver_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    giver_id: Mapped[str] = mapped_column(String(32))
    receiver_id: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="SET NULL"), nullable=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_offers.id", ondelete="SET NULL"), nullable=True
    )
    topic: Mapped[str | None] = mapped_column(String(300), nullable=True)
    situation: Mapped[str] = mapped_column(Text)
    behaviour: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str] = mapped_column(Text)
    went_well: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_as_written: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    origin: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    """The queued work that gave it, so a retry finds it (bot/work.py:stable_id)."""
