"""People as the core sees them: plain data, fetched from Slack by the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
    """Create or refresh the member row, keeping what the person set themselves.

    Writes only when the profile changed (fewer row locks under load), and tolerates a
    concurrent transaction creating the same row first.
    """
    key = (person.team_id, person.id)
    member = session.get(Member, key)
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
        try:
            with session.begin_nested():
                session.add(member)
            return member
        except IntegrityError:
            found = session.get(Member, key, populate_existing=True)
            assert found is not None
            member = found
    profile = (person.label[:255], person.tz or member.tz, person.is_bot)
    if (member.display_name, member.tz, member.is_bot) != profile:
        member.display_name, member.tz, member.is_bot = profile
        member.updated_at = now
    return member


def lock_member(*, session: Session, team_id: str, user_id: str) -> Member | None:
    """Lock one member row for the rest of the transaction (a no-op lock on SQLite)."""
    stmt = (
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id).with_for_update()
    )
    return session.scalars(stmt).first()
