"""Onboarding buddies: the programme a workspace's admins turn on, the people who volunteer as
buddies, and each new hire's month in the programme (who their buddy is, what was sent)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class OnboardingProgramme(Base):
    """One row per workspace that ever turned the programme on.

    `turned_on_by` are the admins told, privately, when no buddy is free; `volunteers_asked_at`
    is set when they were told, so they are told once per shortage (cleared by the next match).
    """

    __tablename__ = "onboarding_programmes"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    turned_on_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    volunteers_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BuddyVolunteer(Base):
    """Someone who welcomes new hires as their buddy, up to `capacity` at a time."""

    __tablename__ = "buddy_volunteers"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OnboardingHire(Base):
    """A new member in the programme, from `team_join` to the horizon.

    Each step's time is its outbox: the onboarding job does a step until it is set (and claims
    it, so it happens once). A row with a buddy and `thanked_at` is that buddy's contribution.
    """

    __tablename__ = "onboarding_hires"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        Index("ix_onboarding_hires_team_finished", "team_id", "finished_at"),
        Index("ix_onboarding_hires_team_buddy", "team_id", "buddy_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")  # their profile's, at joining
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    horizon_at: Mapped[datetime] = mapped_column(UTCDateTime)
    buddy_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the group DM
    welcomed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checkins: Mapped[list[int]] = mapped_column(JSON, default=list)  # working days handed over
    answers: Mapped[list[str]] = mapped_column(JSON, default=list)  # "5:good", "10:hand"
    thanked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
