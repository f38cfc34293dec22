"""When a pair or circle may be introduced (or thanked): the rule in
`mentoring.good_moment_to_introduce`, as examples, a hypothesis property, and through the job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services.gate import Dnd, Verdict
from bot.services.mentoring import Availability, good_moment_to_introduce, pairing_decision
from bot.services.preferences import Preferences, save_preferences
from models.mentoring import MentoringGroup
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import TEAM_ID

WED_1430 = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)  # Berlin 15:30, NY 09:30, Tokyo 23:30


def who(uid: str, tz: str, **prefs: Any) -> Availability:
    return Availability(user_id=uid, prefs=Preferences(**prefs), tz=tz)


BERLIN = who("UALICE", "Europe/Berlin")
NEW_YORK = who("UBOB", "America/New_York")
TOKYO = who("UCAROL", "Asia/Tokyo")
LONDON = who("UDAVE", "Europe/London")


def test_everyone_at_work_is_a_good_moment() -> None:
    assert good_moment_to_introduce([BERLIN, NEW_YORK], now=WED_1430, anchor="UALICE")


def test_waits_while_a_later_moment_suits_more_of_them() -> None:
    eight_in_new_york = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert not good_moment_to_introduce([BERLIN, NEW_YORK], now=eight_in_new_york, anchor="UBOB")
    assert not good_moment_to_introduce([BERLIN, NEW_YORK], now=eight_in_new_york)
    saturday = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
    assert not good_moment_to_introduce([BERLIN, NEW_YORK], now=saturday)


def test_windows_that_never_meet_go_in_the_mentees_hours() -> None:
    london_morning = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Tokyo 19:00
    tokyo_morning = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Tokyo 10:00, London 01:00
    assert not good_moment_to_introduce([LONDON, TOKYO], now=london_morning, anchor="UCAROL")
    assert good_moment_to_introduce([LONDON, TOKYO], now=tokyo_morning, anchor="UCAROL")
    assert good_moment_to_introduce([LONDON, TOKYO], now=london_morning, anchor="UDAVE")


def test_a_circle_goes_when_most_of_them_are_at_work() -> None:
    circle = [BERLIN, NEW_YORK, TOKYO, LONDON]
    assert good_moment_to_introduce(circle, now=WED_1430)  # three of four: the most ever
    assert not good_moment_to_introduce(circle, now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


def test_never_while_someone_is_paused() -> None:
    paused = who("UBOB", "America/New_York", paused_until=WED_1430 + timedelta(days=2))
    assert not good_moment_to_introduce([BERLIN, paused], now=WED_1430)
    assert good_moment_to_introduce([BERLIN, paused], now=WED_1430 + timedelta(days=6))


def test_people_without_working_hours_hold_nobody_back() -> None:
    no_days = who("UBOB", "America/New_York", work_days=())
    assert good_moment_to_introduce([BERLIN, no_days], now=WED_1430, anchor="UBOB")
    assert good_moment_to_introduce([no_days], now=WED_1430)


def test_do_not_disturb_holds_back_a_group_whose_hours_meet() -> None:
    snoozed = who("UBOB", "America/New_York")
    snoozed = Availability(user_id="UBOB", prefs=snoozed.prefs, tz=snoozed.tz, dnd=Dnd(True))
    assert not good_moment_to_introduce([BERLIN, snoozed], now=WED_1430, anchor="UALICE")
    awake = Availability(user_id="UBOB", prefs=snoozed.prefs, tz=snoozed.tz, dnd=Dnd())
    assert good_moment_to_introduce([BERLIN, awake], now=WED_1430, anchor="UALICE")


def test_the_weekly_cap_holds_back_a_group_whose_hours_meet() -> None:
    week = [WED_1430 - timedelta(days=d) for d in (1, 2, 3)]
    capped = Availability(
        user_id="UBOB", prefs=Preferences(), tz="America/New_York", sent=tuple(week)
    )
    assert not good_moment_to_introduce([BERLIN, capped], now=WED_1430, anchor="UALICE")
    older = tuple(w - timedelta(days=4) for w in week)  # all before the 7-day window
    free = Availability(user_id="UBOB", prefs=Preferences(), tz="America/New_York", sent=older)
    assert good_moment_to_introduce([BERLIN, free], now=WED_1430, anchor="UALICE")


def test_when_hours_never_meet_only_the_mentees_gate_counts() -> None:
    tokyo_morning = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    carol = Availability(user_id="UCAROL", prefs=Preferences(), tz="Asia/Tokyo", dnd=Dnd(True))
    assert not good_moment_to_introduce([LONDON, carol], now=tokyo_morning, anchor="UCAROL")
    dave = Availability(user_id="UDAVE", prefs=Preferences(), tz="Europe/London", dnd=Dnd(True))
    assert good_moment_to_introduce([dave, TOKYO], now=tokyo_morning, anchor="UCAROL")


def test_someone_who_opted_out_since_holds_nobody_back() -> None:
    out = who("UBOB", "America/New_York", opt_out_pairing=True)
    assert pairing_decision(out, now=WED_1430).verdict is Verdict.DROP
    assert good_moment_to_introduce([BERLIN, out], now=WED_1430, anchor="UALICE")


zones = st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "Asia/Kolkata", "UTC"]
)
people = st.builds(
    lambda tz, start, length, days, paused, i: Availability(
        user_id=f"U{i}",
        prefs=Preferences(
            work_start_minute=start,
            work_end_minute=min(start + length, 24 * 60),
            work_days=tuple(sorted(days)),
            paused_until=WED_1430 + timedelta(hours=paused) if paused else None,
        ),
        tz=tz,
    ),
    zones,
    st.integers(0, 22 * 60),
    st.integers(30, 12 * 60),
    st.sets(st.integers(0, 6), max_size=7),
    st.sampled_from([0, 0, 0, -1, 5, 100]),
    st.integers(0, 99),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(people, min_size=2, max_size=5, unique_by=lambda p: p.user_id),
    st.integers(0, 7 * 24 * 4),
)
def test_property_never_paused_and_the_anchor_is_at_work(
    group: list[Availability], quarter_hours: int
) -> None:
    now = WED_1430 + timedelta(minutes=15 * quarter_hours)
    anchor = group[0]
    ok = good_moment_to_introduce(group, now=now, anchor=anchor.user_id)
    if ok:
        assert not any(p.prefs.is_paused(now) for p in group)
        if anchor.prefs.work_days:  # an anchor who keeps working hours is at work
            assert anchor.prefs.in_working_hours(now, anchor.tz)
    everyone = all(
        p.prefs.in_working_hours(now, p.tz) or not p.prefs.work_days for p in group
    ) and not any(p.prefs.is_paused(now) for p in group)
    if everyone:
        assert ok


gated_people = st.builds(
    lambda base, sent_hours, dnd: Availability(
        user_id=base.user_id,
        prefs=base.prefs,
        tz=base.tz,
        sent=tuple(WED_1430 - timedelta(hours=h) for h in sent_hours),
        dnd=dnd,
    ),
    people,
    st.lists(st.integers(-100, 200), max_size=4),
    st.sampled_from(
        [None, Dnd(), Dnd(True), Dnd(True, WED_1430 + timedelta(hours=3)), Dnd(True, WED_1430)]
    ),
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(gated_people, min_size=2, max_size=4, unique_by=lambda p: p.user_id),
    st.integers(0, 7 * 24 * 4),
)
def test_property_it_goes_only_through_the_gate(
    group: list[Availability], quarter_hours: int
) -> None:
    now = WED_1430 + timedelta(minutes=15 * quarter_hours)
    anchor = group[0]
    ok = good_moment_to_introduce(group, now=now, anchor=anchor.user_id)
    verdicts = [pairing_decision(p, now=now).verdict for p in group]
    if ok:
        assert not any(p.prefs.is_paused(now) for p in group)
        if any(v is not Verdict.DROP for v in verdicts):
            assert Verdict.SEND in verdicts  # someone the gate lets through now
        if verdicts[0] is not Verdict.DROP:  # and the anchor always, DND and cap included
            assert verdicts[0] is Verdict.SEND
    if all(v is Verdict.SEND for v in verdicts):
        assert ok


# ----- through the pairing job ----------------------------------------------------------------
def intros(bot: Bot) -> list[dict[str, Any]]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if "Meet your" in c["text"]]


def test_a_pair_that_never_overlaps_is_introduced_in_the_mentees_morning(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)
    bot.command("/mentor", "join mentor", user="UDAVE")  # London
    bot.command("/mentor", "join mentee", user="UCAROL")  # Tokyo
    assert "1 waiting" in run_job("pairing", deps, now=clock())
    assert intros(bot) == []
    clock.set(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))  # Thursday 10:00 in Tokyo
    assert "1 introduced" in run_job("pairing", deps, now=clock())
    assert len(intros(bot)) == 1


def test_a_paused_member_holds_the_introduction_until_they_are_back(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentee")
    run_job("pairing", deps, now=clock())  # formed; New York not at work yet
    bot.command("/reciprocity", "pause 3d", user="UBOB")
    clock.set(WED_1430)
    assert "0 introduced, 1 waiting" in run_job("pairing", deps, now=clock())
    clock.set(datetime(2026, 11, 30, 14, 30, tzinfo=UTC))  # Monday, the pause is over
    assert "1 introduced" in run_job("pairing", deps, now=clock())
    assert len(intros(bot)) == 1


def test_thanks_wait_for_a_good_moment_and_are_dropped_when_stale(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)
    bot.command("/mentor", "join mentor", user="UBOB")
    bot.command("/mentor", "join mentee")
    run_job("pairing", deps, now=clock())
    assert len(intros(bot)) == 1
    with deps.sessions.begin() as session:
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UBOB",
            now=clock(),
            paused_until=datetime(2027, 2, 1, tzinfo=UTC),
        )
    end = datetime(2027, 1, 4, 14, 30, tzinfo=UTC)  # the horizon is over
    assert "1 ended, 0 started, 0 thanked, 0 introduced, 1 waiting" in run_job(
        "pairing", deps, now=end
    )
    assert "0 thanked" in run_job("pairing", deps, now=end + timedelta(days=8))
    thanks = [c for c in bot.slack.calls_to("chat.postMessage") if "Thank you" in c["text"]]
    assert thanks == []
    with sessions() as session:
        (group,) = session.scalars(select(MentoringGroup)).all()
        assert group.thanked_at is not None  # settled: never sent late
    assert "0 waiting" in run_job("pairing", deps, now=end + timedelta(days=9))
