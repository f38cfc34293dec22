"""The monthly insights summary: on the first working day of the month, to each person who
opted in and may still see insights, through the gate, once per month."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.dashboard import metric_line
from bot.services.insights import compute_insights
from scheduler.insights_monthly import first_working_day
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import TEAM_ID, dm_channel

TUESDAY_FIRST = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Berlin, a working day


def dms_to(bot: Bot, user: str) -> list[dict]:
    channels = {user, dm_channel(user)}
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.get("channel") in channels]


def test_the_first_working_day_skips_the_weekend() -> None:
    assert first_working_day(2026, 12) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day(2026, 11) == date(2026, 11, 2)  # the 1st is a Sunday
    assert first_working_day(2026, 8) == date(2026, 8, 3)  # the 1st is a Saturday


def test_the_summary_goes_once_to_who_opted_in_and_may_see(bot: Bot, clock, sessions) -> None:
    bot.command("/reciprocity", "insights monthly on", user="UADMIN")
    bot.command("/reciprocity", "admin insights add @bob", user="UADMIN")
    bot.command("/reciprocity", "insights monthly on", user="UBOB")
    bot.command("/reciprocity", "admin insights add @carol", user="UADMIN")
    bot.command("/reciprocity", "insights monthly on", user="UCAROL")
    bot.command("/reciprocity", "admin insights remove @carol", user="UADMIN")  # no longer
    clock.set(TUESDAY_FIRST)
    run_job("insights-monthly", bot.deps, now=TUESDAY_FIRST)
    (to_admin,) = dms_to(bot, "UADMIN")
    assert dms_to(bot, "UBOB") == []  # 05:00 in New York: the gate keeps it for his morning
    later = TUESDAY_FIRST.replace(hour=14, minute=30)  # 09:30 in New York
    clock.set(later)
    run_job("insights-monthly", bot.deps, now=later)  # claimed already: nothing twice
    run_job("reminders", bot.deps, now=later)  # sends what waited for its moment
    assert len(dms_to(bot, "UADMIN")) == 1
    assert len(dms_to(bot, "UBOB")) == 1
    assert dms_to(bot, "UCAROL") == []
    with sessions() as session:
        report = compute_insights(session, TEAM_ID, now=TUESDAY_FIRST, weeks=4, min_group=5)
    assert metric_line(report.metric("participation")) in to_admin["text"]
    assert "monthly off" in str(to_admin["blocks"])


def test_nothing_before_the_first_working_day_and_nothing_for_who_opted_out(bot: Bot) -> None:
    bot.command("/reciprocity", "insights monthly on", user="UADMIN")
    sunday = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    assert "not yet" in run_job("insights-monthly", bot.deps, now=sunday)
    bot.command("/reciprocity", "insights monthly off", user="UADMIN")
    run_job("insights-monthly", bot.deps, now=TUESDAY_FIRST)
    assert dms_to(bot, "UADMIN") == []


def test_nothing_for_a_workspace_the_app_was_uninstalled_from(bot: Bot, clock, sessions) -> None:
    from bot.services.workspace_data import mark_uninstalled

    bot.command("/reciprocity", "insights monthly on", user="UADMIN")
    with sessions.begin() as session:
        gone = mark_uninstalled(
            session=session, team_ids=[TEAM_ID], at=clock(), defaults=bot.deps.defaults
        )
        assert gone == 1
    clock.set(TUESDAY_FIRST)
    run_job("insights-monthly", bot.deps, now=TUESDAY_FIRST)
    assert dms_to(bot, "UADMIN") == []
