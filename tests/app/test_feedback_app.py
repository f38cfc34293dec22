"""`/feedback` through the real app: signed requests in, Web API calls out to the double."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.blocks.feedback import reminder_dm
from bot.flows.feedback import offer_feedback
from bot.logs import configure_logging
from bot.services.channels import enroll_channel
from bot.services.export import records
from bot.services.feedback import mark_reminded, pending_feedback_requests
from bot.services.preferences import save_preferences
from models import Kudos
from models.feedback import Feedback, FeedbackOffer, FeedbackRequest
from models.nudges import Nudge
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import TEAM_ID, dm_channel
from tests.slack_requests import checkboxes_value, text_value, users_value

LABELLING = "You are lazy about code review."
BEHAVIOUR = "In Tuesday's review you approved the PR without running it; staging broke."


def dms_to(bot: Bot, user: str) -> list[dict[str, Any]]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if c["channel"] == user]


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {message}")


def last_modal(bot: Bot) -> dict[str, Any]:
    return dict(bot.slack.calls_to("views.open")[-1]["view"])


def answers(
    behaviour: str = BEHAVIOUR, *, as_written: bool = False, went_well: str | None = None
) -> dict[str, dict[str, Any]]:
    values = {
        ids.FEEDBACK_SITUATION_BLOCK: {"text": text_value("Tuesday's release review")},
        ids.FEEDBACK_BEHAVIOUR_BLOCK: {"text": text_value(behaviour)},
        ids.FEEDBACK_IMPACT_BLOCK: {"text": text_value("We spent the afternoon rolling back.")},
        ids.FEEDBACK_SUGGESTION_BLOCK: {"text": text_value("Run the branch locally first.")},
        ids.FEEDBACK_WENT_WELL_BLOCK: {"text": text_value(went_well)},
        ids.FEEDBACK_AS_WRITTEN_BLOCK: {
            "as_written": checkboxes_value(["send_as_written"] if as_written else [])
        },
    }
    return values


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def request_rows(sessions: sessionmaker[Session]) -> list[FeedbackRequest]:
    with sessions() as session:
        return list(session.scalars(select(FeedbackRequest).order_by(FeedbackRequest.reviewer_id)))


def ask_bob_and_carol(bot: Bot) -> None:
    bot.command("/feedback", "request <@UBOB|bob> <@UCAROL|carol> about the launch plan")


# ----- the round trip ------------------------------------------------------------------------
def test_request_dm_modal_flag_rephrase_and_private_delivery(bot: Bot, sessions) -> None:
    ask_bob_and_carol(bot)
    assert "I asked <@UBOB> and <@UCAROL>" in bot.slack.responses[-1]["text"]
    assert bot.slack.responses[-1]["response_type"] == "ephemeral"
    (invite,) = dms_to(bot, "UBOB")
    assert len(dms_to(bot, "UCAROL")) == 1
    assert "<@UALICE> would value your feedback about *the launch plan*" in json.dumps(invite)
    give = button(invite, ids.FEEDBACK_GIVE_ACTION)
    button(invite, ids.FEEDBACK_DECLINE_ACTION)
    rows = request_rows(sessions)
    assert [(r.reviewer_id, r.status, r.dm_ts is not None) for r in rows] == [
        ("UBOB", "pending", True),
        ("UCAROL", "pending", True),
    ]
    bob_ts = rows[0].dm_ts
    assert bob_ts is not None

    # Bob presses Give feedback in his DM: the structured modal opens.
    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        give["value"],
        user="UBOB",
        channel=dm_channel("UBOB"),
        message={"ts": bob_ts},
        block_id=ids.FEEDBACK_ACTIONS_BLOCK,
    )
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.FEEDBACK_MODAL
    block_ids = [b.get("block_id") for b in modal["blocks"]]
    for block in (
        ids.FEEDBACK_SITUATION_BLOCK,
        ids.FEEDBACK_BEHAVIOUR_BLOCK,
        ids.FEEDBACK_IMPACT_BLOCK,
        ids.FEEDBACK_SUGGESTION_BLOCK,
        ids.FEEDBACK_WENT_WELL_BLOCK,
        ids.FEEDBACK_AS_WRITTEN_BLOCK,
    ):
        assert block in block_ids

    # Labelling text is flagged, not silently sent.
    reply = bot.view_submission(modal, answers(LABELLING), user="UBOB")
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert "you are lazy" in body["errors"][ids.FEEDBACK_BEHAVIOUR_BLOCK].lower()
    assert count(sessions, Feedback) == 0
    assert dms_to(bot, "UALICE") == []

    # Rephrased: delivered to Alice's DM, attributed to Bob, and nowhere else.
    reply = bot.view_submission(modal, answers(went_well="Clear PR description."), user="UBOB")
    assert reply.json()["response_action"] == "update"
    (delivered,) = dms_to(bot, "UALICE")
    assert "Feedback from <@UBOB>" in json.dumps(delivered)
    assert "approved the PR without running it" in json.dumps(delivered)
    assert "Clear PR description." in json.dumps(delivered)
    assert "approved the PR" not in delivered["text"]  # not in the notification preview
    channels = {c["channel"] for c in bot.slack.calls_to("chat.postMessage")}
    assert channels == {"UBOB", "UCAROL", "UALICE"}
    assert bot.slack.responses[-1]["text"].startswith("Done")  # nothing public either
    # Bob's invitation loses its buttons.
    assert "on its way to <@UALICE>" in bot.slack.messages[(dm_channel("UBOB"), bob_ts)]["text"]
    with sessions() as session:
        (stored,) = session.scalars(select(Feedback)).all()
        assert (stored.giver_id, stored.receiver_id, stored.topic) == (
            "UBOB",
            "UALICE",
            "the launch plan",
        )
        assert stored.sent_as_written is False
    assert [r.status for r in request_rows(sessions)] == ["given", "pending"]

    # Pressing the old button again is answered kindly, nothing more.
    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        give["value"],
        user="UBOB",
        channel=dm_channel("UBOB"),
        message={"ts": bob_ts},
    )
    assert "already sent" in bot.slack.responses[-1]["text"]
    assert len(bot.slack.calls_to("views.open")) == 1

    # Alice can read it again, privately.
    bot.command("/feedback", "list")
    listed = bot.slack.responses[-1]
    assert listed["response_type"] == "ephemeral"
    assert "approved the PR without running it" in json.dumps(listed)
    assert "From <@UBOB>" in json.dumps(listed)


def test_send_as_written_delivers_flagged_text(bot: Bot, sessions) -> None:
    bot.command("/feedback", "request <@UBOB>")
    (invite,) = dms_to(bot, "UBOB")
    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION, button(invite, ids.FEEDBACK_GIVE_ACTION)["value"], user="UBOB"
    )
    reply = bot.view_submission(last_modal(bot), answers(LABELLING, as_written=True), user="UBOB")
    assert reply.json()["response_action"] == "update"
    assert LABELLING in json.dumps(dms_to(bot, "UALICE"))
    with sessions() as session:
        assert session.scalars(select(Feedback.sent_as_written)).one() is True


def test_someone_else_cannot_answer_a_request(bot: Bot, sessions) -> None:
    bot.command("/feedback", "request <@UBOB>")
    value = button(dms_to(bot, "UBOB")[0], ids.FEEDBACK_GIVE_ACTION)["value"]
    bot.block_action(ids.FEEDBACK_GIVE_ACTION, value, user="UCAROL")
    assert "isn't addressed to you" in bot.slack.responses[-1]["text"]
    # A forged submission with Bob's request id is refused too.
    forged = {
        "callback_id": ids.FEEDBACK_MODAL,
        "private_metadata": json.dumps({"request_id": int(value), "to": "UALICE"}),
    }
    reply = bot.view_submission(forged, answers(), user="UCAROL")
    assert reply.json()["response_action"] == "errors"
    assert count(sessions, Feedback) == 0


# ----- decline ----------------------------------------------------------------------------------
def test_decline_tells_the_requester_kindly(bot: Bot, sessions) -> None:
    ask_bob_and_carol(bot)
    (invite,) = dms_to(bot, "UCAROL")
    carol_ts = request_rows(sessions)[1].dm_ts
    value = button(invite, ids.FEEDBACK_DECLINE_ACTION)["value"]
    bot.block_action(
        ids.FEEDBACK_DECLINE_ACTION,
        value,
        user="UCAROL",
        channel=dm_channel("UCAROL"),
        message={"ts": carol_ts},
    )
    (told,) = dms_to(bot, "UALICE")
    assert "<@UCAROL> can't give feedback about *the launch plan* right now" in told["text"]
    assert "says nothing about your work" in told["text"]
    assert "know you can't" in bot.slack.messages[(dm_channel("UCAROL"), str(carol_ts))]["text"]
    assert [r.status for r in request_rows(sessions)] == ["pending", "declined"]
    # A second click changes nothing.
    bot.block_action(
        ids.FEEDBACK_DECLINE_ACTION, value, user="UCAROL", channel=dm_channel("UCAROL")
    )
    assert "declined" in bot.slack.responses[-1]["text"]
    assert len(dms_to(bot, "UALICE")) == 1


# ----- refusals -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("request <@UALICE>", "yourself"),
        ("request <@UROBOT>", "is a bot"),
        ("request <@UGONE>", "no longer in this workspace"),
        ("request <@UNOBODY>", "couldn't find <@UNOBODY>"),
        ("request @nobody-here", "couldn't find anyone called @nobody-here"),
        (
            "request <@UBOB> <@UCAROL> <@UDAVE> <@UADMIN> <@U1> <@U2>",
            "at most 5",
        ),
        ("request <@UBOB> about " + "x" * 301, "under 300"),
        ("request <@UBOB> about " + "é" * 10_000, "under 300"),
        ("request", "Who should I ask"),
        ("give <@UALICE>", "yourself"),
        ("give <@UROBOT>", "is a bot"),
        ("give <@UGONE>", "no longer in this workspace"),
        ("give", "Name one person"),
        ("give <@UBOB> <@UCAROL>", "One person at a time"),
    ],
)
def test_refusals_answer_clearly_and_store_nothing(
    bot: Bot, sessions, text: str, expected: str
) -> None:
    reply = bot.command("/feedback", text)
    assert reply.status == 200
    response = bot.slack.responses[-1]
    assert response["response_type"] == "ephemeral"
    assert expected in response["text"]
    assert "/feedback request" in response["text"]  # the usage follows
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.calls_to("views.open") == []
    assert count(sessions, FeedbackRequest) == 0


def test_help_and_unknown_subcommands_show_usage(bot: Bot) -> None:
    for text in ("", "help", "frobnicate <@UBOB>"):
        bot.command("/feedback", text)
        assert "/feedback give @name" in bot.slack.responses[-1]["text"]


def test_plain_names_resolve_like_mentions(bot: Bot, sessions) -> None:
    bot.command("/feedback", "request @bob about onboarding docs")
    assert len(dms_to(bot, "UBOB")) == 1
    assert [r.topic for r in request_rows(sessions)] == ["onboarding docs"]


# ----- unsolicited feedback -------------------------------------------------------------------
def test_give_opens_the_modal_and_delivers_privately(bot: Bot, sessions) -> None:
    bot.command("/feedback", "give <@UBOB|bob>")
    modal = last_modal(bot)
    assert "Feedback for <@UBOB>" in json.dumps(modal)
    reply = bot.view_submission(modal, answers(), user="UALICE")
    assert reply.json()["response_action"] == "update"
    (delivered,) = dms_to(bot, "UBOB")
    assert "Feedback from <@UALICE>" in json.dumps(delivered)
    assert [c["channel"] for c in bot.slack.calls_to("chat.postMessage")] == ["UBOB"]


def test_missing_fields_and_broken_metadata_are_field_errors(bot: Bot, sessions) -> None:
    bot.command("/feedback", "give <@UBOB>")
    modal = last_modal(bot)
    values = answers()
    values[ids.FEEDBACK_IMPACT_BLOCK] = {"text": text_value("   ")}
    values[ids.FEEDBACK_SUGGESTION_BLOCK] = {"text": text_value("s" * 5000)}
    body = bot.view_submission(modal, values, user="UALICE").json()
    assert set(body["errors"]) == {ids.FEEDBACK_IMPACT_BLOCK, ids.FEEDBACK_SUGGESTION_BLOCK}
    broken = {**modal, "private_metadata": "{not json"}
    body = bot.view_submission(broken, answers(), user="UALICE").json()
    assert "expired" in body["errors"][ids.FEEDBACK_SITUATION_BLOCK]
    body = bot.view_submission(broken, {}, user="UALICE").json()
    assert body["response_action"] == "errors"
    assert count(sessions, Feedback) == 0
    bot.block_action(ids.FEEDBACK_GIVE_ACTION, "not-a-number", user="UBOB")
    assert "doesn't exist" in bot.slack.responses[-1]["text"]


# ----- the message shortcut -------------------------------------------------------------------
def test_request_feedback_on_a_message(bot: Bot, sessions) -> None:
    message = {"ts": "1700000123.000100", "user": "UALICE", "text": "Draft: Q3 plan"}
    bot.message_shortcut(ids.FEEDBACK_SHORTCUT, message, user="UALICE", channel="CPLANS")
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.FEEDBACK_REQUEST_MODAL
    link = "https://test.slack.com/archives/CPLANS/p1700000123000100"
    assert link in json.dumps(modal)

    # Asking yourself is flagged on the people field; nothing stored.
    values = {
        ids.FEEDBACK_REVIEWERS_BLOCK: {ids.FEEDBACK_REVIEWERS_ACTION: users_value(["UALICE"])},
        ids.FEEDBACK_TOPIC_BLOCK: {ids.FEEDBACK_TOPIC_ACTION: text_value(None)},
    }
    body = bot.view_submission(modal, values, user="UALICE").json()
    assert "yourself" in body["errors"][ids.FEEDBACK_REVIEWERS_BLOCK]
    assert count(sessions, FeedbackRequest) == 0

    values[ids.FEEDBACK_REVIEWERS_BLOCK] = {
        ids.FEEDBACK_REVIEWERS_ACTION: users_value(["UBOB", "UDAVE"])
    }
    values[ids.FEEDBACK_TOPIC_BLOCK] = {ids.FEEDBACK_TOPIC_ACTION: text_value("is it clear?")}
    body = bot.view_submission(modal, values, user="UALICE").json()
    assert body["response_action"] == "update"
    assert "I asked <@UBOB> and <@UDAVE>" in json.dumps(body["view"])
    (invite,) = dms_to(bot, "UBOB")
    assert link in json.dumps(invite)
    assert [(r.message_link, r.topic) for r in request_rows(sessions)] == [
        (link, "is it clear?"),
        (link, "is it clear?"),
    ]
    assert not [c for c in bot.slack.calls_to("chat.postMessage") if c["channel"] == "CPLANS"]


@pytest.mark.parametrize(
    ("people", "topic", "block", "expected"),
    [
        (["UBOB", "UCAROL", "UDAVE", "UADMIN", "UALICE2", "UX"], None, "people", "at most 5"),
        (["UROBOT"], None, "people", "is a bot"),
        (["UGONE"], None, "people", "no longer in this workspace"),
        (["UBOB"], "t" * 301, "topic", "under 300"),
    ],
)
def test_the_request_modal_refuses_on_the_right_field(
    bot: Bot, sessions, people: list[str], topic: str | None, block: str, expected: str
) -> None:
    for uid in ("UALICE2", "UX"):
        bot.slack.add_user(uid, name=uid.lower())
    message = {"ts": "1700000123.000100", "user": "UALICE", "text": "Draft"}
    bot.message_shortcut(ids.FEEDBACK_SHORTCUT, message, user="UALICE", channel="CPLANS")
    values = {
        ids.FEEDBACK_REVIEWERS_BLOCK: {ids.FEEDBACK_REVIEWERS_ACTION: users_value(people)},
        ids.FEEDBACK_TOPIC_BLOCK: {ids.FEEDBACK_TOPIC_ACTION: text_value(topic)},
    }
    body = bot.view_submission(last_modal(bot), values, user="UALICE").json()
    assert body["response_action"] == "errors"
    field = ids.FEEDBACK_REVIEWERS_BLOCK if block == "people" else ids.FEEDBACK_TOPIC_BLOCK
    assert expected in body["errors"][field]
    assert count(sessions, FeedbackRequest) == 0
    assert bot.slack.calls_to("chat.postMessage") == []


# ----- the offer after help or mentoring ------------------------------------------------------
def test_offer_feedback_once_then_through_the_same_modal(bot: Bot, deps, sessions) -> None:
    about = "your help request “flaky CI”"
    offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about=about
    )
    offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about=about
    )
    (invite,) = dms_to(bot, "UALICE")
    assert "<@UBOB> helped you" in json.dumps(invite)
    assert count(sessions, FeedbackOffer) == 1
    # Never to or about a bot, never to yourself.
    offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UROBOT", about=about
    )
    offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UBOB", helper_id="UBOB", about=about
    )
    assert count(sessions, FeedbackOffer) == 1

    ts = bot.slack.calls_to("chat.postMessage")[0]
    message_ts = next(k[1] for k in bot.slack.messages if k[0] == dm_channel("UALICE"))
    assert ts["channel"] == "UALICE"  # the call; Slack answers with the DM's id
    value = button(invite, ids.FEEDBACK_OFFER_ACTION)["value"]
    bot.block_action(ids.FEEDBACK_OFFER_ACTION, value, user="UCAROL")
    assert "isn't addressed to you" in bot.slack.responses[-1]["text"]
    bot.block_action(
        ids.FEEDBACK_OFFER_ACTION,
        value,
        user="UALICE",
        channel=dm_channel("UALICE"),
        message={"ts": message_ts},
    )
    modal = last_modal(bot)
    assert "Feedback for <@UBOB>" in json.dumps(modal)
    assert (
        bot.view_submission(modal, answers(), user="UALICE").json()["response_action"] == "update"
    )
    (delivered,) = dms_to(bot, "UBOB")
    assert "flaky CI" in json.dumps(delivered)
    assert "on its way" in bot.slack.messages[(dm_channel("UALICE"), message_ts)]["text"]
    with sessions() as session:
        stored = session.scalars(select(Feedback)).one()
        assert (stored.giver_id, stored.receiver_id, stored.offer_id) == (
            "UALICE",
            "UBOB",
            int(value),
        )
    # The same invitation can't be used twice.
    bot.block_action(ids.FEEDBACK_OFFER_ACTION, value, user="UALICE")
    assert "already sent" in bot.slack.responses[-1]["text"]


def test_no_thanks_closes_the_offer(bot: Bot, deps) -> None:
    offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
    )
    (invite,) = dms_to(bot, "UALICE")
    message_ts = next(k[1] for k in bot.slack.messages if k[0] == dm_channel("UALICE"))
    bot.block_action(
        ids.FEEDBACK_OFFER_DISMISS_ACTION,
        button(invite, ids.FEEDBACK_OFFER_DISMISS_ACTION)["value"],
        user="UALICE",
        channel=dm_channel("UALICE"),
        message={"ts": message_ts},
    )
    assert (
        bot.slack.messages[(dm_channel("UALICE"), message_ts)]["text"]
        == "No problem — nothing sent."
    )


def nudges(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(Nudge).order_by(Nudge.id))
        return [(r.user_id, r.kind, r.key, r.status) for r in rows]


def test_offer_goes_through_the_gate_sent_in_working_hours(bot: Bot, deps, sessions) -> None:
    outcome = offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
    )
    assert outcome == "sent"  # Wednesday 14:00 in Berlin
    (offer_id,) = [o.id for o in offer_rows(sessions)]
    assert nudges(sessions) == [("UALICE", "prompt", f"feedback-offer:{offer_id}", "sent")]
    assert len(dms_to(bot, "UALICE")) == 1
    # Once per (helped, helper, about): no second nudge either.
    assert (
        offer_feedback(
            deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
        )
        is None
    )
    assert len(nudges(sessions)) == 1


def test_offer_outside_working_hours_waits_for_the_reminders_job(
    bot: Bot, deps, sessions, clock
) -> None:
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))  # 21:00 in Berlin
    outcome = offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
    )
    assert outcome == "queued"
    assert dms_to(bot, "UALICE") == []
    run_job("reminders", deps, now=clock())
    assert dms_to(bot, "UALICE") == []  # still evening in Berlin
    clock.set(datetime(2026, 11, 26, 8, 5, tzinfo=UTC))  # Thursday 09:05 in Berlin
    run_job("reminders", deps, now=clock())
    (invite,) = dms_to(bot, "UALICE")
    assert "<@UBOB> helped you" in json.dumps(invite)
    button(invite, ids.FEEDBACK_OFFER_ACTION)
    assert [n[3] for n in nudges(sessions)] == ["sent"]


def test_offer_is_dropped_for_someone_who_opted_out_of_prompts(
    bot: Bot, deps, sessions, clock
) -> None:
    with deps.sessions.begin() as session:
        save_preferences(
            session=session, team_id=TEAM_ID, user_id="UALICE", now=clock(), opt_out_prompts=True
        )
    outcome = offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
    )
    assert outcome == "dropped"
    assert dms_to(bot, "UALICE") == []
    assert [n[3] for n in nudges(sessions)] == ["dropped"]
    clock.advance(days=1)
    run_job("reminders", deps, now=clock())
    assert dms_to(bot, "UALICE") == []


def test_an_offer_slack_refused_is_retried_by_the_reminders_job(
    bot: Bot, deps, sessions, clock
) -> None:
    bot.slack.fail("chat.postMessage", error="internal_error")
    outcome = offer_feedback(
        deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
    )
    assert outcome == "queued"
    assert [n[3] for n in nudges(sessions)] == ["pending"]
    assert [k for k in bot.slack.messages if k[0] == dm_channel("UALICE")] == []
    clock.advance(minutes=5)
    run_job("reminders", deps, now=clock())
    assert len([k for k in bot.slack.messages if k[0] == dm_channel("UALICE")]) == 1
    assert [n[3] for n in nudges(sessions)] == ["sent"]


def test_an_offer_nobody_could_receive_expires(bot: Bot, deps, sessions, clock) -> None:
    clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))  # Friday evening
    with deps.sessions.begin() as session:
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UALICE",
            now=clock(),
            paused_until=clock() + timedelta(days=14),
        )
    assert (
        offer_feedback(
            deps, deps.client, team_id=TEAM_ID, helped_id="UALICE", helper_id="UBOB", about="x"
        )
        == "dropped"  # paused beyond the offer's 7 days: stale before it could go
    )
    clock.advance(days=15)
    run_job("reminders", deps, now=clock())
    assert dms_to(bot, "UALICE") == []


def offer_rows(sessions: sessionmaker[Session]) -> list[FeedbackOffer]:
    with sessions() as session:
        return list(session.scalars(select(FeedbackOffer).order_by(FeedbackOffer.id)))


# ----- privacy: feedback text never reaches the logs -------------------------------------------
class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def production_logging() -> Iterator[_Capture]:
    """The app's own logging set-up at DEBUG, with a handler that keeps every line."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    names = ("slack_bolt", "slack_sdk", "sqlalchemy.engine", "alembic.runtime.plugins")
    levels = {name: logging.getLogger(name).level for name in names}
    configure_logging("DEBUG")
    capture = _Capture()
    root.addHandler(capture)
    yield capture
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_feedback_text_never_appears_in_logs_exports_or_digests(
    bot: Bot, sessions, clock, production_logging
) -> None:
    secret = "ZEBRA-7731 you are lazy"
    bot.command("/feedback", "request <@UBOB> about ORCHID-TOPIC")
    invite = dms_to(bot, "UBOB")[0]
    value = button(invite, ids.FEEDBACK_GIVE_ACTION)["value"]
    dm_ts = request_rows(sessions)[0].dm_ts
    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        value,
        user="UBOB",
        channel=dm_channel("UBOB"),
        message={"ts": dm_ts},
    )
    modal = last_modal(bot)
    bot.view_submission(modal, answers(secret), user="UBOB")  # flagged
    bot.view_submission(modal, answers(secret, as_written=True), user="UBOB")  # delivered
    bot.command("/feedback", "list")
    assert "ZEBRA-7731" in json.dumps(dms_to(bot, "UALICE"))
    logging.getLogger("handlers.feedback").info("capture check")
    logged = "\n".join(production_logging.lines)
    assert "capture check" in logged, "the capture is not working"
    assert "ZEBRA-7731" not in logged
    assert "rolling back" not in logged  # the impact field

    # Nor in exports, the channel digest or anyone's numbers.
    with sessions.begin() as session:
        enroll_channel(session=session, team_id=TEAM_ID, channel_id="CGENERAL", now=clock())
        session.add(
            Kudos(
                team_id=TEAM_ID,
                post_id="kudos-1",
                giver_id="UALICE",
                receiver_id="UBOB",
                channel_id="CGENERAL",
                reason="the thoughtful review",
                created_at=clock() - timedelta(days=1),
            )
        )
        exported = json.dumps(list(records(session=session)))
    assert '"feedback"' in exported and "UBOB" in exported
    assert "ZEBRA-7731" not in exported and "rolling back" not in exported
    assert "1 posted" in run_job("digest", bot.deps, now=clock(), channel="CGENERAL")
    bot.command("/reciprocity", "me")
    bot.command("/reciprocity", "me", user="UBOB")
    elsewhere = [c for c in bot.slack.calls_to("chat.postMessage") if c["channel"] != "UALICE"]
    assert any(c["channel"] == "CGENERAL" for c in elsewhere)
    assert "ZEBRA-7731" not in json.dumps(elsewhere)
    assert "ZEBRA-7731" not in json.dumps(bot.slack.responses[-2:])


