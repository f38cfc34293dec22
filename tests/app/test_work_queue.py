"""Slow work after the ack goes through the durable queue: nothing is lost, nothing doubles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.db import make_engine, make_sessionmaker
from handlers.app import create_app
from handlers.queue import LEASE, QueuedLazyListenerRunner, run_pending, take
from handlers.replies import SORRY
from models import Kudos, WorkItem
from tests.conftest import Bot, TrackingExecutor


def count(sessions, model) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def queued_bot(deps, slack) -> Bot:
    return Bot(deps, slack, TrackingExecutor(), work_queue=True)


def flush(bot: Bot) -> int:
    """Write what the web side buffered (its flusher thread would, a few ms later)."""
    runner = bot.app.listener_runner.lazy_listener_runner
    assert isinstance(runner, QueuedLazyListenerRunner)
    return runner.flush()


def test_the_ack_only_queues_the_work_and_the_consumer_does_it(deps, slack, sessions) -> None:
    bot = queued_bot(deps, slack)
    try:
        reply = bot.command("/kudos", "<@UBOB> for the on-call handover")
        assert reply.status == 200
        flush(bot)
        assert count(sessions, WorkItem) == 1
        assert slack.calls_to("chat.postMessage") == [] and count(sessions, Kudos) == 0

        consumer = create_app(deps, queue_consumer=True)
        assert run_pending(consumer, sessions=deps.sessions, clock=deps.clock) == 1
        assert count(sessions, WorkItem) == 0
        assert count(sessions, Kudos) == 1
        posts = slack.calls_to("chat.postMessage")
        assert len(posts) == 1 and "<@UBOB>" in posts[0]["text"]
        assert run_pending(consumer, sessions=deps.sessions, clock=deps.clock) == 0
    finally:
        bot.close()


def test_the_modal_opens_right_away_not_through_the_queue(deps, slack, sessions) -> None:
    bot = queued_bot(deps, slack)
    try:
        bot.command("/kudos", "")
        assert len(slack.calls_to("views.open")) == 1
        consumer = create_app(deps, queue_consumer=True)
        run_pending(consumer, sessions=deps.sessions, clock=deps.clock)
        assert len(slack.calls_to("views.open")) == 1 and count(sessions, Kudos) == 0
    finally:
        bot.close()


def test_refusals_reach_the_user_from_the_queue(deps, slack, sessions) -> None:
    bot = queued_bot(deps, slack)
    try:
        bot.command("/kudos", "<@UALICE> for me")
        flush(bot)
        run_pending(create_app(deps, queue_consumer=True), sessions=deps.sessions, clock=deps.clock)
        assert "yourself" in slack.responses[-1]["text"]
        assert count(sessions, Kudos) == 0
    finally:
        bot.close()


def test_an_item_being_worked_on_is_not_taken_twice_until_its_lease_ends(
    deps, slack, sessions, clock
) -> None:
    bot = queued_bot(deps, slack)
    try:
        bot.command("/kudos", "<@UBOB> for the review")
        flush(bot)
        first = take(sessions=deps.sessions, now=clock())
        assert first is not None and first.attempts == 1
        assert take(sessions=deps.sessions, now=clock()) is None
        clock.advance(seconds=LEASE.total_seconds() + 1)  # the worker died mid-way
        again = take(sessions=deps.sessions, now=clock())
        assert again is not None and again.id == first.id and again.attempts == 2
    finally:
        bot.close()


@pytest.mark.expect_errors
def test_a_failing_item_tells_the_user_and_is_not_retried_forever(deps, slack, sessions) -> None:
    bot = queued_bot(deps, slack)
    try:
        bot.command("/kudos", "<@UBOB> for the review")
        flush(bot)
        slack.fail("users.info", status=500, times=100)  # Slack keeps failing past the retries
        run_pending(create_app(deps, queue_consumer=True), sessions=deps.sessions, clock=deps.clock)
        assert slack.responses[-1]["text"] == SORRY
        assert count(sessions, WorkItem) == 0 and count(sessions, Kudos) == 0
    finally:
        bot.close()


def test_acks_are_buffered_and_kept_while_the_database_is_down(
    deps, slack, sessions, tmp_path
) -> None:
    bot = queued_bot(deps, slack)
    try:
        runner = bot.app.listener_runner.lazy_listener_runner
        assert isinstance(runner, QueuedLazyListenerRunner)
        working = runner.sessions
        broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/nope.db")
        runner.sessions = make_sessionmaker(broken)
        runner.flush_every = 3600  # keep the background flusher out of the way
        reply = bot.command("/kudos", "<@UBOB> for staying calm")
        assert reply.status == 200  # the ack never waits for the database
        with pytest.raises(SQLAlchemyError, match="unable to open database"):
            runner.flush()
        runner.sessions = working
        assert runner.flush() == 1
        assert count(sessions, WorkItem) == 1
        broken.dispose()
    finally:
        bot.close()
