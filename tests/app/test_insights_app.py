"""`/reciprocity insights` and `/reciprocity admin insights …` through the real app: who may
see insights, the summary (compared with compute_insights on the same records), the chart's
upload to the asker's DM, the period, the minimum group and the monthly opt-in."""

from __future__ import annotations

import pytest

from bot.blocks.insights import NOT_ALLOWED, SUMMARY_KEYS
from bot.dashboard import metric_line
from bot.services.insights import compute_insights
from models import InsightsViewer, Workspace
from tests.conftest import Bot
from tests.insights_helpers import dashboard_url, seed_kudos, summary
from tests.slack_double import TEAM_ID, dm_channel


def test_someone_who_is_no_admin_gets_a_polite_no_and_no_chart(bot: Bot) -> None:
    bot.command("/reciprocity", "insights", user="UBOB")
    assert summary(bot.slack)["text"] == NOT_ALLOWED
    assert bot.slack.shared_files() == []
    assert "files.getUploadURLExternal" not in bot.slack.methods()


def test_the_summary_shows_what_compute_insights_counts(bot: Bot, sessions) -> None:
    now = bot.deps.clock()
    seed_kudos(sessions, now)
    bot.command("/reciprocity", "insights", user="UADMIN")
    answer = summary(bot.slack)
    with sessions() as session:
        report = compute_insights(session, TEAM_ID, now=now, weeks=12, min_group=5)
    text = answer["text"]
    for key in SUMMARY_KEYS:
        assert metric_line(report.metric(key)) in text, key
    assert f"{report.active_members} active members" in text
    assert f"{report.start:%d %b %Y} – {report.end:%d %b %Y}" in text
    assert "UALICE" not in str(answer) and "alice" not in str(answer).lower()
    url = dashboard_url(answer)
    assert url.startswith("http://localhost:3000/insights/login?token=")


def test_the_chart_goes_to_the_askers_dm_through_the_upload_flow(bot: Bot) -> None:
    bot.command("/reciprocity", "insights", user="UADMIN")
    methods = bot.slack.methods()
    steps = ["conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal"]
    assert [m for m in methods if m in steps] == steps
    (shared,) = bot.slack.shared_files()
    assert shared["channel_id"] == dm_channel("UADMIN")
    assert shared["content"].startswith(b"\x89PNG\r\n\x1a\n")
    assert len(shared["content"]) == shared["length"]
    assert shared["filename"].endswith(".png")


@pytest.mark.expect_rejected
def test_without_files_write_the_summary_comes_and_the_chart_is_explained(bot: Bot) -> None:
    bot.slack.scopes.discard("files:write")
    bot.command("/reciprocity", "insights", user="UADMIN")
    assert bot.slack.shared_files() == []
    assert any(r.get("method") == "files.getUploadURLExternal" for r in bot.slack.rejected)
    first, second = bot.slack.responses[-2:]
    assert dashboard_url(first)  # the summary, once: no retry repeats it
    assert "files:write" in second["text"]
    assert len([r for r in bot.slack.responses if "blocks" in r]) == 1


