"""Kudos parsed as people mean them, and kudos text that can neither ping nor disguise a link:
through the real app (signed requests, the Slack double, the real database)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import ids
from tests.app.test_kudos_app import (
    kudos_count,
    kudos_rows,
    last_ephemeral,
    modal_values,
    open_modal,
    set_values,
)
from tests.conftest import Bot

HOSTILE = (
    "Ping <!channel> <!here> <!everyone> <!subteam^S0DEVS> and "
    "<https://evil.example|a harmless label> R&D <@UDAVE> https://ok.example/page"
)
PINGS = ("<!channel", "<!here", "<!everyone", "<!subteam", "<https://evil", "|a harmless label>")


def kudos_posts(bot: Bot) -> list[dict[str, Any]]:
    return [p for p in bot.slack.calls_to("chat.postMessage") if "got kudos" in p["text"]]


def assert_harmless(post: dict[str, Any]) -> None:
    """The notification text and every mrkdwn field: no ping, no disguised link."""
    texts = [post["text"]] + [
        str(node["text"])
        for node in _walk(post["blocks"])
        if isinstance(node, dict) and node.get("type") == "mrkdwn"
    ]
    for text in texts:
        for ping in PINGS:
            assert ping not in text, (ping, text)


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


# ----- nothing a person types can notify others or disguise a link ---------------------------
def test_the_command_text_and_blocks_are_escaped(bot: Bot, sessions) -> None:
    bot.command(
        "/kudos",
        "<@UBOB|bob> for R&amp;D &lt;b&gt; <!channel> <!here> <!everyone> "
        "<!subteam^S0DEVS|@devs> <https://evil.example|a harmless label> https://ok.example",
    )
    (post,) = kudos_posts(bot)
    assert_harmless(post)
    assert "R&amp;D" in post["text"] and "R&D" not in post["text"]
    assert post["text"].startswith("<@UBOB> got kudos from <@UALICE>")
    assert "https://ok.example" in post["text"]
    assert kudos_count(sessions) == 1


@pytest.mark.parametrize("entry", ["modal", "shortcut"])
def test_the_modal_and_the_shortcut_escape_the_notification_text(
    bot: Bot, sessions, entry: str
) -> None:
    if entry == "modal":
        view = open_modal(bot)
    else:
        message = {"ts": "1700000100.000200", "user": "UBOB", "text": "Here is the fix"}
        bot.message_shortcut(ids.KUDOS_SHORTCUT, message, user="UALICE", channel="CDEV")
        view = bot.slack.calls_to("views.open")[-1]["view"]
    bot.view_submission(view, modal_values(["UBOB"], HOSTILE))
    (post,) = kudos_posts(bot)
    assert_harmless(post)
    assert "&lt;!channel&gt;" in post["text"]
    assert "&lt;https://evil.example|a harmless label&gt;" in post["text"]
    assert "R&amp;D" in post["text"]
    assert "<@UDAVE>" in post["text"], "a person mention someone typed stays live"
    assert "https://ok.example/page" in post["text"]
    assert kudos_rows(sessions)[0].reason == HOSTILE


def test_the_answers_to_the_giver_escape_what_they_typed(bot: Bot, sessions) -> None:
    set_values(sessions, ["Craft"])
    view = open_modal(bot)
    reply = bot.view_submission(view, modal_values(["UBOB"], "for the fix", "<!channel> & co"))
    error = reply.json()["errors"][ids.KUDOS_VALUE_BLOCK]
    assert "<!channel" not in error and "&lt;!channel&gt; &amp; co" in error
    assert kudos_count(sessions) == 0


# ----- receivers are the mentions at the start -------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "<@UBOB|bob> <@UCAROL|carol> for the offsite",
        "<@UBOB|bob> and <@UCAROL|carol> for the offsite",
        "<@UBOB|bob>, <@UCAROL|carol> for the offsite",
        "<@UBOB|bob>, and <@UCAROL|carol>: for the offsite",
        "<@UBOB|bob> &amp; <@UCAROL|carol> for the offsite",
    ],
)
def test_the_receivers_are_the_mentions_at_the_start(bot: Bot, sessions, text: str) -> None:
    bot.command("/kudos", text)
    rows = kudos_rows(sessions)
    assert [(r.receiver_id, r.reason) for r in rows] == [
        ("UBOB", "for the offsite"),
        ("UCAROL", "for the offsite"),
    ]


def test_mentioning_yourself_in_the_reason_is_not_self_kudos(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UBOB|bob> for covering for <@UALICE|alice> while I was out")
    rows = kudos_rows(sessions)
    assert [(r.receiver_id, r.reason) for r in rows] == [
        ("UBOB", "for covering for <@UALICE> while I was out")
    ]
    offers = [r for r in bot.slack.responses if ids.KUDOS_ALSO_ACTION in json.dumps(r)]
    assert offers == [], "nobody is offered kudos to themselves"


def also_buttons(bot: Bot) -> list[dict[str, Any]]:
    return [
        node
        for reply in bot.slack.responses
        for node in _walk(reply.get("blocks") or [])
        if isinstance(node, dict) and node.get("action_id") == ids.KUDOS_ALSO_ACTION
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<@UBOB|bob> for covering for <@UDAVE|dave> while he was out",
        "<@UBOB|bob> for covering for @dave while he was out",
    ],
)
def test_someone_the_reason_mentions_is_offered_never_given(bot: Bot, sessions, text) -> None:
    bot.command("/kudos", text)
    assert [r.receiver_id for r in kudos_rows(sessions)] == ["UBOB"]
    assert len(kudos_posts(bot)) == 1
    offer = bot.slack.responses[-1]
    assert offer["response_type"] == "ephemeral"
    assert "Also give kudos to <@UDAVE>?" in offer["text"]
    (button,) = also_buttons(bot)
    assert button["text"]["text"] == "Also give kudos to @dave"

    bot.block_action(ids.KUDOS_ALSO_ACTION, button["value"], user="UALICE")
    rows = kudos_rows(sessions)
    assert [r.receiver_id for r in rows] == ["UBOB", "UDAVE"]
    assert rows[0].reason == rows[1].reason and rows[0].post_id != rows[1].post_id
    posts = kudos_posts(bot)
    assert len(posts) == 2 and posts[1]["text"].startswith("<@UDAVE> got kudos from <@UALICE>")
    assert "Kudos to <@UDAVE> too ✓" in last_ephemeral(bot)

    bot.block_action(ids.KUDOS_ALSO_ACTION, button["value"], user="UALICE")  # a second click
    assert len(kudos_rows(sessions)) == 2 and len(kudos_posts(bot)) == 2


def test_only_the_giver_can_use_the_offer(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UBOB|bob> for covering for <@UDAVE|dave>")
    (button,) = also_buttons(bot)
    bot.block_action(ids.KUDOS_ALSO_ACTION, button["value"], user="UCAROL")
    assert "someone else's" in last_ephemeral(bot)
    assert [r.receiver_id for r in kudos_rows(sessions)] == ["UBOB"]


def test_the_offer_is_made_from_the_modal_too(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    bot.view_submission(view, modal_values(["UBOB"], "for pairing with @dave all week"))
    assert [r.receiver_id for r in kudos_rows(sessions)] == ["UBOB"]
    assert [b["value"] for b in also_buttons(bot)] != []
    assert json.loads(also_buttons(bot)[0]["value"])["to"] == "UDAVE"


# ----- values ----------------------------------------------------------------------------------
def test_a_value_written_first_is_recognised(bot: Bot, sessions) -> None:
    set_values(sessions, ["Kindness", "Craft"])
    bot.command("/kudos", "<@UBOB|bob> #kindness for welcoming the new folks")
    row = kudos_rows(sessions)[0]
    assert (row.value, row.reason) == ("Kindness", "for welcoming the new folks")


def test_a_value_anywhere_in_the_text_is_recognised(bot: Bot, sessions) -> None:
    set_values(sessions, ["Kindness"])
    bot.command("/kudos", "<@UBOB|bob> for showing #KINDNESS to every newcomer")
    row = kudos_rows(sessions)[0]
    assert (row.value, row.reason) == ("Kindness", "for showing KINDNESS to every newcomer")


def test_with_no_values_nothing_is_taken_out_of_the_reason(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UBOB|bob> for fixing #1234 in <#C0CRAFT|craft> #speed")
    row = kudos_rows(sessions)[0]
    assert (row.value, row.reason) == (None, "for fixing #1234 in #craft #speed")


# ----- plain @Full Name ------------------------------------------------------------------------
def test_a_plain_full_name_resolves_the_full_name_not_the_first_word(bot: Bot, sessions) -> None:
    bot.slack.add_user("UBSMITH", "bsmith", real_name="Bob Smith")
    bot.command("/kudos", "@Bob Smith and @carol for the review")
    rows = kudos_rows(sessions)
    assert [(r.receiver_id, r.reason) for r in rows] == [
        ("UBSMITH", "for the review"),
        ("UCAROL", "for the review"),
    ]


def test_an_ambiguous_name_asks_which_person_and_stores_nothing(bot: Bot, sessions) -> None:
    bot.slack.add_user("USAMLEE1", "sam.lee", real_name="Sam Lee")
    bot.slack.add_user("USAMLEE2", "slee", real_name="Sam Lee")
    bot.command("/kudos", "@Sam Lee for the review")
    answer = last_ephemeral(bot)
    assert "<@USAMLEE1>" in answer and "<@USAMLEE2>" in answer and "Which one" in answer
    assert kudos_count(sessions) == 0
    assert kudos_posts(bot) == []


# ----- posted in another channel ---------------------------------------------------------------
def test_kudos_posted_elsewhere_are_confirmed_and_say_where_they_came_from(
    bot: Bot, sessions
) -> None:
    bot.command("/reciprocity", "channel kudos <#CKUDOS|kudos>", user="UADMIN")
    bot.command("/kudos", "<@UBOB> for the calm incident call")
    (post,) = kudos_posts(bot)
    assert post["channel"] == "CKUDOS"
    assert "<#CGENERAL>" in json.dumps(post["blocks"])
    assert last_ephemeral(bot) == "Posted in <#CKUDOS> ✓"


def test_the_modal_confirms_kudos_posted_elsewhere(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "channel kudos <#CKUDOS|kudos>", user="UADMIN")
    view = open_modal(bot)
    bot.view_submission(view, modal_values(["UBOB"], "for the runbook"))
    (post,) = kudos_posts(bot)
    assert post["channel"] == "CKUDOS" and "<#CGENERAL>" in json.dumps(post["blocks"])
    assert "Posted in <#CKUDOS> ✓" in last_ephemeral(bot)


def test_kudos_posted_here_need_no_confirmation(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UBOB> for the calm incident call")
    assert bot.slack.responses == []
    assert "<#CGENERAL>" not in json.dumps(kudos_posts(bot)[0]["blocks"])
