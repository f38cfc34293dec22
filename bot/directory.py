"""Who people are: a short cache in this process, the `members` table every process shares,
and Slack (`users.info`, `users.list`) behind them.

`get` asks Slack at most every few minutes per person. `local` never asks Slack: it is what
the ack path uses to check a form before answering (Slack waits 3 seconds, not more).
`sync_roster` copies the member list into `members` after a form with a people picker
opens, so the form's answer can say "that's a bot" without a network call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import DomainError
from bot.services.people import Person, person_from_member, remember_member
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from bot.slack_api import error_of
from bot.text import join_people, mrkdwn
from models import Member, Workspace

log = logging.getLogger(__name__)

ROSTER_FRESH = timedelta(minutes=2)
"""A member list copied this recently (just after the form opened) is complete enough for the
form's answer to say "no such person"; later, someone not in it is checked after the ack."""
ROSTER_EVERY = timedelta(hours=1)
"""How often the member list is copied at most (`users.list` is rate-limited, and a big
workspace takes a page per 200 people)."""

_NOT_FOUND = frozenset({"user_not_found", "user_not_visible"})


def person_from_slack(team_id: str, user: dict[str, Any]) -> Person:
    profile = user.get("profile") or {}
    return Person(
        id=user["id"],
        team_id=team_id,
        name=user.get("name") or "",
        display_name=profile.get("display_name") or "",
        real_name=user.get("real_name") or profile.get("real_name") or "",
        tz=user.get("tz") or "UTC",
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
        is_admin=bool(user.get("is_admin")),
        is_owner=bool(user.get("is_owner")),
        title=str(profile.get("title") or "").strip(),
        known=True,
        is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
    )


def ambiguous_text(name: str, matches: list[Person]) -> str:
    """Which of these people a plain `@name` means, for the person to say again."""
    shown = [p.id for p in matches[:10]]
    more = f" (and {len(matches) - 10} more)" if len(matches) > 10 else ""
    return (
        f"Several people are called @{mrkdwn(name[:80])}: {join_people(shown)}{more}. "
        "Which one did you mean? Nothing was sent: mention them (pick the name from "
        "Slack's autocomplete) and send it again."
    )


class Unknown:
    """`local`'s answer for someone the stored member list doesn't have."""

    def __init__(self, user_id: str, *, certain: bool) -> None:
        self.user_id = user_id
        self.certain = certain  # the list is fresh: Slack doesn't know them either


