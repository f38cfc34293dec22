"""Forms are answered before the ack from local data only: the answer to a submitted modal
(field errors included) costs no Web API call, so a slow Slack can't make it miss 3 seconds.
After the ack the same people are checked against Slack again."""

from __future__ import annotations

from bot import ids
from tests.app.test_help_requests_app import ask, click
from tests.app.test_kudos_app import modal_values, open_modal
from tests.conftest import Bot
from tests.slack_requests import text_value, users_value


def calls_while(bot: Bot, submit) -> tuple[dict, list[str]]:  # type: ignore[no-untyped-def]
    before = len(bot.slack.calls)
    reply = submit()
    answer = reply.json() if reply.body else {}  # an empty 200 closes the form
    return answer, [c.method for c in bot.slack.calls[before:]]


def test_the_kudos_form_says_that_is_a_bot_without_asking_slack(bot: Bot) -> None:
    view = open_modal(bot)  # opening it copies the member list, after the ack
    answer, calls = calls_while(
        bot, lambda: bot.view_submission(view, modal_values(["UROBOT"], "beep"))
    )
    assert answer["response_action"] == "errors"
    assert "bot" in answer["errors"][ids.KUDOS_RECEIVERS_BLOCK]
    assert calls == []


def test_the_resolve_form_refuses_a_stranger_without_asking_slack(bot: Bot) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    values = {
        ids.HELP_HELPERS_BLOCK: {ids.HELP_HELPERS_ACTION: users_value(["UNOBODY", "UGONE"])},
        ids.HELP_NOTE_BLOCK: {ids.HELP_NOTE_ACTION: text_value(None)},
    }
    answer, calls = calls_while(bot, lambda: bot.view_submission(view, values, user="UALICE"))
    assert "couldn't find" in answer["errors"][ids.HELP_HELPERS_BLOCK]
    assert calls == []


def test_a_person_not_copied_yet_is_checked_after_the_ack(bot: Bot, clock) -> None:
    view = open_modal(bot)
    bot.slack.add_user("UNEW", "newbie", is_bot=True)  # joined after the list was copied
    clock.advance(minutes=3)  # while the giver was writing
    answer, calls = calls_while(
        bot, lambda: bot.view_submission(view, modal_values(["UNEW"], "welcome"))
    )
    assert "errors" not in answer  # the form closed
    assert "users.info" in calls  # then Slack was asked…
    assert "is a bot" in bot.slack.responses[-1]["text"]  # …and the giver told, privately
    assert bot.slack.calls_to("chat.postMessage") == []
