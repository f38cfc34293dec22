"""The first counted emoji thanks tells the giver, once, in the channel, privately."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from models import Member, Thanks
from tests.app.test_settings_app import open_modal, values
from tests.app.test_thanks_app import reaction
from tests.conftest import Bot
from tests.slack_requests import checkboxes_value

NOTE = "Your :pray: counted as a thank-you to <@UBOB> — remove it to take it back."


def notes(bot: Bot) -> list[dict[str, Any]]:
    return bot.slack.calls_to("chat.postEphemeral")


def test_the_first_counted_thanks_gets_one_private_note_in_the_channel(bot: Bot) -> None:
    bot.event(reaction())
    assert [(n["channel"], n["user"], n["text"]) for n in notes(bot)] == [
        ("CGENERAL", "UALICE", NOTE)
    ]
    assert bot.slack.messages == {}  # nothing public


def test_never_again_after_that(bot: Bot, sessions) -> None:
    first = reaction()
    bot.event(first, event_id="Ev0NOTE001")
    bot.event(first, event_id="Ev0NOTE001", retry_num=1)  # Slack's retry
    bot.event(first, event_id="Ev0NOTE002")  # the same reaction, another delivery
    bot.event(reaction("reaction_removed", event_ts="1700000600.000001"))
    bot.event(reaction(event_ts="1700000700.000001"))  # added again: counts again
    bot.event(reaction(emoji="clap", ts="1700000000.000200", event_ts="1700000800.000001"))
    bot.event(reaction(author="UCAROL", ts="1700000000.000300", event_ts="1700000900.000001"))
    assert len(notes(bot)) == 1
    with sessions() as session:
        assert len(list(session.scalars(select(Thanks)))) == 3
        alice = session.get(Member, ("T0TEAM", "UALICE"))
        assert alice is not None and alice.thanks_noted_at is not None


@pytest.mark.parametrize(
    "event",
    [
        reaction(user="UBOB", author="UBOB"),  # your own message
        reaction(author="UROBOT"),  # a bot's message
        reaction(user="UROBOT"),  # a bot reacting
        reaction(emoji="eyes"),  # not a thanks emoji
        reaction(item_type="file", author="UBOB"),  # a file
    ],
)
def test_no_note_for_a_reaction_that_does_not_count(bot: Bot, sessions, event) -> None:
    bot.event(event)
    assert notes(bot) == []
    bot.event(reaction(event_ts="1700000999.000001"))  # the first one that counts is told
    assert [n["text"] for n in notes(bot)] == [NOTE]


def test_each_person_is_told_once(bot: Bot) -> None:
    bot.event(reaction())
    bot.event(reaction(user="UCAROL", event_ts="1700000501.000001"))
    assert sorted(n["user"] for n in notes(bot)) == ["UALICE", "UCAROL"]


def test_the_note_can_be_turned_off_in_settings(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    options = [
        o["value"]
        for b in view["blocks"]
        if b.get("block_id") == ids.SETTINGS_OPT_OUTS_BLOCK
        for o in b["element"]["options"]
    ]
    assert "thanks_note" in options
    reply = bot.view_submission(
        view, values(**{ids.SETTINGS_OPT_OUTS_BLOCK: checkboxes_value(["thanks_note"])})
    )
    assert reply.json()["response_action"] == "update"
    assert (
        "the note telling me my emoji reaction counted"
        in (reply.json()["view"]["blocks"][0]["text"]["text"])
    )
    bot.event(reaction())
    assert notes(bot) == []
    with sessions() as session:
        assert len(list(session.scalars(select(Thanks)))) == 1  # the thanks still counts


def test_a_note_slack_cannot_deliver_is_let_go_and_never_sent_twice(bot: Bot, sessions) -> None:
    bot.slack.fail("chat.postEphemeral", status=200, error="user_not_in_channel")
    bot.event(reaction())
    bot.event(reaction(), event_id="Ev0AGAIN001")
    assert len(notes(bot)) == 1  # the one attempt
    with sessions() as session:
        assert len(list(session.scalars(select(Thanks)))) == 1