def test_an_admin_lists_someone_and_takes_them_off_again(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin insights add <@UBOB|bob>", user="UADMIN")
    assert "<@UBOB> can now see insights" in summary(bot.slack)["text"]
    bot.command("/reciprocity", "insights", user="UBOB")
    assert dashboard_url(summary(bot.slack))
    assert len(bot.slack.shared_files()) == 1
    bot.command("/reciprocity", "admin insights add @bob", user="UADMIN")
    assert "already" in summary(bot.slack)["text"]
    bot.command("/reciprocity", "admin insights remove @bob", user="UADMIN")
    assert "no longer sees insights" in summary(bot.slack)["text"]
    bot.command("/reciprocity", "insights", user="UBOB")
    assert summary(bot.slack)["text"] == NOT_ALLOWED
    with sessions() as session:
        row = session.get(InsightsViewer, (TEAM_ID, "UBOB"))
        assert row is not None and row.listed is False


def test_only_admins_change_the_list(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin insights add @carol", user="UBOB")
    assert "Only workspace admins" in summary(bot.slack)["text"]
    with sessions() as session:
        assert session.get(InsightsViewer, (TEAM_ID, "UCAROL")) is None


def test_the_minimum_group_is_stored_and_used(bot: Bot, sessions) -> None:
    now = bot.deps.clock()
    seed_kudos(sessions, now)
    bot.command("/reciprocity", "admin insights min-group 7", user="UADMIN")
    assert "smaller than 7 people" in summary(bot.slack)["text"]
    with sessions() as session:
        found = session.get(Workspace, TEAM_ID)
        assert found is not None and found.insights_min_group == 7
        report = compute_insights(session, TEAM_ID, now=now, weeks=12, min_group=7)
    bot.command("/reciprocity", "insights", user="UADMIN")
    answer = summary(bot.slack)["text"]
    assert "under 7 people" in str(summary(bot.slack)["blocks"])
    for key in SUMMARY_KEYS:
        assert metric_line(report.metric(key)) in answer


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("admin insights min-group 2", "between 3 and 10"),
        ("admin insights min-group 11", "between 3 and 10"),
        ("admin insights min-group many", "number of people"),
        ("admin insights promote @bob", "insights add @name"),
        ("admin insights add @nobody-at-all", "Mention the person"),
        ("insights 0", "1 to 52"),
        ("insights 99", "1 to 52"),
        ("insights lots", "1 to 52"),
        ("insights monthly maybe", "monthly on"),
    ],
)
def test_mistakes_get_a_clear_answer_and_change_nothing(bot: Bot, sessions, args, expected) -> None:
    bot.command("/reciprocity", args, user="UADMIN")
    answer = summary(bot.slack)["text"]
    assert expected in answer, answer
    assert "Usage:" in answer
    with sessions() as session:
        found = session.get(Workspace, TEAM_ID)
        assert found is None or found.insights_min_group is None
        assert session.get(InsightsViewer, (TEAM_ID, "UBOB")) is None
    assert bot.slack.shared_files() == []


def test_a_period_in_weeks_and_the_chart_still_twelve(bot: Bot, sessions) -> None:
    now = bot.deps.clock()
    bot.command("/reciprocity", "insights 4", user="UADMIN")
    with sessions() as session:
        four = compute_insights(session, TEAM_ID, now=now, weeks=4)
    assert f"4 weeks, {four.start:%d %b %Y}" in summary(bot.slack)["text"]
    assert len(bot.slack.shared_files()) == 1


def test_the_monthly_summary_is_opted_in_and_out(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "insights monthly on", user="UADMIN")
    assert "first working day of each month" in summary(bot.slack)["text"]
    bot.command("/reciprocity", "insights monthly on", user="UADMIN")
    assert "already on" in summary(bot.slack)["text"]
    with sessions() as session:
        row = session.get(InsightsViewer, (TEAM_ID, "UADMIN"))
        assert row is not None and row.monthly and not row.listed
    bot.command("/reciprocity", "insights monthly off", user="UADMIN")
    assert "No more monthly" in summary(bot.slack)["text"]
    bot.command("/reciprocity", "insights monthly on", user="UBOB")
    assert summary(bot.slack)["text"] == NOT_ALLOWED
    with sessions() as session:
        assert session.get(InsightsViewer, (TEAM_ID, "UBOB")) is None


def test_help_for_admins_names_the_insights_commands(bot: Bot) -> None:
    bot.command("/reciprocity", "help admin", user="UADMIN")
    text = summary(bot.slack)["text"]
    assert "/reciprocity insights [weeks]" in text and "insights add|remove" in text


def test_the_dashboard_button_is_a_link_whose_click_is_acknowledged(bot: Bot) -> None:
    bot.command("/reciprocity", "insights", user="UADMIN")
    url = dashboard_url(summary(bot.slack))
    calls = len(bot.slack.calls)
    reply = bot.block_action(
        "insights_open",
        user="UADMIN",
        block_id="insights_actions",
        action={
            "type": "button",
            "action_id": "insights_open",
            "block_id": "insights_actions",
            "text": {"type": "plain_text", "text": "Open the dashboard"},
            "url": url,
            "action_ts": "1700000000.000001",
        },
    )
    assert reply.status == 200
    assert len(bot.slack.calls) == calls  # a link: nothing to do
