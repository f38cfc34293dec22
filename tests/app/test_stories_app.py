"""Share this story through the real app: everyone named is asked privately (never bots, never
the sharer), only a story all of them agreed to is kept, a "Rather not" ends it without trace,
and the monthly post goes out exactly once — also with two schedulers on one database."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import build_deps
from bot import ids
from bot.db import make_engine
from bot.deps import Deps
from bot.services.preferences import save_preferences
from bot.services.stories import month_due, recent_stories
from bot.slack_api import make_client
from models.nudges import Nudge
from models.stories import Story, StoryChannel, StoryConsent
from scheduler.jobs import run_job
from tests.conftest import Bot, FakeClock, make_settings
from tests.slack_double import TEAM_ID, SlackDouble, dm_channel
from tests.slack_requests import text_value

STORY_TEXT = "Huge thanks <@UCAROL> and <@UROBOT> for rescuing the release build"
DEC_1_10AM = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)  # a Tuesday: December's first working day


def people(bot: Bot) -> None:
    for uid, name in (("UALICE", "alice"), ("UBOB", "bob"), ("UCAROL", "carol")):
        bot.slack.add_user(uid, name)
    bot.slack.add_user("UADMIN", "admin", is_admin=True)
    bot.slack.add_user("UROBOT", "robot", is_bot=True)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def nominate(
    bot: Bot,
    *,
    sharer: str = "UALICE",
    author: str = "UBOB",
    text: str = STORY_TEXT,
    why: str = "It showed how we carry each other through a bad week.",
) -> None:
    bot.message_shortcut(
        ids.STORY_SHORTCUT, {"ts": "1700000000.000100", "user": author, "text": text}, user=sharer
    )
    view = _json(bot.slack.calls_to("views.open")[-1]["view"])
    assert view["callback_id"] == ids.STORY_MODAL
    bot.view_submission(
        view, {ids.STORY_WHY_BLOCK: {ids.STORY_WHY_ACTION: text_value(why)}}, user=sharer
    )


def asks(bot: Bot) -> dict[str, dict[str, Any]]:
    """The consent DMs sent, by the person asked."""
    found = {}
    for post in bot.slack.calls_to("chat.postMessage"):
        if ids.STORY_YES_ACTION in json.dumps(_json(post.get("blocks"))):
            found[post["channel"]] = post
    return found


def press(bot: Bot, action_id: str, user: str) -> None:
    post = asks(bot)[user]
    key = next(
        e["value"]
        for b in _json(post["blocks"])
        for e in b.get("elements", [])
        if e.get("action_id") == action_id
    )
    (ts,) = [
        ts
        for (ch, ts), m in bot.slack.messages.items()
        if ch == dm_channel(user) and ids.STORY_YES_ACTION in json.dumps(m.get("blocks"))
    ]
    bot.block_action(action_id, key, user=user, channel=dm_channel(user), message={"ts": ts})


def stories(sessions: sessionmaker[Session]) -> list[Story]:
    with sessions() as session:
        return list(session.scalars(select(Story)))


def test_everyone_named_is_asked_privately_and_only_all_yeses_keep_it(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    nominate(bot)
    assert sorted(asks(bot)) == [
        "UBOB",
        "UCAROL",
    ]  # the author and the mentioned; no bot, no sharer
    assert "asking the 2 people" in bot.slack.responses[-1]["text"]
    (story,) = stories(sessions)
    assert story.status == "pending"
    press(bot, ids.STORY_YES_ACTION, "UBOB")
    assert stories(sessions)[0].status == "pending"
    with sessions() as session:
        assert recent_stories(session, TEAM_ID) == []
    press(bot, ids.STORY_YES_ACTION, "UCAROL")
    assert stories(sessions)[0].status == "agreed"
    assert "everyone agreed" in bot.slack.responses[-1]["text"]
    with sessions() as session:
        (kept,) = recent_stories(session, TEAM_ID)
    assert kept.people == ("UBOB", "UCAROL")  # credited: never the bot


def test_a_rather_not_ends_it_silently_and_without_trace(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    nominate(bot)
    press(bot, ids.STORY_YES_ACTION, "UCAROL")
    posts_before = len(bot.slack.calls_to("chat.postMessage"))
    press(bot, ids.STORY_NO_ACTION, "UBOB")
    assert stories(sessions) == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoryConsent)) == 0
        for nudge in session.scalars(select(Nudge)):
            assert "rescuing" not in json.dumps(nudge.message or {})
    assert len(bot.slack.calls_to("chat.postMessage")) == posts_before, "nobody is told"
    answer = bot.slack.responses[-1]
    assert "won't be shared" in answer["text"] and answer["replace_original"] is True
    for (channel, _ts), message in bot.slack.messages.items():
        if channel == dm_channel("UBOB"):
            continue  # the refuser's own ask: replaced through its response_url (above)
        assert "rescuing" not in json.dumps(message), f"the story's text is still in {channel}"


def test_a_sharer_in_the_story_has_agreed_and_a_story_of_no_one_else_is_kept(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    nominate(bot, sharer="UBOB", author="UBOB", text="I finally got to thank <@UCAROL>")
    assert sorted(asks(bot)) == ["UCAROL"]
    nominate(bot, sharer="UALICE", author="UALICE", text="My own note, nobody else in it")
    agreed = [s for s in stories(sessions) if s.status == "agreed"]
    assert [s.message_text for s in agreed] == ["My own note, nobody else in it"]


def test_an_empty_why_is_refused_on_the_form(bot: Bot, sessions: sessionmaker[Session]) -> None:
    people(bot)
    bot.message_shortcut(ids.STORY_SHORTCUT, {"ts": "1.2", "user": "UBOB", "text": "hi"})
    view = _json(bot.slack.calls_to("views.open")[-1]["view"])
    reply = bot.view_submission(
        view, {ids.STORY_WHY_BLOCK: {ids.STORY_WHY_ACTION: text_value(" ")}}
    )
    assert reply.json()["response_action"] == "errors"
    assert stories(sessions) == [] and not asks(bot)


# ----- the monthly post --------------------------------------------------------------------
def agreed_story(bot: Bot, sessions: sessionmaker[Session]) -> None:
    people(bot)
    bot.command("/reciprocity", "admin stories <#CSTORIES|stories>", user="UADMIN")
    assert "CSTORIES" in bot.slack.responses[-1]["text"]
    with sessions.begin() as session:
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UBOB",
            now=datetime(2026, 11, 1, tzinfo=UTC),
            allow_mentions=True,
        )
    nominate(bot)
    press(bot, ids.STORY_YES_ACTION, "UBOB")
    press(bot, ids.STORY_YES_ACTION, "UCAROL")


def monthly_posts(slack: SlackDouble) -> list[dict[str, Any]]:
    return [
        m
        for (ch, _), m in list(slack.messages.items())
        if ch == "CSTORIES" and str(m.get("text", "")).startswith("Stories worth retelling")
    ]


def test_the_monthly_post_goes_out_once_on_the_first_working_day(
    bot: Bot, deps: Deps, sessions: sessionmaker[Session]
) -> None:
    agreed_story(bot, sessions)
    assert run_job("stories", deps, now=DEC_1_10AM - timedelta(minutes=5)).startswith("stories: 0")
    assert monthly_posts(bot.slack) == []
    assert run_job("stories", deps, now=DEC_1_10AM) == "stories: 1 posted, 0 quiet, 0 to retry"
    run_job("stories", deps, now=DEC_1_10AM + timedelta(days=3))  # caught up once: not again
    (post,) = monthly_posts(bot.slack)
    shown = json.dumps(post, ensure_ascii=False)
    assert "November 2026" in shown and "rescuing the release build" in shown
    assert "<@UBOB>" in shown  # allows mentions
    assert "<@UCAROL>" not in shown and "carol" in shown  # named, not pinged
    assert "<@UROBOT>" not in shown


def test_after_downtime_the_month_is_caught_up_and_a_month_without_stories_posts_nothing(
    bot: Bot, deps: Deps, sessions: sessionmaker[Session]
) -> None:
    agreed_story(bot, sessions)
    assert run_job("stories", deps, now=DEC_1_10AM + timedelta(days=9)).startswith(
        "stories: 1 posted"
    )
    assert run_job("stories", deps, now=datetime(2027, 1, 4, 10, 5, tzinfo=UTC)) == (
        "stories: 0 posted, 1 quiet, 0 to retry"
    )
    assert len(monthly_posts(bot.slack)) == 1


def test_first_working_day_skips_the_weekend_in_the_channels_zone() -> None:
    due = month_due(datetime(2026, 8, 3, 7, 59, tzinfo=UTC), "Europe/Berlin")  # Aug 1 is a Saturday
    assert due.moment == datetime(2026, 8, 3, 8, 0, tzinfo=UTC) and not due.due
    assert month_due(datetime(2026, 8, 3, 8, 0, tzinfo=UTC), "Europe/Berlin").due
    assert due.stories_month == "July 2026"


@pytest.fixture
def second_deps(database_url: str, slack: SlackDouble, clock: FakeClock) -> Iterator[Deps]:
    settings = make_settings(database_url, slack)
    engine = make_engine(database_url)
    other: Deps = build_deps(
        settings, engine=engine, client=make_client(settings, pause=lambda _: None), clock=clock
    )
    yield other
    engine.dispose()


def test_two_schedulers_on_one_database_post_the_month_once(
    bot: Bot, deps: Deps, second_deps: Deps, sessions: sessionmaker[Session]
) -> None:
    agreed_story(bot, sessions)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(which: Deps) -> None:
        try:
            barrier.wait()
            run_job("stories", which, now=DEC_1_10AM)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in (deps, second_deps) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(monthly_posts(bot.slack)) == 1


def test_a_story_not_agreed_within_two_weeks_is_deleted(
    bot: Bot, deps: Deps, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    people(bot)
    nominate(bot)
    press(bot, ids.STORY_YES_ACTION, "UBOB")  # Carol never answers
    run_job("stories", deps, now=clock() + timedelta(days=14))
    assert len(stories(sessions)) == 1
    run_job("stories", deps, now=clock() + timedelta(days=16))
    assert stories(sessions) == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoryConsent)) == 0


def test_asks_go_through_the_gate_a_paused_person_is_asked_later(
    bot: Bot, deps: Deps, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    people(bot)
    with sessions.begin() as session:
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UCAROL",
            now=clock(),
            paused_until=clock() + timedelta(days=1),
        )
    nominate(bot)
    assert sorted(asks(bot)) == ["UBOB"]  # Carol is paused: her ask waits
    with sessions() as session:
        waiting = session.scalars(select(Nudge).where(Nudge.user_id == "UCAROL")).one()
        assert waiting.status == "pending"
    clock.set(clock() + timedelta(days=1, hours=1))
    run_job("reminders", deps, now=clock())
    assert sorted(asks(bot)) == ["UBOB", "UCAROL"]


def test_a_bots_message_asks_only_the_people_mentioned(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    bot.message_shortcut(
        ids.STORY_SHORTCUT,
        {
            "ts": "1700000000.000300",
            "bot_id": "B1",
            "user": "UROBOT",
            "text": "<@UCAROL> resolved a help request",
        },
        user="UALICE",
    )
    view = _json(bot.slack.calls_to("views.open")[-1]["view"])
    bot.view_submission(view, {ids.STORY_WHY_BLOCK: {ids.STORY_WHY_ACTION: text_value("Kind.")}})
    assert sorted(asks(bot)) == ["UCAROL"]
    (story,) = stories(sessions)
    assert story.author_id is None


def test_only_admins_choose_the_stories_channel_and_it_can_be_turned_off(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    people(bot)
    bot.command("/reciprocity", "admin stories <#CSTORIES|stories>", user="UBOB")
    assert "Only workspace admins" in bot.slack.responses[-1]["text"]
    bot.command("/reciprocity", "admin stories somewhere", user="UADMIN")
    assert "Name the channel" in bot.slack.responses[-1]["text"]
    bot.command("/reciprocity", "admin stories <#CSTORIES|stories>", user="UADMIN")
    bot.command("/reciprocity", "admin stories off", user="UADMIN")
    assert "off" in bot.slack.responses[-1]["text"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoryChannel)) == 0


def test_someone_who_opted_out_of_digest_mentions_is_a_teammate_in_the_post(
    bot: Bot, deps: Deps, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UCAROL",
            now=datetime(2026, 11, 1, tzinfo=UTC),
            opt_out_digest_mentions=True,
        )
    agreed_story(bot, sessions)
    run_job("stories", deps, now=DEC_1_10AM)
    (post,) = monthly_posts(bot.slack)
    shown = json.dumps(post, ensure_ascii=False)
    assert "carol" not in shown.lower() and "UCAROL" not in shown and "a teammate" in shown
