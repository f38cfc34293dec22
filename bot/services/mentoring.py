"""Mentoring: joining and leaving, the confidential avoid list, logged sessions, and the
weekly round that rotates pairs and circles at their horizon and forms new ones.

The round only writes rows; the pairing job delivers the introductions and the thanks
afterwards from `introduced_at`/`thanked_at` (an outbox), so a Slack hiccup never loses a
group and never introduces one twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services import topics as topics_service
from bot.services.gate import Decision, Dnd, Kind, Verdict, decide
from bot.services.pairing import Candidate, Constraints, form_circles, pair_mentees
from bot.services.people import Person, remember_member
from bot.services.preferences import Preferences, load_preferences
from models.mentoring import (
    MentoringAvoid,
    MentoringEnrollment,
    MentoringGroup,
    MentoringGroupMember,
    MentoringSession,
)
from models.workspace import Member

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


@dataclass(frozen=True)
class RoundResult:
    ended: int
    started: int


# ----- parsing ----------
def parse_topics(words: list[str]) -> tuple[str, ...]:
    """`#python, design  SQL` → ("python", "design", "sql"), by the same rule as
    `/reciprocity topics`, and at most MAX_TOPICS of them."""
    topics = topics_service.parse_topics(" ".join(words))
    if len(topics) > MAX_TOPICS:
        raise DomainError(f"Up to {MAX_TOPICS} topics, please — pick the ones that matter most.")
    return tuple(topics)


def check_other_person(me: str, other: Person, *, doing: str) -> None:
    if other.id == me:
        raise DomainError(f"You can't {doing} yourself — mention someone else.")
    if other.is_bot or other.id == "USLACKBOT":
        raise DomainError(f"<@{other.id}> is a bot; mentoring is between people.")
    if other.deleted:
        raise DomainError(f"{other.label} is no longer in this workspace.")


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
        for person in (logger, other):
            remember_member(session=session, person=person, now=now)
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


# ----- for the reminders job and the weekly digest ----------
def mentoring_teams(*, session: Session) -> list[str]:
    """Workspaces with any mentoring groups (the reminders job looks at each)."""
    return sorted(set(session.scalars(select(MentoringGroup.team_id).distinct())))


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
    enrolled = select(MentoringEnrollment.team_id).where(MentoringEnrollment.active.is_(True))
    running = select(MentoringGroup.team_id).where(
        or_(
            MentoringGroup.ended_at.is_(None),
            MentoringGroup.thanked_at.is_(None),
            MentoringGroup.introduced_at.is_(None),
        )
    )
    return sorted(
        set(session.scalars(enrolled.distinct())) | set(session.scalars(running.distinct()))
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

    mentors = [
        candidate(e, capacity - mentor_load.get(e.user_id, 0))
        for e in enrollments
        if e.role == MENTOR and e.user_id in available
    ]
    mentees = [
        candidate(e)
        for e in enrollments
        if e.role == MENTEE and e.user_id in available and (PAIR, MENTEE, e.user_id) not in busy
    ]
    peers = [
        candidate(e)
        for e in enrollments
        if e.role == CIRCLE and e.user_id in available and (CIRCLE, PEER, e.user_id) not in busy
    ]
    key = round_key(now)
    ends_at = week_start(now) + timedelta(weeks=horizon_weeks)
    by_id = {c.user_id: c for c in mentees}
    started = 0
    for pairing in pair_mentees(mentors, mentees, constraints):
        mentee = by_id[pairing.mentee_id]
        topic = pairing.topic or next(iter(sorted(mentee.topics)), None)
        _create_group(
            session=session,
            team_id=team_id,
            kind=PAIR,
            topic=topic or _STARTERS[0],
            key=key,
            now=now,
            ends_at=ends_at,
            members=[(pairing.mentor_id, MENTOR), (pairing.mentee_id, MENTEE)],
        )
        started += 1
    for circle in form_circles(peers, constraints):
        _create_group(
            session=session,
            team_id=team_id,
            kind=CIRCLE,
            topic=circle.topic or _STARTERS[1],
            key=key,
            now=now,
            ends_at=ends_at,
            members=[(uid, PEER) for uid in circle.user_ids],
        )
        started += 1
    session.flush()
    return RoundResult(ended=len(expired), started=started)


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


# ----- the outbox: introductions and thanks ----------
@dataclass(frozen=True)
class Availability:
    """One group member as the introduction rule sees them."""

    user_id: str
    prefs: Preferences
    tz: str | None  # their Slack profile's zone; `prefs.tz` overrides it
    sent: tuple[datetime, ...] = ()  # nudges already sent to them (for the weekly cap)
    dnd: Dnd | None = None  # Slack do-not-disturb as of now; None when not asked (yet)


INTRO_LOOKAHEAD = timedelta(days=7)
_INTRO_STEP = timedelta(minutes=15)


def pairing_decision(person: Availability, *, now: datetime) -> Decision:
    """The one gate's answer for a pairing message (introduction or thanks) to this member."""
    return decide(
        kind=Kind.PAIRING,
        prefs=person.prefs,
        profile_tz=person.tz,
        now=now,
        sent=person.sent,
        dnd=person.dnd,
    )


