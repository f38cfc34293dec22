"""Each person's own boundaries: working hours and days, time zone, cap, pause, opt-outs."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.people import zone
from models.preferences import MemberPreferences


@dataclass(frozen=True)
class Preferences:
    """A person's choices, with the defaults filled in (09:00–17:00, Monday–Friday, 3 a week)."""

    tz: str | None = None
    work_start_minute: int = 9 * 60
    work_end_minute: int = 17 * 60
    work_days: tuple[int, ...] = field(default=(0, 1, 2, 3, 4))  # Monday is 0
    weekly_nudge_cap: int = 3
    paused_until: datetime | None = None
    opt_out_prompts: bool = False
    opt_out_reminders: bool = False
    opt_out_pairing: bool = False
    opt_out_suggestions: bool = False
    opt_out_digest_mentions: bool = False
    opt_out_thanks_note: bool = False
    allow_mentions: bool = False

    def zone_name(self, profile_tz: str | None) -> str:
        return self.tz or profile_tz or "UTC"

    def is_paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until

    def in_working_hours(self, now: datetime, profile_tz: str | None) -> bool:
        """Is it within this person's working hours and days, in their own time zone?"""
        local = now.astimezone(zone(self.zone_name(profile_tz)))
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.work_days and (
            self.work_start_minute <= minute < self.work_end_minute
        )


_NAMES = [f.name for f in fields(Preferences)]


def _from_row(row: MemberPreferences | None) -> Preferences:
    if row is None:
        return Preferences()
    values: dict[str, Any] = {name: getattr(row, name) for name in _NAMES}
    values["work_days"] = tuple(row.work_days or ())
    return Preferences(**values)


def get_preferences(*, session: Session, team_id: str, user_id: str) -> Preferences:
    return _from_row(session.get(MemberPreferences, (team_id, user_id)))


def load_preferences(
    *, session: Session, team_id: str, user_ids: list[str]
) -> dict[str, Preferences]:
    """Everyone's preferences in one query; people with no row get the defaults."""
    rows = session.scalars(
        select(MemberPreferences).where(
            MemberPreferences.team_id == team_id, MemberPreferences.user_id.in_(user_ids)
        )
    )
    found = {row.user_id: _from_row(row) for row in rows}
    return {uid: found.get(uid, Preferences()) for uid in user_ids}


def save_preferences(
    *, session: Session, team_id: str, user_id: str, now: datetime, **changes: Any
) -> Preferences:
    unknown = set(changes) - set(_NAMES)
    if unknown:
        raise ValueError(f"unknown preference(s): {', '.join(sorted(unknown))}")
    row = session.get(MemberPreferences, (team_id, user_id))
    if row is None:
        defaults = Preferences()
        row = MemberPreferences(
            team_id=team_id,
            user_id=user_id,
            updated_at=now,
            **{n: getattr(defaults, n) for n in _NAMES},
        )
        row.work_days = list(defaults.work_days)
        session.add(row)
    for name, value in changes.items():
        setattr(row, name, list(value) if name == "work_days" else value)
    row.updated_at = now
    session.flush()
    return _from_row(row)
