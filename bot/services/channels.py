"""Channels the bot was added to: enrolment, their weekly settings, where their kudos go."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.due import Schedule, format_schedule, parse_clock, parse_day
from bot.services.workspace_data import installed
from models.rhythm import ChannelSettings

DEFAULT_TZ = "UTC"
DIGEST_DEFAULT = (4, 15 * 60)  # Friday 15:00
PROMPT_DEFAULT = (0, 10 * 60)  # Monday 10:00
_CHANNEL = re.compile(r"^<#(C[A-Z0-9]+|G[A-Z0-9]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class ChannelChange:
    """One change to a channel's settings, as parsed from `/reciprocity channel …`."""

    setting: str  # digest | prompt | kudos | timezone | leaderboard | quiet-week
    enabled: bool | None = None
    weekday: int | None = None
    minute: int | None = None
    channel_id: str | None = None  # for kudos: None means here
    tz: str | None = None


def channel_schedule(row: ChannelSettings, kind: str) -> Schedule:
    tz = row.tz or DEFAULT_TZ
    if kind == "digest":
        return Schedule(row.digest_weekday, row.digest_minute, tz)
    return Schedule(row.prompt_weekday, row.prompt_minute, tz)


def get_channel(*, session: Session, team_id: str, channel_id: str) -> ChannelSettings | None:
    return session.get(ChannelSettings, (team_id, channel_id))


def enroll_channel(
    *, session: Session, team_id: str, channel_id: str, now: datetime
) -> tuple[ChannelSettings, bool]:
    """Enrol the channel (digest on Friday 15:00, prompt off); True if it is new."""
    existing = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if existing is not None:
        return existing, False
    row = _new_row(team_id, channel_id, now)
    if not insert_once(session, row):  # a concurrent delivery enrolled it first
        found = get_channel(session=session, team_id=team_id, channel_id=channel_id)
        assert found is not None
        return found, False
    return row, True


def _new_row(team_id: str, channel_id: str, now: datetime) -> ChannelSettings:
    return ChannelSettings(
        team_id=team_id,
        channel_id=channel_id,
        tz=None,
        digest_enabled=True,
        digest_weekday=DIGEST_DEFAULT[0],
        digest_minute=DIGEST_DEFAULT[1],
        digest_since=now,
        prompt_enabled=False,
        prompt_weekday=PROMPT_DEFAULT[0],
        prompt_minute=PROMPT_DEFAULT[1],
        prompt_since=now,
        kudos_channel_id=None,
        leaderboard=False,
        empty_week_line=False,
        enrolled_at=now,
        updated_at=now,
        updated_by=None,
    )


def parse_channel_command(args: str) -> ChannelChange | None:
    """Parse the words after `/reciprocity channel`; None means `show`. Bad input: DomainError."""
    words = args.split()
    if not words or words[0].lower() == "show":
        if len(words) > 1:
            raise DomainError("`show` takes nothing after it.")
        return None
    setting, rest = words[0].lower(), words[1:]
    if setting in ("digest", "prompt"):
        return _parse_schedule(setting, rest)
    if setting in ("leaderboard", "quiet-week", "quietweek", "empty-week"):
        name = "leaderboard" if setting == "leaderboard" else "quiet-week"
        if len(rest) != 1 or rest[0].lower() not in ("on", "off"):
            raise DomainError(f"Say `{name} on` or `{name} off`.")
        return ChannelChange(setting=name, enabled=rest[0].lower() == "on")
    if setting == "kudos":
        if len(rest) != 1:
            raise DomainError("Say `kudos here` or `kudos #channel` (pick it from autocomplete).")
        if rest[0].lower() == "here":
            return ChannelChange(setting="kudos", channel_id=None)
        match = _CHANNEL.match(rest[0])
        if match is None:
            raise DomainError(
                f"I can't tell which channel `{rest[0][:80]}` is. Type `#` and pick the channel "
                "from Slack's autocomplete so it turns into a link."
            )
        return ChannelChange(setting="kudos", channel_id=match.group(1))
    if setting in ("timezone", "tz"):
        if len(rest) != 1:
            raise DomainError("Say `timezone Europe/Berlin` (an IANA name) or `timezone UTC`.")
        return ChannelChange(setting="timezone", tz=check_timezone(rest[0]))
    raise DomainError(f"I don't know the channel setting `{setting[:40]}`.")


