"""The counting half of insights: SQL aggregates grouped by week, period half, department and
kind. Nothing here returns a row about a person: at most a histogram (how many people gave
or received n times), and no member id ever leaves the database. Feedback text is never
selected.

A `Window` spans two periods of equal length: the previous one, [prev_start, start), and the
current one, [start, end). Its buckets are 0..weeks-1 for the previous period's weeks and
weeks..2·weeks-1 for the current one's (Mondays from `start`); `half` is 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.services.insights.metrics import UNASSIGNED
from models import Kudos, Member, MemberPreferences, Thanks
from models.feedback import Feedback, FeedbackRequest
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.mentoring import MentoringGroup, MentoringGroupMember, MentoringSession
from models.rhythm import ShareReply

WEEK_SECONDS = 7 * 24 * 3600
EPOCH_JULIAN = 2440587.5  # julianday('1970-01-01')


@dataclass(frozen=True)
class Window:
    team_id: str
    start: datetime  # the current period's first moment (a Monday, 00:00 UTC)
    end: datetime  # now: the current period ends here
    weeks: int
    now: datetime  # for who is paused
    scope: tuple[str, ...] | None = None  # only people of these (real) departments
    sqlite: bool = False

    @property
    def prev_start(self) -> datetime:
        return self.start - (self.end - self.start)

    def half_bounds(self, half: int) -> tuple[datetime, datetime]:
        return (self.start, self.end) if half else (self.prev_start, self.start)

    # ----- expressions, the same on SQLite and PostgreSQL --------------------------------
    def epoch(self, column: Any) -> Any:
        """Seconds since 1970 of a stored moment."""
        if self.sqlite:
            return (func.julianday(column) - EPOCH_JULIAN) * 86400.0
        return func.date_part("epoch", column)  # a double: EXTRACT's numeric is slow

    def floor(self, value: Any) -> Any:
        """An integer, rounded down (callers only give it values >= 0 on SQLite)."""
        return cast(value if self.sqlite else func.floor(value), Integer)

    def seconds_between(self, later: Any, earlier: Any) -> Any:
        return self.epoch(later) - self.epoch(earlier)

    def bucket(self, column: Any) -> Any:
        """The week a moment falls in: -1 before the window, then 0..2·weeks-1."""
        start, prev = self.start.timestamp(), self.prev_start.timestamp()
        return case(
            (
                column >= self.start,
                self.weeks + self.floor((self.epoch(column) - start) / WEEK_SECONDS),
            ),
            (column >= self.prev_start, self.floor((self.epoch(column) - prev) / WEEK_SECONDS)),
            else_=-1,
        )

    def half(self, column: Any) -> Any:
        return case((column >= self.start, 1), else_=0)

    def within(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.prev_start, column < self.end)


def roomy(session: Session) -> None:
    """On PostgreSQL, give this transaction's grouping room to stay in memory (the default
    4 MB spills a 5,000-person workspace's weeks to disk)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def department_of(member: Any) -> Any:
    """A member's department: the one they (or an admin) set, else their Slack title."""
    return func.coalesce(
        func.nullif(func.trim(member.department), ""),
        func.nullif(func.trim(member.title), ""),
        UNASSIGNED,
    )


def excused_of(prefs: Any, now: datetime) -> Any:
    """1 for who is never counted against anything: opted out of being suggested, paused,
    or a weekly cap of 0; else 0."""
    return case(
        (
            or_(
                prefs.opt_out_suggestions == true(),
                prefs.paused_until > now,
                prefs.weekly_nudge_cap == 0,
            ),
            1,
        ),
        else_=0,
    )


def _person_join(w: Window, stmt: Any, user: Any) -> tuple[Any, Any, Any]:
    """Outer-join the member and their preferences; leave out bots and the deactivated, and
    people outside the scope."""
    m, p = aliased(Member), aliased(MemberPreferences)
    stmt = stmt.outerjoin(m, and_(m.team_id == w.team_id, m.user_id == user)).outerjoin(
        p, and_(p.team_id == w.team_id, p.user_id == user)
    )
    stmt = stmt.where(
        func.coalesce(m.is_bot, false()) == false(), func.coalesce(m.deleted, false()) == false()
    )
    if w.scope is not None:
        stmt = stmt.where(department_of(m).in_(w.scope))
    return stmt, m, p


