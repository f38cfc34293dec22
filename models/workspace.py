"""Workspaces and their members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class Workspace(Base):
    """One Slack workspace (team) and the settings its admins chose."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The Enterprise Grid org it belongs to (None outside Grid); every row of the workspace
    # carries it too (bot/tenancy.py fills it on insert).
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    kudos_daily_budget: Mapped[int] = mapped_column(Integer)
    thanks_emoji: Mapped[list[str]] = mapped_column(JSON)
    kudos_values: Mapped[list[str]] = mapped_column(JSON)
    # People (besides Slack admins and owners) who may change workspace and channel settings.
    admin_user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the member list (users.list) was last copied into `members`.
    roster_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When Slack said the app was uninstalled (or its bot token revoked) here: while set, no
    # scheduled work runs for it. A request received after it clears it (bot/services/
    # workspace_data.py says the rule).
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The smallest group insights show (3-10); None: the INSIGHTS_MIN_GROUP setting.
    insights_min_group: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Member(Base):
    """What the bot knows of a person: a copy of their Slack profile, shared by every process.

    `profile_at` is when the profile was last read from Slack (None: only the id is known),
    so the ack path can check people without asking Slack.
    """

    __tablename__ = "members"
    __table_args__ = (
        # Insights join every event to its people: who is a bot, gone, since when, and where.
        Index(
            "ix_members_insights",
            "team_id",
            "user_id",
            "is_bot",
            "deleted",
            "created_at",
            "department",
            "title",
        ),
    )

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    real_name: Mapped[str] = mapped_column(String(255), default="")
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    department: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The Slack profile's title: the department insights fall back to when none was set.
    title: Mapped[str] = mapped_column(String(255), default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    profile_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When they were told their emoji reaction counted as a thank-you: the note goes out once.
    thanks_noted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
