"""What people read on a help card: urgency only when given, who is still suggested, the one
thread note for the first offer, and the **Mark resolved** button with its kind refusal."""

from __future__ import annotations

from sqlalchemy import select

from bot import ids
from models.help_requests import HelpSuggestion
from tests.app.test_help_requests_app import (
    action_ids,
    add_topics,
    ask,
    card_message,
    card_text,
    click,
    last_response,
    modal_values,
    requests,
    thread_posts,
)
from tests.conftest import Bot


def button_texts(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [
        element["text"]["text"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


# ----- urgency ------------------------------------------------------------------------------------
def test_a_request_without_urgency_shows_no_urgency_label(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide? #docs")
    text = card_text(card_message(bot, request))
    assert "No rush" not in text and "Today" not in text and "This week" not in text
    assert "`#docs`" in text
    assert request.urgency == ""
    # and no private note: there was nothing to correct
    assert not [r for r in bot.slack.responses if "urgency" in r.get("text", "")]


def test_a_request_that_says_no_rush_still_shows_it(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide? !norush")
    assert "No rush" in card_text(card_message(bot, request))


def test_the_modal_leaves_urgency_unpicked_and_an_empty_pick_shows_no_label(
    bot: Bot, sessions
) -> None:
    bot.command("/askhelp", "", channel="CENG")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    urgency = next(b for b in view["blocks"] if b.get("block_id") == ids.HELP_URGENCY_BLOCK)
    assert urgency.get("optional") is True and "initial_option" not in urgency["element"]
    values = modal_values("Review my plan?", None, "week", None)
    values[ids.HELP_URGENCY_BLOCK] = {
        ids.HELP_URGENCY_ACTION: {"type": "static_select", "selected_option": None}
    }
    bot.view_submission(view, values, user="UBOB")
    [request] = requests(sessions)
    assert "No rush" not in card_text(card_message(bot, request))


def test_an_unknown_urgency_word_gets_a_private_note_naming_the_real_ones(
    bot: Bot, sessions
) -> None:
    request = ask(bot, "Can someone review my PR? !soon")
    assert request.urgency == ""
    assert "No rush" not in card_text(card_message(bot, request))
    note = last_response(bot)
    assert note["response_type"] == "ephemeral"
    assert "`!soon` isn't an urgency I know" in note["text"]
    for word in ("`!today`", "`!week`", "`!norush`"):
        assert word in note["text"]


def test_an_unknown_urgency_word_is_escaped_in_the_note(bot: Bot, sessions) -> None:
    ask(bot, "Can someone review my PR? !x-y")
    assert "`!x-y`" in last_response(bot)["text"]


# ----- offers -------------------------------------------------------------------------------------
def test_someone_who_offered_is_no_longer_listed_as_might_know(bot: Bot, sessions) -> None:
    for user in ("UDAVE", "UADMIN", "UBOB"):
        add_topics(bot, user, "python")
    bot.slack.channel_members["CENG"] = ["UALICE", "UBOB", "UDAVE", "UADMIN"]
    request = ask(bot, "How do I profile this? #python", channel="CENG")
    with sessions() as session:
        suggested = set(
            session.scalars(
                select(HelpSuggestion.user_id).where(HelpSuggestion.request_id == request.id)
            )
        )
    assert "UDAVE" in suggested
    assert "*dave*" in card_text(card_message(bot, request))

    click(bot, ids.HELP_OFFER_ACTION, request, "UDAVE")
    text = card_text(card_message(bot, request))
    assert "Helping: <@UDAVE>" in text
    assert "*dave*" not in text  # not also under "Might know about this"
    others = suggested - {"UDAVE"}
    if others:
        assert "Might know about this" in text
    assert len(bot.slack.calls_to("chat.update")) == 1  # one offer, one update of the card


def test_the_thread_hears_only_of_the_first_offer(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    click(bot, ids.HELP_OFFER_ACTION, request, "UCAROL")
    click(bot, ids.HELP_OFFER_ACTION, request, "UDAVE")
    notes = [p for p in thread_posts(bot) if "can help" in p["text"]]
    assert len(notes) == 1 and "<@UBOB> can help" in notes[0]["text"]
    assert len(bot.slack.calls_to("chat.update")) == 3  # each offer updates the card once
    text = card_text(card_message(bot, request))
    assert "Helping: <@UBOB>, <@UCAROL> and <@UDAVE>" in text


# ----- resolving ----------------------------------------------------------------------------------
def test_the_resolve_button_reads_mark_resolved(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    card = card_message(bot, request)
    assert action_ids(card) == [ids.HELP_OFFER_ACTION, ids.HELP_RESOLVE_ACTION]
    assert button_texts(card) == ["I can help", "Mark resolved"]


def test_someone_else_pressing_mark_resolved_is_answered_kindly(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UBOB")
    answer = last_response(bot)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Thanks for keeping an eye on this!")
    assert "<@UALICE>'s request" in answer["text"]
    assert "Only" not in answer["text"]
    assert bot.slack.calls_to("views.open") == []
    assert requests(sessions)[0].status == "open"
