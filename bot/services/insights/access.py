"""Who may see insights, who gets the monthly summary, and the workspace's minimum group.

Workspace admins and owners may always see insights; an admin can list others. The list, the
monthly opt-in and the used dashboard links are rows (models/insights.py); nothing here asks
Slack: who is an admin comes in as a Person, or from the `members` copy of their profile.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.people import Person
from bot.services.workspace_data import installed
from models import InsightsViewer, Member, UsedDashboardLink, Workspace

MIN_GROUP_RANGE = (3, 10)


def _viewer(session: Session, team_id: str, user_id: str) -> InsightsViewer | None:
    return session.get(InsightsViewer, (team_id, user_id))


def is_listed(*, session: Session, team_id: str, user_id: str) -> bool:
    viewer = _viewer(session, team_id, user_id)
    return viewer is not None and viewer.listed


def may_see_insights(*, session: Session, person: Person) -> bool:
    """Admins and owners, and the people an admin listed; never a bot or a deactivated user."""
    if person.is_bot or person.deleted:
        return False
    return (
        person.is_admin
        or person.is_owner
        or is_listed(session=session, team_id=person.team_id, user_id=person.id)
    )


def may_still_see_insights(*, session: Session, team_id: str, user_id: str) -> bool:
    """The same rule from what the bot last read of their profile (the dashboard's check on
    every request: a person removed from the list, or deactivated, sees nothing more)."""
    member = session.get(Member, (team_id, user_id))
    if member is not None and (member.is_bot or member.deleted):
        return False
    if member is not None and (member.is_admin or member.is_owner):
        return True
    return is_listed(session=session, team_id=team_id, user_id=user_id)


def _upsert(session: Session, team_id: str, user_id: str, now: datetime) -> InsightsViewer:
    viewer = _viewer(session, team_id, user_id)
    if viewer is None:
        row = InsightsViewer(
            team_id=team_id,
            user_id=user_id,
            listed=False,
            monthly=False,
            created_at=now,
            updated_at=now,
        )
        if insert_once(session, row):
            return row
        viewer = _viewer(session, team_id, user_id)
        assert viewer is not None
    return viewer


def list_viewer(*, session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """List someone for insights; False if they were listed already."""
    viewer = _upsert(session, team_id, user_id, now)
    if viewer.listed:
        return False
    viewer.listed, viewer.updated_at = True, now
    return True


def unlist_viewer(*, session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Take someone off the list; False if they were not on it."""
    viewer = _viewer(session, team_id, user_id)
    if viewer is None or not viewer.listed:
        return False
    viewer.listed, viewer.updated_at = False, now
    return True


def listed_count(*, session: Session, team_id: str) -> int:
    rows = session.scalars(
        select(InsightsViewer.user_id).where(
            InsightsViewer.team_id == team_id, InsightsViewer.listed.is_(True)
        )
    )
    return len(list(rows))


def set_monthly(*, session: Session, team_id: str, user_id: str, on: bool, now: datetime) -> bool:
    """The monthly summary on or off for this person; False if it already was."""
    viewer = _upsert(session, team_id, user_id, now)
    if viewer.monthly == on:
        return False
    viewer.monthly, viewer.updated_at = on, now
    return True


def monthly_recipients(*, session: Session) -> list[tuple[str, str]]:
    """(team, user) of everyone opted in to the monthly summary who may still see insights."""
    rows = session.execute(
        select(InsightsViewer.team_id, InsightsViewer.user_id)
        .where(InsightsViewer.monthly.is_(True), installed(InsightsViewer.team_id))
        .order_by(InsightsViewer.team_id, InsightsViewer.user_id)
    ).all()
    return [
        (team_id, user_id)
        for team_id, user_id in rows
        if may_still_see_insights(session=session, team_id=team_id, user_id=user_id)
    ]


def min_group(*, session: Session, team_id: str, default: int) -> int:
    """The workspace's minimum group size, or the configured default."""
    workspace = session.get(Workspace, team_id)
    chosen = workspace.insights_min_group if workspace is not None else None
    return chosen if chosen is not None else default


def set_min_group(*, workspace: Workspace, value: str) -> int:
    low, high = MIN_GROUP_RANGE
    try:
        number = int(value.strip())
    except ValueError:
        raise DomainError(
            f"The minimum group is a number of people ({low}–{high}), "
            f"e.g. `/reciprocity admin insights min-group 5`."
        ) from None
    if not low <= number <= high:
        raise DomainError(f"The minimum group must be between {low} and {high} people.")
    workspace.insights_min_group = number
    return number


def use_link(
    *, session: Session, link_id: str, team_id: str, now: datetime, expires_at: datetime
) -> bool:
    """Mark a dashboard link used; False if it was used before (each works once)."""
    row = UsedDashboardLink(link_id=link_id, team_id=team_id, used_at=now, expires_at=expires_at)
    return insert_once(session, row)


def prune_used_links(*, session: Session, now: datetime) -> int:
    """Used links past their expiry can't be followed anyway: their ids can go."""
    result = session.execute(delete(UsedDashboardLink).where(UsedDashboardLink.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)
