"""The weekly round: end groups at their horizon, then plan new pairs and circles.

Loading the round's inputs is separate from `plan_round`, a pure function of them, so the
rules can be tested on their own (like bot/services/pairing.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.mentoring.groups import (
    _STARTERS,
    CIRCLE,
    MENTEE,
    MENTOR,
    PAIR,
    PEER,
    round_key,
    week_start,
)
from bot.services.pairing import Candidate, Constraints, form_circles, pair_mentees
from bot.services.preferences import load_preferences
from models.mentoring import (
    MentoringAvoid,
    MentoringEnrollment,
    MentoringGroup,
    MentoringGroupMember,
)
from models.workspace import Member


@dataclass(frozen=True)
class RoundResult:
    ended: int
    started: int


@dataclass(frozen=True)
class RoundInputs:
    """Who can be paired this round, and the rules they come with (loaded by `run_round`)."""

    mentors: list[Candidate]
    mentees: list[Candidate]
    peers: list[Candidate]
    constraints: Constraints


@dataclass(frozen=True)
class PlannedGroup:
    kind: str  # pair | circle
    topic: str
    members: tuple[tuple[str, str], ...]  # (user id, role)


def plan_round(inputs: RoundInputs) -> list[PlannedGroup]:
    """The round's new pairs and circles, decided from its inputs alone (a pure function)."""
    by_id = {c.user_id: c for c in inputs.mentees}
    planned: list[PlannedGroup] = []
    for pairing in pair_mentees(inputs.mentors, inputs.mentees, inputs.constraints):
        mentee = by_id[pairing.mentee_id]
        topic = pairing.topic or next(iter(sorted(mentee.topics)), None)
        planned.append(
            PlannedGroup(
                kind=PAIR,
                topic=topic or _STARTERS[0],
                members=((pairing.mentor_id, MENTOR), (pairing.mentee_id, MENTEE)),
            )
        )
    for circle in form_circles(inputs.peers, inputs.constraints):
        planned.append(
            PlannedGroup(
                kind=CIRCLE,
                topic=circle.topic or _STARTERS[1],
                members=tuple((uid, PEER) for uid in circle.user_ids),
            )
        )
    return planned


def load_round_inputs(
    *, session: Session, team_id: str, now: datetime, capacity: int
) -> RoundInputs:
    """Everyone enrolled and available, their load and topics, avoid lists and past partners."""
    enrollments = session.scalars(
        select(MentoringEnrollment).where(
            MentoringEnrollment.team_id == team_id, MentoringEnrollment.active.is_(True)
        )
    ).all()
    user_ids = sorted({e.user_id for e in enrollments})
    prefs = load_preferences(session=session, team_id=team_id, user_ids=user_ids)
    members = {
        m.user_id: m
        for m in session.scalars(
            select(Member).where(Member.team_id == team_id, Member.user_id.in_(user_ids))
        )
    }
    available = {
        uid
        for uid in user_ids
        if not prefs[uid].opt_out_pairing
        and not prefs[uid].is_paused(now)
        and not (members.get(uid) and members[uid].is_bot)
    }
    active_rows = session.execute(
        select(MentoringGroup.kind, MentoringGroupMember.user_id, MentoringGroupMember.role)
        .join(MentoringGroupMember, MentoringGroupMember.group_id == MentoringGroup.id)
        .where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.ended_at.is_(None),
            MentoringGroupMember.left_at.is_(None),
        )
    ).all()
    busy = {(kind, role, uid) for kind, uid, role in active_rows}
    mentor_load: dict[str, int] = {}
    for kind, uid, role in active_rows:
        if kind == PAIR and role == MENTOR:
            mentor_load[uid] = mentor_load.get(uid, 0) + 1
    ever = set(
        session.scalars(
            select(MentoringGroupMember.user_id).where(MentoringGroupMember.team_id == team_id)
        )
    )
    constraints = Constraints(
        avoid=frozenset(
            (a, b)
            for a, b in session.execute(
                select(MentoringAvoid.user_id, MentoringAvoid.avoid_user_id).where(
                    MentoringAvoid.team_id == team_id
                )
            )
        ),
        previous=_previous_partners(session=session, team_id=team_id),
    )

    def candidate(row: MentoringEnrollment, room: int = 1) -> Candidate:
        member = members.get(row.user_id)
        return Candidate(
            user_id=row.user_id,
            topics=frozenset(row.topics or ()),
            department=member.department if member else None,
            joined_at=row.joined_at,
            is_new=row.user_id not in ever,
            capacity=room,
        )

    return RoundInputs(
        mentors=[
            candidate(e, capacity - mentor_load.get(e.user_id, 0))
            for e in enrollments
            if e.role == MENTOR and e.user_id in available
        ],
        mentees=[
            candidate(e)
            for e in enrollments
            if e.role == MENTEE and e.user_id in available and (PAIR, MENTEE, e.user_id) not in busy
        ],
        peers=[
            candidate(e)
            for e in enrollments
            if e.role == CIRCLE and e.user_id in available and (CIRCLE, PEER, e.user_id) not in busy
        ],
        constraints=constraints,
    )


