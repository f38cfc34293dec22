"""`/reciprocity admin …` through the real app: who may change what, and what it changes."""

from __future__ import annotations

import pytest

from models import Workspace
from tests.conftest import Bot


def workspace(sessions) -> Workspace:
    with sessions() as session:
        found = session.get(Workspace, "T0TEAM")
        assert found is not None
        return found


def answer(bot: Bot) -> str:
    reply = bot.slack.responses[-1]
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def test_a_slack_admin_sets_values_budget_and_emoji(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin values Ownership, craft #customer-first", user="UADMIN")
    assert "`#Ownership`, `#craft`, `#customer-first`" in answer(bot)
    bot.command("/reciprocity", "admin budget 7", user="UADMIN")
    bot.command("/reciprocity", "admin emoji :taco: pray", user="UADMIN")
    found = workspace(sessions)
    assert found.kudos_values == ["Ownership", "craft", "customer-first"]
    assert found.kudos_daily_budget == 7
    assert found.thanks_emoji == ["taco", "pray"]
    bot.command("/reciprocity", "admin show", user="UADMIN")
    shown = answer(bot)
    assert "7 per person" in shown and ":taco:" in shown and "`#craft`" in shown


def test_values_can_be_cleared(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin values a b", user="UADMIN")
    bot.command("/reciprocity", "admin values clear", user="UADMIN")
    assert workspace(sessions).kudos_values == []


def test_someone_else_is_politely_refused_and_nothing_changes(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin budget 50", user="UBOB")
    assert "Only workspace admins" in answer(bot)
    assert workspace(sessions).kudos_daily_budget == 5


def test_a_listed_person_may_change_settings_until_removed(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin admins add <@UBOB|bob>", user="UADMIN")
    assert workspace(sessions).admin_user_ids == ["UBOB"]
    bot.command("/reciprocity", "admin budget 3", user="UBOB")
    assert workspace(sessions).kudos_daily_budget == 3
    bot.command("/reciprocity", "admin admins remove @bob", user="UADMIN")
    assert workspace(sessions).admin_user_ids == []
    bot.command("/reciprocity", "admin budget 9", user="UBOB")
    assert workspace(sessions).kudos_daily_budget == 3


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("budget lots", "number"),
        ("budget 0", "between 1 and 100"),
        ("budget 1000", "between 1 and 100"),
        ("values " + "x" * 50, "can't be a value"),
        ("values drop;table", "can't be a value"),
        ("values", "List the values"),
        ("emoji <b>", "isn't an emoji"),
        ("emoji", "at least one emoji"),
        ("admins promote @bob", "admins add"),
        ("admins add @nobody-at-all", "Mention the person"),
        ("launch rockets", "What would you like"),
    ],
)
def test_mistakes_get_a_clear_answer_and_change_nothing(bot: Bot, sessions, args, expected) -> None:
    bot.command("/reciprocity", "admin show", user="UADMIN")
    before = workspace(sessions)
    bot.command("/reciprocity", f"admin {args}", user="UADMIN")
    assert expected in answer(bot)
    after = workspace(sessions)
    assert (
        after.kudos_daily_budget,
        after.kudos_values,
        after.thanks_emoji,
        after.admin_user_ids,
    ) == (
        before.kudos_daily_budget,
        before.kudos_values,
        before.thanks_emoji,
        before.admin_user_ids,
    )


def test_new_workspace_settings_apply_to_kudos_right_away(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin budget 1", user="UADMIN")
    bot.command("/kudos", "<@UBOB> for the first", user="UALICE")
    bot.command("/kudos", "<@UCAROL> for the second", user="UALICE")
    assert "budget used up (1 a day)" in bot.slack.responses[-1]["text"]
