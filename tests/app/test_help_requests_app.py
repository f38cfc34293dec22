"""Help requests through the real app: signed requests in, Web API calls out to the double."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.services.preferences import save_preferences
from models import Member, MemberTopic
from models.help_requests import HelpOffer, HelpRequest, HelpSuggestion, HelpThanks
from tests.conftest import Bot
from tests.slack_double import TEAM_ID
from tests.slack_requests import select_value, text_value, users_value


# ----- helpers --------------------------------------------------------------------------------
def requests(sessions: sessionmaker[Session]) -> list[HelpRequest]:
    with sessions() as session:
        return list(session.scalars(select(HelpRequest).order_by(HelpRequest.id)))


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def card_posts(bot: Bot) -> list[dict[str, Any]]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if not c.get("thread_ts")]


def thread_posts(bot: Bot) -> list[dict[str, Any]]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.get("thread_ts")]


def card_message(bot: Bot, request: HelpRequest) -> dict[str, Any]:
    assert request.message_ts is not None
    return bot.slack.messages[(request.channel_id, request.message_ts)]


def card_text(message: dict[str, Any]) -> str:
    parts = []
    for block in message.get("blocks") or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements") or []:
            parts.append(element.get("text") if isinstance(element.get("text"), str) else "")
            if isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
    return "\n".join(parts)


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def ask(bot: Bot, text: str, user: str = "UALICE", channel: str = "CGENERAL") -> HelpRequest:
    before = {r.id for r in requests(bot.deps.sessions)}
    bot.command("/askhelp", text, user=user, channel=channel)
    new = [r for r in requests(bot.deps.sessions) if r.id not in before]
    assert len(new) == 1, bot.slack.responses
    return new[0]


def click(bot: Bot, action_id: str, request: HelpRequest, user: str) -> None:
    bot.block_action(
        action_id,
        request.key,
        user=user,
        channel=request.channel_id,
        message={"ts": request.message_ts, "text": "card"},
    )


def last_response(bot: Bot) -> dict[str, Any]:
    assert bot.slack.responses, "no ephemeral answer was sent"
    return bot.slack.responses[-1]


def resolve(
    bot: Bot, request: HelpRequest, helpers: list[str], note: str | None, user: str = "UALICE"
) -> Any:
    click(bot, ids.HELP_RESOLVE_ACTION, request, user)
    view = bot.slack.calls_to("views.open")[-1]["view"]
    assert view["callback_id"] == ids.HELP_RESOLVE_MODAL
    return bot.view_submission(
        view,
        {
            ids.HELP_HELPERS_BLOCK: {ids.HELP_HELPERS_ACTION: users_value(helpers)},
            ids.HELP_NOTE_BLOCK: {ids.HELP_NOTE_ACTION: text_value(note)},
        },
        user=user,
    )


# ----- the full flow --------------------------------------------------------------------------
def test_ask_offer_duplicate_offer_resolve_thanks_and_card_updates(
    bot: Bot, sessions, clock
) -> None:
    request = ask(bot, "How do I rotate the staging keys? #security #ops !today")
    posts = card_posts(bot)
    assert len(posts) == 1 and posts[0]["channel"] == "CGENERAL"
    assert request.question == "How do I rotate the staging keys?"
    assert request.tags == ["security", "ops"]
    assert request.urgency == "today"
    assert request.status == "open"
    assert request.created_at == clock()
    card = card_message(bot, request)
    assert "<@UALICE> is asking for help" in card_text(card)
    assert "rotate the staging keys" in card_text(card)
    assert "#security" in card_text(card) and "Today" in card_text(card)
    assert action_ids(card) == [ids.HELP_OFFER_ACTION, ids.HELP_RESOLVE_ACTION]

    offered_at = clock.advance(minutes=20)
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    assert "Helping: <@UBOB>" in card_text(card_message(bot, request))
    assert len(bot.slack.calls_to("chat.update")) == 1
    assert any("<@UBOB> can help" in p["text"] for p in thread_posts(bot))

    clock.advance(minutes=5)
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")  # the same person again
    assert "already offered" in last_response(bot)["text"]
    assert last_response(bot)["response_type"] == "ephemeral"
    with sessions() as session:
        offers = list(session.scalars(select(HelpOffer)))
    assert [(o.helper_id, o.offered_at) for o in offers] == [("UBOB", offered_at)]
    assert requests(sessions)[0].first_offer_at == offered_at
    assert len(bot.slack.calls_to("chat.update")) == 1

    click(bot, ids.HELP_OFFER_ACTION, request, "UCAROL")
    resolved_at = clock.advance(hours=2)
    reply = resolve(bot, request, ["UBOB", "UDAVE"], "Thanks — the runbook link was gold")
    assert reply.status == 200 and reply.body == ""
    view = bot.slack.calls_to("views.open")[-1]["view"]
    helpers_element = next(
        b["element"] for b in view["blocks"] if b.get("block_id") == ids.HELP_HELPERS_BLOCK
    )
    assert helpers_element["initial_users"] == ["UBOB", "UCAROL"]  # offerers preselected

    request = requests(sessions)[0]
    assert request.status == "resolved" and request.resolved_at == resolved_at
    with sessions() as session:
        thanks = list(session.scalars(select(HelpThanks).order_by(HelpThanks.receiver_id)))
    assert [(t.giver_id, t.receiver_id, t.created_at) for t in thanks] == [
        ("UALICE", "UBOB", resolved_at),
        ("UALICE", "UDAVE", resolved_at),
    ]
    card = card_message(bot, request)
    assert "resolved" in card_text(card)
    assert "Helped by <@UBOB> and <@UDAVE>" in card_text(card)
    assert action_ids(card) == []
    last_thread = thread_posts(bot)[-1]
    assert last_thread["thread_ts"] == request.message_ts
    assert "thank you to <@UBOB> and <@UDAVE>" in last_thread["text"]
    assert "runbook link was gold" in last_thread["text"]


def test_only_the_requester_may_resolve(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UBOB")
    assert "<@UALICE>'s request" in last_response(bot)["text"]
    assert bot.slack.calls_to("views.open") == []
    assert requests(sessions)[0].status == "open"


def test_resolve_modal_refuses_yourself_bots_and_deactivated_people(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    for helpers, words in (
        (["UALICE"], "yourself"),
        (["UROBOT"], "bot"),
        (["UGONE"], "no longer"),
        (["UNOBODY"], "couldn't find"),
    ):
        reply = resolve(bot, request, helpers, None)
        errors = reply.json()["errors"]
        assert words in errors[ids.HELP_HELPERS_BLOCK]
    reply = resolve(bot, request, ["UBOB"], "x" * 10_000)
    assert "10,000" in reply.json()["errors"][ids.HELP_NOTE_BLOCK]
    assert requests(sessions)[0].status == "open"
    assert count(sessions, HelpThanks) == 0


def test_resolving_twice_is_refused(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    resolve(bot, request, ["UBOB"], None)
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    assert "already resolved" in last_response(bot)["text"]
    assert count(sessions, HelpThanks) == 1


def test_resolving_with_nobody_closes_without_thanks(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    resolve(bot, request, [], None)
    assert requests(sessions)[0].status == "resolved"
    assert count(sessions, HelpThanks) == 0
    assert "marked this resolved" in thread_posts(bot)[-1]["text"]


def test_requester_cannot_offer_on_their_own_request(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_OFFER_ACTION, request, "UALICE")
    assert "your own request" in last_response(bot)["text"]
    assert count(sessions, HelpOffer) == 0
    assert bot.slack.calls_to("chat.update") == []


def test_offer_on_a_resolved_request_is_refused(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    resolve(bot, request, [], None)
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    assert "already resolved" in last_response(bot)["text"]
    assert count(sessions, HelpOffer) == 0


def test_button_for_a_missing_or_foreign_request_gets_a_clear_answer(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    with sessions.begin() as session:
        session.add(
            HelpRequest(
                key="f" * 32,
                team_id="TOTHER",
                requester_id="UOTHER",
                channel_id="CGENERAL",
                message_ts=request.message_ts,
                question="Theirs",
                urgency="none",
                tags=[],
                status="open",
                created_at=request.created_at,
            )
        )
    for action in (ids.HELP_OFFER_ACTION, ids.HELP_RESOLVE_ACTION, ids.HELP_REOPEN_ACTION):
        for key in ("0" * 32, "f" * 32, ""):
            bot.block_action(
                action,
                key,
                user="UBOB",
                message={"ts": request.message_ts, "text": "card"},
            )
            assert "can't find that help request" in last_response(bot)["text"]
    assert count(sessions, HelpOffer) == 0
    assert bot.slack.calls_to("chat.update") == []
    assert bot.slack.calls_to("views.open") == []


def test_buttons_on_a_card_whose_request_was_deleted_change_nothing(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    with sessions.begin() as session:
        session.delete(session.get(HelpRequest, request.id))
    for action, user in (
        (ids.HELP_OFFER_ACTION, "UBOB"),
        (ids.HELP_RESOLVE_ACTION, "UALICE"),
        (ids.HELP_REOPEN_ACTION, "UALICE"),
    ):
        click(bot, action, request, user)
        assert "can't find that help request" in last_response(bot)["text"]
        assert last_response(bot)["response_type"] == "ephemeral"
    assert requests(sessions) == []
    assert count(sessions, HelpOffer) == 0
    assert bot.slack.calls_to("chat.update") == []
    assert bot.slack.calls_to("views.open") == []


def test_a_click_from_another_workspace_on_this_card_changes_nothing(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    bot.send.team_id = "TOTHER"  # the same key, pressed from another workspace's payload
    try:
        for action, user in (
            (ids.HELP_OFFER_ACTION, "UBOB"),
            (ids.HELP_RESOLVE_ACTION, "UALICE"),
            (ids.HELP_REOPEN_ACTION, "UALICE"),
        ):
            click(bot, action, request, user)
            assert "can't find that help request" in last_response(bot)["text"]
    finally:
        bot.send.team_id = TEAM_ID
    assert requests(sessions)[0].status == "open"
    assert count(sessions, HelpOffer) == 0
    assert bot.slack.calls_to("chat.update") == []
    assert bot.slack.calls_to("views.open") == []


def test_resolve_submission_with_unreadable_metadata_changes_nothing(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    view = {**bot.slack.calls_to("views.open")[-1]["view"], "private_metadata": "{not json"}
    reply = bot.view_submission(
        view,
        {ids.HELP_HELPERS_BLOCK: {ids.HELP_HELPERS_ACTION: users_value(["UBOB"])}},
        user="UALICE",
    )
    assert "can't find" in reply.json()["errors"][ids.HELP_HELPERS_BLOCK]
    assert requests(sessions)[0].status == "open"
    assert count(sessions, HelpThanks) == 0


def test_resolve_submission_for_a_deleted_request_changes_nothing(bot: Bot, sessions) -> None:
    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    with sessions.begin() as session:
        session.delete(session.get(HelpRequest, request.id))
    reply = bot.view_submission(
        view,
        {ids.HELP_HELPERS_BLOCK: {ids.HELP_HELPERS_ACTION: users_value(["UBOB"])}},
        user="UALICE",
    )
    assert "can't find" in reply.json()["errors"][ids.HELP_HELPERS_BLOCK]
    assert count(sessions, HelpThanks) == 0


# ----- refusals when asking -------------------------------------------------------------------
def test_ask_in_a_channel_without_the_bot_explains_how_to_invite_it(bot: Bot, sessions) -> None:
    bot.slack.channels_without_bot.add("CPRIVATE")
    bot.command("/askhelp", "Anyone know Terraform?", channel="CPRIVATE")
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    assert last_response(bot)["response_type"] == "ephemeral"
    assert requests(sessions) == []


def test_ask_in_a_direct_message_explains_how_to_invite_the_bot(bot: Bot, sessions) -> None:
    bot.command("/askhelp", "Anyone know Terraform?", channel="D0123ABC")
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    bot.command("/askhelp", "", channel="D0123ABC")
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.calls_to("views.open") == []
    assert requests(sessions) == []


def test_ask_with_only_tags_or_a_huge_question_is_refused(bot: Bot, sessions) -> None:
    bot.command("/askhelp", "#python !today")
    assert "What do you need help with?" in last_response(bot)["text"]
    bot.command("/askhelp", "x" * 10_000)
    assert "10,000 characters" in last_response(bot)["text"]
    assert bot.slack.calls_to("chat.postMessage") == []
    assert requests(sessions) == []


def test_odd_text_is_stored_as_typed_and_never_pings_the_channel(bot: Bot, sessions) -> None:
    request = ask(
        bot, "Help <!channel> with `DROP TABLE help_requests; --` \u202e\u0000 ünïcødé 🧵"
    )
    assert "DROP TABLE help_requests; --" in request.question
    assert "\u0000" not in request.question
    text = card_text(card_message(bot, request))
    assert "<!channel>" not in text
    assert count(sessions, HelpRequest) == 1


# ----- the modal and the shortcut --------------------------------------------------------------
def modal_values(
    question: str | None, details: str | None = None, urgency: str = "week", tags: str | None = None
) -> dict[str, Any]:
    return {
        ids.HELP_QUESTION_BLOCK: {ids.HELP_QUESTION_ACTION: text_value(question)},
        ids.HELP_DETAILS_BLOCK: {ids.HELP_DETAILS_ACTION: text_value(details)},
        ids.HELP_URGENCY_BLOCK: {ids.HELP_URGENCY_ACTION: select_value(urgency)},
        ids.HELP_TAGS_BLOCK: {ids.HELP_TAGS_ACTION: text_value(tags)},
    }


def test_askhelp_without_text_opens_the_modal_and_submitting_posts_the_card(
    bot: Bot, sessions
) -> None:
    bot.command("/askhelp", "", channel="CENG")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    assert view["callback_id"] == ids.HELP_MODAL
    reply = bot.view_submission(
        view,
        modal_values("Review my migration plan?", "It's in the doc", "week", "#postgres, SQL"),
        user="UBOB",
    )
    assert reply.status == 200 and reply.body == ""
    [request] = requests(sessions)
    assert (request.requester_id, request.channel_id) == ("UBOB", "CENG")
    assert request.question == "Review my migration plan?"
    assert request.details == "It's in the doc"
    assert (request.urgency, request.tags) == ("week", ["postgres", "sql"])
    text = card_text(card_message(bot, request))
    assert "It's in the doc" in text and "This week" in text


def test_modal_text_is_escaped_in_the_card_and_its_fallback(bot: Bot, sessions) -> None:
    bot.command("/askhelp", "")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    bot.view_submission(view, modal_values("<!channel> <https://evil|click> & <@UBOB>?"))
    [request] = requests(sessions)
    post = card_posts(bot)[-1]
    for text in (post["text"], card_text(card_message(bot, request))):
        assert "<!channel>" not in text and "<https://evil" not in text
        assert "&lt;!channel&gt;" in text and "&amp;" in text
        assert "<@UBOB>" in text  # a mention of a person stays a mention


def test_modal_errors_are_shown_on_the_field_and_nothing_is_stored(bot: Bot, sessions) -> None:
    bot.command("/askhelp", "")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    reply = bot.view_submission(view, modal_values("   "))
    assert ids.HELP_QUESTION_BLOCK in reply.json()["errors"]
    reply = bot.view_submission(view, modal_values("ok?", details="d" * 10_000))
    assert ids.HELP_DETAILS_BLOCK in reply.json()["errors"]
    reply = bot.view_submission(view, modal_values("ok?", tags="not/a/tag"))
    assert ids.HELP_TAGS_BLOCK in reply.json()["errors"]
    assert requests(sessions) == []
    assert bot.slack.calls_to("chat.postMessage") == []


def test_askhelp_without_text_in_a_channel_without_the_bot_answers_before_the_modal(
    bot: Bot, sessions
) -> None:
    bot.slack.channels_without_bot.add("CPRIVATE")
    bot.command("/askhelp", "", channel="CPRIVATE")
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    assert last_response(bot)["response_type"] == "ephemeral"
    assert bot.slack.calls_to("views.open") == []


def test_modal_submitted_after_the_bot_left_the_channel_answers_privately(
    bot: Bot, sessions
) -> None:
    bot.command("/askhelp", "", channel="CPRIVATE")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    bot.slack.channels_without_bot.add("CPRIVATE")  # removed while the modal was open
    reply = bot.view_submission(view, modal_values("Anyone?"))
    assert reply.status == 200
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    assert requests(sessions) == []


def test_shortcut_turns_a_message_into_a_request_with_a_link(bot: Bot, sessions) -> None:
    message = {"ts": "1700000000.000777", "user": "UCAROL", "text": "The build is red again #ci"}
    bot.message_shortcut(ids.HELP_SHORTCUT, message, user="UDAVE", channel="CBUILD")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    question = next(b for b in view["blocks"] if b.get("block_id") == ids.HELP_QUESTION_BLOCK)
    assert question["element"]["initial_value"] == "The build is red again #ci"
    tags = next(b for b in view["blocks"] if b.get("block_id") == ids.HELP_TAGS_BLOCK)
    assert tags["element"]["initial_value"] == "ci"
    bot.view_submission(view, modal_values("The build is red again", tags="ci"), user="UDAVE")
    [request] = requests(sessions)
    assert (request.requester_id, request.channel_id) == ("UDAVE", "CBUILD")
    assert request.source_link == "https://test.slack.com/archives/CBUILD/p1700000000000777"
    assert "from this message" in card_text(card_message(bot, request))


def test_shortcut_in_a_direct_message_explains_instead(bot: Bot, sessions) -> None:
    message = {"ts": "1700000000.000777", "user": "UCAROL", "text": "hm"}
    bot.message_shortcut(ids.HELP_SHORTCUT, message, user="UDAVE", channel="D0DM")
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    assert bot.slack.calls_to("views.open") == []


def test_shortcut_in_a_channel_without_the_bot_explains_instead(bot: Bot, sessions) -> None:
    bot.slack.channels_without_bot.add("CPRIVATE")
    message = {"ts": "1700000000.000777", "user": "UCAROL", "text": "hm"}
    bot.message_shortcut(ids.HELP_SHORTCUT, message, user="UDAVE", channel="CPRIVATE")
    assert "/invite @Reciprocity" in last_response(bot)["text"]
    assert bot.slack.calls_to("views.open") == []
    assert requests(sessions) == []


# ----- help in the thread ----------------------------------------------------------------------
def reply_in_thread(bot: Bot, request: HelpRequest, user: str, ts: str, **extra: Any) -> None:
    bot.event(
        {
            "type": "message",
            "channel": request.channel_id,
            "user": user,
            "text": "Try restarting the runner",
            "ts": ts,
            "thread_ts": request.message_ts,
            "channel_type": "channel",
            "event_ts": ts,
            **extra,
        }
    )


def test_thread_replies_count_as_help_once_per_person(bot: Bot, sessions, clock) -> None:
    request = ask(bot, "Why is CI red?")
    replied_at = clock.advance(minutes=3)
    reply_in_thread(bot, request, "UCAROL", "1700000100.000001")
    clock.advance(minutes=3)
    reply_in_thread(bot, request, "UCAROL", "1700000100.000002")
    reply_in_thread(bot, request, "UALICE", "1700000100.000003")  # the requester
    reply_in_thread(bot, request, "UROBOT", "1700000100.000004", bot_id="BROBOT")
    with sessions() as session:
        offers = list(session.scalars(select(HelpOffer)))
    assert [(o.helper_id, o.replied_at, o.offered_at) for o in offers] == [
        ("UCAROL", replied_at, None)
    ]
    assert requests(sessions)[0].first_offer_at == replied_at
    assert "Helping: <@UCAROL>" in card_text(card_message(bot, request))
    with sessions() as session:  # their profile is kept, so departments can be compared
        carol = session.get(Member, (TEAM_ID, "UCAROL"))
        assert carol is not None and carol.tz == "Asia/Tokyo"
    # An offer after helping in the thread is noted on the same row, not a second one.
    click(bot, ids.HELP_OFFER_ACTION, request, "UCAROL")
    assert count(sessions, HelpOffer) == 1
    # Thread helpers are preselected in the Resolved modal.
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    helpers = next(b for b in view["blocks"] if b.get("block_id") == ids.HELP_HELPERS_BLOCK)
    assert helpers["element"]["initial_users"] == ["UCAROL"]


def test_a_redelivered_thread_reply_is_recorded_once(bot: Bot, sessions) -> None:
    request = ask(bot, "Why is CI red?")
    event = {
        "type": "message",
        "channel": request.channel_id,
        "user": "UBOB",
        "text": "looking",
        "ts": "1700000200.000001",
        "thread_ts": request.message_ts,
        "channel_type": "channel",
        "event_ts": "1700000200.000001",
    }
    bot.event(event, event_id="EvSAME")
    bot.event(event, event_id="EvSAME", retry_num=1)
    assert count(sessions, HelpOffer) == 1


def test_replies_elsewhere_or_after_resolution_are_not_help(bot: Bot, sessions) -> None:
    request = ask(bot, "Why is CI red?")
    bot.event(
        {
            "type": "message",
            "channel": "CGENERAL",
            "user": "UBOB",
            "text": "hi",
            "ts": "1700000300.000001",
            "channel_type": "channel",
            "event_ts": "1700000300.000001",
        }
    )
    bot.event(
        {
            "type": "message",
            "channel": "CGENERAL",
            "user": "UBOB",
            "text": "hi",
            "ts": "1700000300.000002",
            "thread_ts": "1690000000.000001",
            "channel_type": "channel",
            "event_ts": "1700000300.000002",
        }
    )
    resolve(bot, request, [], None)
    reply_in_thread(bot, request, "UBOB", "1700000300.000003")
    assert count(sessions, HelpOffer) == 0


# ----- stale requests ---------------------------------------------------------------------------
def test_requests_left_open_go_stale_and_can_be_reopened(bot: Bot, sessions, clock) -> None:
    from scheduler.jobs import run_job

    old = ask(bot, "Old question")
    clock.advance(days=10)
    ask(bot, "Young question")
    resolved = ask(bot, "Sorted question")
    resolve(bot, resolved, [], None)

    clock.advance(days=4, minutes=1)
    summary = run_job("stale-help", bot.deps, now=clock())
    assert "1 request" in summary
    statuses = {r.question: r.status for r in requests(sessions)}
    assert statuses == {
        "Old question": "stale",
        "Young question": "open",
        "Sorted question": "resolved",
    }
    card = card_message(bot, old)
    assert "went quiet" in card_text(card)
    assert action_ids(card) == [ids.HELP_REOPEN_ACTION]
    updates = len(bot.slack.calls_to("chat.update"))
    assert "0 request" in run_job("stale-help", bot.deps, now=clock())  # nothing twice
    assert len(bot.slack.calls_to("chat.update")) == updates

    click(bot, ids.HELP_OFFER_ACTION, old, "UBOB")
    assert "stale" in last_response(bot)["text"]
    click(bot, ids.HELP_REOPEN_ACTION, old, "UBOB")
    assert "<@UALICE>'s request" in last_response(bot)["text"]
    clock.advance(hours=1)
    click(bot, ids.HELP_REOPEN_ACTION, old, "UALICE")
    reopened = requests(sessions)[0]
    assert reopened.status == "open" and reopened.reopened_at == clock()
    assert action_ids(card_message(bot, old)) == [ids.HELP_OFFER_ACTION, ids.HELP_RESOLVE_ACTION]
    # It gets a fresh 14 days before it can go stale again.
    clock.advance(days=13)
    run_job("stale-help", bot.deps, now=clock())
    assert requests(sessions)[0].status == "open"
    clock.advance(days=1, minutes=1)
    run_job("stale-help", bot.deps, now=clock())
    assert requests(sessions)[0].status == "stale"


def test_stale_job_retries_a_card_it_could_not_update(bot: Bot, sessions, clock) -> None:
    from scheduler.jobs import run_job

    ask(bot, "Old question")
    clock.advance(days=15)
    bot.slack.fail("chat.update", status=200, error="internal_error")
    assert "to retry" in run_job("stale-help", bot.deps, now=clock())
    assert requests(sessions)[0].status == "open"
    run_job("stale-help", bot.deps, now=clock() + timedelta(minutes=2))
    assert requests(sessions)[0].status == "stale"


# ----- suggestions --------------------------------------------------------------------------------
def add_topics(bot: Bot, user: str, *topics: str) -> None:
    from bot.services.topics import add_topics as add

    with bot.deps.sessions.begin() as session:
        add(
            session=session,
            team_id=TEAM_ID,
            user_id=user,
            topics=list(topics),
            now=bot.deps.clock(),
        )


def test_cards_suggest_matching_people_in_the_channel_fairly(bot: Bot, sessions, clock) -> None:
    # 13:00 UTC on a Wednesday: Berlin and London are at work, New York (08:00) and Tokyo are not.
    for user in ("UDAVE", "UADMIN", "UBOB", "UCAROL"):
        add_topics(bot, user, "python")
    bot.slack.add_user("UERIN", "erin", tz="Europe/Paris")
    bot.slack.add_user("UFRED", "fred", tz="Europe/Madrid")
    add_topics(bot, "UERIN", "python")
    add_topics(bot, "UFRED", "python")
    add_topics(bot, "UALICE", "python")
    bot.slack.channel_members["CENG"] = [
        "UALICE",
        "UBOB",
        "UCAROL",
        "UDAVE",
        "UADMIN",
        "UERIN",
        "UFRED",
    ]
    with sessions.begin() as session:
        save_preferences(
            session=session, team_id=TEAM_ID, user_id="UFRED", now=clock(), opt_out_suggestions=True
        )
        save_preferences(
            session=session, team_id=TEAM_ID, user_id="UERIN", now=clock(), allow_mentions=True
        )

    first = ask(bot, "How do I profile this? #python", channel="CENG")
    with sessions() as session:
        suggested = set(
            session.scalars(
                select(HelpSuggestion.user_id).where(HelpSuggestion.request_id == first.id)
            )
        )
    assert suggested == {"UDAVE", "UADMIN", "UERIN"}  # not the requester, Fred, Bob or Carol
    text = card_text(card_message(bot, first))
    assert "<@UERIN>" in text  # opted in to mentions
    assert "<@UDAVE>" not in text and "*dave*" in text  # named without a ping

    clock.advance(minutes=5)
    click(bot, ids.HELP_OFFER_ACTION, first, "UDAVE")  # Dave helped most recently
    clock.advance(minutes=5)
    second = ask(bot, "And how do I read the flame graph? #python", user="UBOB", channel="CENG")
    with sessions() as session:
        rows = session.scalars(
            select(HelpSuggestion.user_id)
            .where(HelpSuggestion.request_id == second.id)
            .order_by(HelpSuggestion.id)
        )
        again = list(rows)
    assert "UDAVE" not in again[:2]
    assert set(again) <= {"UALICE", "UDAVE", "UADMIN", "UERIN"}
    assert again[0] == "UALICE"  # never suggested nor helped: first in line
    with sessions() as session:
        assert session.get(Member, (TEAM_ID, "UERIN")) is not None


def test_no_tags_means_no_suggestions_and_no_member_lookups(bot: Bot, sessions) -> None:
    ask(bot, "Untagged question")
    assert bot.slack.calls_to("conversations.members") == []
    assert count(sessions, HelpSuggestion) == 0


# ----- /reciprocity topics ----------------------------------------------------------------------
def test_topics_add_list_remove(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "topics add Python, #sql  kubernetes", user="UBOB")
    assert "`kubernetes`, `python`, `sql`" in last_response(bot)["text"]
    bot.command("/reciprocity", "topics add python", user="UBOB")
    bot.command("/reciprocity", "topics remove sql", user="UBOB")
    bot.command("/reciprocity", "topics", user="UBOB")
    assert "`kubernetes`, `python`" in last_response(bot)["text"]
    assert "sql" not in last_response(bot)["text"]
    with sessions() as session:
        assert session.scalar(select(func.count(MemberTopic.id))) == 2
    bot.command("/reciprocity", "topics list", user="UCAROL")
    assert "haven't listed any topics" in last_response(bot)["text"]


def test_topics_refuses_bad_input_with_usage(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "topics frobnicate x", user="UBOB")
    assert "`add`, `remove` and `list`" in last_response(bot)["text"]
    assert "Usage:" in last_response(bot)["text"]
    bot.command("/reciprocity", "topics add " + "x" * 300, user="UBOB")
    assert "isn't a topic" in last_response(bot)["text"]
    bot.command("/reciprocity", "topics add", user="UBOB")
    assert "Which topics?" in last_response(bot)["text"]
    with sessions() as session:
        assert session.scalar(select(func.count(MemberTopic.id))) == 0


def test_simultaneous_double_clicks_record_one_offer(bot: Bot, sessions) -> None:
    from concurrent.futures import ThreadPoolExecutor

    request = ask(bot, "Who knows the billing service?")
    message = {"ts": request.message_ts, "text": "card"}

    def press(_: int) -> int:
        reply = bot.send.block_action(
            ids.HELP_OFFER_ACTION, request.key, user="UBOB", message=message
        )
        return reply.status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(press, range(4)))
    bot.wait()
    assert statuses == [200, 200, 200, 200]
    assert count(sessions, HelpOffer) == 1
    assert len([p for p in thread_posts(bot) if "<@UBOB> can help" in p["text"]]) == 1


# ----- after resolution: a private offer to send each helper feedback ----------------------------
def feedback_invites(bot: Bot, sessions: sessionmaker[Session], user: str) -> list[str]:
    """What `user` was privately invited to: DMs sent to them, or nudges queued for them."""
    from models.nudges import Nudge

    dm_channel = bot.deps.client.conversations_open(users=user)["channel"]["id"]
    direct = [
        json.dumps(c)
        for c in bot.slack.calls_to("chat.postMessage")
        if c["channel"] in (user, dm_channel)
    ]
    with sessions() as session:
        queued = [
            json.dumps(n.message)
            for n in session.scalars(
                select(Nudge).where(Nudge.user_id == user, Nudge.status == "pending")
            )
        ]
    return direct + queued


def test_resolving_offers_the_requester_feedback_for_each_helper_once(bot: Bot, sessions) -> None:
    from models.feedback import FeedbackOffer

    request = ask(bot, "How do I rotate the staging keys? #security")
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    reply_in_thread(bot, request, "UCAROL", "1700000400.000001")
    resolve(bot, request, ["UBOB", "UDAVE"], "Thanks both")

    with sessions() as session:
        offers = session.execute(
            select(FeedbackOffer.helped_id, FeedbackOffer.helper_id, FeedbackOffer.about).order_by(
                FeedbackOffer.helper_id
            )
        ).all()
    about = "<@UALICE>'s help request “How do I rotate the staging keys?”"
    assert [tuple(o) for o in offers] == [("UALICE", "UBOB", about), ("UALICE", "UDAVE", about)]
    invites = feedback_invites(bot, sessions, "UALICE")
    for helper in ("UBOB", "UDAVE"):
        assert len([i for i in invites if f"<@{helper}>" in i]) == 1, invites
    assert not [i for i in invites if "<@UCAROL>" in i]  # helped in the thread, not picked
    # Nothing goes to the helpers, and nothing is offered twice.
    assert feedback_invites(bot, sessions, "UBOB") == []
    click(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    assert "already resolved" in last_response(bot)["text"]
    assert count(sessions, FeedbackOffer) == 2


def test_resolving_alone_offers_no_feedback(bot: Bot, sessions) -> None:
    from models.feedback import FeedbackOffer

    request = ask(bot, "Where is the style guide?")
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    resolve(bot, request, [], None)
    assert count(sessions, FeedbackOffer) == 0
    assert feedback_invites(bot, sessions, "UALICE") == []


def test_a_long_question_is_shortened_in_the_feedback_offer(bot: Bot, sessions) -> None:
    from models.feedback import FeedbackOffer

    request = ask(bot, "Why " + "very " * 40 + "slow?")
    resolve(bot, request, ["UBOB"], None)
    with sessions() as session:
        about = session.scalars(select(FeedbackOffer.about)).one()
    assert about.startswith("<@UALICE>'s help request “Why very") and about.endswith("…”")
    assert len(about) <= len("<@UALICE>'s help request “”") + 80