def run_round(
    *, session: Session, team_id: str, now: datetime, horizon_weeks: int, capacity: int
) -> RoundResult:
    """End groups whose horizon is over, then pair and circle everyone who is free."""
    expired = session.scalars(
        select(MentoringGroup).where(
            MentoringGroup.team_id == team_id,
            MentoringGroup.ended_at.is_(None),
            MentoringGroup.ends_at <= now,
        )
    ).all()
    for group in expired:
        group.ended_at = now
    session.flush()
    planned = plan_round(
        load_round_inputs(session=session, team_id=team_id, now=now, capacity=capacity)
    )
    key = round_key(now)
    ends_at = week_start(now) + timedelta(weeks=horizon_weeks)
    for new in planned:
        _create_group(
            session=session,
            team_id=team_id,
            kind=new.kind,
            topic=new.topic,
            key=key,
            now=now,
            ends_at=ends_at,
            members=list(new.members),
        )
    session.flush()
    return RoundResult(ended=len(expired), started=len(planned))


def _create_group(
    *,
    session: Session,
    team_id: str,
    kind: str,
    topic: str,
    key: str,
    now: datetime,
    ends_at: datetime,
    members: list[tuple[str, str]],
) -> None:
    group = MentoringGroup(
        team_id=team_id,
        kind=kind,
        topic=topic[:255],
        round_key=key,
        started_at=now,
        ends_at=ends_at,
    )
    session.add(group)
    session.flush()
    for uid, role in members:
        session.add(
            MentoringGroupMember(group_id=group.id, team_id=team_id, user_id=uid, role=role)
        )


def _previous_partners(*, session: Session, team_id: str) -> frozenset[frozenset[str]]:
    """Pairs of people who were together in someone's most recent finished pair or circle."""
    rows = session.execute(
        select(MentoringGroup.id, MentoringGroup.kind, MentoringGroupMember.user_id)
        .join(MentoringGroupMember, MentoringGroupMember.group_id == MentoringGroup.id)
        .where(MentoringGroup.team_id == team_id, MentoringGroup.ended_at.is_not(None))
        .order_by(MentoringGroup.ended_at, MentoringGroup.id)
    ).all()
    groups: dict[int, list[str]] = {}
    last: dict[tuple[str, str], int] = {}  # (person, kind) -> their most recent group
    for group_id, kind, uid in rows:
        groups.setdefault(group_id, []).append(uid)
        last[(uid, kind)] = group_id
    pairs = set()
    for (uid, _kind), group_id in last.items():
        for other in groups[group_id]:
            if other != uid:
                pairs.add(frozenset((uid, other)))
    return frozenset(pairs)
