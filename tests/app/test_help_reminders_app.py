"""Reminder DMs to likely helpers, through the real app: a well-formed link to the request and
the buttons **I can help**, **Open the request** and **Not this time**."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import select

from bot import ids
from models.help_requests import HelpOffer, HelpRequest, HelpSuggestion
from scheduler.jobs import run_job
from tests.app.test_help_requests_app import (
    add_topics,
    ask,
    card_message,
    card_text,
    thread_posts,
)
from tests.conftest import Bot
from tests.slack_double import dm_channel


def surfaced(bot: Bot, clock: Any) -> tuple[HelpRequest, dict[str, dict[str, Any]]]:
    """Alice's unanswered #python request, surfaced by the reminders job to Dave and the admin
    (both at work), who listed python after she asked (so the card suggested nobody)."""
    bot.slack.channel_members["CGENERAL"] = ["UALICE", "UDAVE", "UADMIN"]
    request = ask(bot, "How do I profile a slow query? #python")
    add_topics(bot, "UDAVE", "python")
    add_topics(bot, "UADMIN", "python")
    clock.advance(days=1)  # Thursday 13:00 UTC: hours of Alice's working time later
    summary = run_job("reminders", bot.deps, now=clock())
    assert "1 help surfaced" in summary
    got = {
        user: message
        for user in ("UDAVE", "UADMIN")
        for (channel, _), message in bot.slack.messages.items()
        if channel == dm_channel(user)
    }
    assert set(got) == {"UDAVE", "UADMIN"}, bot.slack.messages.keys()
    return request, got


def press(bot: Bot, action_id: str, request: HelpRequest, user: str, dm: dict[str, Any]) -> Any:
    return bot.block_action(
        action_id,
        request.key,
        user=user,
        channel=dm["channel"],
        message={"ts": dm["ts"], "text": dm["text"]},
        block_id=ids.HELP_REMINDER_ACTIONS_BLOCK,
    )


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_the_reminder_links_the_request_well_and_has_three_buttons(bot: Bot, clock) -> None:
    request, got = surfaced(bot, clock)
    link = f"https://test.slack.com/archives/CGENERAL/p{request.message_ts.replace('.', '')}"
    section = got["UDAVE"]["blocks"][0]["text"]["text"]
    assert f"in <#CGENERAL> (<{link}|open the request>)" in section
    assert not re.search(r"<[^<>]*<", section)  # no control sequence inside a link's label
    shown = buttons(got["UDAVE"])
    assert [b["text"]["text"] for b in shown] == ["I can help", "Open the request", "Not this time"]
    assert shown[1]["url"] == link
    assert shown[0]["value"] == shown[2]["value"] == request.key


def test_i_can_help_on_the_reminder_records_the_offer_and_updates_the_card(
    bot: Bot, sessions, clock
) -> None:
    request, got = surfaced(bot, clock)
    updates_before = len(bot.slack.calls_to("chat.update"))
    press(bot, ids.HELP_REMINDER_OFFER_ACTION, request, "UDAVE", got["UDAVE"])
    with sessions() as session:
        offers = [(o.helper_id, o.offered_at) for o in session.scalars(select(HelpOffer))]
        stored = session.scalars(select(HelpRequest)).one()
    assert offers == [("UDAVE", clock())]
    assert stored.first_offer_at == clock()
    assert "Helping: <@UDAVE>" in card_text(card_message(bot, request))
    assert [p["text"] for p in thread_posts(bot)] == [
        "<@UDAVE> can help, <@UALICE> — pick it up here in the thread."
    ]
    dm = bot.slack.messages[(got["UDAVE"]["channel"], got["UDAVE"]["ts"])]
    assert "Thank you!" in dm["text"]
    assert [b["text"]["text"] for b in buttons(dm)] == ["Open the request"]
    # the card and the DM, once each
    assert len(bot.slack.calls_to("chat.update")) == updates_before + 2

    press(bot, ids.HELP_REMINDER_OFFER_ACTION, request, "UDAVE", got["UDAVE"])  # again
    with sessions() as session:
        assert len(list(session.scalars(select(HelpOffer)))) == 1
    assert len(thread_posts(bot)) == 1


def test_open_the_request_is_a_link_whose_click_is_acknowledged(bot: Bot, sessions, clock) -> None:
    _, got = surfaced(bot, clock)
    updates = len(bot.slack.calls_to("chat.update"))
    url_button = buttons(got["UDAVE"])[1]
    reply = bot.block_action(
        ids.HELP_REMINDER_OPEN_ACTION,
        user="UDAVE",
        channel=got["UDAVE"]["channel"],
        message={"ts": got["UDAVE"]["ts"], "text": "x"},
        action={
            "type": "button",
            "action_id": ids.HELP_REMINDER_OPEN_ACTION,
            "block_id": ids.HELP_REMINDER_ACTIONS_BLOCK,
            "text": {"type": "plain_text", "text": "Open the request"},
            "url": url_button["url"],
            "action_ts": f"{time.time():.6f}",
        },
    )
    assert reply.status == 200
    assert len(bot.slack.calls_to("chat.update")) == updates  # a link changes nothing
    with sessions() as session:
        assert session.scalars(select(HelpOffer)).all() == []


def test_not_this_time_stops_reminders_about_that_request_for_that_person(
    bot: Bot, sessions, clock
) -> None:
    request, got = surfaced(bot, clock)
    press(bot, ids.HELP_REMINDER_DECLINE_ACTION, request, "UADMIN", got["UADMIN"])
    dm = bot.slack.messages[(got["UADMIN"]["channel"], got["UADMIN"]["ts"])]
    assert "I won't remind you" in dm["text"] and buttons(dm) == []
    with sessions() as session:
        assert session.scalars(select(HelpOffer)).all() == []
        assert "UADMIN" in set(session.scalars(select(HelpSuggestion.user_id)))
    clock.advance(days=1)
    run_job("reminders", bot.deps, now=clock())
    admin_dms = [c for c in bot.slack.messages if c[0] == dm_channel("UADMIN")]
    assert len(admin_dms) == 1  # nothing more about it
    # Dave's reminder still works: the decline was the admin's alone
    press(bot, ids.HELP_REMINDER_OFFER_ACTION, request, "UDAVE", got["UDAVE"])
    assert "Helping: <@UDAVE>" in card_text(card_message(bot, request))
