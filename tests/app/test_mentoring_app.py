"""`/mentor` through the real app: signed slash commands in, ephemeral answers out."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from models.feedback import FeedbackOffer
from models.mentoring import MentoringAvoid, MentoringEnrollment, MentoringSession
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import dm_channel
from tests.slack_requests import text_value


def last_reply(bot: Bot) -> dict[str, Any]:
    reply = bot.slack.responses[-1]
    assert reply["response_type"] == "ephemeral"
    return reply


def enrollments(sessions: sessionmaker[Session]) -> list[tuple[str, str, list[str], bool]]:
    with sessions() as session:
        rows = session.scalars(select(MentoringEnrollment).order_by(MentoringEnrollment.user_id))
        return [(r.user_id, r.role, r.topics, r.active) for r in rows]


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count(model.id))) or 0)


def test_join_as_mentee_with_topics_and_again_to_change_them(bot: Bot, sessions) -> None:
    assert bot.command("/mentor", "join mentee #Python, career").status == 200
    assert "Welcome aboard" in last_reply(bot)["text"]
    assert "`python`, `career`" in last_reply(bot)["text"]
    bot.command("/mentor", "join mentee sql")
    assert "already in" in last_reply(bot)["text"]
    assert enrollments(sessions) == [("UALICE", "mentee", ["sql"], True)]
    assert bot.slack.calls_to("chat.postMessage") == []


def test_help_and_malformed_commands_answer_with_usage(bot: Bot, sessions) -> None:
    for text in ("", "help", "join", "join guru python", "dance", "circle", "avoid", "log"):
        bot.command("/mentor", text)
        reply = last_reply(bot)
        assert "/mentor join mentor|mentee" in reply["text"], text
    assert enrollments(sessions) == []


def test_bad_topics_are_refused_and_nothing_is_stored(bot: Bot, sessions) -> None:
    bot.command("/mentor", "join mentor " + "x" * 10_000)
    assert "doesn't work as a topic" in last_reply(bot)["text"]
    bot.command("/mentor", "join mentor <script>alert(1)</script>")
    assert "doesn't work as a topic" in last_reply(bot)["text"]
    bot.command("/mentor", "join mentor café naïve-ünïcode")
    assert "Welcome aboard" in last_reply(bot)["text"]
    assert enrollments(sessions) == [("UALICE", "mentor", ["café", "naïve-ünïcode"], True)]


def test_avoid_is_confidential_and_refuses_yourself_bots_and_strangers(bot: Bot, sessions) -> None:
    bot.command("/mentor", "avoid <@UBOB|bob>")
    assert "won't be paired with <@UBOB>" in last_reply(bot)["text"]
    bot.command("/mentor", "avoid @bob")
    assert "already on your list" in last_reply(bot)["text"]
    for text, expected in (
        ("avoid <@UALICE|alice>", "yourself"),
        ("avoid <@UROBOT|robot>", "bot"),
        ("avoid <@UGONE|gone>", "no longer"),
        ("avoid <@UNOBODY>", "couldn't find"),
        ("avoid @nobody-at-all", "couldn't find"),
    ):
        bot.command("/mentor", text)
        assert expected in last_reply(bot)["text"], text
    # Nobody else is told: no message, no DM, nothing but the answer to Alice.
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.calls_to("conversations.open") == []
    assert count(sessions, MentoringAvoid) == 1
    bot.command("/mentor", "status", user="UBOB")
    assert "asked not to be paired" not in bot.slack.responses[-1]["text"]
    bot.command("/mentor", "status")
    assert "asked not to be paired with: 1" in last_reply(bot)["text"]


def test_log_a_session_after_pairing_and_both_counts_go_up(bot: Bot, sessions, deps, clock) -> None:
    bot.command("/mentor", "log <@UBOB|bob> we talked")
    assert "aren't paired" in last_reply(bot)["text"]
    bot.command("/mentor", "join mentor python", user="UBOB")
    bot.command("/mentor", "join mentee python")
    run_job("pairing", deps, now=clock())
    bot.command("/mentor", "log <@UBOB|bob>")
    assert "Add a line" in last_reply(bot)["text"]
    bot.command("/mentor", "log <@UBOB|bob> " + "x" * 10_000)
    assert "under 1,000" in last_reply(bot)["text"]
    assert count(sessions, MentoringSession) == 0

    bot.command("/mentor", "log <@UBOB|bob> walked through the ‘roadmap’ 🚀")
    assert "Logged your session with <@UBOB>" in last_reply(bot)["text"]
    bot.command("/mentor", "log @alice same session", user="UBOB")
    assert "counts once" in bot.slack.responses[-1]["text"]
    assert count(sessions, MentoringSession) == 1
    for user in ("UALICE", "UBOB"):
        bot.command("/mentor", "status", user=user)
        assert "Sessions logged: 1" in bot.slack.responses[-1]["text"]
    with sessions() as session:
        row = session.scalars(select(MentoringSession)).one()
        assert (row.logged_by, row.with_user) == ("UALICE", "UBOB")
        assert row.notes == "walked through the ‘roadmap’ 🚀"


def test_status_shows_roles_and_the_pair_and_leave_ends_it(bot: Bot, sessions, deps, clock) -> None:
    bot.command("/mentor", "status")
    assert "not in mentoring yet" in last_reply(bot)["text"]
    bot.command("/mentor", "join mentor design", user="UCAROL")
    bot.command("/mentor", "join mentee design")
    bot.command("/mentor", "status")
    assert "Not paired yet" in last_reply(bot)["text"]
    run_job("pairing", deps, now=clock())
    bot.command("/mentor", "status")
    text = last_reply(bot)["text"]
    assert "You're a mentee — `design`" in text
    assert "Your mentor: <@UCAROL>" in text
    bot.command("/mentor", "leave")
    assert "You've left mentoring" in last_reply(bot)["text"]
    assert "pair has ended" in last_reply(bot)["text"]
    bot.command("/mentor", "status", user="UCAROL")
    assert "Your mentee" not in bot.slack.responses[-1]["text"]
    bot.command("/mentor", "leave")
    assert "nothing to leave" in last_reply(bot)["text"]


def test_circle_join(bot: Bot, sessions) -> None:
    bot.command("/mentor", "circle join leadership")
    assert "circle of 3–5" in last_reply(bot)["text"]
    assert enrollments(sessions) == [("UALICE", "circle", ["leadership"], True)]


def offers(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(FeedbackOffer).order_by(FeedbackOffer.id))
        return [(r.helped_id, r.helper_id, r.about) for r in rows]


def offer_dms(bot: Bot, user: str) -> list[dict[str, Any]]:
    return [
        c
        for c in bot.slack.calls_to("chat.postMessage")
        if c["channel"] == user and ids.FEEDBACK_OFFER_ACTION in json.dumps(c)
    ]


def test_logging_a_session_offers_the_mentee_feedback_once(bot: Bot, sessions, deps, clock) -> None:
    bot.command("/mentor", "join mentor python", user="UBOB")
    bot.command("/mentor", "join mentee python")
    run_job("pairing", deps, now=clock())
    # The mentor logs it: the mentee (Alice) is offered to send the mentor feedback.
    bot.command("/mentor", "log <@UALICE|alice> first chat", user="UBOB")
    assert "Logged your session" in bot.slack.responses[-1]["text"]
    (invite,) = offer_dms(bot, "UALICE")
    assert "<@UBOB> helped you with *your mentoring sessions (since 25 Nov 2026)*" in json.dumps(
        invite, ensure_ascii=False
    )
    assert offer_dms(bot, "UBOB") == []
    assert offers(sessions) == [("UALICE", "UBOB", "your mentoring sessions (since 25 Nov 2026)")]
    # The same session logged again, or a later one logged by the mentee: no second offer.
    bot.command("/mentor", "log <@UBOB|bob> same chat")
    clock.advance(days=7)
    bot.command("/mentor", "log <@UBOB|bob> second chat")
    assert "Logged your session" in last_reply(bot)["text"]
    assert len(offer_dms(bot, "UALICE")) == 1
    assert len(offers(sessions)) == 1

    # The offer opens the same structured modal, and the feedback reaches the mentor only.
    value = next(
        e["value"]
        for b in invite["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == ids.FEEDBACK_OFFER_ACTION
    )
    bot.block_action(ids.FEEDBACK_OFFER_ACTION, value, user="UALICE", channel=dm_channel("UALICE"))
    modal = bot.slack.calls_to("views.open")[-1]["view"]
    assert "Feedback for <@UBOB>" in json.dumps(modal)
    values = {
        ids.FEEDBACK_SITUATION_BLOCK: {"text": text_value("Our first session")},
        ids.FEEDBACK_BEHAVIOUR_BLOCK: {"text": text_value("You asked what I wanted to learn")},
        ids.FEEDBACK_IMPACT_BLOCK: {"text": text_value("I left with a plan")},
        ids.FEEDBACK_SUGGESTION_BLOCK: {"text": text_value("Share a reading list")},
    }
    assert bot.view_submission(modal, values, user="UALICE").json()["response_action"] == "update"
    delivered = [c for c in bot.slack.calls_to("chat.postMessage") if c["channel"] == "UBOB"]
    assert len(delivered) == 1 and "Feedback from <@UALICE>" in json.dumps(delivered[0])


def test_in_a_circle_the_one_who_logs_is_offered_feedback_for_the_peer(
    bot: Bot, sessions, deps, clock
) -> None:
    for user in ("UALICE", "UBOB", "UDAVE"):
        bot.command("/mentor", "circle join leadership", user=user)
    run_job("pairing", deps, now=clock())
    bot.command("/mentor", "log <@UDAVE|dave> swapped notes on hiring")
    assert offers(sessions) == [("UALICE", "UDAVE", "your coaching circle (since 25 Nov 2026)")]
    assert len(offer_dms(bot, "UALICE")) == 1


def test_a_refused_log_offers_nothing(bot: Bot, sessions) -> None:
    bot.command("/mentor", "log <@UBOB|bob> we talked")
    assert "aren't paired" in last_reply(bot)["text"]
    assert offers(sessions) == []
    assert bot.slack.calls_to("chat.postMessage") == []
