"""Joining and leaving mentoring, peer circles, and the confidential avoid list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services import topics as topics_service
from bot.services.mentoring.groups import (
    CIRCLE,
    MAX_TOPICS,
    MENTEE,
    MENTOR,
    PAIR,
    GroupView,
    _views,
    check_other_person,
)
from bot.services.mentoring.sessions import session_count
from bot.services.people import Person, remember_member
from models.mentoring import (
    MentoringAvoid,
    MentoringEnrollment,
    MentoringGroup,
    MentoringGroupMember,
)


@dataclass(frozen=True)
class Enrollment:
    role: str
    topics: tuple[str, ...]
    already: bool  # they were in already; topics were updated


@dataclass(frozen=True)
class LeaveResult:
    roles: tuple[str, ...]
    ended_groups: int


@dataclass(frozen=True)
class MentoringStatus:
    roles: tuple[tuple[str, tuple[str, ...]], ...]  # (role, topics) for each active role
    groups: tuple[GroupView, ...]
    sessions_logged: int
    avoiding: int


# ----- parsing ----------
def parse_topics(words: list[str]) -> tuple[str, ...]:
    """`#python, design  SQL` → ("python", "design", "sql"), by the same rule as
    `/reciprocity topics`, and at most MAX_TOPICS of them."""
    topics = topics_service.parse_topics(" ".join(words))
    if len(topics) > MAX_TOPICS:
        raise DomainError(f"Up to {MAX_TOPICS} topics, please — pick the ones that matter most.")
    return tuple(topics)


# ----- joining and leaving ----------
def join(
    *, session: Session, person: Person, role: str, topics: tuple[str, ...], now: datetime
) -> Enrollment:
    """Opt in as mentor, mentee or circle peer; joining again updates the topics."""
    if role not in (MENTOR, MENTEE, CIRCLE):
        raise DomainError("Join as a `mentor` or a `mentee`: `/mentor join mentee python`.")
    if person.is_bot or person.deleted:
        raise DomainError("Only people in this workspace can join mentoring.")
    remember_member(session=session, person=person, now=now)
    row = session.scalars(
        select(MentoringEnrollment).where(
            MentoringEnrollment.team_id == person.team_id,
            MentoringEnrollment.user_id == person.id,
            MentoringEnrollment.role == role,
        )
    ).first()
    already = row is not None and row.active
    if row is None:
        row = MentoringEnrollment(
            team_id=person.team_id, user_id=person.id, role=role, joined_at=now, topics=[]
        )
        session.add(row)
    elif not row.active:
        row.joined_at = now
    row.active = True
    row.topics = list(topics) if topics or not already else row.topics
    row.updated_at = now
    session.flush()
    return Enrollment(role=role, topics=tuple(row.topics), already=already)


def leave(*, session: Session, team_id: str, user_id: str, now: datetime) -> LeaveResult:
    """Leave every role; their active pairs end now and they step out of their circle."""
    rows = session.scalars(
        select(MentoringEnrollment).where(
            MentoringEnrollment.team_id == team_id,
            MentoringEnrollment.user_id == user_id,
            MentoringEnrollment.active.is_(True),
        )
    ).all()
    for row in rows:
        row.active = False
        row.updated_at = now
    ended = 0
    for group, membership in _active_memberships(session=session, team_id=team_id, user_id=user_id):
        membership.left_at = now
        if group.kind == PAIR:
            group.ended_at = now
            group.thanked_at = now  # nobody is thanked for a pair that stopped early
            group.introduced_at = group.introduced_at or now
            ended += 1
    session.flush()
    return LeaveResult(roles=tuple(sorted(r.role for r in rows)), ended_groups=ended)


def _active_memberships(
    *, session: Session, team_id: str, user_id: str
) -> list[tuple[MentoringGroup, MentoringGroupMember]]:
    stmt = (
        select(MentoringGroup, MentoringGroupMember)
        .join(MentoringGroupMember, MentoringGroupMember.group_id == MentoringGroup.id)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.ended_at.is_(None),
            MentoringGroupMember.team_id == team_id,
            MentoringGroupMember.user_id == user_id,
            MentoringGroupMember.left_at.is_(None),
        )
        .order_by(MentoringGroup.started_at, MentoringGroup.id)
    )
    return [(g, m) for g, m in session.execute(stmt)]


def avoid(*, session: Session, team_id: str, user_id: str, other: Person, now: datetime) -> bool:
    """Add someone to the confidential "don't pair me with" list; False if already there."""
    check_other_person(user_id, other, doing="avoid")
    exists = session.scalar(
        select(MentoringAvoid.id).where(
            MentoringAvoid.team_id == team_id,
            MentoringAvoid.user_id == user_id,
            MentoringAvoid.avoid_user_id == other.id,
        )
    )
    if exists is not None:
        return False
    session.add(
        MentoringAvoid(team_id=team_id, user_id=user_id, avoid_user_id=other.id, created_at=now)
    )
    session.flush()
    return True


def status(*, session: Session, team_id: str, user_id: str) -> MentoringStatus:
    rows = session.scalars(
        select(MentoringEnrollment)
        .where(
            MentoringEnrollment.team_id == team_id,
            MentoringEnrollment.user_id == user_id,
            MentoringEnrollment.active.is_(True),
        )
        .order_by(MentoringEnrollment.role)
    ).all()
    groups = [g for g, _ in _active_memberships(session=session, team_id=team_id, user_id=user_id)]
    avoiding = session.scalar(
        select(func.count(MentoringAvoid.id)).where(
            MentoringAvoid.team_id == team_id, MentoringAvoid.user_id == user_id
        )
    )
    return MentoringStatus(
        roles=tuple((r.role, tuple(r.topics or ())) for r in rows),
        groups=tuple(_views(session=session, groups=groups)),
        sessions_logged=session_count(session=session, team_id=team_id, user_id=user_id),
        avoiding=int(avoiding or 0),
    )
