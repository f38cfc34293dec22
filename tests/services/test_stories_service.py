"""Stories against a real database: consent bookkeeping, what is kept, the monthly window,
and forgetting a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import stories
from bot.services.forget import forget_user
from models.stories import Story, StoryChannel, StoryConsent

T = "T0TEAM"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def nominate(
    session: Session,
    key: str,
    *,
    text: str,
    author: str = "UBOB",
    sharer: str = "UALICE",
    at: datetime = NOW,
) -> stories.Nominated:
    return stories.nominate(
        session=session,
        team_id=T,
        key=key,
        sharer_id=sharer,
        author_id=author,
        channel_id="CGENERAL",
        message_ts="1.1",
        link=None,
        message_text=text,
        why="It mattered.",
        named=stories.people_named(author_id=author, text=text),
        now=at,
    )


def test_people_named_are_the_author_then_the_mentioned_each_once() -> None:
    assert stories.people_named(author_id="UBOB", text="<@UCAROL> <@UBOB> <@UCAROL|c>") == [
        "UBOB",
        "UCAROL",
    ]
    assert stories.people_named(author_id=None, text="no one") == []


def test_nominating_twice_under_one_key_is_one_story(session: Session) -> None:
    first = nominate(session, "k1", text="thanks <@UCAROL>")
    again = nominate(session, "k1", text="thanks <@UCAROL>")
    assert first.created and not again.created and again.asked == ("UBOB", "UCAROL")
    assert session.scalar(select(func.count()).select_from(Story)) == 1


def test_only_the_last_yes_agrees_and_the_month_window_picks_it(session: Session) -> None:
    nominate(session, "k1", text="thanks <@UCAROL>")
    assert stories.agree(session=session, team_id=T, key="k1", user_id="UBOB", now=NOW) == "pending"
    assert stories.agree(session=session, team_id=T, key="k1", user_id="UDAVE", now=NOW) is None
    assert (
        stories.agree(session=session, team_id=T, key="k1", user_id="UCAROL", now=NOW) == "agreed"
    )
    due = stories.month_due(datetime(2026, 12, 1, 10, tzinfo=UTC))
    found = stories.stories_between(session=session, team_id=T, start=due.start, end=due.end)
    assert [s.key for s in found] == ["k1"]
    assert (
        stories.stories_between(session=session, team_id="T0OTHER", start=due.start, end=due.end)
        == []
    )


def test_at_most_five_newest_first(session: Session) -> None:
    for n in range(7):
        nominate(session, f"k{n}", text="my own", author="UALICE", at=NOW + timedelta(hours=n))
    due = stories.month_due(datetime(2026, 12, 1, 10, tzinfo=UTC))
    found = stories.stories_between(session=session, team_id=T, start=due.start, end=due.end)
    assert [s.key for s in found] == ["k6", "k5", "k4", "k3", "k2"]
    assert [s.key for s in stories.recent_stories(session, T)] == ["k6", "k5", "k4"]


def test_month_due_in_a_zone_west_of_utc() -> None:
    # New York: Tuesday 1 December 2026, 10:00 EST is 15:00 UTC.
    early = stories.month_due(datetime(2026, 12, 1, 14, 59, tzinfo=UTC), "America/New_York")
    assert not early.due and early.period == "2026-12"
    assert stories.month_due(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), "America/New_York").due
    # Still November in New York: November's post, due since 2 November.
    late = stories.month_due(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "America/New_York")
    assert late.period == "2026-11" and late.due and late.stories_month == "October 2026"
    # Turned on after this month's moment: not caught up until next month.
    moment = stories.month_due(NOW).moment
    assert not stories.month_due(NOW, active_since=moment + timedelta(days=1)).due


def test_forgetting_someone_removes_every_story_they_are_in(session: Session) -> None:
    nominate(session, "k1", text="thanks <@UCAROL>")  # Carol mentioned
    nominate(session, "k2", text="thanks all", author="UCAROL", sharer="UBOB")  # Carol the author
    nominate(session, "k3", text="nothing about her", author="UDAVE")
    session.add(StoryChannel(team_id=T, channel_id="CSTORIES", set_by="UCAROL", set_at=NOW))
    session.flush()
    forget_user(session=session, user_id="UCAROL", team_id=T)
    assert [s.key for s in session.scalars(select(Story))] == ["k3"]
    assert "UCAROL" not in {c.user_id for c in session.scalars(select(StoryConsent))}
    assert session.get(StoryChannel, T).set_by != "UCAROL"
