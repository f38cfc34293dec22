"""The numbers of an insights report: the database counts (queries.py), pure functions turn
the counts into ratios, indices and folded tables (metrics.py), and this puts them together.

Definitions (issue 11, "The numbers"):
- The period is the `weeks` weeks up to `now`, from the Monday (UTC) `weeks - 1` weeks before
  this one; the previous period is the same length just before it (`Metric.previous`).
- Active members: non-bot, non-deactivated people in the bot's member list (everyone it has
  seen in its channels or copied from the workspace's roster) stored before the period ends,
  and anyone who gave or received something in it. Who opted out of being suggested, is
  paused or set a weekly cap of 0 counts only once they gave or received: they are never
  counted against anything (participation, no recognition, the spread of recognition).
- Gave / received: kudos, emoji thanks (not retracted) and help thank-yous; help offered
  (an offer, a reply in the card's thread, share-and-solve help) and received; feedback; a
  mentoring session counts as both for both people.
- Department: the member's setting, else their Slack profile title, else "unassigned".
- Time to a first offer is wall-clock: working hours are not modelled.
- Feedback text is never read: only that a request was answered, declined or is open.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

import bot.services.insights.metrics as m
import bot.services.insights.queries as q
from bot.services.insights.report import (
    HEADLINE,
    TRENDED,
    DepartmentRow,
    Matrix,
    Metric,
    Report,
    Week,
)

RECOGNITION_WEEKS = 8


def period_start(now: datetime, weeks: int) -> datetime:
    """The Monday (00:00 UTC) `weeks - 1` weeks before the one `now` is in."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    return datetime.combine(monday, time(0), tzinfo=UTC)


