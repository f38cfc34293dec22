"""Onboarding buddies through the real app: `/reciprocity admin onboarding`, `/mentor join
buddy`, a signed `team_join` event, the welcome and introduction, the check-ins on working
days 5, 10 and 20 from the onboarding job, the buttons, the horizon, and no buddy free."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.services import onboarding
from bot.services.mentoring import MENTEE
from bot.services.preferences import save_preferences
from models.help_requests import HelpRequest
from models.mentoring import MentoringAvoid, MentoringEnrollment
from models.onboarding import BuddyVolunteer, OnboardingHire
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import TEAM_ID, SlackDouble
from tests.slack_requests import text_value

# Wednesday 14:30 UTC: 15:30 in Berlin, 09:30 in New York, 14:30 in London.
AT_WORK = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)


@pytest.fixture
def at_work(clock):
    clock.set(AT_WORK)
    return clock


def newcomer(slack: SlackDouble, uid: str = "UNEW", tz: str = "Europe/Berlin", **flags: Any):
    user = slack.add_user(uid, uid.lower()[1:], tz=tz)
    user.update(flags)
    return dict(user)


def joins(bot: Bot, user: dict[str, Any], event_id: str | None = None) -> Any:
    event = {"type": "team_join", "user": user, "event_ts": "1700000000.000100"}
    return bot.event(event, event_id=event_id)


def posts(bot: Bot) -> list[dict[str, Any]]:
    return bot.slack.calls_to("chat.postMessage")


def dms(bot: Bot, user_id: str) -> list[dict[str, Any]]:
    return [p for p in posts(bot) if p["channel"] == user_id]


def reply(bot: Bot) -> str:
    answer = bot.slack.responses[-1]
    return str(answer["text"])


def hires(sessions: sessionmaker[Session]) -> list[OnboardingHire]:
    with sessions() as session:
        return list(session.scalars(select(OnboardingHire).order_by(OnboardingHire.id)))


def turn_on(bot: Bot, text: str = "on") -> None:
    bot.command("/reciprocity", f"admin onboarding {text}", user="UADMIN")


def volunteer(bot: Bot, user: str, text: str = "") -> None:
    bot.command("/mentor", f"join buddy {text}".strip(), user=user)


# ----- the programme and the volunteers -----------------------------------------------------
def test_admins_turn_it_on_and_off_and_others_may_not(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "admin onboarding on", user="UBOB")
    assert "Only workspace admins and owners" in reply(bot)
    assert onboarding_state(sessions) is None
    turn_on(bot, "on horizon 6w")
    assert "*on*" in reply(bot) and "42 days" in reply(bot)
    turn_on(bot, "on horizon 2d")
    assert "between 7 and 180 days" in reply(bot)
    turn_on(bot, "sideways")
    assert "onboarding on [horizon 30d]" in reply(bot)
    turn_on(bot, "off")
    assert "*off*" in reply(bot)
    assert onboarding_state(sessions) == (False, 42)


def onboarding_state(sessions: sessionmaker[Session]) -> tuple[bool, int] | None:
    with sessions() as session:
        found = onboarding.get_programme(session=session, team_id=TEAM_ID)
        return (found.enabled, found.horizon_days) if found else None


def test_volunteer_with_topics_and_capacity_then_leave(bot: Bot, sessions, slack) -> None:
    volunteer(bot, "UBOB", "python max 2")
    assert "up to 2 new hires" in reply(bot) and "`python`" in reply(bot)
    assert "isn't on yet" in reply(bot)
    volunteer(bot, "UBOB", "max 9")
    assert "from 1 to 5" in reply(bot)
    guest = newcomer(slack, "UGUEST", is_restricted=True)
    volunteer(bot, guest["id"])
    assert "guests and bots can't volunteer" in reply(bot)
    with sessions() as session:
        rows = session.scalars(select(BuddyVolunteer)).all()
        assert [(r.user_id, r.capacity, r.topics, r.active) for r in rows] == [
            ("UBOB", 2, ["python"], True)
        ]
    bot.command("/mentor", "leave buddy", user="UBOB")
    assert "no longer a buddy volunteer" in reply(bot)
    bot.command("/mentor", "leave buddy", user="UBOB")
    assert "nothing to leave" in reply(bot)
    bot.command("/mentor", "help")
    assert "/mentor join buddy [topics…] [max 2]" in reply(bot)


# ----- team_join ------------------------------------------------------------------------------
def test_a_new_member_is_welcomed_matched_and_introduced_once(
    bot: Bot, sessions, slack, at_work
) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE")
    user = newcomer(slack)
    assert joins(bot, user, event_id="EvJOIN1").status == 200
    joins(bot, user, event_id="EvJOIN1")  # Slack's retry: recorded once
    joins(bot, user, event_id="EvJOIN2")  # the same join again, under another id
    [hire] = hires(sessions)
    assert hire.buddy_id == "UDAVE" and hire.welcomed_at and hire.introduced_at
    [welcome] = dms(bot, "UNEW")
    assert (
        "Welcome, <@UNEW>" in welcome["text"]
        and "<@UDAVE> is your onboarding buddy" in (welcome["text"])
    )
    assert slack.calls_to("conversations.open")[-1]["users"] in ("UDAVE,UNEW", "UNEW,UDAVE")
    [intro] = [p for p in posts(bot) if p["channel"].startswith("G")]
    assert intro["channel"] == hire.channel_id
    assert "meet <@UDAVE>" in intro["text"] and intro["text"].count("\n1. ") == 1
    assert "3. " in intro["text"]
    run_job("onboarding", bot.deps, now=at_work())
    assert len(posts(bot)) == 2  # nothing twice


def test_bots_guests_and_deactivated_accounts_are_not_onboarded(bot: Bot, sessions, slack) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE")
    for user in (
        newcomer(slack, "UNEWBOT", is_bot=True),
        newcomer(slack, "UGUEST1", is_restricted=True),
        newcomer(slack, "UGUEST2", is_ultra_restricted=True),
        newcomer(slack, "UGONE2", deleted=True),
    ):
        joins(bot, user)
    assert hires(sessions) == [] and posts(bot) == []


def test_nothing_happens_while_the_programme_is_off(bot: Bot, sessions, slack) -> None:
    volunteer(bot, "UDAVE")
    joins(bot, newcomer(slack))
    assert hires(sessions) == [] and posts(bot) == []


def test_the_welcome_waits_for_the_new_hires_working_hours(
    bot: Bot, sessions, slack, clock
) -> None:
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))  # 05:00 Thursday in Tokyo
    turn_on(bot)
    volunteer(bot, "UCAROL")  # Tokyo too
    joins(bot, newcomer(slack, tz="Asia/Tokyo"))
    assert dms(bot, "UNEW") == []
    [hire] = hires(sessions)
    assert hire.buddy_id == "UCAROL" and hire.introduced_at is None
    clock.set(datetime(2026, 11, 26, 0, 0, tzinfo=UTC))  # 09:00 in Tokyo
    run_job("reminders", bot.deps, now=clock())  # the waiting nudges go
    run_job("onboarding", bot.deps, now=clock())
    assert len(dms(bot, "UNEW")) == 1
    assert hires(sessions)[0].introduced_at is not None


def test_the_buddy_is_the_least_loaded_never_an_avoided_one(
    bot: Bot, sessions, slack, at_work, deps
) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE", "max 2")
    volunteer(bot, "UALICE")
    joins(bot, newcomer(slack, "UNEW1"))
    joins(bot, newcomer(slack, "UNEW2"))
    first, second = hires(sessions)
    assert {first.buddy_id, second.buddy_id} == {"UDAVE", "UALICE"}
    # The third: Alice is full (capacity 1); Dave asked never to be paired with UNEW3.
    with sessions.begin() as session:
        session.add(
            MentoringAvoid(
                team_id=TEAM_ID, user_id="UDAVE", avoid_user_id="UNEW3", created_at=AT_WORK
            )
        )
    joins(bot, newcomer(slack, "UNEW3"))
    assert hires(sessions)[2].buddy_id is None


# ----- no buddy free -----------------------------------------------------------------------
def test_no_buddy_free_still_welcomes_and_tells_the_admins_once(
    bot: Bot, sessions, slack, at_work
) -> None:
    turn_on(bot)
    joins(bot, newcomer(slack, "UNEW1"))
    joins(bot, newcomer(slack, "UNEW2"))
    for uid in ("UNEW1", "UNEW2"):
        [welcome] = dms(bot, uid)
        assert "We're finding you an onboarding buddy" in welcome["text"]
    [told] = dms(bot, "UADMIN")
    assert "no onboarding buddy is free" in told["text"] and "/mentor join buddy" in told["text"]
    assert "UNEW" not in told["text"]  # no names
    # A volunteer arrives: the job matches the first waiting new hire and introduces them.
    volunteer(bot, "UDAVE")
    run_job("onboarding", bot.deps, now=at_work.advance(minutes=10))
    assert [h.buddy_id for h in hires(sessions)] == ["UDAVE", None]
    assert len([p for p in posts(bot) if p["channel"].startswith("G")]) == 1
    assert len(dms(bot, "UADMIN")) == 1  # the second still waits: the same shortage
    # Once everyone has a buddy the shortage is over; the next one is told again.
    volunteer(bot, "UALICE")
    run_job("onboarding", bot.deps, now=at_work.advance(minutes=10))
    assert [h.buddy_id for h in hires(sessions)] == ["UDAVE", "UALICE"]
    joins(bot, newcomer(slack, "UNEW3"))
    assert len(dms(bot, "UADMIN")) == 2


# ----- check-ins -------------------------------------------------------------------------------
def checkins_to(bot: Bot, uid: str) -> list[str]:
    return [p["text"] for p in dms(bot, uid) if "how is it going" in p["text"]]


def test_check_ins_on_working_days_5_10_and_20_in_each_zone(
    bot: Bot, sessions, slack, at_work
) -> None:
    turn_on(bot, "on horizon 60d")
    joins(bot, newcomer(slack, "UBER", tz="Europe/Berlin"))
    joins(bot, newcomer(slack, "UNYC", tz="America/New_York"))
    # Day 5 is Tuesday 1 December: 09:00 in Berlin is 08:00 UTC, in New York 14:00 UTC.
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 1, 7, 59, tzinfo=UTC))
    assert checkins_to(bot, "UBER") == [] and checkins_to(bot, "UNYC") == []
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert checkins_to(bot, "UBER") == ["Working day 5 — how is it going?"]
    assert checkins_to(bot, "UNYC") == []
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    assert len(checkins_to(bot, "UBER")) == 1 and len(checkins_to(bot, "UNYC")) == 1
    [checkin] = [p for p in dms(bot, "UBER") if "how is it going" in p["text"]]
    buttons = [e["action_id"] for e in checkin["blocks"][1]["elements"]]
    assert buttons == [ids.ONBOARDING_ALL_GOOD_ACTION, ids.ONBOARDING_HAND_ACTION]
    # Day 10 is Tuesday 8 December; day 20 Tuesday 22 December.
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 8, 8, 30, tzinfo=UTC))
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 22, 8, 30, tzinfo=UTC))
    assert [t.split(" —")[0] for t in checkins_to(bot, "UBER")] == [
        "Working day 5",
        "Working day 10",
        "Working day 20",
    ]
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 22, 9, 30, tzinfo=UTC))
    assert len(checkins_to(bot, "UBER")) == 3


def test_a_check_in_across_the_end_of_daylight_saving_time(
    bot: Bot, sessions, slack, clock
) -> None:
    clock.set(datetime(2026, 10, 28, 14, 0, tzinfo=UTC))  # Wednesday 10:00 EDT
    turn_on(bot)
    joins(bot, newcomer(slack, "UNYC", tz="America/New_York"))
    # New York left summer time on Sunday 1 November: day 5 (Tuesday 3 November) starts at
    # 09:00 EST, 14:00 UTC — an hour later in UTC than the days before the change.
    run_job("onboarding", bot.deps, now=datetime(2026, 11, 3, 13, 30, tzinfo=UTC))
    assert checkins_to(bot, "UNYC") == []
    run_job("onboarding", bot.deps, now=datetime(2026, 11, 3, 14, 0, tzinfo=UTC))
    assert checkins_to(bot, "UNYC") == ["Working day 5 — how is it going?"]


def test_after_downtime_only_the_latest_check_in_is_sent(
    bot: Bot, sessions, slack, at_work
) -> None:
    turn_on(bot, "on horizon 60d")
    joins(bot, newcomer(slack))
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 9, 9, 0, tzinfo=UTC))  # day 11
    assert checkins_to(bot, "UNEW") == ["Working day 10 — how is it going?"]
    assert hires(sessions)[0].checkins == [5, 10]


def test_all_good_and_a_hand_from_the_check_in(bot: Bot, sessions, slack, at_work) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE")
    joins(bot, newcomer(slack))
    hire = hires(sessions)[0]
    bot.block_action(ids.ONBOARDING_ALL_GOOD_ACTION, "5", user="UNEW", channel="DNEW")
    assert "glad it's going well" in reply(bot)
    assert bot.slack.responses[-1].get("replace_original") is True
    bot.block_action(ids.ONBOARDING_HAND_ACTION, "10", user="UNEW", channel="DNEW")
    [opened] = slack.calls_to("views.open")
    view = opened["view"]
    assert view["callback_id"] == ids.HELP_MODAL
    question = view["blocks"][0]["element"]
    assert question["initial_value"].startswith("I'm new here and I'd like a hand with")
    bot.view_submission(
        view,
        {
            ids.HELP_QUESTION_BLOCK: {
                ids.HELP_QUESTION_ACTION: text_value("I'm new here and I'd like a hand with VPN")
            },
        },
        user="UNEW",
    )
    [card] = [
        p for p in posts(bot) if p["channel"] == hire.channel_id and "asked for help" in p["text"]
    ]
    assert "VPN" in card["text"]
    with sessions() as session:
        [request] = session.scalars(select(HelpRequest)).all()
        assert request.channel_id == hire.channel_id and request.requester_id == "UNEW"
    assert sorted(hires(sessions)[0].answers) == ["10:hand", "5:good"]


def test_without_a_buddy_the_hand_form_asks_where_to_ask(
    bot: Bot, sessions, slack, at_work
) -> None:
    turn_on(bot)
    joins(bot, newcomer(slack))
    bot.block_action(ids.ONBOARDING_HAND_ACTION, "5", user="UNEW", channel="DNEW")
    view = slack.calls_to("views.open")[-1]["view"]
    assert view["blocks"][0]["block_id"] == ids.HELP_CHANNEL_BLOCK
    bot.view_submission(
        view,
        {
            ids.HELP_CHANNEL_BLOCK: {
                ids.HELP_CHANNEL_ACTION: {
                    "type": "conversations_select",
                    "selected_conversation": "CGENERAL",
                }
            },
            ids.HELP_QUESTION_BLOCK: {ids.HELP_QUESTION_ACTION: text_value("Where is the wiki?")},
        },
        user="UNEW",
    )
    [card] = [p for p in posts(bot) if p["channel"] == "CGENERAL"]
    assert "Where is the wiki?" in card["text"]


# ----- the horizon -------------------------------------------------------------------------------
def test_at_the_horizon_the_buddy_is_thanked_and_the_new_hire_invited(
    bot: Bot, sessions, slack, at_work, deps
) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE")
    joins(bot, newcomer(slack))
    horizon = AT_WORK + timedelta(days=30)  # Friday 25 December, 14:30 UTC
    run_job("onboarding", deps, now=horizon - timedelta(minutes=1))
    assert [p for p in dms(bot, "UDAVE") if "Thank you for being" in p["text"]] == []
    run_job("onboarding", deps, now=horizon)
    [thanks] = [p for p in dms(bot, "UDAVE") if "Thank you for being" in p["text"]]
    assert "<@UNEW>'s onboarding buddy" in thanks["text"]
    [invite] = [p for p in dms(bot, "UNEW") if "mentoring rotation" in p["text"]]
    [button] = invite["blocks"][1]["elements"]
    assert button["action_id"] == ids.ONBOARDING_JOIN_MENTORING_ACTION
    run_job("onboarding", deps, now=horizon + timedelta(hours=1))
    assert len([p for p in dms(bot, "UDAVE") if "Thank you for being" in p["text"]]) == 1
    with sessions() as session:
        [done] = onboarding.buddy_contributions(session=session, team_id=TEAM_ID, user_id="UDAVE")
        assert done.hire_id == "UNEW"
        assert onboarding.buddy_loads(session=session, team_id=TEAM_ID) == {}
    bot.block_action(ids.ONBOARDING_JOIN_MENTORING_ACTION, "mentee", user="UNEW", channel="DNEW")
    assert "You're in!" in reply(bot)
    with sessions() as session:
        [row] = session.scalars(select(MentoringEnrollment)).all()
        assert (row.user_id, row.role, row.active) == ("UNEW", MENTEE, True)


def test_a_paused_buddy_gets_the_thanks_when_the_pause_ends(
    bot: Bot, sessions, slack, at_work, deps
) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE")
    joins(bot, newcomer(slack))
    horizon = AT_WORK + timedelta(days=30)
    with sessions.begin() as session:
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UDAVE",
            now=horizon,
            paused_until=horizon + timedelta(days=4),
        )
    run_job("onboarding", deps, now=horizon)
    assert [p for p in dms(bot, "UDAVE") if "Thank you for being" in p["text"]] == []
    later = horizon + timedelta(days=4, hours=1)  # Tuesday 29 December, 15:30 UTC
    run_job("reminders", deps, now=later)
    assert len([p for p in dms(bot, "UDAVE") if "Thank you for being" in p["text"]]) == 1


# ----- admin show -------------------------------------------------------------------------------
def test_admin_show_counts_without_names(bot: Bot, sessions, slack, at_work) -> None:
    turn_on(bot)
    volunteer(bot, "UDAVE")
    volunteer(bot, "UALICE")
    joins(bot, newcomer(slack, "UNEW1"))
    joins(bot, newcomer(slack, "UNEW2"))
    joins(bot, newcomer(slack, "UNEW3"))  # no one left
    # Four working days later a volunteer frees up the last one: not within 3 working days.
    volunteer(bot, "UBOB")
    run_job("onboarding", bot.deps, now=datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    turn_on(bot, "show")
    text = reply(bot)
    assert "Buddy volunteers: 3" in text
    assert "New hires in the programme now: 3 (3 with a buddy)" in text
    assert "Got a buddy within 3 working days: 2 of 3" in text
    assert "<@" not in text and "UNEW" not in text and "UDAVE" not in text
    bot.command("/reciprocity", "admin onboarding show", user="UBOB")
    assert "Got a buddy" not in reply(bot)


def test_two_schedulers_at_once_send_each_check_in_once(bot: Bot, sessions, slack, at_work) -> None:
    turn_on(bot)
    joins(bot, newcomer(slack))
    day5 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    runs = [
        threading.Thread(target=run_job, args=("onboarding", bot.deps), kwargs={"now": day5})
        for _ in range(3)
    ]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert checkins_to(bot, "UNEW") == ["Working day 5 — how is it going?"]


def test_the_welcome_links_the_last_agreed_stories(bot: Bot, sessions, slack, at_work) -> None:
    from tests.app.test_stories_app import agreed_story, nominate

    agreed_story(bot, sessions)  # everyone named said yes
    nominate(bot, why="A story still waiting for its yeses")  # not agreed: never shown
    turn_on(bot)
    joins(bot, newcomer(slack))
    [welcome] = dms(bot, "UNEW")
    shown = welcome["text"] + str(welcome.get("blocks"))
    assert "carry each other through a bad week" in shown
    assert "still waiting for its yeses" not in shown
