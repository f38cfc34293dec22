"""People as the core sees them: plain data, fetched from Slack by the edge and kept in
`members`, so every process (and the ack path) can check someone without asking Slack."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db import enterprise_of_team, insert_once
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
    title: str = ""  # the Slack profile's title (insights' department when none was set)
    known: bool = False  # read from Slack's profile (not just an id we were given)
    is_guest: bool = False  # a multi- or single-channel guest (`is_restricted`, `is_ultra_…`)

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
        "title": person.title[:255],
    }


MemberKey = tuple[str, str]  # (team_id, user_id): the one order every transaction locks in


def member_key(person: Person) -> MemberKey:
    return (person.team_id, person.id)


def remember_member(*, session: Session, person: Person, now: datetime) -> Member:
    """Create or refresh one member row (see remember_members)."""
    return remember_members(session=session, people=[person], now=now)[member_key(person)]


# Statements every kudos, thanks and request runs, built once (building one cost more than
# running it).
_MEMBERS_OF = select(Member).where(
    Member.team_id == bindparam("p_team"),
    Member.user_id.in_(bindparam("p_users", expanding=True)),
)
_LOCK_MEMBER = (
    select(Member)
    .where(Member.team_id == bindparam("p_team"), Member.user_id == bindparam("p_user"))
    .with_for_update()
    .execution_options(populate_existing=True)  # what the row says now, not what we read
)


def remember_members(
    *,
    session: Session,
    people: Iterable[Person],
    now: datetime,
    lock: Iterable[Person] = (),
) -> dict[MemberKey, Member]:
    """Create or refresh the member rows of `people`, keeping what they set themselves, and
    lock the rows of `lock` (remembered too) for the rest of the transaction.

    A person known only by id creates a bare row and never overwrites a profile; a row is
    written only when the profile changed (fewer row locks under load).

    Never deadlocks with another transaction doing the same: rows are created and locked in
    one global order, (team_id, user_id). First every missing row is inserted with
    `INSERT … ON CONFLICT DO NOTHING` in that order (a concurrent insert of the same row is
    waited for, then left alone); then every row this transaction will write or was asked to
    lock is locked with `SELECT … FOR UPDATE` in that order, before any write. Call it once
    with everyone a transaction needs, not once per person. (SQLite takes its write lock at
    BEGIN IMMEDIATE, see bot/db.py: there the first read is the lock, and the order matters
    only on PostgreSQL.)
    """
    wanted: dict[MemberKey, Person] = {}
    to_lock: set[MemberKey] = set()
    for person in people:
        _want(wanted, person)
    for person in lock:
        _want(wanted, person)
        to_lock.add(member_key(person))
    keys = sorted(wanted)
    members: dict[MemberKey, Member] = {}
    for team_id in sorted({team for team, _user in keys}):  # reading locks nothing
        users = [user for team, user in keys if team == team_id]
        for row in session.scalars(_MEMBERS_OF, {"p_team": team_id, "p_users": users}):
            members[(row.team_id, row.user_id)] = row
    created = {k for k in keys if k not in members and _insert_missing(session, wanted[k], now)}
    for key in keys:
        if key not in members:  # inserted just now, by us or by a transaction we waited for
            found = session.get(Member, key)
            assert found is not None
            members[key] = found
    # SQLite: every transaction holds the database's write lock from its BEGIN IMMEDIATE
    # (bot/db.py), so each row read above is current and no one else can write it.
    serial = session.get_bind().dialect.name == "sqlite"
    for key in keys:
        if key in created or serial:
            continue  # ours already: inserted by this transaction, or read under SQLite's lock
        if key in to_lock or _stale(members[key], wanted[key]):
            locked = lock_member(session=session, team_id=key[0], user_id=key[1])
            assert locked is not None
            members[key] = locked
    for key in keys:
        _refresh(members[key], wanted[key], now)
    return members


def _want(wanted: dict[MemberKey, Person], person: Person) -> None:
    """One person per row; the one read from Slack when an id came twice."""
    key = member_key(person)
    if key not in wanted or (person.known and not wanted[key].known):
        wanted[key] = person


def _new_row(person: Person, now: datetime) -> dict[str, object]:
    profile = _profile(person) if person.known else {}
    return {
        "team_id": person.team_id,
        "enterprise_id": enterprise_of_team(person.team_id),
        "user_id": person.id,
        **(profile or {"display_name": "", "tz": "UTC", "is_bot": person.is_bot}),
        "profile_at": now if person.known else None,
        "created_at": now,
        "updated_at": now,
    }


def _insert_missing(session: Session, person: Person, now: datetime) -> bool:
    """Insert the row unless it is there; True when this transaction inserted it.

    `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same row and then does
    nothing, without an error that would need a savepoint; the caller reads the row after.
    """
    row = _new_row(person, now)
    dialect = session.get_bind().dialect.name
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(Member)
    elif dialect == "sqlite":
        stmt = sqlite.insert(Member)
    else:  # pragma: no cover - PostgreSQL and SQLite are the databases we run on
        return insert_once(session, Member(**row))
    stmt = stmt.values(**row).on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    return session.execute(stmt.returning(Member.user_id)).first() is not None


def _stale(member: Member, person: Person) -> bool:
    """Whether the row needs the person's profile written to it."""
    if not person.known:
        return False
    profile = _profile(person)
    return member.profile_at is None or any(getattr(member, k) != v for k, v in profile.items())


def _refresh(member: Member, person: Person, now: datetime) -> None:
    if _stale(member, person):
        for k, v in _profile(person).items():
            setattr(member, k, v)
        member.profile_at = member.updated_at = now


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
        title=member.title,
        known=member.profile_at is not None,
    )


def lock_member(*, session: Session, team_id: str, user_id: str) -> Member | None:
    """Lock one member row for the rest of the transaction (a no-op lock on SQLite).

    To lock several, use remember_members(lock=...): it locks them in the one global order.
    """
    return session.scalars(_LOCK_MEMBER, {"p_team": team_id, "p_user": user_id}).first()
