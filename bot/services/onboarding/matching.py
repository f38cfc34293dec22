"""Choosing a new hire's buddy: pure functions, so their rules are properties to test.

The volunteer with the least buddy load wins; among equals, someone from another department,
then someone whose working hours overlap the new hire's more. Never someone at capacity, a bot,
a guest, a deactivated account, the new hire themselves, or anyone either of the two put on
their confidential avoid list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services.preferences import Preferences

MAX_CAPACITY = 5
OVERLAP_STEP = timedelta(minutes=30)


@dataclass(frozen=True)
class Volunteer:
    """A buddy volunteer as the matching sees them."""

    user_id: str
    capacity: int = 1
    load: int = 0  # new hires they are buddy to right now
    department: str | None = None
    is_bot: bool = False
    is_guest: bool = False
    deleted: bool = False
    avoids: frozenset[str] = field(default_factory=frozenset)  # their "don't pair me with"


@dataclass(frozen=True)
class Newcomer:
    user_id: str
    department: str | None = None
    avoids: frozenset[str] = field(default_factory=frozenset)


def eligible(hire: Newcomer, volunteer: Volunteer) -> bool:
    """May this volunteer be this new hire's buddy at all?"""
    return (
        volunteer.user_id != hire.user_id
        and not (volunteer.is_bot or volunteer.is_guest or volunteer.deleted)
        and volunteer.load < volunteer.capacity
        and hire.user_id not in volunteer.avoids
        and volunteer.user_id not in hire.avoids
    )


def _other_department(hire: Newcomer, volunteer: Volunteer) -> bool:
    return bool(hire.department and volunteer.department) and (
        (hire.department or "").casefold() != (volunteer.department or "").casefold()
    )


def choose_buddy(
    hire: Newcomer, volunteers: Sequence[Volunteer], overlap: Mapping[str, int] | None = None
) -> Volunteer | None:
    """The buddy for this new hire, or None when no volunteer is free.

    `overlap`: minutes a week each volunteer's working hours share with the new hire's.
    """
    shared = overlap or {}
    candidates = [v for v in volunteers if eligible(hire, v)]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda v: (
            v.load,
            not _other_department(hire, v),
            shared.get(v.user_id, 0) <= 0,
            -shared.get(v.user_id, 0),
            v.load / max(v.capacity, 1),
            v.user_id,
        ),
    )


def match_all(
    hires: Iterable[Newcomer],
    volunteers: Sequence[Volunteer],
    overlap: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, str | None]:
    """Buddies for several new hires in turn (each match adds to that volunteer's load)."""
    pool = {v.user_id: v for v in volunteers}
    chosen: dict[str, str | None] = {}
    shared = overlap or {}
    for hire in hires:
        minutes = {uid: shared.get((hire.user_id, uid), 0) for uid in pool}
        buddy = choose_buddy(hire, list(pool.values()), minutes)
        chosen[hire.user_id] = buddy.user_id if buddy else None
        if buddy is not None:
            pool[buddy.user_id] = Volunteer(**{**buddy.__dict__, "load": buddy.load + 1})
    return chosen


def weekly_overlap_minutes(
    a: Preferences, a_tz: str | None, b: Preferences, b_tz: str | None, start: datetime
) -> int:
    """How many minutes of the week from `start` both are within their working hours."""
    minutes = 0
    moment = start
    step = int(OVERLAP_STEP.total_seconds() // 60)
    for _ in range(int(timedelta(days=7) / OVERLAP_STEP)):
        if a.in_working_hours(moment, a_tz) and b.in_working_hours(moment, b_tz):
            minutes += step
        moment += OVERLAP_STEP
    return minutes