class MemberDirectory:
    """Looks people up by id or by name, with a TTL cache in front of Slack."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        defaults: WorkspaceDefaults,
        ttl_seconds: float = 300.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = defaults
        self._ttl = ttl_seconds
        self._people: dict[tuple[str, str], tuple[float, Person | None]] = {}
        self._rosters: dict[str, tuple[float, list[Person]]] = {}
        self._lock = threading.Lock()

    # ----- by id, from Slack ---------------------------------------------------------------
    def get(self, client: WebClient, team_id: str, user_id: str) -> Person | None:
        """The person, or None when Slack does not know them."""
        key = (team_id, user_id)
        with self._lock:
            hit = self._people.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        try:
            user = client.users_info(user=user_id)["user"]
            person: Person | None = person_from_slack(team_id, user)
        except SlackApiError as exc:
            if error_of(exc) not in _NOT_FOUND:
                raise
            person = None
        self._keep(key, person)
        return person

    def profile(self, client: WebClient, team_id: str, user_id: str) -> Person:
        """The person, or a bare one (just the id) when Slack doesn't know them."""
        return self.get(client, team_id, user_id) or Person(id=user_id, team_id=team_id)

    def require(
        self, client: WebClient, team_id: str, user_id: str, *, field: str | None = None
    ) -> Person:
        """The person, or a DomainError saying they aren't in this workspace."""
        person = self.get(client, team_id, user_id)
        if person is None:
            raise DomainError(f"I couldn't find <@{user_id}> in this workspace.", field=field)
        return person

    # ----- by id, without the network ----------------------------------------------------
    def local(self, team_id: str, user_id: str) -> Person | Unknown:
        """What this process or the stored member list knows, never asking Slack."""
        with self._lock:
            hit = self._people.get((team_id, user_id))
        if hit and hit[0] > time.monotonic():
            return hit[1] if hit[1] is not None else Unknown(user_id, certain=True)
        with self._sessions() as session:
            member = session.get(Member, (team_id, user_id))
            if member is not None and member.profile_at is not None:
                return person_from_member(member)
            synced = self._roster_synced_at(session, team_id)
        fresh = synced is not None and synced >= self._clock() - ROSTER_FRESH
        return Unknown(user_id, certain=fresh)

    def stored(self, team_id: str, user_id: str) -> Person:
        """`local`, or a bare person (just the id) when nothing is stored about them."""
        found = self.local(team_id, user_id)
        return found if isinstance(found, Person) else Person(id=user_id, team_id=team_id)

    def picked(
        self, team_id: str, user_ids: list[str], *, field: str | None = None
    ) -> list[Person]:
        """The people a form picked, each once, from stored profiles (no network): someone
        Slack certainly doesn't know is a DomainError; someone not stored yet comes back
        bare (`known` False), for the checks after the ack to look at again."""
        people: list[Person] = []
        for uid in dict.fromkeys(user_ids):
            found = self.local(team_id, uid)
            if isinstance(found, Unknown):
                if found.certain:
                    raise DomainError(f"I couldn't find <@{uid}> in this workspace.", field=field)
                found = Person(id=uid, team_id=team_id)
            people.append(found)
        return people

    # ----- by name, and the whole member list ------------------------------------------------
    def named(self, client: WebClient, team_id: str, name: str) -> list[Person]:
        """Everyone a plain `@name` may mean: by handle first, then display name, then full
        name (the first of these anyone has), each once; no one deactivated."""
        wanted = " ".join(name.lstrip("@").split()).casefold()
        if not wanted:
            return []
        roster = self._roster(client, team_id)
        for attribute in ("name", "display_name", "real_name"):
            matches = [
                p
                for p in roster
                if " ".join(getattr(p, attribute).split()).casefold() == wanted and not p.deleted
            ]
            if matches:
                return list({p.id: p for p in matches}.values())
        return []

    def find_by_name(self, client: WebClient, team_id: str, name: str) -> Person | None:
        """Resolve a plain `@name` to the one person it means, or None (nobody, or several)."""
        matches = self.named(client, team_id, name)
        return matches[0] if len(matches) == 1 else None

    def resolve(
        self,
        client: WebClient,
        team_id: str,
        user_ids: list[str],
        names: list[str],
        *,
        field: str | None = None,
    ) -> list[Person]:
        """The people a command mentions (`<@U…>` ids, then plain `@names`), each once.

        Anyone Slack doesn't know is a DomainError naming them, and so is a name several
        people answer to (it lists them, to pick from); `field` is the modal block to flag.
        """
        people: list[Person] = []
        for uid in user_ids:
            person = self.require(client, team_id, uid, field=field)
            if person.id not in {p.id for p in people}:
                people.append(person)
        for name in names:
            matches = self.named(client, team_id, name)
            if not matches:
                raise DomainError(
                    f"I couldn't find anyone called @{mrkdwn(name[:80])}. Pick them from "
                    "Slack's autocomplete so the name turns into a link.",
                    field=field,
                )
            if len(matches) > 1:
                raise DomainError(ambiguous_text(name, matches), field=field)
            if matches[0].id not in {p.id for p in people}:
                people.append(matches[0])
        return people

    def sync_roster(self, client: WebClient, team_id: str) -> bool:
        """Copy the member list into `members` unless that was done within the hour."""
        with self._sessions() as session:
            synced = self._roster_synced_at(session, team_id)
        if synced is not None and synced >= self._clock() - ROSTER_EVERY:
            return False
        self._roster(client, team_id, fresh=True)
        return True

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._people.pop((team_id, user_id), None)

    @staticmethod
    def _roster_synced_at(session: Session, team_id: str) -> datetime | None:
        workspace = session.get(Workspace, team_id)
        return workspace.roster_synced_at if workspace is not None else None

    def _keep(self, key: tuple[str, str], person: Person | None) -> None:
        with self._lock:
            self._people[key] = (time.monotonic() + self._ttl, person)

    def _roster(self, client: WebClient, team_id: str, *, fresh: bool = False) -> list[Person]:
        with self._lock:
            hit = self._rosters.get(team_id)
        if hit and hit[0] > time.monotonic() and not fresh:
            return hit[1]
        people: list[Person] = []
        # team_id: an org-wide (Enterprise Grid) token lists that workspace; others ignore it.
        for page in client.users_list(limit=200, team_id=team_id):
            people.extend(person_from_slack(team_id, u) for u in page.get("members", []))
        expires = time.monotonic() + self._ttl
        with self._lock:
            self._rosters[team_id] = (expires, people)
            for person in people:
                self._people[(team_id, person.id)] = (expires, person)
        self._store(team_id, people)
        return people

    def _store(self, team_id: str, people: list[Person]) -> None:
        """Write the list to `members`, a page at a time, in id order (no lock cycles)."""
        now = self._clock()
        ordered = sorted(people, key=lambda p: p.id)
        for start in range(0, len(ordered), 200):
            with self._sessions.begin() as session:
                for person in ordered[start : start + 200]:
                    remember_member(session=session, person=person, now=now)
        with self._sessions.begin() as session:
            get_workspace(
                session=session, team_id=team_id, defaults=self._defaults, now=now
            ).roster_synced_at = now
