"""Help requests: the request, who offered or helped, who was suggested, and the thank-yous."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class HelpRequest(Base):
    """One request for help, posted as a card in a channel.

    `key` (a random hex id) is what the card's buttons carry, so a click can only ever find
    a request in its own workspace. `status` is open, resolved or stale.
    """

    __tablename__ = "help_requests"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_help_requests_team_status_created", "team_id", "status", "created_at"),
        Index("ix_help_requests_team_channel_message", "team_id", "channel_id", "message_ts"),
        Index("ix_help_requests_team_requester", "team_id", "requester_id"),
        Index("ix_help_requests_team_created", "team_id", "created_at", "requester_id"),
        Index("ix_help_requests_team_resolved", "team_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    requester_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
    urgency: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_offer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    stale_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class HelpOffer(Base):
    """Someone who offered (the button) or helped in the card's thread; one row per person.

    `created_at` is the first of the two, so time to first offer is a min over these rows.
    """

    __tablename__ = "help_offers"
    __table_args__ = (
        UniqueConstraint("request_id", "helper_id"),
        Index("ix_help_offers_team_helper_created", "team_id", "helper_id", "created_at"),
        Index("ix_help_offers_team_created", "team_id", "created_at", "helper_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("help_requests.id", ondelete="CASCADE")
    )
    helper_id: Mapped[str] = mapped_column(String(32))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HelpSuggestion(Base):
    """Who a card suggested, so the next request can rotate to someone else."""

    __tablename__ = "help_suggestions"
    __table_args__ = (
        UniqueConstraint("request_id", "user_id"),
        Index("ix_help_suggestions_team_user_created", "team_id", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("help_requests.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(32))
    mention: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HelpThanks(Base):
    """The thank-you a resolved request gives each person who helped: thanks given and received."""

    __tablename__ = "help_thanks"
    __table_args__ = (
        UniqueConstraint("request_id", "receiver_id"),
        Index("ix_help_thanks_team_receiver", "team_id", "receiver_id"),
        Index("ix_help_thanks_team_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("help_requests.id", ondelete="CASCADE")
    )
    giver_id: Mapped[str] = mapped_column(String(32))
    receiver_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
