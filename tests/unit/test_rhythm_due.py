"""Due times per channel in its own time zone, ISO-week periods, catch-up, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.services.due import (
    Schedule,
    due_now,
    format_schedule,
    local_moment,
    parse_clock,
    parse_day,
    period_key,
    week_moment,
)
from bot.services.people import zone
from tests.properties import examples

FRIDAY_3PM = (4, 15 * 60)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Kiritimati",
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_digest_is_due_at_friday_3pm_in_the_channels_own_time_zone() -> None:
    berlin = Schedule(*FRIDAY_3PM, tz="Europe/Berlin")  # CET, UTC+1, in November
    assert week_moment(utc(2026, 11, 25, 13), berlin) == utc(2026, 11, 27, 14)
    assert not due_now(utc(2026, 11, 27, 13, 59), berlin).due
    assert due_now(utc(2026, 11, 27, 14, 0), berlin).due
    tokyo = Schedule(*FRIDAY_3PM, tz="Asia/Tokyo")
    assert week_moment(utc(2026, 11, 25, 13), tokyo) == utc(2026, 11, 27, 6)
    new_york = Schedule(*FRIDAY_3PM, tz="America/New_York")
    assert week_moment(utc(2026, 11, 25, 13), new_york) == utc(2026, 11, 27, 20)


def test_missed_work_is_caught_up_within_its_week_but_not_after_it() -> None:
    berlin = Schedule(*FRIDAY_3PM, tz="Europe/Berlin")
    sunday_night = utc(2026, 11, 29, 22, 30)  # 23:30 Sunday in Berlin: same ISO week
    due = due_now(sunday_night, berlin)
    assert due.due and due.period == "2026-W48"
    monday = utc(2026, 11, 29, 23, 30)  # 00:30 Monday in Berlin: a new week
    due = due_now(monday, berlin)
    assert not due.due and due.period == "2026-W49"


def test_work_turned_on_after_this_weeks_moment_waits_for_next_week() -> None:
    berlin = Schedule(*FRIDAY_3PM, tz="Europe/Berlin")
    saturday = utc(2026, 11, 28, 10)
    assert not due_now(saturday, berlin, active_since=saturday - timedelta(hours=1)).due
    assert due_now(saturday, berlin, active_since=utc(2026, 11, 1)).due


def test_the_period_is_the_iso_week_in_the_channels_zone() -> None:
    moment = utc(2026, 11, 29, 23, 30)  # Sunday in UTC, Monday in Berlin
    assert period_key(moment, "UTC") == "2026-W48"
    assert period_key(moment, "Europe/Berlin") == "2026-W49"
    assert period_key(utc(2027, 1, 1, 12), "UTC") == "2026-W53"  # ISO year, not calendar year


def test_dst_changes_keep_the_wall_clock_time() -> None:
    berlin = Schedule(6, 15 * 60, tz="Europe/Berlin")  # Sunday 15:00
    # 2026-03-29: Berlin moves to summer time (UTC+2); 2026-10-25: back to UTC+1.
    assert week_moment(utc(2026, 3, 27, 12), berlin) == utc(2026, 3, 29, 13)
    assert week_moment(utc(2026, 10, 23, 12), berlin) == utc(2026, 10, 25, 14)
    new_york = Schedule(6, 10 * 60, tz="America/New_York")
    assert week_moment(utc(2026, 3, 6, 12), new_york) == utc(2026, 3, 8, 14)  # EDT, UTC-4


def test_a_time_in_the_spring_forward_gap_still_happens_once() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; it is read as 03:30 summer time.
    moment = local_moment(datetime(2026, 3, 29).date(), 2 * 60 + 30, "Europe/Berlin")
    assert moment == utc(2026, 3, 29, 1, 30)
    # 02:30 happens twice on 2026-10-25; the first one counts.
    moment = local_moment(datetime(2026, 10, 25).date(), 2 * 60 + 30, "Europe/Berlin")
    assert moment == utc(2026, 10, 25, 0, 30)


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=examples(300), deadline=None)
@example(now=datetime(2024, 10, 20, 22, tzinfo=UTC), tz="Europe/Berlin", weekday=0, minute=0)
@example(now=datetime(2026, 3, 28, 23, tzinfo=UTC), tz="Europe/Berlin", weekday=6, minute=150)
@given(
    now=instants,
    tz=st.sampled_from(ZONES),
    weekday=st.integers(0, 6),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_each_week_has_exactly_one_due_moment_inside_that_week(
    now: datetime, tz: str, weekday: int, minute: int
) -> None:
    schedule = Schedule(weekday, minute, tz)
    due = due_now(now, schedule)
    # The moment belongs to the same ISO week as now, in the channel's zone.
    assert period_key(due.moment, tz) == due.period == period_key(now, tz)
    # Due exactly from the moment on, for the rest of the week.
    assert due.due == (due.moment <= now)
    # Later in the same week the moment is the same one: never a second digest.
    later = now + timedelta(hours=6)
    if period_key(later, tz) == due.period:
        assert due_now(later, schedule).moment == due.moment
    # A week later, it is the next week's moment, between 6 and 8 days on (DST shifts it).
    # (7 × 24 hours on is not always next week: not across the autumn DST change at midnight.)
    today = now.astimezone(zone(tz)).date()
    next_monday_noon = local_moment(today + timedelta(days=7 - today.weekday()), 12 * 60, tz)
    next_week = due_now(next_monday_noon, schedule)
    assert next_week.period != due.period
    assert (
        timedelta(days=6, hours=22) <= next_week.moment - due.moment <= timedelta(days=7, hours=2)
    )


def test_days_and_times_are_parsed_strictly() -> None:
    assert parse_day("fri") == parse_day("Friday") == parse_day("FR") == 4
    assert parse_day("t") is None and parse_day("th") == 3 and parse_day("tu") == 1
    assert parse_day("s") is None and parse_day("sunday") == 6 and parse_day("funday") is None
    assert parse_clock("15:00") == 900 and parse_clock("9:05") == 545
    for bad in ("24:00", "12:60", "1500", "3pm", "12:5", "١٢:٣٠", "-1:00", ""):
        assert parse_clock(bad) is None
    assert format_schedule(4, 900) == "Friday 15:00"


@given(st.text(max_size=20))
def test_parsers_never_raise(text: str) -> None:
    day, clock = parse_day(text), parse_clock(text)
    assert day is None or 0 <= day <= 6
    assert clock is None or 0 <= clock < 24 * 60
