"""`/reciprocity pause` and `resume` through the real app, and what a pause does to nudges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import DomainError
from bot.flows.nudges import deliver_nudge, flush_nudges
from bot.services.gate import Kind
from bot.services.preferences import get_preferences
from bot.services.settings import parse_pause
from tests.conftest import Bot

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def prefs_of(sessions, user: str = "UALICE"):  # type: ignore[no-untyped-def]
    with sessions() as session:
        return get_preferences(session=session, team_id="T0TEAM", user_id=user)


def test_pause_two_weeks_then_resume(bot: Bot, sessions, clock) -> None:
    bot.command("/reciprocity", "pause 2w")
    answer = bot.slack.responses[-1]
    assert answer["response_type"] == "ephemeral"
    assert "Paused until Wednesday 9 December, 14:00 (Europe/Berlin)" in answer["text"]
    assert prefs_of(sessions).paused_until == NOW + timedelta(weeks=2)
    assert bot.slack.calls_to("chat.postMessage") == []  # nobody else hears of it

    clock.advance(days=1)
    bot.command("/reciprocity", "resume")
    assert "Welcome back" in bot.slack.responses[-1]["text"]
    assert prefs_of(sessions).paused_until is None

    bot.command("/reciprocity", "resume")
    assert "weren't paused" in bot.slack.responses[-1]["text"]


def test_pause_forms(bot: Bot, sessions) -> None:
    for text, length in [
        ("3d", timedelta(days=3)),
        ("12h", timedelta(hours=12)),
        ("for 1 week", timedelta(weeks=1)),
        ("2 months", timedelta(days=60)),
    ]:
        bot.command("/reciprocity", f"pause {text}")
        assert prefs_of(sessions).paused_until == NOW + length, text


def test_pause_until_a_date_ends_at_midnight_in_my_zone(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "pause until 2026-12-24", user="UBOB")
    assert prefs_of(sessions, "UBOB").paused_until == datetime(2026, 12, 24, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "For how long"),
        ("forever", "can't read"),
        ("0d", "little while"),
        ("99w", "longest pause is 26 weeks"),
        ("until 2020-01-01", "already passed"),
        ("until someday", "isn't a date"),
        ("9" * 10_000, "can't read"),
    ],
)
def test_bad_pauses_are_explained_and_change_nothing(bot: Bot, sessions, text, expected) -> None:
    bot.command("/reciprocity", f"pause {text}")
    answer = bot.slack.responses[-1]
    assert answer["response_type"] == "ephemeral"
    assert expected in answer["text"]
    assert "Usage: `/reciprocity pause" in answer["text"]
    assert len(answer["text"]) < 600
    assert prefs_of(sessions).paused_until is None


def test_parse_pause_is_a_pure_function() -> None:
    assert parse_pause("1w", now=NOW, tz_name="UTC") == NOW + timedelta(weeks=1)
    with pytest.raises(DomainError):
        parse_pause("-3d", now=NOW, tz_name="UTC")


def test_a_nudge_during_a_pause_waits_until_it_ends(bot: Bot, deps, clock) -> None:
    bot.command("/reciprocity", "pause 3d")  # until Saturday 13:00 UTC
    outcome = deliver_nudge(
        deps,
        deps.client,
        team_id="T0TEAM",
        user_id="UALICE",
        kind=Kind.REMINDER,
        key="test:1",
        message={"text": "A gentle reminder"},
        now=clock(),
    )
    assert outcome == "queued"
    clock.advance(days=3)  # Saturday: paused no more, but not a working day
    assert flush_nudges(deps, now=clock()) == {}
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
    assert flush_nudges(deps, now=clock()) == {"sent": 1}
    posts = bot.slack.calls_to("chat.postMessage")
    assert [(p["channel"], p["text"]) for p in posts] == [("UALICE", "A gentle reminder")]


def test_resuming_lets_waiting_nudges_go_at_the_next_tick(bot: Bot, deps, clock) -> None:
    bot.command("/reciprocity", "pause 1w")
    deliver_nudge(
        deps,
        deps.client,
        team_id="T0TEAM",
        user_id="UALICE",
        kind=Kind.PROMPT,
        key="p:1",
        message={"text": "Share a challenge?"},
        now=clock(),
    )
    assert flush_nudges(deps, now=clock()) == {}
    bot.command("/reciprocity", "resume")
    # What waited for the pause's end is looked at again on the next tick...
    assert flush_nudges(deps, now=clock()) == {"sent": 1}
    # ...and a fresh nudge after resuming goes at once.
    assert (
        deliver_nudge(
            deps,
            deps.client,
            team_id="T0TEAM",
            user_id="UALICE",
            kind=Kind.PROMPT,
            key="p:2",
            message={"text": "Another"},
            now=clock(),
        )
        == "sent"
    )
