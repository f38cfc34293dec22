"""A new hire's working days, in their own zone: check-ins go on working days 5, 10 and 20,
counted from the day they joined, not on calendar dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.services.people import zone
from bot.services.preferences import Preferences

CHECKIN_DAYS = (5, 10, 20)
BUDDY_WITHIN_DAYS = 3  # what `admin onboarding show` counts: a buddy by the 3rd working day
_WEEKDAYS = (0, 1, 2, 3, 4)


def _work_days(prefs: Preferences) -> tuple[int, ...]:
    return prefs.work_days or _WEEKDAYS


def working_dates(
    prefs: Preferences, tz: str | None, joined_at: datetime, count: int
) -> list[date]:
    """The first `count` working dates (local) from the day they joined: day 1 is the day they
    joined when that is a working day and they joined before its working hours ended, else the
    next working day."""
    days = _work_days(prefs)
    local = joined_at.astimezone(zone(prefs.zone_name(tz)))
    day = local.date()
    if local.hour * 60 + local.minute >= prefs.work_end_minute:  # joined after hours
        day += timedelta(days=1)
    found: list[date] = []
    while len(found) < count:
        if day.weekday() in days:
            found.append(day)
        day += timedelta(days=1)
    return found


def local_moment(day: date, minute: int, tz_name: str) -> datetime:
    """`day` at `minute` past local midnight, in UTC (a time in a DST gap moves forward)."""
    minute = max(0, min(minute, 24 * 60 - 1))
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone(tz_name))
    # Round-trip through UTC normalises a wall time that falls in a gap.
    return wall.astimezone(UTC)


def working_day_starts(
    prefs: Preferences, tz: str | None, joined_at: datetime, day_number: int
) -> datetime:
    """When working day `day_number` begins for them (their working hours' start, in UTC)."""
    day = working_dates(prefs, tz, joined_at, day_number)[-1]
    moment = local_moment(day, prefs.work_start_minute, prefs.zone_name(tz))
    return max(moment, joined_at) if day_number == 1 else moment


def working_day_ends(
    prefs: Preferences, tz: str | None, joined_at: datetime, day_number: int
) -> datetime:
    """The end of working day `day_number` (the next local midnight when hours run to it)."""
    day = working_dates(prefs, tz, joined_at, day_number)[-1]
    tz_name = prefs.zone_name(tz)
    if prefs.work_end_minute >= 24 * 60 or prefs.work_end_minute <= prefs.work_start_minute:
        return local_moment(day + timedelta(days=1), 0, tz_name)
    return local_moment(day, prefs.work_end_minute, tz_name)


def due_checkins(
    prefs: Preferences,
    tz: str | None,
    joined_at: datetime,
    now: datetime,
    *,
    done: tuple[int, ...] = (),
    horizon_at: datetime | None = None,
) -> list[int]:
    """The check-in days whose working day has begun and that were not handed over yet (and
    that fall before the horizon)."""
    due: list[int] = []
    for number in CHECKIN_DAYS:
        if number in done:
            continue
        starts = working_day_starts(prefs, tz, joined_at, number)
        if horizon_at is not None and starts >= horizon_at:
            continue
        if starts <= now:
            due.append(number)
    return due
