"""The onboarding programme's records: turning it on and off, volunteers, new hires and the
steps each one went through. No Slack here: who people are comes in as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.onboarding.calendar import BUDDY_WITHIN_DAYS, working_day_ends
from bot.services.onboarding.matching import MAX_CAPACITY, Newcomer, Volunteer, choose_buddy
from bot.services.people import Person, remember_member
from bot.services.preferences import Preferences, get_preferences
from bot.services.workspace_data import installed
from models import Member
from models.mentoring import MentoringAvoid
from models.onboarding import BuddyVolunteer, OnboardingHire, OnboardingProgramme

DEFAULT_HORIZON_DAYS = 30
MAX_HORIZON_DAYS = 180
_HORIZON = re.compile(r"^(\d{1,3})\s*(d|days?|w|weeks?)?$")


# ----- the programme --------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammeChange:
    enabled: bool
    horizon_days: int


def parse_onboarding(args: str) -> tuple[str, int | None]:
    """`on [horizon 30d]`, `off`, `show` → (what, horizon days or None)."""
    words = args.lower().split()
    if not words or words[0] not in ("on", "off", "show"):
        raise DomainError(
            "Say `/reciprocity admin onboarding on [horizon 30d]`, `… onboarding off` or "
            "`… onboarding show`."
        )
    verb, rest = words[0], words[1:]
    if verb != "on" or not rest:
        if rest:
            raise DomainError(f"`onboarding {verb}` takes nothing after it.")
        return verb, None
    if rest[0] == "horizon":
        rest = rest[1:]
    match = _HORIZON.match(" ".join(rest))
    if not match:
        raise DomainError("Give the horizon in days or weeks, e.g. `horizon 30d` or `horizon 6w`.")
    days = int(match.group(1)) * (7 if (match.group(2) or "d").startswith("w") else 1)
    if not 7 <= days <= MAX_HORIZON_DAYS:
        raise DomainError(f"The horizon must be between 7 and {MAX_HORIZON_DAYS} days.")
    return verb, days


def get_programme(*, session: Session, team_id: str) -> OnboardingProgramme | None:
    return session.get(OnboardingProgramme, team_id)


def set_programme(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    enabled: bool,
    horizon: int | None,
    now: datetime,
) -> ProgrammeChange:
    """Turn it on (by this admin, who is then told when volunteers are needed) or off."""
    row = session.get(OnboardingProgramme, team_id)
    if row is None:
        row = OnboardingProgramme(
            team_id=team_id,
            enabled=False,
            horizon_days=DEFAULT_HORIZON_DAYS,
            turned_on_by=[],
            started_at=now,
            updated_at=now,
        )
        if not insert_once(session, row):
            found = session.get(OnboardingProgramme, team_id)
            assert found is not None
            row = found
    if enabled:
        if not row.enabled:
            row.started_at = now
            row.turned_on_by = []
        if user_id not in (row.turned_on_by or []):
            row.turned_on_by = [*(row.turned_on_by or []), user_id]
        if horizon is not None:
            row.horizon_days = horizon
    row.enabled = enabled
    row.updated_at = now
    session.flush()
    return ProgrammeChange(enabled=row.enabled, horizon_days=row.horizon_days)


def teams_with_hires(*, session: Session) -> list[str]:
    """Workspaces with new hires still in the programme (what the job looks at)."""
    rows = session.scalars(
        select(OnboardingHire.team_id)
        .where(OnboardingHire.finished_at.is_(None), installed(OnboardingHire.team_id))
        .distinct()
    )
    return sorted(rows)


# ----- volunteers ------------------------------------------------------------------------------
@dataclass(frozen=True)
class VolunteerResult:
    capacity: int
    topics: tuple[str, ...]
    already: bool
    programme_on: bool


def parse_capacity(words: list[str]) -> tuple[list[str], int | None]:
    """`python max 2` → (["python"], 2): `max N` sets how many new hires at a time."""
    rest: list[str] = []
    capacity: int | None = None
    index = 0
    while index < len(words):
        word = words[index]
        if word.lower() in ("max", "capacity") and index + 1 < len(words):
            value = words[index + 1]
            if not value.isdigit() or not 1 <= int(value) <= MAX_CAPACITY:
                raise DomainError(
                    f"`max` is how many new hires at a time, from 1 to {MAX_CAPACITY}: "
                    "`/mentor join buddy max 2`."
                )
            capacity = int(value)
            index += 2
            continue
        rest.append(word)
        index += 1
    return rest, capacity


def volunteer(
    *,
    session: Session,
    person: Person,
    topics: tuple[str, ...],
    capacity: int | None,
    now: datetime,
) -> VolunteerResult:
    """Volunteer as a buddy (again: update topics and capacity)."""
    if person.is_bot or person.deleted or person.is_guest:
        raise DomainError(
            "Buddies are full members of this workspace: guests and bots can't volunteer."
        )
    remember_member(session=session, person=person, now=now)
    row = session.scalars(
        select(BuddyVolunteer).where(
            BuddyVolunteer.team_id == person.team_id, BuddyVolunteer.user_id == person.id
        )
    ).first()
    already = row is not None and row.active
    if row is None:
        row = BuddyVolunteer(
            team_id=person.team_id, user_id=person.id, capacity=1, topics=[], joined_at=now
        )
        session.add(row)
    row.active = True
    if capacity is not None:
        row.capacity = capacity
    if topics or not already:
        row.topics = list(topics)
    row.updated_at = now
    session.flush()
    programme = session.get(OnboardingProgramme, person.team_id)
    return VolunteerResult(
        capacity=row.capacity,
        topics=tuple(row.topics or ()),
        already=already,
        programme_on=bool(programme and programme.enabled),
    )


def stop_volunteering(*, session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """Step out as a buddy (new hires they already welcome keep them); False if they weren't in."""
    row = session.scalars(
        select(BuddyVolunteer).where(
            BuddyVolunteer.team_id == team_id, BuddyVolunteer.user_id == user_id
        )
    ).first()
    if row is None or not row.active:
        return False
    row.active = False
    row.updated_at = now
    return True


