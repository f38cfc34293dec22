"""`run-job pairing` against the Slack double: group-DM introductions, exactly once per week,
rotation with thanks at the horizon, circles, and retries when Slack fails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.preferences import save_preferences
from models.mentoring import MentoringGroup
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import TEAM_ID


def opened(bot: Bot) -> list[list[str]]:
    return [sorted(str(c["users"]).split(",")) for c in bot.slack.calls_to("conversations.open")]


def posts(bot: Bot) -> list[dict[str, Any]]:
    return bot.slack.calls_to("chat.postMessage")


def groups(sessions: sessionmaker[Session]) -> list[MentoringGroup]:
    with sessions() as session:
        return list(session.scalars(select(MentoringGroup).order_by(MentoringGroup.id)))


# Wednesday 14:30 UTC: 15:30 in Berlin, 09:30 in New York, 14:30 in London (23:30 in Tokyo).
EVERYONE_AT_WORK = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)


@pytest.fixture
def at_work(clock):
    clock.set(EVERYONE_AT_WORK)
    return clock


def test_new_pairs_are_introduced_in_a_group_dm_once_a_week(
    bot: Bot, deps, clock, sessions
) -> None:
    bot.command("/mentor", "join mentor python", user="UBOB")
    bot.command("/mentor", "join mentee python career")
    # Wednesday 13:00 UTC is 08:00 for Bob in New York: the pair waits for both to be at work.
    summary = run_job("pairing", deps, now=clock())
    assert "1 started" in summary and "0 introduced, 1 waiting" in summary
    assert opened(bot) == [] and posts(bot) == []
    clock.advance(hours=1)  # 09:00 in New York, 15:00 in Berlin
    summary = run_job("pairing", deps, now=clock())
    assert "0 round(s)" in summary and "1 introduced, 0 waiting" in summary
    assert opened(bot) == [["UALICE", "UBOB"]]
    [intro] = posts(bot)
    group = groups(sessions)[0]
    assert intro["channel"] == group.channel_id and group.channel_id
    assert "<@UBOB> will mentor <@UALICE>" in intro["text"]
    assert "A first topic:* python" in intro["text"]
    assert intro["blocks"][0]["type"] == "section"

    # The same week again, an hour later, or a second replica: nothing twice.
    clock.advance(hours=1)
    assert "0 round(s)" in run_job("pairing", deps, now=clock())
    assert run_job("pairing", deps, now=clock(), channel="ANY").count("0 introduced") == 1
    assert len(opened(bot)) == 1 and len(posts(bot)) == 1
    assert len(groups(sessions)) == 1


def test_not_due_before_monday_morning_unless_asked(bot: Bot, deps, sessions) -> None:
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentee")
    early = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 08:00 UTC
    assert "0 round(s)" in run_job("pairing", deps, now=early)
    assert groups(sessions) == []
    assert "1 round(s)" in run_job("pairing", deps, now=early, channel="force")
    assert len(groups(sessions)) == 1


def test_pairs_rotate_at_the_horizon_with_thanks_and_new_partners(
    bot: Bot, deps, clock, sessions, at_work
) -> None:
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentor", user="UCAROL")
    bot.command("/mentor", "join mentee")
    bot.command("/mentor", "join mentee", user="UDAVE")
    run_job("pairing", deps, now=clock())
    first = {tuple(users) for users in opened(bot)}
    # Each mentor has room for two, but the pairs spread over both.
    assert first == {("UALICE", "UBOB"), ("UCAROL", "UDAVE")}
    first_channels = {g.channel_id for g in groups(sessions)}
    bot.command("/mentor", "log <@UBOB|bob> first chat")

    clock.advance(weeks=5)
    assert "0 ended" in run_job("pairing", deps, now=clock())
    clock.set(datetime(2027, 1, 4, 14, 30, tzinfo=UTC))  # Monday of the sixth week after
    summary = run_job("pairing", deps, now=clock())
    assert "2 ended, 2 started, 2 thanked, 2 introduced" in summary
    thanks = [p for p in posts(bot) if "Thank you" in p["text"]]
    assert {p["channel"] for p in thanks} == first_channels
    assert sum("You logged 1 session together" in p["text"] for p in thanks) == 1
    second = {tuple(users) for users in opened(bot)[2:]}
    assert len(second) == 2 and second.isdisjoint(first)
    intros = [p for p in posts(bot) if "Meet your mentoring pair" in p["text"]]
    assert len(intros) == 4


def test_avoid_lists_opt_outs_and_pauses_are_respected(
    bot: Bot, deps, clock, sessions, at_work
) -> None:
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentee")
    bot.command("/mentor", "join mentee", user="UCAROL")
    bot.command("/mentor", "join mentee", user="UDAVE")
    bot.command("/mentor", "avoid <@UBOB|bob>")
    with deps.sessions.begin() as session:
        save_preferences(
            session=session, team_id=TEAM_ID, user_id="UCAROL", now=clock(), opt_out_pairing=True
        )
    run_job("pairing", deps, now=clock())
    assert opened(bot) == [["UBOB", "UDAVE"]]


def test_circles_form_and_are_introduced_together(bot: Bot, deps, clock, sessions, at_work) -> None:
    for user in ("UALICE", "UBOB", "UCAROL", "UDAVE"):
        bot.command("/mentor", "circle join leadership", user=user)
    run_job("pairing", deps, now=clock())
    assert opened(bot) == [["UALICE", "UBOB", "UCAROL", "UDAVE"]]
    [intro] = posts(bot)
    assert "peer coaching circle" in intro["text"]
    assert "leadership" in intro["text"]


def test_a_failed_introduction_is_retried_on_the_next_tick(
    bot: Bot, deps, clock, sessions, at_work
) -> None:
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentee")
    bot.slack.fail("conversations.open", error="internal_error")
    assert "0 introduced" in run_job("pairing", deps, now=clock())
    assert groups(sessions)[0].introduced_at is None
    clock.advance(minutes=2)
    assert "1 introduced" in run_job("pairing", deps, now=clock())
    assert len(posts(bot)) == 1
    assert groups(sessions)[0].introduced_at is not None


def test_a_deactivated_member_does_not_block_the_outbox(
    bot: Bot, deps, clock, sessions, at_work
) -> None:
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentee")
    bot.slack.fail("conversations.open", error="user_disabled")
    assert "1 introduced" in run_job("pairing", deps, now=clock())
    assert posts(bot) == []
    assert groups(sessions)[0].channel_id is None
    clock.advance(weeks=7)
    assert "0 thanked" not in run_job("pairing", deps, now=clock())
    assert [p for p in posts(bot) if "Thank you" in p["text"]] == []
