"""Nothing a person types can notify others or disguise a link, on any surface.

One walk through the whole app with hostile text in everything people type — kudos (command,
form, shortcut), a help request and an offer, a feedback request and its answers, mentoring
topics, words the bot doesn't know — then the Home tabs, `/reciprocity me`, the weekly digest
and the reminders. Every payload the bot sent anywhere (each Web API call, each response_url
post, each HTTP answer) is searched for a broadcast, a user-group ping or a labelled link it
did not put there itself. A person mention someone typed may stay live, as it would in their
own message; escaped text (`&lt;!channel&gt;`) is fine: Slack shows it as typed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from models.feedback import FeedbackRequest
from models.help_requests import HelpRequest
from scheduler.jobs import run_job
from tests.app.test_scheduler_digest import FRIDAY_3PM, enrol
from tests.conftest import Bot
from tests.slack_double import dm_channel
from tests.slack_requests import Reply, text_value, users_value

# What a slash command carries when someone types @channel, @here, @everyone, a user group and
# a link with a label of their choosing (Slack sends these as markup), plus an ampersand.
HOSTILE = (
    "<!channel> <!here> <!everyone> <!subteam^S0EVIL|@devs> "
    "<https://evil.example/login|a harmless label> & co"
)
# A form's text field carries what was typed, as typed: the same sequences, literally.
FORBIDDEN = (
    "<!channel",
    "<!here",
    "<!everyone",
    "<!subteam^",
    "<https://evil.example",
)


def sent(bot: Bot, replies: list[Reply]) -> list[tuple[str, str]]:
    """Everything the bot said, as (where, JSON)."""
    out = [(call.method, json.dumps(call.params)) for call in list(bot.slack.calls)]
    out += [("response_url", json.dumps(r)) for r in bot.slack.responses]
    out += [("http answer", r.body) for r in replies]
    return out


def leaks(bot: Bot, replies: list[Reply]) -> list[str]:
    found = []
    for where, payload in sent(bot, replies):
        for sequence in FORBIDDEN:
            if sequence in payload:
                at = payload.index(sequence)
                found.append(f"{where}: …{payload[max(0, at - 80) : at + 60]}…")
    return found


def last_view(bot: Bot, method: str = "views.open") -> dict[str, Any]:
    return dict(bot.slack.calls_to(method)[-1]["view"])


def test_hostile_text_never_pings_or_disguises_a_link_anywhere(
    bot: Bot, sessions: sessionmaker[Session], deps: Any
) -> None:
    enrol(sessions, ["CGENERAL"])
    replies: list[Reply] = []

    # Kudos: the command, the form, the message shortcut.
    replies.append(bot.command("/kudos", f"<@UBOB> for {HOSTILE}"))
    replies.append(bot.command("/kudos", ""))
    form = last_view(bot)
    replies.append(
        bot.view_submission(
            form,
            {
                ids.KUDOS_RECEIVERS_BLOCK: {ids.KUDOS_RECEIVERS_ACTION: users_value(["UCAROL"])},
                ids.KUDOS_REASON_BLOCK: {ids.KUDOS_REASON_ACTION: text_value(HOSTILE)},
            },
        )
    )
    replies.append(
        bot.send.message_shortcut(
            ids.KUDOS_SHORTCUT, {"ts": "1764000000.000100", "user": "UDAVE", "text": HOSTILE}
        )
    )
    bot.wait()
    shortcut_form = last_view(bot)
    replies.append(
        bot.view_submission(
            shortcut_form,
            {
                ids.KUDOS_RECEIVERS_BLOCK: {ids.KUDOS_RECEIVERS_ACTION: users_value(["UDAVE"])},
                ids.KUDOS_REASON_BLOCK: {ids.KUDOS_REASON_ACTION: text_value(HOSTILE)},
            },
        )
    )

    # A help request, an offer on it, and an urgency word nobody knows.
    replies.append(bot.command("/askhelp", f"{HOSTILE} #python !<!here>"))
    with sessions() as session:
        request = session.scalars(select(HelpRequest)).first()
    assert request is not None, bot.slack.responses
    replies.append(
        bot.block_action(
            ids.HELP_OFFER_ACTION,
            request.key,
            user="UBOB",
            channel=request.channel_id,
            message={"ts": request.message_ts, "text": "card"},
        )
    )

    # Feedback: a request about hostile text, answered with hostile text.
    replies.append(bot.command("/feedback", f"request <@UBOB|bob> about {HOSTILE}"))
    with sessions() as session:
        asked = session.scalars(select(FeedbackRequest)).first()
    assert asked is not None and asked.dm_ts is not None, bot.slack.responses
    invite = [c for c in bot.slack.calls_to("chat.postMessage") if c["channel"] == "UBOB"][-1]
    give = next(
        element
        for block in invite["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ids.FEEDBACK_GIVE_ACTION
    )
    replies.append(
        bot.block_action(
            ids.FEEDBACK_GIVE_ACTION,
            give["value"],
            user="UBOB",
            channel=dm_channel("UBOB"),
            message={"ts": asked.dm_ts},
            block_id=ids.FEEDBACK_ACTIONS_BLOCK,
        )
    )
    feedback_form = last_view(bot)
    replies.append(
        bot.view_submission(
            feedback_form,
            {
                ids.FEEDBACK_SITUATION_BLOCK: {"text": text_value(HOSTILE)},
                ids.FEEDBACK_BEHAVIOUR_BLOCK: {"text": text_value(HOSTILE)},
                ids.FEEDBACK_IMPACT_BLOCK: {"text": text_value(HOSTILE)},
                ids.FEEDBACK_SUGGESTION_BLOCK: {"text": text_value(HOSTILE)},
                ids.FEEDBACK_WENT_WELL_BLOCK: {"text": text_value(HOSTILE)},
                ids.FEEDBACK_AS_WRITTEN_BLOCK: {
                    "as_written": {"type": "checkboxes", "selected_options": []}
                },
            },
            user="UBOB",
        )
    )

    # Mentoring topics, and words the bot doesn't know, on every command.
    replies.append(bot.command("/mentor", f"join mentee {HOSTILE}"))
    for command in ("/reciprocity", "/mentor", "/feedback"):
        replies.append(bot.command(command, HOSTILE))
    replies.append(bot.command("/reciprocity", f"admin {HOSTILE}", user="UADMIN"))

    # What the bot shows on its own: Home tabs, /reciprocity me, the digest, the reminders.
    for user in ("UALICE", "UBOB", "UCAROL", "UDAVE"):
        replies.append(
            bot.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
        )
    replies.append(bot.command("/reciprocity", "me", user="UBOB"))
    run_job("digest", deps, now=FRIDAY_3PM)
    for days in (1, 2, 3, 6):
        run_job("reminders", deps, now=FRIDAY_3PM + timedelta(days=days))
    bot.wait()

    # The walk reached every surface it meant to (a quiet failure would prove nothing).
    methods = set(bot.slack.methods())
    assert {"chat.postMessage", "views.open", "views.publish"} <= methods, methods
    digest = [
        c
        for c in bot.slack.calls_to("chat.postMessage")
        if c["channel"] == "CGENERAL" and "week" in c.get("text", "").lower()
    ]
    assert digest, "no digest was posted"
    assert any("&lt;!channel&gt;" in payload for _, payload in sent(bot, replies))

    assert leaks(bot, replies) == []