def volunteer_ids(*, session: Session, team_id: str) -> list[str]:
    return list(
        session.scalars(
            select(BuddyVolunteer.user_id)
            .where(BuddyVolunteer.team_id == team_id, BuddyVolunteer.active.is_(True))
            .order_by(BuddyVolunteer.user_id)
        )
    )


# ----- new hires --------------------------------------------------------------------------------
@dataclass(frozen=True)
class HireView:
    id: int
    team_id: str
    user_id: str
    tz: str
    joined_at: datetime
    horizon_at: datetime
    buddy_id: str | None
    channel_id: str | None
    welcomed: bool
    introduced: bool
    checkins: tuple[int, ...]
    thanked: bool
    finished: bool


def _view(row: OnboardingHire) -> HireView:
    return HireView(
        id=row.id,
        team_id=row.team_id,
        user_id=row.user_id,
        tz=row.tz,
        joined_at=row.joined_at,
        horizon_at=row.horizon_at,
        buddy_id=row.buddy_id,
        channel_id=row.channel_id,
        welcomed=row.welcomed_at is not None,
        introduced=row.introduced_at is not None,
        checkins=tuple(row.checkins or ()),
        thanked=row.thanked_at is not None,
        finished=row.finished_at is not None,
    )


def enroll_hire(*, session: Session, person: Person, now: datetime) -> HireView | None:
    """A new member joins the programme (if it is on); None when it is off. Joining twice (a
    redelivered event) finds the first row."""
    programme = session.get(OnboardingProgramme, person.team_id)
    if programme is None or not programme.enabled:
        return None
    remember_member(session=session, person=person, now=now)
    row = OnboardingHire(
        team_id=person.team_id,
        user_id=person.id,
        tz=person.tz or "UTC",
        joined_at=now,
        horizon_at=now + timedelta(days=programme.horizon_days),
        checkins=[],
        answers=[],
    )
    if not insert_once(session, row):
        found = find_hire(session=session, team_id=person.team_id, user_id=person.id)
        assert found is not None
        return found
    return _view(row)


def find_hire(*, session: Session, team_id: str, user_id: str) -> HireView | None:
    row = session.scalars(
        select(OnboardingHire).where(
            OnboardingHire.team_id == team_id, OnboardingHire.user_id == user_id
        )
    ).first()
    return _view(row) if row is not None else None


def get_hire(*, session: Session, team_id: str, hire_id: int) -> HireView | None:
    row = session.get(OnboardingHire, hire_id)
    return _view(row) if row is not None and row.team_id == team_id else None


