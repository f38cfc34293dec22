"""Your own settings: reading what people type for a pause or a time zone, and saving the
settings form (boundaries, department, topics) as one change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from bot import ids
from bot.errors import DomainError
from bot.services.nudges import recheck_pending
from bot.services.people import Person, remember_member, zone
from bot.services.preferences import Preferences, get_preferences, save_preferences
from bot.services.topics import add_topics, list_topics, remove_topics
from bot.text import clean
from models import Member

MAX_PAUSE = timedelta(weeks=26)
MAX_DEPARTMENT = 100
_DURATION = re.compile(r"^(\d{1,3})\s*(h|hours?|d|days?|w|wks?|weeks?|m|months?)$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
DAYS = {str(day) for day in range(7)}
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    names = available_timezones() | {"UTC"}
    return {name.casefold(): name for name in names}


def parse_zone(text: str) -> str | None:
    """An IANA zone name (any case), None for "follow my Slack profile"; DomainError otherwise."""
    wanted = clean(text or "").replace(" ", "_")
    if not wanted:
        return None
    found = _zones().get(wanted.casefold())
    if found is None:
        raise DomainError(
            f"I don't know the time zone `{wanted[:64]}`. Use a name like Europe/Berlin, "
            "America/New_York or Asia/Tokyo, or leave it empty to follow your Slack profile.",
            field=ids.SETTINGS_TZ_BLOCK,
        )
    return found


def parse_pause(text: str, *, now: datetime, tz_name: str) -> datetime:
    """`2w`, `3d`, `12h`, `1 month`, `until 2026-12-24`: the moment the pause ends."""
    words = clean(text or "").lower().removeprefix("for ").strip()
    if not words:
        raise DomainError(
            "For how long? e.g. `/reciprocity pause 2w` (or `3d`, `until 2026-12-24`)."
        )
    if words.startswith("until"):
        raw = words.removeprefix("until").strip()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise DomainError(
                f"`{raw[:30]}` isn't a date I can read; write it as 2026-12-24."
            ) from None
        until = datetime.combine(day, time(0, 0), tzinfo=zone(tz_name))
    else:
        match = _DURATION.match(words)
        if match is None:
            raise DomainError(
                f"I can't read `{words[:30]}` as a length of time. Try `2w`, `3d` or `12h`."
            )
        count, unit = int(match.group(1)), match.group(2)[0]
        length = timedelta(days=30 * count) if unit == "m" else _UNITS[unit] * count
        if length <= timedelta(0):
            raise DomainError("A pause needs to last a little while, e.g. `3d`.")
        until = now + length
    if until <= now:
        raise DomainError("That moment has already passed; pick a date in the future.")
    if until - now > MAX_PAUSE:
        raise DomainError(
            "The longest pause is 26 weeks. To stop nudges for good, set your weekly cap to 0 "
            "in `/reciprocity settings`."
        )
    return until


def parse_time_of_day(value: str | None, field: str) -> int:
    """`09:30` → 570 (minutes after midnight); a DomainError on `field` otherwise."""
    match = _TIME.match(value or "")
    if match is None:
        raise DomainError("Pick a time, e.g. 09:00.", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


@dataclass(frozen=True)
class SettingsForm:
    tz: str | None
    work_start_minute: int
    work_end_minute: int
    work_days: tuple[int, ...]
    weekly_nudge_cap: int
    department: str | None
    topics: list[str]
    opt_outs: dict[str, bool]
    allow_mentions: bool


@dataclass(frozen=True)
class MySettings:
    """Everything the settings form shows about one person."""

    prefs: Preferences
    department: str | None
    topics: list[str]


def my_settings(*, session: Session, team_id: str, user_id: str) -> MySettings:
    member = session.get(Member, (team_id, user_id))
    return MySettings(
        prefs=get_preferences(session=session, team_id=team_id, user_id=user_id),
        department=member.department if member else None,
        topics=list_topics(session=session, team_id=team_id, user_id=user_id),
    )


def save_settings(
    *, session: Session, person: Person, form: SettingsForm, now: datetime
) -> MySettings:
    """Save the form as one change; nudges waiting for this person are looked at again."""
    team_id, user_id = person.team_id, person.id
    prefs = save_preferences(
        session=session,
        team_id=team_id,
        user_id=user_id,
        now=now,
        tz=form.tz,
        work_start_minute=form.work_start_minute,
        work_end_minute=form.work_end_minute,
        work_days=form.work_days,
        weekly_nudge_cap=form.weekly_nudge_cap,
        allow_mentions=form.allow_mentions,
        **form.opt_outs,
    )
    remember_member(session=session, person=person, now=now).department = form.department
    current = list_topics(session=session, team_id=team_id, user_id=user_id)
    gone = [t for t in current if t not in form.topics]
    if gone:
        remove_topics(session=session, team_id=team_id, user_id=user_id, topics=gone)
    new = [t for t in form.topics if t not in current]
    if new:
        add_topics(session=session, team_id=team_id, user_id=user_id, topics=new, now=now)
    recheck_pending(session=session, team_id=team_id, user_id=user_id, now=now)
    return MySettings(
        prefs=prefs,
        department=form.department,
        topics=list_topics(session=session, team_id=team_id, user_id=user_id),
    )


def pause(
    *, session: Session, team_id: str, user_id: str, text: str, profile_tz: str, now: datetime
) -> tuple[datetime, str]:
    """Pause until the moment `text` names; (until, the zone it was read in)."""
    prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
    tz_name = prefs.zone_name(profile_tz)
    until = parse_pause(text, now=now, tz_name=tz_name)
    save_preferences(session=session, team_id=team_id, user_id=user_id, now=now, paused_until=until)
    return until, tz_name


def resume(*, session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """End a pause; True if one was running. Waiting nudges are looked at again."""
    prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
    was_paused = prefs.is_paused(now)
    if prefs.paused_until is not None:
        save_preferences(
            session=session, team_id=team_id, user_id=user_id, now=now, paused_until=None
        )
        recheck_pending(session=session, team_id=team_id, user_id=user_id, now=now)
    return was_paused
