"""Who may see insights beyond Slack's admins, who wants the monthly summary, and the
dashboard links already used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class InsightsViewer(Base):
    """A person and insights: listed by an admin (`listed`), and/or opted in to the monthly
    summary (`monthly`; it goes only to who may see insights when it is sent)."""

    __tablename__ = "insights_viewers"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UsedDashboardLink(Base):
    """A dashboard sign-in link that was followed: each works once (its id is the key)."""

    __tablename__ = "used_dashboard_links"

    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