def active_hires(*, session: Session, team_id: str) -> list[HireView]:
    rows = session.scalars(
        select(OnboardingHire)
        .where(OnboardingHire.team_id == team_id, OnboardingHire.finished_at.is_(None))
        .order_by(OnboardingHire.joined_at, OnboardingHire.id)
    )
    return [_view(r) for r in rows]


def _row(session: Session, hire_id: int) -> OnboardingHire:
    row = session.get(OnboardingHire, hire_id)
    assert row is not None
    return row


def buddy_loads(*, session: Session, team_id: str) -> dict[str, int]:
    """How many new hires each person is buddy to right now."""
    rows = session.execute(
        select(OnboardingHire.buddy_id, func.count(OnboardingHire.id))
        .where(
            OnboardingHire.team_id == team_id,
            OnboardingHire.finished_at.is_(None),
            OnboardingHire.buddy_id.is_not(None),
        )
        .group_by(OnboardingHire.buddy_id)
    )
    return {str(uid): int(n) for uid, n in rows}


@dataclass(frozen=True)
class Candidate:
    """A volunteer as stored, before the edge adds what Slack says of them now."""

    user_id: str
    capacity: int
    load: int
    department: str | None
    avoids: frozenset[str]
    prefs: Preferences
    tz: str


def candidates(*, session: Session, team_id: str, hire_id: str) -> tuple[list[Candidate], Newcomer]:
    """Every active volunteer with their load, department, avoid list and hours; and the hire."""
    loads = buddy_loads(session=session, team_id=team_id)
    volunteers = session.scalars(
        select(BuddyVolunteer)
        .where(BuddyVolunteer.team_id == team_id, BuddyVolunteer.active.is_(True))
        .order_by(BuddyVolunteer.user_id)
    ).all()
    ids = [v.user_id for v in volunteers] + [hire_id]
    members = {
        m.user_id: m
        for m in session.scalars(
            select(Member).where(Member.team_id == team_id, Member.user_id.in_(ids))
        )
    }
    avoids: dict[str, set[str]] = {}
    for row in session.scalars(
        select(MentoringAvoid).where(
            MentoringAvoid.team_id == team_id,
            (MentoringAvoid.user_id.in_(ids)) | (MentoringAvoid.avoid_user_id == hire_id),
        )
    ):
        avoids.setdefault(row.user_id, set()).add(row.avoid_user_id)
    found = [
        Candidate(
            user_id=v.user_id,
            capacity=v.capacity,
            load=loads.get(v.user_id, 0),
            department=members[v.user_id].department if v.user_id in members else None,
            avoids=frozenset(avoids.get(v.user_id, ())),
            prefs=get_preferences(session=session, team_id=team_id, user_id=v.user_id),
            tz=members[v.user_id].tz if v.user_id in members else "UTC",
        )
        for v in volunteers
    ]
    hire_member = members.get(hire_id)
    hire = Newcomer(
        user_id=hire_id,
        department=hire_member.department if hire_member else None,
        avoids=frozenset(avoids.get(hire_id, ())),
    )
    return found, hire