def _parse_schedule(setting: str, rest: list[str]) -> ChannelChange:
    label = "digest" if setting == "digest" else "prompt"
    if not rest or rest[0].lower() not in ("on", "off") or len(rest) > 3:
        raise DomainError(f"Say `{label} on [day] [HH:MM]` or `{label} off`.")
    enabled = rest[0].lower() == "on"
    weekday = minute = None
    for word in rest[1:]:
        if not enabled:
            raise DomainError(f"`{label} off` takes no day or time.")
        day = parse_day(word)
        clock = parse_clock(word)
        if day is not None and weekday is None:
            weekday = day
        elif clock is not None and minute is None:
            minute = clock
        else:
            raise DomainError(
                f"`{word[:40]}` isn't a day (like `friday`) or a 24-hour time (like `15:00`)."
            )
    return ChannelChange(setting=setting, enabled=enabled, weekday=weekday, minute=minute)


def check_timezone(name: str) -> str:
    name = name.strip()
    if name.upper() == "UTC":
        return "UTC"
    try:
        if not name or len(name) > 64 or "/" not in name or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            f"`{name[:64]}` isn't a time zone I know. Use an IANA name like `Europe/Berlin`."
        ) from None
    return name


def apply_change(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    change: ChannelChange,
    user_id: str,
    now: datetime,
) -> ChannelSettings:
    """Change one setting (enrolling the channel first if it never was)."""
    row, _ = enroll_channel(session=session, team_id=team_id, channel_id=channel_id, now=now)
    if change.setting in ("digest", "prompt"):
        prefix = change.setting
        was_on = getattr(row, f"{prefix}_enabled")
        setattr(row, f"{prefix}_enabled", bool(change.enabled))
        if change.enabled and not was_on:
            setattr(row, f"{prefix}_since", now)
        if change.weekday is not None:
            setattr(row, f"{prefix}_weekday", change.weekday)
        if change.minute is not None:
            setattr(row, f"{prefix}_minute", change.minute)
    elif change.setting == "kudos":
        row.kudos_channel_id = (
            None if change.channel_id in (None, channel_id) else change.channel_id
        )
    elif change.setting == "timezone":
        row.tz = None if change.tz == DEFAULT_TZ else change.tz
    elif change.setting == "leaderboard":
        row.leaderboard = bool(change.enabled)
    elif change.setting == "quiet-week":
        row.empty_week_line = bool(change.enabled)
    row.updated_at = now
    row.updated_by = user_id
    session.flush()
    return row


def kudos_destination(*, session: Session, team_id: str, channel_id: str) -> str:
    """Where kudos given in this channel are posted: the channel itself unless it chose another."""
    row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if row is None or not row.kudos_channel_id:
        return channel_id
    return row.kudos_channel_id


def enrolled_channels(
    *, session: Session, kind: str, team_id: str | None = None, channel_id: str | None = None
) -> list[ChannelSettings]:
    """Channels with this weekly work on (or exactly the one asked for, on or not)."""
    stmt = (
        select(ChannelSettings)
        .where(installed(ChannelSettings.team_id))
        .order_by(ChannelSettings.team_id, ChannelSettings.channel_id)
    )
    if channel_id is not None:
        stmt = stmt.where(ChannelSettings.channel_id == channel_id)
    elif kind == "digest":
        stmt = stmt.where(ChannelSettings.digest_enabled.is_(True))
    else:
        stmt = stmt.where(ChannelSettings.prompt_enabled.is_(True))
    if team_id is not None:
        stmt = stmt.where(ChannelSettings.team_id == team_id)
    return list(session.scalars(stmt))


def describe(row: ChannelSettings | None) -> dict[str, str]:
    """The settings in words, for `show` and the welcome."""
    if row is None:
        return {
            "digest": f"on, {format_schedule(*DIGEST_DEFAULT)}",
            "prompt": "off",
            "kudos": "posted here",
            "timezone": DEFAULT_TZ,
            "leaderboard": "off",
            "quiet-week": "off",
        }
    return {
        "digest": (
            f"on, {format_schedule(row.digest_weekday, row.digest_minute)}"
            if row.digest_enabled
            else "off"
        ),
        "prompt": (
            f"on, {format_schedule(row.prompt_weekday, row.prompt_minute)}"
            if row.prompt_enabled
            else "off"
        ),
        "kudos": f"posted in <#{row.kudos_channel_id}>" if row.kudos_channel_id else "posted here",
        "timezone": row.tz or DEFAULT_TZ,
        "leaderboard": "on" if row.leaderboard else "off",
        "quiet-week": "on" if row.empty_week_line else "off",
    }