def compute_insights(
    session: Session,
    team_id: str,
    *,
    now: datetime,
    weeks: int = 12,
    department: str | None = None,
    min_group: int = 5,
) -> Report:
    """Every insight of `team_id` for the `weeks` weeks up to `now` (the last one so far).

    `department` is a shown group's name (a department, or "other" for the folded ones); a
    department that is folded, too small or unknown shows nothing (every value None).
    `min_group` is the smallest group shown. On PostgreSQL it sets `work_mem` for the rest of
    the caller's transaction (SET LOCAL)."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    now = now.astimezone(UTC)
    start = period_start(now, weeks)
    sqlite = session.get_bind().dialect.name == "sqlite"
    whole = q.Window(team_id, start, now, weeks, now, None, sqlite)
    q.roomy(session)
    notes: list[str] = []

    # Departments first, unscoped: their sizes decide what is folded and what is hidden.
    people = q.participation(whole, session)
    by_department = people.departments()
    folding = m.fold({d: t.active for d, t in by_department.items()}, min_group)
    if folding.folded:
        notes.append(
            f"{folding.folded} department{'s' if folding.folded != 1 else ''} with fewer than "
            f"{min_group} members {'are' if folding.folded != 1 else 'is'} folded into "
            f"“{m.OTHER}” (or hidden), so no small group can be singled out."
        )
    scope: tuple[str, ...] | None = None
    hidden = False
    if department is not None:
        members = folding.members_of(department) if department in folding.sizes else set()
        if not members:
            hidden = True
            notes.append(
                f"That department has fewer than {min_group} active members (or none), "
                "so nothing is shown for it."
            )
        scope = tuple(sorted(members))
    w = q.Window(team_id, start, now, weeks, now, scope, sqlite)

    halves, by_week = people.by("half", scope), people.by("week", scope)
    fb = q.feedback(w, session)
    mentoring = {half: q.mentoring(w, session, half) for half in (0, 1)}
    help_ = q.help_requests(w, session)
    ei_weeks = q.ties_inside(w, session, "help", "week")
    ties = {kind: q.ties(w, session, kind) for kind in ("help", "thanks", "kudos")}
    recognition = q.recognition_histogram(w, session)
    recent = {half: q.recognised_recently(w, session, half, RECOGNITION_WEEKS) for half in (0, 1)}
    helpers = q.help_given_histogram(w, session)

    def days_of(half: int) -> float:
        since, until = w.half_bounds(half)
        return (until - since).total_seconds() / 86400

    def headline_of(half: int) -> dict[str, float | None]:
        t = halves.get(half, q.Tally())
        lo, hi = (weeks, 2 * weeks) if half else (0, weeks)
        days = days_of(half)
        men = mentoring[half]
        statuses = fb.by_status[half]
        eligible = help_.eligible[half]
        help_ei = _sum_pairs(ei_weeks, lo, hi)
        rec = recognition[half]
        counted_receivers = sum(n for (_v, ex), n in rec.items() if not ex)
        zeros = max(t.counted - counted_receivers, 0)
        spread: dict[int, int] = {0: zeros} if zeros else {}
        for (value, _ex), n in rec.items():
            spread[value] = spread.get(value, 0) + n
        values: dict[str, float | None] = {
            "participation": m.pct(t.participants, t.active),
            "givers": m.pct(t.givers, t.active),
            "receivers": m.pct(t.receivers, t.active),
            "balance": m.pct(t.both, t.active),
            "feedback_per_member_month": m.per_member_month(
                _sum(fb.cycles, lo, hi), t.active, days
            ),
            "feedback_answered": statuses.get("given", 0),
            "feedback_declined": statuses.get("declined", 0),
            "feedback_open": statuses.get("pending", 0),
            "feedback_median_days": m.percentile(fb.days[half], 0.5),
            "mentoring_share": _capped(m.pct(men.members, t.active)),
            "mentoring_active_groups": men.groups,
            "mentoring_sessions_per_group_month": m.per_month(men.sessions, men.groups, days),
            "mentoring_groups_without_session": men.without_session,
            "help_opened": _sum(help_.opened, lo, hi),
            "help_resolved": _sum(help_.resolved, lo, hi),
            "help_open_now": help_.open_at_end[half],
            "help_first_offer_median_hours": m.percentile(help_.first_offer[half], 0.5),
            "help_first_offer_p90_hours": m.percentile(help_.first_offer[half], 0.9),
            "help_offer_within_day": m.pct(help_.within_day[half], eligible),
            "ei_help": m.ei_index(*help_ei),
            "ei_thanks": _ei_scoped(ties["thanks"][half], scope),
            "ei_kudos": _ei_scoped(ties["kudos"][half], scope),
            "recognition_gini": m.gini(spread),
            "no_recognition_8w": max(t.counted - recent[half], 0) if t.counted else None,
            "top10_help_share": m.top_share(helpers[half]),
        }
        if hidden or t.active < min_group:
            return dict.fromkeys(values)
        return values

    current, previous = headline_of(1), headline_of(0)
    if not hidden and halves.get(1, q.Tally()).active < min_group:
        notes.append(
            f"Fewer than {min_group} active members in the period: the numbers are hidden."
        )
    headline = [Metric(d.key, current[d.key], previous[d.key]) for d in HEADLINE]

    weekly: list[Week] = []
    for i in range(weeks):
        bucket = weeks + i
        week_start = (start + timedelta(weeks=i)).date()
        t = by_week.get(bucket, q.Tally())
        week_end = min(start + timedelta(weeks=i + 1), now)
        days = (week_end - (start + timedelta(weeks=i))).total_seconds() / 86400
        values: dict[str, float | None] = {
            "participation": m.pct(t.participants, t.active),
            "balance": m.pct(t.both, t.active),
            "feedback_per_member_month": m.per_member_month(
                fb.cycles.get(bucket, 0), t.active, days
            ),
            "help_opened": help_.opened.get(bucket, 0),
            "ei_help": m.ei_index(*ei_weeks.get(bucket, (0, 0))),
        }
        if hidden or t.active < min_group:
            values = dict.fromkeys(values)
        weekly.append(Week(week_start, {key: values[key] for key in TRENDED}))

    current_ties = {kind: by_half[1] for kind, by_half in ties.items()}
    departments, matrix = _departments(by_department, folding, current_ties)
    return Report(
        team_id=team_id,
        start=start.date(),
        end=now.date(),
        weeks=weeks,
        min_group=min_group,
        department=department,
        active_members=0 if hidden else _shown_count(halves.get(1, q.Tally()).active, min_group),
        headline=headline,
        weekly=weekly,
        departments=departments,
        help_matrix=matrix,
        notes=notes,
    )


def _departments(
    by_department: dict[str, q.Tally],
    folding: m.Folding,
    ties: dict[str, dict[tuple[str, str], int]],
) -> tuple[list[DepartmentRow], Matrix]:
    """One row per shown group (folded ones as "other"), and the help matrix between them."""
    if not folding.sizes:
        return [], Matrix([], [])
    rows: list[DepartmentRow] = []
    for group in folding.shown:
        members = folding.members_of(group)
        t = q.Tally()
        for raw in members:
            d = by_department.get(raw, q.Tally())
            t.active += d.active
            t.participants += d.participants
            t.givers += d.givers
            t.receivers += d.receivers
            t.both += d.both
        rows.append(
            DepartmentRow(
                name=group,
                members=folding.sizes[group],
                values={
                    "participation": m.pct(t.participants, t.active),
                    "givers": m.pct(t.givers, t.active),
                    "receivers": m.pct(t.receivers, t.active),
                    "balance": m.pct(t.both, t.active),
                    "ei_help": m.ei_of_group(ties["help"], members),
                    "ei_thanks": m.ei_of_group(ties["thanks"], members),
                    "ei_kudos": m.ei_of_group(ties["kudos"], members),
                },
            )
        )
    names, cells = m.folded_matrix(ties["help"], folding)
    return rows, Matrix(names, cells)


def _ei_scoped(ties: dict[tuple[str, str], int], scope: tuple[str, ...] | None) -> float | None:
    """E–I of every tie, or (with a department filter) of the ties its people gave or got."""
    return m.ei_overall(ties) if scope is None else m.ei_of_group(ties, set(scope))


def _sum(counts: dict[int, int], lo: int, hi: int) -> int:
    return sum(n for k, n in counts.items() if lo <= k < hi)


def _sum_pairs(counts: dict[int, tuple[int, int]], lo: int, hi: int) -> tuple[int, int]:
    chosen = [v for k, v in counts.items() if lo <= k < hi]
    return sum(e for e, _ in chosen), sum(i for _, i in chosen)


def _capped(value: float | None) -> float | None:
    return None if value is None else min(value, 100.0)


def _shown_count(active: int, min_group: int) -> int:
    """The number of active members, or 0 when even that would describe a small group."""
    return active if active >= min_group else 0
