"""Feedback as its receiver reads it, through the real app: receiver-side labels, whose help
request it was, and one invitation listing everyone who helped."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot import ids
from models.feedback import Feedback, FeedbackOffer
from tests.app.test_feedback_app import answers, dms_to, last_modal
from tests.app.test_help_requests_app import ask, click, resolve
from tests.conftest import Bot
from tests.slack_double import dm_channel


def offer_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ids.FEEDBACK_OFFER_ACTION
    ]


def texts(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def resolved_by_dave_with_two_helpers(bot: Bot) -> dict[str, Any]:
    """Dave's request, resolved with Bob and Alice: the one invitation Dave got."""
    request = ask(bot, "How do I rotate the staging keys?", user="UDAVE")
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    resolve(bot, request, ["UBOB", "UALICE"], "Thanks both", user="UDAVE")
    invites = dms_to(bot, "UDAVE")
    assert len(invites) == 1, invites  # one invitation, not one per helper
    return invites[0]


def test_resolving_with_several_helpers_sends_one_invitation_listing_them_all(
    bot: Bot, sessions
) -> None:
    invite = resolved_by_dave_with_two_helpers(bot)
    section = invite["blocks"][0]["text"]["text"]
    assert "<@UBOB> and <@UALICE> helped you with *your help request" in section
    assert [b["text"]["text"] for b in offer_buttons(invite)] == [
        "Feedback for bob",
        "Feedback for alice",
    ]
    with sessions() as session:
        assert len(session.scalars(select(FeedbackOffer)).all()) == 2


def test_delivered_feedback_reads_from_the_receivers_side_and_names_whose_request_it_was(
    bot: Bot, sessions
) -> None:
    invite = resolved_by_dave_with_two_helpers(bot)
    dm = dm_channel("UDAVE")
    ts = next(k[1] for k in bot.slack.messages if k[0] == dm)
    bob_button = offer_buttons(invite)[0]
    bot.block_action(
        ids.FEEDBACK_OFFER_ACTION,
        bob_button["value"],
        user="UDAVE",
        channel=dm,
        message={"ts": ts},
    )
    modal = last_modal(bot)
    assert "Feedback for <@UBOB> about *your help request" in texts(modal)  # Dave's own
    bot.view_submission(modal, answers(), user="UDAVE")

    (delivered,) = dms_to(bot, "UBOB")
    shown = texts(delivered)
    assert "Feedback from <@UDAVE> about *<@UDAVE>'s help request" in shown
    assert "your help request" not in shown  # it was not Bob's
    for label in ("*What they saw*", "*The impact*", "*Their suggestion*"):
        assert label in shown
    for giver_side in ("What you observed", "Its impact", "One suggestion"):
        assert giver_side not in shown

    # Dave's invitation keeps Alice's button and says Bob's is sent
    updated = bot.slack.messages[(dm, ts)]
    assert [b["text"]["text"] for b in offer_buttons(updated)] == ["Feedback for alice"]
    assert "Sent to <@UBOB>" in texts(updated)

    # and Bob's own list reads the same way
    bot.command("/feedback", "list", user="UBOB")
    listed = bot.slack.responses[-1]
    assert "<@UDAVE>'s help request" in texts(listed) and "*What they saw*" in texts(listed)

    alice_button = offer_buttons(updated)[0]
    bot.block_action(
        ids.FEEDBACK_OFFER_ACTION,
        alice_button["value"],
        user="UDAVE",
        channel=dm,
        message={"ts": ts},
    )
    bot.view_submission(last_modal(bot), answers(), user="UDAVE")
    assert "on its way" in bot.slack.messages[(dm, ts)]["text"]
    with sessions() as session:
        assert {f.receiver_id for f in session.scalars(select(Feedback))} == {"UBOB", "UALICE"}


def test_praise_with_an_absolute_is_sent_and_a_negative_absolute_is_flagged(
    bot: Bot, sessions
) -> None:
    bot.command("/feedback", "give <@UBOB|bob>")
    modal = last_modal(bot)
    values = answers("In every retro you always make time for questions from the new joiners.")
    reply = bot.view_submission(modal, values, user="UALICE")
    assert reply.json()["response_action"] == "update"  # praise is never scolded
    assert len(dms_to(bot, "UBOB")) == 1

    bot.command("/feedback", "give <@UCAROL|carol>")
    modal = last_modal(bot)
    reply = bot.view_submission(modal, answers("In stand-up you always interrupt."), user="UALICE")
    body = reply.json()
    assert body["response_action"] == "errors"
    assert "always/never" in body["errors"][ids.FEEDBACK_BEHAVIOUR_BLOCK]
    assert dms_to(bot, "UCAROL") == []
    with sessions() as session:
        assert [f.receiver_id for f in session.scalars(select(Feedback))] == ["UBOB"]
