"""Logged mentoring sessions: who met, who helped whom, counted once a day per pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.mentoring.groups import MAX_NOTES, MENTEE, MENTOR, PAIR, check_other_person
from bot.services.people import Person, remember_members
from models.mentoring import (
    MentoringGroup,
    MentoringGroupMember,
    MentoringSession,
)


@dataclass(frozen=True)
class LoggedSession:
    """A logged session. `helped_id` is who gets offered to send `helper_id` feedback."""

    id: int
    team_id: str
    logged_by: str
    with_user: str
    group_id: int | None
    helper_id: str
    helped_id: str
    partner_id: str  # the person the caller named
    already: bool  # the same two people had logged a session today; counted once
    about: str = ""  # what the feedback offer calls it: one offer per pair or circle


def feedback_about(kind: str, started_at: datetime) -> str:
    """Names the group in the feedback offer; its start date makes it one offer per group."""
    what = "your mentoring sessions" if kind == PAIR else "your coaching circle"
    return f"{what} (since {started_at.day} {started_at:%b %Y})"


# ----- sessions ----------
def session_count(
    *, session: Session, team_id: str, user_id: str, since: datetime | None = None
) -> int:
    """Sessions this person took part in (logged by them or by the other person)."""
    stmt = select(func.count(MentoringSession.id)).where(
        MentoringSession.team_id == team_id,
        or_(MentoringSession.logged_by == user_id, MentoringSession.with_user == user_id),
    )
    if since is not None:
        stmt = stmt.where(MentoringSession.created_at >= since)
    return int(session.scalar(stmt) or 0)


def log_session(
    *, session: Session, team_id: str, logger: Person, other: Person, notes: str, now: datetime
) -> LoggedSession:
    """Record that a session happened between two people who are (or were) paired."""
    check_other_person(logger.id, other, doing="log a session with")
    notes = notes.strip()
    if not notes:
        raise DomainError("Add a line about it: `/mentor log @name talked through the roadmap`.")
    if len(notes) > MAX_NOTES:
        raise DomainError(
            f"Those notes are {len(notes):,} characters; please keep them under {MAX_NOTES:,}."
        )
    group = _shared_group(session=session, team_id=team_id, a=logger.id, b=other.id)
    if group is None:
        raise DomainError(
            f"You and {other.label} aren't paired in the mentoring program, so I can't log "
            "that session. `/mentor status` shows who you're paired with."
        )
    roles = {
        m.user_id: m.role
        for m in session.scalars(
            select(MentoringGroupMember).where(MentoringGroupMember.group_id == group.id)
        )
    }
    if roles.get(logger.id) == MENTOR or roles.get(other.id) == MENTEE:
        helper, helped = logger.id, other.id
    else:
        helper, helped = other.id, logger.id
    day = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    earlier = session.scalars(
        select(MentoringSession).where(
            MentoringSession.team_id == team_id,
            MentoringSession.created_at >= day,
            or_(
                (MentoringSession.logged_by == logger.id)
                & (MentoringSession.with_user == other.id),
                (MentoringSession.logged_by == other.id)
                & (MentoringSession.with_user == logger.id),
            ),
        )
    ).first()
    if earlier is None:
        remember_members(session=session, people=(logger, other), now=now)
        earlier = MentoringSession(
            team_id=team_id,
            group_id=group.id,
            logged_by=logger.id,
            with_user=other.id,
            notes=notes,
            created_at=now,
        )
        session.add(earlier)
        session.flush()
        already = False
    else:
        already = True
    return LoggedSession(
        id=earlier.id,
        team_id=team_id,
        logged_by=earlier.logged_by,
        with_user=earlier.with_user,
        group_id=group.id,
        helper_id=helper,
        helped_id=helped,
        partner_id=other.id,
        already=already,
        about=feedback_about(group.kind, group.started_at),
    )


def _shared_group(*, session: Session, team_id: str, a: str, b: str) -> MentoringGroup | None:
    """The group both are in: an active one first, else the most recent."""
    mine = select(MentoringGroupMember.group_id).where(
        MentoringGroupMember.team_id == team_id, MentoringGroupMember.user_id == a
    )
    theirs = select(MentoringGroupMember.group_id).where(
        MentoringGroupMember.team_id == team_id, MentoringGroupMember.user_id == b
    )
    stmt = (
        select(MentoringGroup)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.id.in_(mine),
            MentoringGroup.id.in_(theirs),
        )
        .order_by(MentoringGroup.ended_at.is_not(None), MentoringGroup.started_at.desc())
    )
    return session.scalars(stmt).first()
