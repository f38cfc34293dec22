"""People as the core sees them: plain data, fetched from Slack by the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member


@dataclass(frozen=True)
class Person:
    id: str
    team_id: str
    name: str = ""
    display_name: str = ""
    real_name: str = ""
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    is_owner: bool = False

    @property
    def label(self) -> str:
        return self.display_name or self.real_name or self.name or self.id

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.tz)


def zone(name: str | None) -> ZoneInfo:
    """A time zone by name, UTC when Slack gave none or one this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def remember_member(*, session: Session, person: Person, now: datetime) -> Member:
    """Create or refresh the member row, keeping what the person set themselves."""
    member = session.get(Member, (person.team_id, person.id))
    if member is None:
        member = Member(
            team_id=person.team_id,
            user_id=person.id,
            display_name=person.label[:255],
            tz=person.tz or "UTC",
            is_bot=person.is_bot,
            created_at=now,
            updated_at=now,
        )
        session.add(member)
        session.flush()
        return member
    member.display_name = person.label[:255]
    member.tz = person.tz or member.tz
    member.is_bot = person.is_bot
    member.updated_at = now
    return member


def lock_member(*, session: Session, team_id: str, user_id: str) -> Member | None:
    """Lock one member row for the rest of the transaction (a no-op lock on SQLite)."""
    stmt = (
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id).with_for_update()
    )
    return session.scalars(stmt).first()
