"""`/reciprocity admin emoji …` through the real app: only real emoji, standard or the
workspace's own (`emoji.list`, with the `emoji:read` scope), and never none."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Thanks, Workspace
from tests.app.test_thanks_app import reaction
from tests.conftest import Bot

DEFAULTS = ["pray", "raised_hands", "clap", "heart"]


def thanks_emoji(sessions) -> list[str]:
    with sessions() as session:
        found = session.get(Workspace, "T0TEAM")
        return list(found.thanks_emoji) if found is not None else []


def answer(bot: Bot) -> str:
    reply = bot.slack.responses[-1]
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def test_names_that_are_no_emoji_are_refused_by_name_and_nothing_changes(
    bot: Bot, sessions
) -> None:
    bot.command("/reciprocity", "admin show", user="UADMIN")
    bot.command("/reciprocity", "admin emoji pray prey :thankyouverymuch:", user="UADMIN")
    said = answer(bot)
    assert "`prey`" in said and "`thankyouverymuch`" in said
    assert "`pray`" not in said.split("nothing changed")[0]
    assert "nothing changed" in said
    assert thanks_emoji(sessions) == DEFAULTS


def test_refusing_every_name_never_leaves_the_workspace_with_none(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin emoji prey", user="UADMIN")
    assert "`prey`" in answer(bot)
    assert thanks_emoji(sessions) == DEFAULTS
    bot.command("/reciprocity", "admin emoji :: ,", user="UADMIN")
    assert "at least one emoji" in answer(bot)
    assert thanks_emoji(sessions) == DEFAULTS


def test_standard_names_and_their_aliases_are_accepted_without_asking_slack(
    bot: Bot, sessions
) -> None:
    bot.command(
        "/reciprocity",
        "admin emoji :+1: thumbsup raised_hands clap::skin-tone-2 taco",
        user="UADMIN",
    )
    assert thanks_emoji(sessions) == ["+1", "thumbsup", "raised_hands", "clap", "taco"]
    assert answer(bot).startswith("Thanks emoji are now")
    assert bot.slack.calls_to("emoji.list") == []


def test_an_alias_counts_as_the_emoji_it_stands_for(bot: Bot, sessions) -> None:
    """Slack names 👍 `+1` in a reaction event, whichever name the admin chose."""
    bot.command("/reciprocity", "admin emoji thumbsup", user="UADMIN")
    bot.event(reaction(emoji="+1"))
    bot.event(reaction(emoji="pray", event_ts="1700000501.000001"))  # no longer a thanks emoji
    with sessions() as session:
        assert [t.emoji for t in session.scalars(select(Thanks))] == ["+1"]


def test_the_workspaces_custom_emoji_are_accepted_and_typos_of_them_refused(
    bot: Bot, sessions
) -> None:
    bot.slack.custom_emoji.update(
        {"partyparrot": "https://emoji.slack-edge.com/T0TEAM/partyparrot/abc.gif"}
    )
    bot.command("/reciprocity", "admin emoji partyparrot partyparot", user="UADMIN")
    said = answer(bot)
    assert "`partyparot`" in said and "`partyparrot`" not in said
    assert thanks_emoji(sessions) == DEFAULTS

    bot.command("/reciprocity", "admin emoji :partyparrot: pray", user="UADMIN")
    assert thanks_emoji(sessions) == ["partyparrot", "pray"]
    assert ":partyparrot: :pray:" in answer(bot)
    bot.event(reaction(emoji="partyparrot"))
    with sessions() as session:
        assert [t.emoji for t in session.scalars(select(Thanks))] == ["partyparrot"]


@pytest.mark.expect_rejected  # Slack refuses emoji.list: the install lacks emoji:read
def test_without_the_emoji_read_scope_a_custom_name_gets_a_clear_answer(bot: Bot, sessions) -> None:
    bot.slack.scopes.discard("emoji:read")
    bot.slack.custom_emoji["partyparrot"] = "https://emoji.slack-edge.com/x.gif"
    bot.command("/reciprocity", "admin emoji partyparrot pray", user="UADMIN")
    said = answer(bot)
    assert "`partyparrot`" in said and "`emoji:read`" in said and "Nothing changed" in said
    assert thanks_emoji(sessions) == DEFAULTS
    assert [r["error"] for r in bot.slack.rejected] == ["missing_scope"]


def test_someone_who_may_not_change_settings_is_refused_before_slack_is_asked(
    bot: Bot, sessions
) -> None:
    bot.command("/reciprocity", "admin emoji partyparrot", user="UBOB")
    assert "Only workspace admins" in answer(bot)
    assert bot.slack.calls_to("emoji.list") == []


def test_what_was_typed_is_never_echoed_as_a_ping(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin emoji <!channel> &lt;b&gt;", user="UADMIN")
    said = answer(bot)
    assert "isn't an emoji name" in said
    assert "<!" not in said and "<b" not in said
    assert thanks_emoji(sessions) == DEFAULTS