def lock_programme(*, session: Session, team_id: str) -> OnboardingProgramme | None:
    """Matches in one workspace happen one at a time (two hires never take one free place)."""
    return session.scalars(
        select(OnboardingProgramme)
        .where(OnboardingProgramme.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def assign_buddy(
    *,
    session: Session,
    team_id: str,
    hire_id: int,
    volunteers: list[Volunteer],
    hire: Newcomer,
    overlap: dict[str, int],
    now: datetime,
) -> str | None:
    """Match and record the buddy (call with the programme locked); None when no one is free."""
    row = _row(session, hire_id)
    if row.buddy_id is not None:
        return row.buddy_id
    buddy = choose_buddy(hire, volunteers, overlap)
    if buddy is None:
        return None
    row.buddy_id = buddy.user_id
    row.matched_at = now
    session.flush()
    waiting = session.scalar(
        select(func.count(OnboardingHire.id)).where(
            OnboardingHire.team_id == team_id,
            OnboardingHire.finished_at.is_(None),
            OnboardingHire.buddy_id.is_(None),
        )
    )
    programme = session.get(OnboardingProgramme, team_id)
    if programme is not None and not waiting:
        programme.volunteers_asked_at = None  # the shortage is over: the next one is told again
    return buddy.user_id


def volunteers_needed(*, session: Session, team_id: str, now: datetime) -> list[str]:
    """The admins to tell that volunteers are needed: those who turned the programme on, the
    first time in a shortage; [] when they were told already."""
    programme = session.get(OnboardingProgramme, team_id)
    if programme is None or programme.volunteers_asked_at is not None:
        return []
    programme.volunteers_asked_at = now
    return list(programme.turned_on_by or [])


def shortage_key(*, session: Session, team_id: str) -> str:
    programme = session.get(OnboardingProgramme, team_id)
    asked = programme.volunteers_asked_at if programme is not None else None
    return asked.isoformat() if asked is not None else ""


def mark_welcomed(*, session: Session, hire_id: int, now: datetime) -> None:
    _row(session, hire_id).welcomed_at = now


def mark_introduced(
    *, session: Session, hire_id: int, channel_id: str | None, now: datetime
) -> None:
    row = _row(session, hire_id)
    row.introduced_at = now
    row.channel_id = channel_id


def mark_checkins(*, session: Session, hire_id: int, days: list[int]) -> None:
    row = _row(session, hire_id)
    row.checkins = sorted({*(row.checkins or ()), *days})


def record_answer(
    *, session: Session, team_id: str, user_id: str, day: int, answer: str
) -> HireView | None:
    """The new hire's answer to a check-in (kept as a count for the programme, never shown)."""
    row = session.scalars(
        select(OnboardingHire).where(
            OnboardingHire.team_id == team_id, OnboardingHire.user_id == user_id
        )
    ).first()
    if row is None:
        return None
    entry = f"{day}:{answer}"
    if entry not in (row.answers or []):
        row.answers = [*(row.answers or []), entry]
    return _view(row)


def finish(*, session: Session, hire_id: int, thanked: bool, now: datetime) -> None:
    """The horizon: the buddy was thanked (a contribution on their record) and it is over."""
    row = _row(session, hire_id)
    if thanked and row.buddy_id is not None:
        row.thanked_at = now
    row.finished_at = now


# ----- what admins see, and the contribution record ---------------------------------------------
@dataclass(frozen=True)
class ProgrammeSummary:
    enabled: bool
    horizon_days: int
    volunteers: int
    in_programme: int
    with_buddy: int
    buddy_in_time: int  # of all the hires since the programme started
    hires_total: int


def summary(*, session: Session, team_id: str) -> ProgrammeSummary:
    """Counts only: no names."""
    programme = session.get(OnboardingProgramme, team_id)
    volunteers = len(volunteer_ids(session=session, team_id=team_id))
    hires = session.scalars(select(OnboardingHire).where(OnboardingHire.team_id == team_id)).all()
    current = [h for h in hires if h.finished_at is None]
    in_time = 0
    for hire in hires:
        if hire.matched_at is None:
            continue
        prefs = get_preferences(session=session, team_id=team_id, user_id=hire.user_id)
        if hire.matched_at <= working_day_ends(prefs, hire.tz, hire.joined_at, BUDDY_WITHIN_DAYS):
            in_time += 1
    return ProgrammeSummary(
        enabled=bool(programme and programme.enabled),
        horizon_days=programme.horizon_days if programme else DEFAULT_HORIZON_DAYS,
        volunteers=volunteers,
        in_programme=len(current),
        with_buddy=sum(1 for h in current if h.buddy_id is not None),
        buddy_in_time=in_time,
        hires_total=len(hires),
    )


@dataclass(frozen=True)
class BuddyContribution:
    """A new hire someone welcomed as their buddy, to the horizon (the contribution record)."""

    hire_id: str
    started_at: datetime
    thanked_at: datetime


def buddy_contributions(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[BuddyContribution]:
    stmt = select(OnboardingHire).where(
        OnboardingHire.team_id == team_id,
        OnboardingHire.buddy_id == user_id,
        OnboardingHire.thanked_at.is_not(None),
    )
    if since is not None:
        stmt = stmt.where(OnboardingHire.thanked_at >= since)
    if until is not None:
        stmt = stmt.where(OnboardingHire.thanked_at < until)
    return [
        BuddyContribution(
            hire_id=r.user_id, started_at=r.matched_at or r.joined_at, thanked_at=r.thanked_at
        )
        for r in session.scalars(stmt.order_by(OnboardingHire.thanked_at))
        if r.thanked_at is not None
    ]
