"""Pairs and circles as everyone else sees them, and the queries the jobs, the digest
and the reminders ask of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services import topics as topics_service
from bot.services.people import Person
from bot.services.workspace_data import installed
from models.mentoring import (
    MentoringEnrollment,
    MentoringGroup,
    MentoringGroupMember,
    MentoringSession,
)

MENTOR, MENTEE, CIRCLE = "mentor", "mentee", "circle"


PAIR, PEER = "pair", "peer"


MAX_TOPICS = 10


MAX_TOPIC_LENGTH = topics_service.MAX_TOPIC_LENGTH


MAX_NOTES = 1000


# The weekly round is due from Monday 09:00 UTC of each ISO week.
ROUND_WEEKDAY, ROUND_TIME = 0, time(9, 0)


_STARTERS = (
    "What would you like to be better at three months from now?",
    "What is one thing that went well this week, and one that didn't?",
)


# ----- what callers get back ----------
@dataclass(frozen=True)
class GroupMemberView:
    user_id: str
    role: str


@dataclass(frozen=True)
class GroupView:
    """A pair or a circle as the handlers, jobs, digest and reminders see it."""

    id: int
    team_id: str
    kind: str
    topic: str
    channel_id: str | None
    started_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    members: tuple[GroupMemberView, ...]

    @property
    def user_ids(self) -> list[str]:
        return [m.user_id for m in self.members]

    @property
    def mentor_id(self) -> str | None:
        return next((m.user_id for m in self.members if m.role == MENTOR), None)

    @property
    def mentee_id(self) -> str | None:
        return next((m.user_id for m in self.members if m.role == MENTEE), None)


# ----- for the reminders job and the weekly digest ----------
def mentoring_teams(*, session: Session) -> list[str]:
    """Workspaces with any mentoring groups (the reminders job looks at each)."""
    teams = select(MentoringGroup.team_id).where(installed(MentoringGroup.team_id))
    return sorted(set(session.scalars(teams.distinct())))


def quiet_pairs(*, session: Session, team_id: str, since: datetime) -> list[GroupView]:
    """Active mentoring pairs, started by `since`, with no session logged since then."""
    logged = select(MentoringSession.group_id).where(
        MentoringSession.team_id == team_id,
        MentoringSession.created_at >= since,
        MentoringSession.group_id.is_not(None),
    )
    groups = session.scalars(
        select(MentoringGroup)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.kind == PAIR,
            MentoringGroup.ended_at.is_(None),
            MentoringGroup.started_at <= since,
            MentoringGroup.id.not_in(logged),
        )
        .order_by(MentoringGroup.started_at, MentoringGroup.id)
    ).all()
    return _views(session=session, groups=groups)


def pairs_started_between(
    *, session: Session, team_id: str, start: datetime, end: datetime
) -> list[GroupView]:
    """Pairs and circles that started in [start, end), for the weekly digest."""
    groups = session.scalars(
        select(MentoringGroup)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.started_at >= start,
            MentoringGroup.started_at < end,
        )
        .order_by(MentoringGroup.started_at, MentoringGroup.id)
    ).all()
    return _views(session=session, groups=groups)


def _views(*, session: Session, groups: Sequence[MentoringGroup]) -> list[GroupView]:
    if not groups:
        return []
    members: dict[int, list[GroupMemberView]] = {g.id: [] for g in groups}
    stmt = (
        select(MentoringGroupMember)
        .where(
            MentoringGroupMember.group_id.in_(list(members)),
            MentoringGroupMember.left_at.is_(None),
        )
        .order_by(MentoringGroupMember.id)
    )
    for row in session.scalars(stmt):
        members[row.group_id].append(GroupMemberView(user_id=row.user_id, role=row.role))
    return [
        GroupView(
            id=g.id,
            team_id=g.team_id,
            kind=g.kind,
            topic=g.topic,
            channel_id=g.channel_id,
            started_at=g.started_at,
            ends_at=g.ends_at,
            ended_at=g.ended_at,
            members=tuple(members[g.id]),
        )
        for g in groups
    ]


# ----- the weekly round ----------
def week_start(now: datetime) -> datetime:
    day = now.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(0), tzinfo=UTC)


def round_key(now: datetime) -> str:
    year, week, _ = now.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def round_is_due(now: datetime) -> bool:
    due = week_start(now) + timedelta(days=ROUND_WEEKDAY, hours=ROUND_TIME.hour)
    return now >= due


def teams_in_program(*, session: Session) -> list[str]:
    """Teams with anyone enrolled, or with groups still running or waiting for delivery."""
    enrolled = select(MentoringEnrollment.team_id).where(
        MentoringEnrollment.active.is_(True), installed(MentoringEnrollment.team_id)
    )
    running = select(MentoringGroup.team_id).where(
        or_(
            MentoringGroup.ended_at.is_(None),
            MentoringGroup.thanked_at.is_(None),
            MentoringGroup.introduced_at.is_(None),
        ),
        installed(MentoringGroup.team_id),
    )
    return sorted(
        set(session.scalars(enrolled.distinct())) | set(session.scalars(running.distinct()))
    )


def groups_to_introduce(*, session: Session, team_id: str) -> list[GroupView]:
    groups = session.scalars(
        select(MentoringGroup)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.introduced_at.is_(None),
            MentoringGroup.ended_at.is_(None),
        )
        .order_by(MentoringGroup.id)
    ).all()
    return _views(session=session, groups=groups)


def groups_to_thank(*, session: Session, team_id: str) -> list[GroupView]:
    groups = session.scalars(
        select(MentoringGroup)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.ended_at.is_not(None),
            MentoringGroup.thanked_at.is_(None),
        )
        .order_by(MentoringGroup.id)
    ).all()
    return _views(session=session, groups=groups)


def mark_introduced(
    *, session: Session, team_id: str, group_id: int, channel_id: str | None, now: datetime
) -> None:
    group = session.get(MentoringGroup, group_id)
    if group is not None and group.team_id == team_id:
        group.channel_id = channel_id
        group.introduced_at = now


def mark_thanked(*, session: Session, team_id: str, group_id: int, now: datetime) -> None:
    group = session.get(MentoringGroup, group_id)
    if group is not None and group.team_id == team_id:
        group.thanked_at = now
        if group.introduced_at is None:
            group.introduced_at = now  # it ended before it was introduced; never introduce it


def group_session_count(*, session: Session, team_id: str, group_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(MentoringSession.id)).where(
                MentoringSession.team_id == team_id, MentoringSession.group_id == group_id
            )
        )
        or 0
    )


def check_other_person(me: str, other: Person, *, doing: str) -> None:
    if other.id == me:
        raise DomainError(f"You can't {doing} yourself — mention someone else.")
    if other.is_bot or other.id == "USLACKBOT":
        raise DomainError(f"<@{other.id}> is a bot; mentoring is between people.")
    if other.deleted:
        raise DomainError(f"{other.label} is no longer in this workspace.")
