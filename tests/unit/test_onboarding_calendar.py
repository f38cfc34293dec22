"""A new hire's working days in their own zone: check-ins on working days 5, 10 and 20, across
time zones, weekends, their own work days and a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.onboarding import (
    due_checkins,
    working_dates,
    working_day_ends,
    working_day_starts,
)
from bot.services.people import zone
from bot.services.preferences import Preferences
from tests.properties import examples

WEEKDAYS = Preferences()
WEDNESDAY = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def test_day_five_is_the_fifth_working_day_in_their_zone() -> None:
    # 14:00 in Berlin on a Wednesday: that Wednesday is day 1; the weekend does not count.
    days = working_dates(WEEKDAYS, "Europe/Berlin", WEDNESDAY, 5)
    assert days == [date(2026, 11, d) for d in (25, 26, 27, 30)] + [date(2026, 12, 1)]
    assert working_day_starts(WEEKDAYS, "Europe/Berlin", WEDNESDAY, 5) == datetime(
        2026, 12, 1, 8, 0, tzinfo=UTC
    )
    # The same moment is 22:00 in Tokyo, after hours: day 1 is Thursday there.
    assert working_dates(WEEKDAYS, "Asia/Tokyo", WEDNESDAY, 1) == [date(2026, 11, 26)]
    assert working_day_starts(WEEKDAYS, "Asia/Tokyo", WEDNESDAY, 5) == datetime(
        2026, 12, 2, 0, 0, tzinfo=UTC
    )  # Wednesday 2 December, 09:00 in Tokyo
    # 08:00 in New York: still Wednesday, day 1.
    assert working_day_starts(WEEKDAYS, "America/New_York", WEDNESDAY, 10) == datetime(
        2026, 12, 8, 14, 0, tzinfo=UTC
    )


def test_across_the_end_of_daylight_saving_time() -> None:
    # New York leaves summer time on Sunday 1 November 2026: 09:00 is 13:00 UTC before, 14:00
    # after. Joined Wednesday 28 October 10:00 EDT; day 5 is Tuesday 3 November.
    joined = datetime(2026, 10, 28, 14, 0, tzinfo=UTC)
    assert working_day_starts(WEEKDAYS, "America/New_York", joined, 2) == datetime(
        2026, 10, 29, 13, 0, tzinfo=UTC
    )
    assert working_day_starts(WEEKDAYS, "America/New_York", joined, 5) == datetime(
        2026, 11, 3, 14, 0, tzinfo=UTC
    )
    # Europe changed a week earlier (25 October): Berlin 09:00 is 08:00 UTC throughout.
    assert working_day_starts(WEEKDAYS, "Europe/Berlin", joined, 5) == datetime(
        2026, 11, 3, 8, 0, tzinfo=UTC
    )


def test_their_own_work_days_and_hours_count() -> None:
    sunday_to_thursday = Preferences(work_days=(6, 0, 1, 2, 3), work_start_minute=8 * 60)
    joined = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # Thursday 08:00 in Jerusalem
    days = working_dates(sunday_to_thursday, "Asia/Jerusalem", joined, 5)
    assert days == [date(2026, 11, d) for d in (26, 29, 30)] + [
        date(2026, 12, 1),
        date(2026, 12, 2),
    ]
    assert working_day_starts(sunday_to_thursday, "Asia/Jerusalem", joined, 5) == datetime(
        2026, 12, 2, 6, 0, tzinfo=UTC
    )


def test_due_checkins_are_those_begun_not_done_and_before_the_horizon() -> None:
    tz = "Europe/Berlin"
    day5 = working_day_starts(WEEKDAYS, tz, WEDNESDAY, 5)
    day10 = working_day_starts(WEEKDAYS, tz, WEDNESDAY, 10)
    day20 = working_day_starts(WEEKDAYS, tz, WEDNESDAY, 20)
    assert due_checkins(WEEKDAYS, tz, WEDNESDAY, day5.replace(hour=7)) == []
    assert due_checkins(WEEKDAYS, tz, WEDNESDAY, day5) == [5]
    assert due_checkins(WEEKDAYS, tz, WEDNESDAY, day10, done=(5,)) == [10]
    assert due_checkins(WEEKDAYS, tz, WEDNESDAY, day20) == [5, 10, 20]
    assert due_checkins(WEEKDAYS, tz, WEDNESDAY, day20, horizon_at=day20) == [5, 10]


ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]


@settings(max_examples=examples(200))
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    st.sampled_from(ZONES),
    st.sets(st.integers(0, 6), min_size=1),
    st.integers(6 * 60, 10 * 60),
)
def test_every_check_in_starts_a_working_day_in_order(
    joined: datetime, tz: str, work_days: set[int], start: int
) -> None:
    prefs = Preferences(work_days=tuple(sorted(work_days)), work_start_minute=start)
    moments = [working_day_starts(prefs, tz, joined, n) for n in (5, 10, 20)]
    assert moments == sorted(moments) and len(set(moments)) == 3
    for n, moment in zip((5, 10, 20), moments, strict=True):
        local = moment.astimezone(zone(tz))
        assert local.weekday() in work_days
        assert moment >= joined
        assert moment < working_day_ends(prefs, tz, joined, n)
        assert len(working_dates(prefs, tz, joined, n)) == n
