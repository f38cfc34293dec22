"""People as the core sees them: plain data, fetched from Slack by the edge and kept in
`members`, so every process (and the ack path) can check someone without asking Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
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
    known: bool = False  # read from Slack's profile (not just an id we were given)

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


def _profile(person: Person) -> dict[str, object]:
    return {
        "display_name": person.label[:255],
        "name": person.name[:255],
        "real_name": person.real_name[:255],
        "tz": person.tz or "UTC",
        "is_bot": person.is_bot,
        "deleted": person.deleted,
        "is_admin": person.is_admin,
        "is_owner": person.is_owner,
    }


def remember_member(*, session: Session, person: Person, now: datetime) -> Member:
    """Create or refresh the member row, keeping what the person set themselves.

    A person known only by id creates a bare row and never overwrites a profile. Writes only
    when the profile changed (fewer row locks under load), and tolerates a concurrent
    transaction creating the same row first.
    """
    key = (person.team_id, person.id)
    member = session.get(Member, key)
    profile = _profile(person) if person.known else {}
    if member is None:
        member = Member(
            team_id=person.team_id,
            user_id=person.id,
            **(profile or {"display_name": "", "tz": "UTC", "is_bot": person.is_bot}),
            profile_at=now if person.known else None,
            created_at=now,
            updated_at=now,
        )
        if insert_once(session, member):
            return member
        found = session.get(Member, key, populate_existing=True)
        assert found is not None
        member = found
    if profile and (
        member.profile_at is None or any(getattr(member, k) != v for k, v in profile.items())
    ):
        for k, v in profile.items():
            setattr(member, k, v)
        member.profile_at = member.updated_at = now
    return member


def person_from_member(member: Member) -> Person:
    """The person as their stored profile last said."""
    return Person(
        id=member.user_id,
        team_id=member.team_id,
        name=member.name,
        display_name=member.display_name,
        real_name=member.real_name,
        tz=member.tz,
        is_bot=member.is_bot,
        deleted=member.deleted,
        is_admin=member.is_admin,
        is_owner=member.is_owner,
        known=member.profile_at is not None,
    )


def lock_member(*, session: Session, team_id: str, user_id: str) -> Member | None:
    """Lock one member row for the rest of the transaction (a no-op lock on SQLite)."""
    stmt = (
        select(Member).where(Member.team_id == team_id, Member.user_id == user_id).with_for_update()
    )
    return session.scalars(stmt).first()