def _scoped(w: Window, stmt: Any, user: Any) -> Any:
    """Only rows whose `user` is in the scope's departments (someone not in the member list
    is unassigned)."""
    if w.scope is None:
        return stmt
    m = aliased(Member)
    inside = user.in_(
        select(m.user_id).where(m.team_id == w.team_id, department_of(m).in_(w.scope))
    )
    if UNASSIGNED in w.scope:
        known = select(m.user_id).where(m.team_id == w.team_id)
        inside = or_(inside, user.not_in(known))
    return stmt.where(inside)


def _rows(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(stmt)]


def _scalar(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


# ----- who did what --------------------------------------------------------------------------
def _events(w: Window, since: datetime, until: datetime) -> Any:
    """Everything given and received, as (user_id, at, gave, received), each 1 or 0.

    Asking (for help, for feedback) is not here: who only asked is a stored member, counted
    as active anyway, or excused, and then never counted against anything."""
    t = w.team_id

    def rows(user: Any, at: Any, gave: Any, received: Any, model: Any, *extra: Any) -> Any:
        return select(
            user.label("user_id"),
            at.label("at"),
            literal(gave) if isinstance(gave, int) else gave,
            literal(received) if isinstance(received, int) else received,
        ).where(model.team_id == t, at >= since, at < until, *extra)

    requester = aliased(HelpRequest)
    parts = [
        rows(Kudos.giver_id, Kudos.created_at, 1, 0, Kudos),
        rows(Kudos.receiver_id, Kudos.created_at, 0, 1, Kudos),
        rows(Thanks.giver_id, Thanks.created_at, 1, 0, Thanks, Thanks.retracted_at.is_(None)),
        rows(Thanks.receiver_id, Thanks.created_at, 0, 1, Thanks, Thanks.retracted_at.is_(None)),
        rows(HelpThanks.giver_id, HelpThanks.created_at, 1, 0, HelpThanks),
        rows(HelpThanks.receiver_id, HelpThanks.created_at, 0, 1, HelpThanks),
        rows(HelpOffer.helper_id, HelpOffer.created_at, 1, 0, HelpOffer),
        rows(requester.requester_id, HelpOffer.created_at, 0, 1, HelpOffer).join(
            requester, requester.id == HelpOffer.request_id
        ),
        rows(Feedback.giver_id, Feedback.created_at, 1, 0, Feedback),
        rows(Feedback.receiver_id, Feedback.created_at, 0, 1, Feedback),
        rows(MentoringSession.logged_by, MentoringSession.created_at, 1, 1, MentoringSession),
        rows(MentoringSession.with_user, MentoringSession.created_at, 1, 1, MentoringSession),
        rows(
            ShareReply.user_id,
            ShareReply.created_at,
            1,
            0,
            ShareReply,
            ShareReply.kind == "help",
        ),
        rows(
            ShareReply.helped_user_id,
            ShareReply.created_at,
            0,
            1,
            ShareReply,
            ShareReply.kind == "help",
            ShareReply.helped_user_id.is_not(None),
        ),
    ]
    union = union_all(*parts).subquery("events")
    cols = list(union.c)
    return union, cols[0], cols[1], cols[2], cols[3]


@dataclass
class Tally:
    """People of one bucket (or half, or department)."""

    active: int = 0  # everyone counted: who took part, and stored members who did not
    counted: int = 0  # active, minus the excused who did nothing (never counted against)
    participants: int = 0
    givers: int = 0
    receivers: int = 0
    both: int = 0


@dataclass
class People:
    """Tallies by (bucket, department) and by (half, department): a person has one
    department, so any set of departments adds up from these without another query."""

    week: dict[tuple[int, str], Tally]
    half: dict[tuple[int, str], Tally]

    def by(self, level: str, scope: tuple[str, ...] | None) -> dict[int, Tally]:
        """Week (bucket) or half -> the tally of the scope's departments (None: all)."""
        source = self.week if level == "week" else self.half
        out: dict[int, Tally] = {}
        for (k, department), t in source.items():
            if scope is not None and department not in scope:
                continue
            total = out.setdefault(k, Tally())
            total.active += t.active
            total.counted += t.counted
            total.participants += t.participants
            total.givers += t.givers
            total.receivers += t.receivers
            total.both += t.both
        return out

    def departments(self) -> dict[str, Tally]:
        """The current period's tally of each department."""
        return {department: t for (k, department), t in self.half.items() if k == 1}


def participation(w: Window, session: Session) -> People:
    """Active members and who gave/received, by week (bucket) and by half, each by
    department (never scoped: the caller adds up the departments it shows). One statement:
    the events are grouped by person and week, joined to the people once (a CTE), and both
    levels are counted from that."""
    w = Window(**{**w.__dict__, "scope": None})
    _union, user, at, gave, received = _events(w, w.prev_start, w.end)
    b = w.bucket(at)
    grouped = (
        select(
            user.label("user_id"),
            b.label("k"),
            func.max(gave).label("g"),
            func.max(received).label("r"),
        )
        .group_by(user, b)
        .subquery("grouped")
    )
    stmt, m, p = _person_join(w, select(grouped.c.k).select_from(grouped), grouped.c.user_id)
    excused = excused_of(p, w.now)
    never = 2 * w.weeks  # "stored" after every bucket: not a stored member
    stored_in = case(
        (and_(m.user_id.is_not(None), excused == 0), w.bucket(m.created_at)), else_=never
    )
    per_week = stmt.with_only_columns(
        grouped.c.user_id,
        grouped.c.k,
        grouped.c.g,
        grouped.c.r,
        department_of(m).label("department"),
        excused.label("excused"),
        stored_in.label("stored_in"),
    ).cte("per_week")
    half = case((per_week.c.k >= w.weeks, 1), else_=0)
    per_half = (
        select(
            half.label("k"),
            func.max(per_week.c.g).label("g"),
            func.max(per_week.c.r).label("r"),
            func.max(per_week.c.department).label("department"),
            func.max(per_week.c.excused).label("excused"),
            func.max(per_week.c.stored_in).label("stored_in"),
        )
        .group_by(per_week.c.user_id, half)
        .subquery("per_half")
    )
    last_bucket = case((per_half.c.k == 1, 2 * w.weeks - 1), else_=w.weeks - 1)
    parts = [
        _tally_select(per_week, "week", per_week.c.stored_in <= per_week.c.k),
        _tally_select(per_half, "half", per_half.c.stored_in <= last_bucket),
    ]
    tallies: dict[str, dict[tuple[int, str], Tally]] = {"week": {}, "half": {}}
    in_bases: dict[str, dict[tuple[int, str], int]] = {"week": {}, "half": {}}
    for row in _rows(session, union_all(*parts)):
        level, key = str(row[0]), (int(row[1]), str(row[2]))
        tallies[level][key] = Tally(*(int(v or 0) for v in row[3:9]))
        in_bases[level][key] = int(row[9] or 0)
    stored = _stored_members(w, session)
    return People(
        week=_with_idle(w, "week", tallies["week"], in_bases["week"], stored),
        half=_with_idle(w, "half", tallies["half"], in_bases["half"], stored),
    )


def _tally_select(per_person: Any, level: str, in_base: Any) -> Any:
    """Count one level's people by (key, department): active, counted, participants,
    givers, receivers, both, and how many are stored members (who'd otherwise be idle)."""
    g, r, k, department = per_person.c.g, per_person.c.r, per_person.c.k, per_person.c.department
    return (
        select(
            literal(level).label("level"),
            k.label("key"),
            department.label("department"),
            func.count().label("active"),
            func.sum(1 - per_person.c.excused).label("counted"),
            func.sum(case((or_(g == 1, r == 1), 1), else_=0)).label("participants"),
            func.sum(g).label("givers"),
            func.sum(r).label("receivers"),
            func.sum(g * r).label("both"),
            func.sum(case((in_base, 1), else_=0)).label("in_base"),
        )
        .select_from(per_person)
        .group_by(k, department)
    )


def _stored_members(w: Window, session: Session) -> dict[tuple[int, str], int]:
    """Stored members who are never excused, by (the bucket they were stored in, their
    department): who did nothing still counts as active, not taking part."""
    base = select(Member.user_id).select_from(Member)
    base, bm, bp = _person_join(w, base, Member.user_id)
    bucket, department = w.bucket(Member.created_at), department_of(bm)
    base = (
        base.where(
            Member.team_id == w.team_id, Member.created_at < w.end, excused_of(bp, w.now) == 0
        )
        .with_only_columns(bucket, department, func.count())
        .group_by(bucket, department)
    )
    return {(int(k), str(d)): int(n) for k, d, n in _rows(session, base)}


def _with_idle(
    w: Window,
    level: str,
    tallies: dict[tuple[int, str], Tally],
    in_bases: dict[tuple[int, str], int],
    stored: dict[tuple[int, str], int],
) -> dict[tuple[int, str], Tally]:
    """Add, to each (key, department), the stored members who did nothing in it: everyone
    stored before the key's end (a week's, or a half's), minus those who took part."""
    keys = range(2 * w.weeks) if level == "week" else range(2)
    departments = {d for _k, d in stored} | {d for _k, d in tallies}
    out: dict[tuple[int, str], Tally] = {}
    for department in departments:
        for k in keys:
            last_bucket = k if level == "week" else (w.weeks - 1 if k == 0 else 2 * w.weeks - 1)
            before = sum(n for (b, d), n in stored.items() if d == department and b <= last_bucket)
            t = tallies.get((k, department), Tally())
            idle = before - in_bases.get((k, department), 0)
            if not (t.active or idle):
                continue
            out[(k, department)] = Tally(
                active=t.active + idle,
                counted=t.counted + idle,
                participants=t.participants,
                givers=t.givers,
                receivers=t.receivers,
                both=t.both,
            )
    return out


# ----- feedback --------------------------------------------------------------------------------
@dataclass
class FeedbackCounts:
    cycles: dict[int, int]  # bucket -> feedback requests answered (a completed cycle)
    by_status: dict[int, dict[str, int]]  # half -> status -> requests asked in it
    days: dict[int, list[tuple[float, int]]]  # half -> (days to answer, tenths, how many)


def feedback(w: Window, session: Session) -> FeedbackCounts:
    fr = FeedbackRequest
    answered = and_(fr.team_id == w.team_id, fr.status == "given", w.within(fr.answered_at))
    b = w.bucket(fr.answered_at)
    stmt = _scoped(w, select(b, func.count()).where(answered), fr.requester_id).group_by(b)
    cycles = {int(k): int(n) for k, n in _rows(session, stmt)}

    h = w.half(fr.requested_at)
    stmt = _scoped(
        w,
        select(h, fr.status, func.count()).where(
            fr.team_id == w.team_id, w.within(fr.requested_at)
        ),
        fr.requester_id,
    ).group_by(h, fr.status)
    by_status: dict[int, dict[str, int]] = {0: {}, 1: {}}
    for half, status, n in _rows(session, stmt):
        by_status[int(half)][str(status)] = int(n)

    tenths = w.floor(w.seconds_between(fr.answered_at, fr.requested_at) / 8640.0)
    ha = w.half(fr.answered_at)
    stmt = _scoped(w, select(ha, tenths, func.count()).where(answered), fr.requester_id).group_by(
        ha, tenths
    )
    days: dict[int, list[tuple[float, int]]] = {0: [], 1: []}
    for half, tenth, n in _rows(session, stmt):
        days[int(half)].append((int(tenth) / 10, int(n)))
    return FeedbackCounts(cycles, by_status, days)


# ----- mentoring -------------------------------------------------------------------------------
@dataclass
class MentoringCounts:
    groups: int = 0  # pairs and circles running at some point in the half
    members: int = 0  # people in them
    sessions: int = 0  # sessions they logged in the half
    without_session: int = 0  # of those groups, the ones that never logged one


def mentoring(w: Window, session: Session, half: int) -> MentoringCounts:
    since, until = w.half_bounds(half)
    g, gm, ms = MentoringGroup, MentoringGroupMember, MentoringSession
    running = and_(
        g.team_id == w.team_id,
        g.started_at < until,
        or_(g.ended_at.is_(None), g.ended_at >= since),
    )
    staying = or_(gm.left_at.is_(None), gm.left_at >= since)
    people = select(gm.group_id, gm.user_id).join(g, g.id == gm.group_id).where(running, staying)
    people, _m, _p = _person_join(w, people, gm.user_id)
    members = people.subquery("in_groups")
    groups = select(members.c.group_id).distinct().subquery("groups")
    n_groups = _scalar(session, select(func.count()).select_from(groups)) or 0
    n_people = (
        _scalar(session, select(func.count(func.distinct(members.c.user_id))).select_from(members))
        or 0
    )
    sessions = (
        _scalar(
            session,
            select(func.count()).where(
                ms.team_id == w.team_id,
                ms.created_at >= since,
                ms.created_at < until,
                ms.group_id.in_(select(groups.c.group_id)),
            ),
        )
        or 0
    )
    ever = select(ms.group_id).where(
        ms.team_id == w.team_id, ms.created_at < until, ms.group_id.is_not(None)
    )
    without = (
        _scalar(
            session, select(func.count()).select_from(groups).where(groups.c.group_id.not_in(ever))
        )
        or 0
    )
    return MentoringCounts(int(n_groups), int(n_people), int(sessions), int(without))


# ----- help ------------------------------------------------------------------------------------
@dataclass
class HelpCounts:
    opened: dict[int, int]  # bucket -> requests opened
    resolved: dict[int, int]  # bucket -> requests resolved
    open_at_end: dict[int, int]  # half -> requests open at its end
    first_offer: dict[int, list[tuple[float, int]]]  # half -> (hours, tenths; how many)
    eligible: dict[int, int]  # half -> requests whose first 24 hours are over
    within_day: dict[int, int]  # half -> of those, the ones with an offer in them


def help_requests(w: Window, session: Session) -> HelpCounts:
    hr = HelpRequest
    team = hr.team_id == w.team_id

    def by_bucket(column: Any, *where: Any) -> dict[int, int]:
        b = w.bucket(column)
        stmt = _scoped(
            w, select(b, func.count()).where(team, w.within(column), *where), hr.requester_id
        )
        return {int(k): int(n) for k, n in _rows(session, stmt.group_by(b))}

    opened = by_bucket(hr.created_at)
    resolved = by_bucket(hr.resolved_at, hr.status == "resolved")
    open_at_end: dict[int, int] = {}
    for half in (0, 1):
        _since, until = w.half_bounds(half)
        if half:
            condition = and_(hr.status == "open", hr.created_at < until)
        else:
            condition = and_(
                hr.created_at < until,
                or_(hr.resolved_at.is_(None), hr.resolved_at >= until),
                or_(hr.stale_at.is_(None), hr.stale_at >= until),
            )
        stmt = _scoped(w, select(func.count()).where(team, condition), hr.requester_id)
        open_at_end[half] = int(_scalar(session, stmt) or 0)

    wait = w.seconds_between(hr.first_offer_at, hr.created_at)
    tenths = w.floor(wait / 360.0)
    h = w.half(hr.created_at)
    stmt = _scoped(
        w,
        select(h, tenths, func.count()).where(
            team, w.within(hr.created_at), hr.first_offer_at.is_not(None)
        ),
        hr.requester_id,
    ).group_by(h, tenths)
    first_offer: dict[int, list[tuple[float, int]]] = {0: [], 1: []}
    for half, tenth, n in _rows(session, stmt):
        first_offer[int(half)].append((int(tenth) / 10, int(n)))

    eligible: dict[int, int] = {}
    within_day: dict[int, int] = {}
    for half in (0, 1):
        since, until = w.half_bounds(half)
        stmt = _scoped(
            w,
            select(
                func.count(),
                func.sum(case((and_(hr.first_offer_at.is_not(None), wait <= 86400), 1), else_=0)),
            ).where(team, hr.created_at >= since, hr.created_at <= until - timedelta(days=1)),
            hr.requester_id,
        )
        row = session.execute(stmt).one()
        eligible[half], within_day[half] = int(row[0] or 0), int(row[1] or 0)
    return HelpCounts(opened, resolved, open_at_end, first_offer, eligible, within_day)


# ----- who helped, thanked and praised whom, by department --------------------------------------
def _ties_source(w: Window, kind: str) -> Any:
    """(giver, receiver, at) of one kind of tie in the window."""
    t = w.team_id
    if kind == "help":
        requester = aliased(HelpRequest)
        parts = [
            select(
                HelpOffer.helper_id.label("giver"),
                requester.requester_id.label("receiver"),
                HelpOffer.created_at.label("at"),
            )
            .join(requester, requester.id == HelpOffer.request_id)
            .where(HelpOffer.team_id == t, w.within(HelpOffer.created_at)),
            select(ShareReply.user_id, ShareReply.helped_user_id, ShareReply.created_at).where(
                ShareReply.team_id == t,
                ShareReply.kind == "help",
                ShareReply.helped_user_id.is_not(None),
                w.within(ShareReply.created_at),
            ),
        ]
    elif kind == "thanks":
        parts = [
            select(
                Thanks.giver_id.label("giver"),
                Thanks.receiver_id.label("receiver"),
                Thanks.created_at.label("at"),
            ).where(
                Thanks.team_id == t, Thanks.retracted_at.is_(None), w.within(Thanks.created_at)
            ),
            select(HelpThanks.giver_id, HelpThanks.receiver_id, HelpThanks.created_at).where(
                HelpThanks.team_id == t, w.within(HelpThanks.created_at)
            ),
        ]
    else:
        parts = [
            select(
                Kudos.giver_id.label("giver"),
                Kudos.receiver_id.label("receiver"),
                Kudos.created_at.label("at"),
            ).where(Kudos.team_id == t, w.within(Kudos.created_at))
        ]
    return union_all(*parts).subquery(f"ties_{kind}")


def _ties_with_departments(w: Window, kind: str) -> tuple[Select[Any], Any, Any, Any]:
    src = _ties_source(w, kind)
    mg, mr = aliased(Member), aliased(Member)
    stmt = (
        select(src.c.at)
        .select_from(src)
        .outerjoin(mg, and_(mg.team_id == w.team_id, mg.user_id == src.c.giver))
        .outerjoin(mr, and_(mr.team_id == w.team_id, mr.user_id == src.c.receiver))
        .where(
            func.coalesce(mg.is_bot, false()) == false(),
            func.coalesce(mr.is_bot, false()) == false(),
            src.c.giver != src.c.receiver,
        )
    )
    return stmt, department_of(mg), department_of(mr), src.c.at


def ties(w: Window, session: Session, kind: str) -> dict[int, dict[tuple[str, str], int]]:
    """half -> the ties of `kind` by (giver's department, receiver's department), every
    department (the caller applies the scope and folds them)."""
    stmt, dg, dr, at = _ties_with_departments(w, kind)
    h = w.half(at)
    stmt = stmt.with_only_columns(h, dg, dr, func.count()).group_by(h, dg, dr)
    out: dict[int, dict[tuple[str, str], int]] = {0: {}, 1: {}}
    for half, a, b, n in _rows(session, stmt):
        out[int(half)][(str(a), str(b))] = int(n)
    return out


def ties_inside(w: Window, session: Session, kind: str, by: str) -> dict[int, tuple[int, int]]:
    """(external, internal) ties of `kind` by "week" (bucket) or "half", on the real
    departments; with a scope, the ties given or received by its people."""
    stmt, dg, dr, at = _ties_with_departments(w, kind)
    key = w.bucket(at) if by == "week" else w.half(at)
    if w.scope is not None:
        stmt = stmt.where(or_(dg.in_(w.scope), dr.in_(w.scope)))
    stmt = stmt.with_only_columns(
        key,
        func.sum(case((dg != dr, 1), else_=0)),
        func.sum(case((dg == dr, 1), else_=0)),
    ).group_by(key)
    return {int(k): (int(e or 0), int(i or 0)) for k, e, i in _rows(session, stmt)}


# ----- spread and load ---------------------------------------------------------------------------
def _recognition(w: Window, since: datetime, until: datetime) -> Any:
    t = w.team_id
    return union_all(
        select(Kudos.receiver_id.label("user_id"), Kudos.created_at.label("at")).where(
            Kudos.team_id == t, Kudos.created_at >= since, Kudos.created_at < until
        ),
        select(Thanks.receiver_id, Thanks.created_at).where(
            Thanks.team_id == t,
            Thanks.retracted_at.is_(None),
            Thanks.created_at >= since,
            Thanks.created_at < until,
        ),
        select(HelpThanks.receiver_id, HelpThanks.created_at).where(
            HelpThanks.team_id == t, HelpThanks.created_at >= since, HelpThanks.created_at < until
        ),
    ).subquery("recognition")


def recognition_histogram(w: Window, session: Session) -> dict[int, dict[tuple[int, int], int]]:
    """half -> {(recognitions received, excused 0/1): how many people}."""
    rec = _recognition(w, w.prev_start, w.end)
    h = w.half(rec.c.at)
    per = (
        select(rec.c.user_id, h.label("h"), func.count().label("n"))
        .group_by(rec.c.user_id, h)
        .subquery("per_receiver")
    )
    stmt: Select[Any] = select(per.c.h).select_from(per)
    stmt, _m, p = _person_join(w, stmt, per.c.user_id)
    excused = excused_of(p, w.now)
    stmt = stmt.with_only_columns(per.c.h, per.c.n, excused, func.count()).group_by(
        per.c.h, per.c.n, excused
    )
    out: dict[int, dict[tuple[int, int], int]] = {0: {}, 1: {}}
    for half, n, ex, people in _rows(session, stmt):
        out[int(half)][(int(n), int(ex))] = int(people)
    return out


def recognised_recently(w: Window, session: Session, half: int, weeks: int = 8) -> int:
    """Counted (not excused) active people of the half who received recognition in the
    `weeks` before its end."""
    since, until = w.half_bounds(half)
    rec = _recognition(w, until - timedelta(weeks=weeks), until)
    per = (
        select(rec.c.user_id, func.max(rec.c.at).label("last"))
        .group_by(rec.c.user_id)
        .subquery("recent")
    )
    stmt: Select[Any] = select(func.count()).select_from(per)
    stmt, m, p = _person_join(w, stmt, per.c.user_id)
    stmt = stmt.where(
        excused_of(p, w.now) == 0,
        or_(and_(m.user_id.is_not(None), m.created_at < until), per.c.last >= since),
    )
    return int(_scalar(session, stmt) or 0)


def help_given_histogram(w: Window, session: Session) -> dict[int, dict[int, int]]:
    """half -> {help given: how many helpers} (offers and share-and-solve help)."""
    t = w.team_id
    src = union_all(
        select(HelpOffer.helper_id.label("user_id"), HelpOffer.created_at.label("at")).where(
            HelpOffer.team_id == t, w.within(HelpOffer.created_at)
        ),
        select(ShareReply.user_id, ShareReply.created_at).where(
            ShareReply.team_id == t, ShareReply.kind == "help", w.within(ShareReply.created_at)
        ),
    ).subquery("helped")
    h = w.half(src.c.at)
    per = (
        select(src.c.user_id, h.label("h"), func.count().label("n"))
        .group_by(src.c.user_id, h)
        .subquery("per_helper")
    )
    stmt: Select[Any] = select(per.c.h).select_from(per)
    stmt, _m, _p = _person_join(w, stmt, per.c.user_id)
    stmt = stmt.with_only_columns(per.c.h, per.c.n, func.count()).group_by(per.c.h, per.c.n)
    out: dict[int, dict[int, int]] = {0: {}, 1: {}}
    for half, n, people in _rows(session, stmt):
        out[int(half)][int(n)] = int(people)
    return out


__all__ = [
    "FeedbackCounts",
    "HelpCounts",
    "MentoringCounts",
    "Tally",
    "Window",
    "department_of",
    "feedback",
    "help_given_histogram",
    "help_requests",
    "mentoring",
    "participation",
    "recognised_recently",
    "recognition_histogram",
    "ties",
    "ties_inside",
]