def good_moment_to_introduce(
    people: Sequence[Availability], *, now: datetime, anchor: str | None = None
) -> bool:
    """May a group DM (an introduction, or the thanks at rotation) go to these people now?

    Each member's part goes through the one gate (`gate.decide`, kind `pairing`: their working
    hours and days in their zone, pause, the pairing opt-out, do-not-disturb, the weekly cap),
    and the overlap rule sits on top:
    1. never while anyone in the group is paused;
    2. members the gate would never let a pairing message reach (they keep no working hours,
       their cap is 0, or they opted out of pairing after the group was formed) don't hold
       the others back; when that is everyone, it goes now;
    3. now, if the gate says SEND for every other member;
    4. otherwise only if the gate says SEND for someone, and for `anchor` (the mentee of a
       pair), and no moment in the coming week has more of them within their working hours
       at once than the gate lets through now — their windows never line up. So a member in
       do-not-disturb or at their weekly cap holds the message back until that ends (when
       their windows do line up), and an anchor in either always does.
    """
    if any(p.prefs.is_paused(now) for p in people):
        return False
    verdicts = {p.user_id: pairing_decision(p, now=now).verdict for p in people}
    counted = [p for p in people if verdicts[p.user_id] is not Verdict.DROP]
    ready = {p.user_id for p in counted if verdicts[p.user_id] is Verdict.SEND}
    if len(ready) == len(counted):
        return True
    if not ready or (anchor in {p.user_id for p in counted} and anchor not in ready):
        return False

    def at_work(moment: datetime) -> int:
        return sum(1 for p in counted if p.prefs.in_working_hours(moment, p.tz))

    moment = now + _INTRO_STEP
    while moment <= now + INTRO_LOOKAHEAD:
        if at_work(moment) > len(ready):
            return False
        moment += _INTRO_STEP
    return True


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


# ----- export ----------
def export_mentoring_sessions(
    *, session: Session, since: datetime | None
) -> Iterator[dict[str, object]]:
    """One record per logged session; the notes are private and never exported."""
    stmt = (
        select(MentoringSession, MentoringGroup.channel_id)
        .outerjoin(MentoringGroup, MentoringGroup.id == MentoringSession.group_id)
        .order_by(MentoringSession.created_at, MentoringSession.id)
    )
    if since is not None:
        stmt = stmt.where(MentoringSession.created_at >= since)
    for row, channel_id in session.execute(stmt).yield_per(1000):
        yield {
            "type": "mentoring_session",
            "team_id": row.team_id,
            "from_user": row.logged_by,
            "to_user": row.with_user,
            "channel_id": channel_id or "",
            "created_at": row.created_at,
            "text": "",
        }