# ----- the reminder (sent by the reminders job through the boundary gate) ---------------------
def test_answering_from_the_reminder_closes_both_dms(bot: Bot, deps, sessions, clock) -> None:
    bot.command("/feedback", "request <@UBOB> about the roadmap")
    first_ts = request_rows(sessions)[0].dm_ts
    clock.advance(days=7)
    with deps.sessions.begin() as session:
        (due,) = pending_feedback_requests(
            session=session, team_id=TEAM_ID, older_than=clock() - timedelta(days=7)
        )
        assert mark_reminded(session=session, team_id=TEAM_ID, request_id=due.id, now=clock())
    posted = deps.client.chat_postMessage(channel="UBOB", **reminder_dm(due))
    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        str(due.id),
        user="UBOB",
        channel=dm_channel("UBOB"),
        message={"ts": posted["ts"]},
    )
    bot.view_submission(last_modal(bot), answers(), user="UBOB")
    for ts in (first_ts, posted["ts"]):
        assert "on its way" in bot.slack.messages[(dm_channel("UBOB"), str(ts))]["text"]
    with deps.sessions.begin() as session:
        assert pending_feedback_requests(session=session, team_id=TEAM_ID, older_than=clock()) == []
    assert len(dms_to(bot, "UALICE")) == 1


