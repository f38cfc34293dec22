"""The one durable path: everything after the ack is committed before Slack hears back, run
from the queue, retried with backoff, buried after the last attempt, and posted only once."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot import work as current_work
from bot.db import make_engine, make_sessionmaker
from bot.services import work
from handlers.replies import DB_DOWN, SORRY
from models import Kudos, Thanks, WorkItem
from models.feedback import Feedback, FeedbackRequest
from models.help_requests import HelpRequest
from models.work import PostedMessage
from scheduler.jobs import run_job
from tests.cli import run_app
from tests.conftest import Bot, TrackingExecutor
from tests.slack_double import TEAM_ID, dm_channel
from tests.slack_requests import text_value, users_value

SERVER_ERROR_CALLS = 4  # one call and slack-sdk's three retries of a 500


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def items(sessions: sessionmaker[Session]) -> list[WorkItem]:
    with sessions() as session:
        return list(session.scalars(select(WorkItem).order_by(WorkItem.id)))


# ----- committed before acknowledged ------------------------------------------------------------
def test_the_ack_comes_after_the_work_is_committed_and_the_worker_does_it(bot: Bot, sessions):
    reply = bot.send.command("/kudos", "<@UBOB> for the on-call handover")  # no waiting
    assert reply.status == 200
    (item,) = items(sessions)  # already there when Slack got its 200
    assert item.status == "pending" and item.function == "give_from_command"
    assert item.kind == "command /kudos" and item.team_id == TEAM_ID
    assert count(sessions, Kudos) == 0 and bot.slack.calls_to("chat.postMessage") == []

    assert bot.wait() == 1
    (item,) = items(sessions)
    assert item.status == "done" and item.body is None and item.attempts == 1
    assert count(sessions, Kudos) == 1
    (post,) = bot.slack.calls_to("chat.postMessage")
    assert "<@UBOB>" in post["text"]
    assert post["metadata"]["event_payload"]["key"].startswith("kudos:")


def test_a_form_with_mistakes_queues_nothing(bot: Bot, sessions):
    bot.command("/kudos", "")  # opens the form at once, queues nothing
    assert len(bot.slack.calls_to("views.open")) == 1 and items(sessions) == []
    view = bot.slack.calls_to("views.open")[0]["view"]
    reply = bot.view_submission(view, {}, user="UALICE")
    assert reply.json()["response_action"] == "errors"
    assert items(sessions) == [] and count(sessions, Kudos) == 0


def test_an_event_is_queued_not_run_by_the_web_worker(bot: Bot, sessions):
    event = {
        "type": "reaction_added",
        "user": "UALICE",
        "item_user": "UBOB",
        "reaction": "pray",
        "item": {"type": "message", "channel": "CGENERAL", "ts": "1.1"},
        "event_ts": "9.9",
    }
    assert bot.send.event(event, event_id="Ev0QUEUE01").status == 200
    assert [i.status for i in items(sessions)] == ["pending"] and count(sessions, Thanks) == 0
    bot.wait()
    assert [i.status for i in items(sessions)] == ["done"] and count(sessions, Thanks) == 1
    # Slack's retry of the same delivery, and the same reaction under another event id.
    assert bot.event(event, event_id="Ev0QUEUE01", retry_num=1).status == 200
    assert bot.event(event, event_id="Ev0QUEUE02").status == 200
    assert len(items(sessions)) == 1 and count(sessions, Thanks) == 1


def test_channel_messages_nobody_acts_on_are_not_written_at_all(bot: Bot, sessions):
    said = {"type": "message", "user": "UALICE", "text": "hi", "channel": "CGENERAL"}
    assert bot.event({**said, "ts": "5.1"}).status == 200
    assert bot.event({**said, "ts": "5.2", "subtype": "channel_join"}).status == 200
    assert bot.event({**said, "ts": "5.3", "bot_id": "B1"}).status == 200
    assert items(sessions) == []
    assert bot.event({**said, "ts": "5.4", "thread_ts": "5.1"}).status == 200  # a reply
    assert len(items(sessions)) == 1


# ----- replays -----------------------------------------------------------------------------------
def signed_kudos_body(text: str, response_url: str = "http://127.0.0.1:9/hooks") -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": TEAM_ID,
            "channel_id": "CGENERAL",
            "channel_name": "general",
            "user_id": "UALICE",
            "command": "/kudos",
            "text": text,
            "api_app_id": "AAPPID",
            "response_url": response_url,
            "trigger_id": "1.2.trigger",
        }
    )


def test_a_replayed_signed_request_is_answered_and_does_nothing(bot: Bot, sessions):
    body, now = signed_kudos_body("<@UBOB> for the review"), int(time.time())
    first = bot.send.post(body, "application/x-www-form-urlencoded", timestamp=now)
    again = bot.send.post(body, "application/x-www-form-urlencoded", timestamp=now)
    assert first.status == again.status == 200 and again.body == ""
    bot.wait()
    assert count(sessions, Kudos) == 1 and len(items(sessions)) == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_a_replayed_form_submission_gives_once(bot: Bot, sessions):
    bot.command("/kudos", "")
    view = bot.slack.calls_to("views.open")[0]["view"]
    answers = {
        ids.KUDOS_RECEIVERS_BLOCK: {ids.KUDOS_RECEIVERS_ACTION: users_value(["UBOB"])},
        ids.KUDOS_REASON_BLOCK: {ids.KUDOS_REASON_ACTION: text_value("pairing on the migration")},
    }
    # The very same signed request twice: same ids, same timestamp, same signature.
    with (
        patch("tests.slack_requests.time.time", return_value=float(int(time.time()))),
        patch("tests.slack_requests._ids", itertools.repeat(77)),
    ):
        replies = [bot.view_submission(view, answers, user="UALICE") for _ in range(2)]
    assert [r.status for r in replies] == [200, 200]
    assert count(sessions, Kudos) == 1 and len(items(sessions)) == 1


# ----- the database is down ---------------------------------------------------------------------
def broken_bot(deps, slack, tmp_path) -> tuple[Bot, Any]:
    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/nope.db")
    deps.sessions = make_sessionmaker(broken)
    return Bot(deps, slack, TrackingExecutor()), broken


def test_a_command_while_the_database_is_down_is_told_nothing_was_saved(deps, slack, tmp_path):
    bot, broken = broken_bot(deps, slack, tmp_path)
    try:
        began = time.monotonic()
        reply = bot.send.command("/kudos", "<@UBOB> for the review")
        assert time.monotonic() - began < 3
        assert reply.status == 200
        assert reply.json() == {"response_type": "ephemeral", "text": DB_DOWN}
        assert slack.calls_to("chat.postMessage") == []
    finally:
        bot.close()
        broken.dispose()


def test_a_form_while_the_database_is_down_keeps_its_answers_behind_a_notice(
    deps, slack, sessions, tmp_path
):
    working = Bot(deps, slack, TrackingExecutor())
    working.command("/askhelp", "")
    view = slack.calls_to("views.open")[0]["view"]
    working.close()
    bot, broken = broken_bot(deps, slack, tmp_path)
    try:
        answers = {ids.HELP_QUESTION_BLOCK: {ids.HELP_QUESTION_ACTION: text_value("VPN help?")}}
        reply = bot.send.view_submission(view, answers, user="UALICE")
        assert reply.status == 200
        answer = reply.json()
        assert answer["response_action"] == "push"
        assert answer["view"]["blocks"][0]["text"]["text"] == DB_DOWN
    finally:
        bot.close()
        broken.dispose()
    assert items(sessions) == []


# ----- failures after the ack: retried, buried, retried by hand ---------------------------------
@pytest.mark.expect_errors
def test_a_failure_after_the_ack_is_retried_and_succeeds_once_slack_recovers(
    bot: Bot, clock, sessions
):
    bot.slack.fail("chat.postMessage", status=500, times=SERVER_ERROR_CALLS)  # one whole attempt
    bot.command("/kudos", "<@UBOB> for the review")
    (item,) = items(sessions)
    assert item.status == "pending" and item.attempts == 1
    assert (item.last_error or "").startswith("Slack: ")
    assert count(sessions, Kudos) == 1  # recorded; only the post failed
    assert not any("nothing was saved" in str(r) for r in bot.slack.responses)
    clock.advance(seconds=work.BACKOFF[0].total_seconds() + 1)
    assert bot.wait() == 1
    (item,) = items(sessions)
    assert item.status == "done" and item.attempts == 2
    assert count(sessions, Kudos) == 1  # the retry found the kudos it had recorded
    assert len(bot.slack.messages) == 1  # posted once


@pytest.mark.expect_errors
def test_five_failures_make_a_dead_letter_that_inbox_lists_and_retry_completes(
    bot: Bot, clock, sessions, database_url
):
    bot.slack.fail("chat.postMessage", status=500, times=SERVER_ERROR_CALLS * work.MAX_ATTEMPTS)
    bot.command("/kudos", "<@UBOB> for the secret launch")
    for pause in work.BACKOFF:
        clock.advance(seconds=pause.total_seconds() + 1)
        bot.wait()
    (item,) = items(sessions)
    assert item.status == "dead" and item.attempts == work.MAX_ATTEMPTS
    gave_up = bot.slack.responses[-1]["text"]
    assert "couldn't finish this" in gave_up and "inbox --retry" in gave_up

    env = {"DATABASE_URL": database_url}
    listed = run_app("inbox", "--dead", env=env, in_process=True)
    assert listed.returncode == 0, listed.stderr
    assert f"#{item.id}  command /kudos  team {TEAM_ID}" in listed.stdout
    assert "last error: Slack: " in listed.stdout and "secret launch" not in listed.stdout
    retried = run_app("inbox", "--retry", str(item.id), env=env, in_process=True)
    assert retried.returncode == 0 and "1 dead item queued again" in retried.stdout
    clock.set(datetime.now(UTC) + timedelta(seconds=1))  # `inbox` runs on the real clock

    bot.wait()
    (item,) = items(sessions)
    assert item.status == "done"
    assert count(sessions, Kudos) == 1 and len(bot.slack.messages) == 1
    assert "0 dead" in run_app("inbox", env=env, in_process=True).stdout


def test_inbox_retry_refuses_what_is_not_an_id(database_url):
    done = run_app("inbox", "--retry", "seven", env={"DATABASE_URL": database_url}, in_process=True)
    assert done.returncode == 2 and "an item's id" in done.stderr


# ----- leases ------------------------------------------------------------------------------------
def test_a_dead_workers_item_is_taken_over_after_its_short_lease_and_a_live_one_keeps_it(
    bot: Bot, clock, sessions
):
    bot.send.command("/kudos", "<@UBOB> for the review")
    (first,) = work.take(sessions=sessions, worker="w1", now=clock())
    assert work.take(sessions=sessions, worker="w2", now=clock()) == []
    clock.advance(seconds=work.LEASE.total_seconds() - 5)
    work.renew(sessions=sessions, worker="w1", ids=[first.id], now=clock())  # the heartbeat
    clock.advance(seconds=10)
    assert work.take(sessions=sessions, worker="w2", now=clock()) == []  # w1 is alive
    clock.advance(seconds=work.LEASE.total_seconds())  # w1 died: no heartbeat
    (again,) = work.take(sessions=sessions, worker="w2", now=clock())
    assert again.id == first.id and again.attempts == 2
    with sessions.begin() as session:  # the dead worker's late finish changes nothing
        assert not work.finish(session, item_id=first.id, worker="w1", now=clock())


def test_a_takeover_does_not_post_again_what_the_dead_worker_posted(bot: Bot, clock, sessions):
    bot.send.command("/kudos", "<@UBOB> for the review")
    (leased,) = work.take(sessions=sessions, worker="dying", now=clock())
    with current_work.running(leased.key, leased.attempts, since=leased.enqueued_at):
        bot.consumer.dispatch(BoltRequest(body=leased.body, headers=dict(leased.headers)))
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    # The worker died right after Slack's answer: the post's key not recorded, the item not
    # finished. Its lease runs out, and another worker takes the item over.
    with sessions.begin() as session:
        session.execute(delete(PostedMessage))
    clock.advance(seconds=work.LEASE.total_seconds() + 1)
    assert bot.wait() == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1  # found in the channel's history
    assert count(sessions, Kudos) == 1
    assert [i.status for i in items(sessions)] == ["done"]
    assert count(sessions, PostedMessage) == 1


# ----- what people are told is true -------------------------------------------------------------
@pytest.mark.expect_errors
def test_feedback_whose_delivery_fails_says_so_honestly_and_is_retried(bot: Bot, clock, sessions):
    from tests.app.test_feedback_app import answers, last_modal

    bot.command("/feedback", "give <@UBOB|bob>")
    view = last_modal(bot)
    bot.slack.fail("chat.postMessage", status=500, times=SERVER_ERROR_CALLS)
    reply = bot.view_submission(view, answers(), user="UALICE")
    shown = json.dumps(reply.json())
    assert "on its way" in shown and "Delivered" not in shown
    assert count(sessions, Feedback) == 1
    assert [m for (c, _), m in bot.slack.messages.items() if c == dm_channel("UBOB")] == []
    clock.advance(seconds=work.BACKOFF[0].total_seconds() + 1)
    bot.wait()
    delivered = [m for (c, _), m in bot.slack.messages.items() if c == dm_channel("UBOB")]
    assert len(delivered) == 1 and count(sessions, Feedback) == 1


def test_a_forged_dm_in_private_metadata_is_never_updated(bot: Bot, sessions):
    from tests.app.test_feedback_app import answers

    card = bot.slack.messages.setdefault(
        ("CGENERAL", "1700000000.999999"), {"ts": "1700000000.999999", "text": "a help card"}
    )
    forged = {
        "type": "modal",
        "callback_id": "feedback_modal",
        "private_metadata": json.dumps(
            {"to": "UBOB", "offer_id": None, "dm": ["CGENERAL", "1700000000.999999"]}
        ),
        "blocks": [],
    }
    bot.view_submission(forged, answers(), user="UALICE")
    assert card["text"] == "a help card"
    assert bot.slack.calls_to("chat.update") == []


# ----- bookkeeping ---------------------------------------------------------------------------
def test_the_daily_prune_drops_old_bookkeeping_only(bot: Bot, deps, clock, sessions):
    bot.command("/kudos", "<@UBOB> for the review")
    event = {
        "type": "reaction_added",
        "user": "UALICE",
        "item_user": "UBOB",
        "reaction": "pray",
        "item": {"type": "message", "channel": "CGENERAL", "ts": "1.1"},
        "event_ts": "9.9",
    }
    bot.event(event)
    bot.send.command("/kudos", "<@UCAROL> for the docs")  # still pending: never pruned
    assert [i.status for i in items(sessions)] == ["done", "done", "pending"]
    assert "pruned 0 work_items" in run_job("prune", deps, now=clock())
    clock.advance(hours=2)
    assert run_job("prune", deps, now=clock()) == "pruned already today"
    assert "pruned 1 work_items" in run_job("prune", deps, now=clock.advance(days=1))
    assert [i.function for i in items(sessions)] == ["", "give_from_command"]
    summary = run_job("prune", deps, now=clock.advance(days=7))
    assert "1 work_items" in summary and "1 posted_messages" in summary
    assert [i.status for i in items(sessions)] == ["pending"]


# ----- a fast part that fails after its ack -------------------------------------------------
@pytest.mark.expect_errors
def test_a_button_whose_fast_part_fails_after_the_ack_is_answered_at_once(bot: Bot):
    """Slack answers views.open with a 500 every time: the ack went out first, promptly, and
    the person hears that something went wrong (Bolt alone would answer 404 after 3 s)."""
    bot.slack.fail("views.open", status=500, times=SERVER_ERROR_CALLS)
    began = time.monotonic()
    reply = bot.send.block_action(ids.SETTINGS_OPEN_ACTION, "open")
    assert reply.status == 200 and time.monotonic() - began < 1
    bot.wait()
    assert bot.slack.responses[-1]["text"] == SORRY


# ----- replays of the other commands that record something --------------------------------------
@pytest.mark.parametrize(
    ("command", "text", "model"),
    [
        ("/askhelp", "Who knows the billing service? #billing", HelpRequest),
        ("/feedback", "request <@UBOB> about the launch plan", FeedbackRequest),
    ],
)
def test_a_replayed_command_records_once(bot: Bot, sessions, command, text, model):
    body = signed_kudos_body(text, bot.slack.response_url())
    body = body.replace("%2Fkudos", command.replace("/", "%2F"))
    now = int(time.time())
    for _ in range(2):
        reply = bot.send.post(body, "application/x-www-form-urlencoded", timestamp=now)
        assert reply.status == 200
    bot.wait()
    assert count(sessions, model) == 1 and len(items(sessions)) == 1


def test_a_new_item_never_takes_an_old_ones_identity(bot: Bot, sessions):
    """Work is named by its key, not its row id: SQLite hands out a deleted row's id again
    (after the prune, say), and the new kudos must not be taken for the old one."""
    bot.command("/kudos", "<@UBOB> for the first review")
    with sessions.begin() as session:
        session.execute(delete(WorkItem))  # pruned, every row: the next id is 1 again
    bot.command("/kudos", "<@UBOB> for the second review")
    with sessions() as session:
        reasons = sorted(session.scalars(select(Kudos.reason)))
    assert reasons == ["for the first review", "for the second review"]
    assert len(bot.slack.calls_to("chat.postMessage")) == 2
