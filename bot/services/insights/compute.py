"""The numbers of an insights report, counted by the database (placeholder: see issue 11)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.services.insights.report import HEADLINE, TRENDED, Matrix, Metric, Report, Week


def compute_insights(
    session: Session,
    team_id: str,
    *,
    now: datetime,
    weeks: int = 12,
    department: str | None = None,
    min_group: int = 5,
) -> Report:
    """Every insight of `team_id` for the `weeks` full weeks up to `now`."""
    end = now.date()
    start = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    return Report(
        team_id=team_id,
        start=start,
        end=end,
        weeks=weeks,
        min_group=min_group,
        department=department,
        active_members=0,
        headline=[Metric(d.key, None, None) for d in HEADLINE],
        weekly=[Week(start + timedelta(weeks=i), dict.fromkeys(TRENDED)) for i in range(weeks)],
        departments=[],
        help_matrix=Matrix([], []),
    )
