"""The "insights-monthly" job: on the first working day of each month (Monday to Friday, in
UTC; caught up later in the month after downtime), a summary of the insights to each person
who opted in and may still see them, through the gate (their own working hours then decide
the moment). Claimed per person and month, so it goes once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.deps import Deps
from bot.flows.insights import send_monthly_summary
from bot.flows.once import Once, run_once
from bot.services.insights.access import monthly_recipients

JOB = "insights-monthly"


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def insights_monthly_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    today = now.date()
    if today < first_working_day(today.year, today.month):
        return f"{JOB}: not yet this month"
    month = f"{today:%Y-%m}"
    with deps.sessions() as session:
        recipients = monthly_recipients(session=session)
    done = retry = 0
    for team_id, user_id in recipients:

        def send(team_id: str = team_id, user_id: str = user_id) -> None:
            send_monthly_summary(deps, team_id=team_id, user_id=user_id, month=month, now=now)

        outcome = run_once(
            deps.sessions,
            team_id=team_id,
            job=JOB,
            key=f"{team_id}:{user_id}:{month}",
            now=now,
            work=send,
        )
        done += outcome is Once.DONE
        retry += outcome is Once.RETRY
    summary = f"{JOB}: {done} summar{'y' if done == 1 else 'ies'} for {month}"
    return summary + (f", {retry} to retry" if retry else "")
