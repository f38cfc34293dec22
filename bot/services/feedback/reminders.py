"""One gentle reminder for a request left unanswered for five of the reviewer's working
days, and the counts of cycles people see in their numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.feedback.requests import GIVEN, PENDING, RequestView, request_view
from bot.services.people import zone
from bot.services.workspace_data import installed
from models.feedback import Feedback, FeedbackRequest

REMINDER_AFTER_WORKING_DAYS = 5


# ----- reminders (the reminders job calls these) ---------------------------------------------
def feedback_teams(*, session: Session) -> list[str]:
    """Workspaces that ever asked for feedback (the reminders job looks at each)."""
    teams = select(FeedbackRequest.team_id).where(installed(FeedbackRequest.team_id))
    return sorted(set(session.scalars(teams.distinct())))


def pending_feedback_requests(
    *, session: Session, team_id: str, older_than: datetime
) -> list[RequestView]:
    """Requests still unanswered since before `older_than` and not yet reminded."""
    stmt = (
        select(FeedbackRequest)
        .where(
            FeedbackRequest.team_id == team_id,
            FeedbackRequest.status == PENDING,
            FeedbackRequest.reminded_at.is_(None),
            FeedbackRequest.requested_at <= older_than,
        )
        .order_by(FeedbackRequest.requested_at, FeedbackRequest.id)
    )
    return [request_view(row) for row in session.scalars(stmt)]


def mark_reminded(*, session: Session, team_id: str, request_id: int, now: datetime) -> bool:
    """Record the one reminder; False when it was already sent or the request is closed."""
    changed = session.execute(
        update(FeedbackRequest)
        .where(
            FeedbackRequest.team_id == team_id,
            FeedbackRequest.id == request_id,
            FeedbackRequest.status == PENDING,
            FeedbackRequest.reminded_at.is_(None),
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(changed == 1)


def working_days_between(
    start: datetime, end: datetime, *, tz: str | None, work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
) -> int:
    """Whole working days after `start`'s day up to and including `end`'s day, locally."""
    first = start.astimezone(zone(tz)).date()
    last = end.astimezone(zone(tz)).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += day.weekday() in work_days
    return count


def reminder_due(
    request: RequestView,
    now: datetime,
    *,
    tz: str | None,
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> bool:
    """Five of the reviewer's working days have passed without an answer or a reminder."""
    return (
        request.status == PENDING
        and request.reminded_at is None
        and working_days_between(request.requested_at, now, tz=tz, work_days=work_days)
        >= REMINDER_AFTER_WORKING_DAYS
    )


# ----- numbers for insights and `/reciprocity me` ------------------------------------------
@dataclass
class CycleCounts:
    """Completed cycles (request → feedback given) for one person."""

    requested: int = 0  # cycles they started that were answered
    given: int = 0  # requests they answered
    received_total: int = 0  # all feedback they received, asked for or not


def feedback_cycles(
    *, session: Session, team_id: str, start: datetime, end: datetime
) -> dict[str, CycleCounts]:
    """Per person, feedback cycles completed (answered) in [start, end)."""
    counts: dict[str, CycleCounts] = {}
    stmt = select(Feedback.giver_id, Feedback.receiver_id, Feedback.request_id).where(
        Feedback.team_id == team_id, Feedback.created_at >= start, Feedback.created_at < end
    )
    for giver_id, receiver_id, request_id in session.execute(stmt):
        counts.setdefault(receiver_id, CycleCounts()).received_total += 1
        if request_id is not None:
            counts[receiver_id].requested += 1
            counts.setdefault(giver_id, CycleCounts()).given += 1
    return counts


def cycles_by_month(
    *, session: Session, team_id: str, since: datetime
) -> Counter[tuple[str, date]]:
    """Completed request → feedback cycles per (requester, first day of the month, UTC)."""
    stmt = select(FeedbackRequest.requester_id, FeedbackRequest.answered_at).where(
        FeedbackRequest.team_id == team_id,
        FeedbackRequest.status == GIVEN,
        FeedbackRequest.answered_at >= since,
    )
    counts: Counter[tuple[str, date]] = Counter()
    for requester_id, answered_at in session.execute(stmt):
        if answered_at is not None:
            counts[(requester_id, answered_at.date().replace(day=1))] += 1
    return counts
