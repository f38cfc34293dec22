"""When weekly work is due: per channel, in the channel's own time zone, one per ISO week.

Pure functions, no database. A piece of weekly work (a digest, a prompt) belongs to the ISO
week in which it falls in the channel's time zone; its key is that week (`2026-W48`). Once
its moment has passed it stays due for the rest of that week (so work missed during downtime
is caught up once, the claim making it once); when the next week starts, last week's missed
work is simply no longer asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.services.people import zone

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Schedule:
    """A weekly moment: weekday (Monday 0) and minute of the day, in a named time zone."""

    weekday: int
    minute: int
    tz: str = "UTC"


@dataclass(frozen=True)
class Due:
    period: str  # the ISO week the work belongs to, e.g. 2026-W48
    moment: datetime  # this week's moment, in UTC
    due: bool


def period_key(moment: datetime, tz: str = "UTC") -> str:
    """The ISO week `moment` falls in, in time zone `tz`: `2026-W48`."""
    year, week, _ = moment.astimezone(zone(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def local_moment(day: date, minute: int, tz: str) -> datetime:
    """`day` at `minute` past midnight in `tz`, as UTC.

    A wall-clock time that does not exist (the spring-forward gap) is read with the offset
    from before the change, so 02:30 on that night is 03:30 summer time; a time that happens
    twice (the autumn fold) means its first occurrence.
    """
    hour, minutes = divmod(minute, 60)
    local = datetime.combine(day, time(hour, minutes), tzinfo=zone(tz)).replace(fold=0)
    return local.astimezone(UTC)


def week_moment(now: datetime, schedule: Schedule) -> datetime:
    """This week's (in the schedule's time zone) moment of the schedule, in UTC."""
    today = now.astimezone(zone(schedule.tz)).date()
    monday = today - timedelta(days=today.weekday())
    return local_moment(monday + timedelta(days=schedule.weekday), schedule.minute, schedule.tz)


def due_now(now: datetime, schedule: Schedule, *, active_since: datetime | None = None) -> Due:
    """Is this week's work due at `now`? Due from its moment to the end of the week.

    `active_since` is when the work was turned on: a moment that passed before then is not
    caught up (a channel enrolled on Saturday gets its first digest next Friday).
    """
    moment = week_moment(now, schedule)
    due = moment <= now and (active_since is None or active_since <= moment)
    return Due(period=period_key(now, schedule.tz), moment=moment, due=due)


def parse_day(text: str) -> int | None:
    """`fri`, `Friday`, `Fr` → 4: a day's name or any unambiguous start of it; else None."""
    word = text.strip().lower().rstrip(".")
    if len(word) < 2:
        return None
    matches = [index for index, day in enumerate(DAYS) if day.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def parse_clock(text: str) -> int | None:
    """`15:00` or `9:30` (24-hour `H:MM`/`HH:MM`) → minute of the day; anything else None."""
    text = text.strip()
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    if len(hours) > 2 or not hours.isascii() or not minutes.isascii():
        return None
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        return None
    return h * 60 + m


def format_schedule(weekday: int, minute: int) -> str:
    """`Friday 15:00`."""
    return f"{DAYS[weekday].title()} {minute // 60:02d}:{minute % 60:02d}"