# ----- clicks on App Home (a view: no response_url) -------------------------------------------
HOME = {"id": "VHOME", "type": "home"}


def test_home_clicks_on_an_answered_request_are_answered_by_dm(bot: Bot, sessions) -> None:
    ask_bob_and_carol(bot)
    carol_value = button(dms_to(bot, "UCAROL")[0], ids.FEEDBACK_DECLINE_ACTION)["value"]
    responses_before = len(bot.slack.responses)

    # Declining from the Home: the requester is told, and Carol gets a confirmation by DM.
    bot.block_action(ids.FEEDBACK_DECLINE_ACTION, carol_value, user="UCAROL", view=HOME)
    assert [r.status for r in request_rows(sessions)] == ["pending", "declined"]
    assert len(dms_to(bot, "UALICE")) == 1
    (confirmed,) = dms_to(bot, "UCAROL")[1:]
    assert "know you can't give feedback" in confirmed["text"]

    # Declining again, or trying to give it after all: a DM says why, nothing else changes.
    bot.block_action(ids.FEEDBACK_DECLINE_ACTION, carol_value, user="UCAROL", view=HOME)
    bot.block_action(ids.FEEDBACK_GIVE_ACTION, carol_value, user="UCAROL", view=HOME)
    told = [m["text"] for m in dms_to(bot, "UCAROL")[2:]]
    assert told == [
        "You declined this request; nothing more to do.",
        "You declined this request; nothing more to do.",
    ]
    assert bot.slack.calls_to("views.open") == []
    assert len(dms_to(bot, "UALICE")) == 1
    assert len(bot.slack.responses) == responses_before  # there was no response_url to use

    # Someone else's request clicked from their Home: a DM too.
    bob_value = button(dms_to(bot, "UBOB")[0], ids.FEEDBACK_GIVE_ACTION)["value"]
    bot.block_action(ids.FEEDBACK_GIVE_ACTION, bob_value, user="UDAVE", view=HOME)
    (refused,) = dms_to(bot, "UDAVE")
    assert "isn't addressed to you" in refused["text"]
    assert [r.status for r in request_rows(sessions)] == ["pending", "declined"]


def test_home_click_after_giving_feedback_is_answered_by_dm(bot: Bot, sessions) -> None:
    bot.command("/feedback", "request <@UBOB>")
    value = button(dms_to(bot, "UBOB")[0], ids.FEEDBACK_GIVE_ACTION)["value"]
    bot.block_action(ids.FEEDBACK_GIVE_ACTION, value, user="UBOB", view=HOME)
    reply = bot.view_submission(last_modal(bot), answers(), user="UBOB")
    assert reply.json()["response_action"] == "update"
    assert [r.status for r in request_rows(sessions)] == ["given"]
    bot.block_action(ids.FEEDBACK_GIVE_ACTION, value, user="UBOB", view=HOME)
    assert "already sent" in dms_to(bot, "UBOB")[-1]["text"]
    assert len(bot.slack.calls_to("views.open")) == 1
    bot.block_action(ids.FEEDBACK_DECLINE_ACTION, value, user="UBOB", view=HOME)
    assert dms_to(bot, "UBOB")[-1]["text"] == "You've already sent this feedback — thank you!"
    assert [r.status for r in request_rows(sessions)] == ["given"]
    assert count(sessions, Feedback) == 1
