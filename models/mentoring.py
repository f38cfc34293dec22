"""Mentoring: who takes part (and as what), the pairs and circles, logged sessions, and each
person's confidential "don't pair me with" list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class MentoringEnrollment(Base):
    """One row per person and role (`mentor`, `mentee` or `circle`); `active` false once left."""

    __tablename__ = "mentoring_enrollments"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentoringAvoid(Base):
    """`user_id` never wants to be paired with `avoid_user_id`. Seen by nobody else."""

    __tablename__ = "mentoring_avoids"
    __table_args__ = (UniqueConstraint("team_id", "user_id", "avoid_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    avoid_user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentoringGroup(Base):
    """A mentoring pair (`pair`) or a peer coaching circle (`circle`) for one horizon.

    `introduced_at` and `thanked_at` are the outbox: the pairing job delivers the group-DM
    introduction and the closing thanks until they are set, each exactly once.
    """

    __tablename__ = "mentoring_groups"
    __table_args__ = (Index("ix_mentoring_groups_team_ended", "team_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(255), default="")
    round_key: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    thanked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MentoringGroupMember(Base):
    """A person in a group, as `mentor`, `mentee` or `peer`; `left_at` if they left early."""

    __tablename__ = "mentoring_group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_mentoring_group_members_team_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MentoringSession(Base):
    """A session that happened, logged by one person with another; counts for both."""

    __tablename__ = "mentoring_sessions"
    __table_args__ = (Index("ix_mentoring_sessions_team_created", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentoring_groups.id", ondelete="SET NULL"), nullable=True
    )
    logged_by: Mapped[str] = mapped_column(String(32))
    with_user: Mapped[str] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
