"""A small cache of Slack profiles: handlers ask Slack about a person every few minutes at most."""

from __future__ import annotations

import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import DomainError
from bot.services.people import Person


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
    )


class MemberDirectory:
    """Looks people up by id (`users.info`) or by name (`users.list`), with a TTL cache."""

    def __init__(self, ttl_seconds: float = 300.0) -> None:
        self._ttl = ttl_seconds
        self._people: dict[tuple[str, str], tuple[float, Person | None]] = {}
        self._rosters: dict[str, tuple[float, list[Person]]] = {}
        self._lock = threading.Lock()

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
            if exc.response.get("error") not in ("user_not_found", "user_not_visible"):
                raise
            person = None
        with self._lock:
            self._people[key] = (time.monotonic() + self._ttl, person)
        return person

    def get_many(self, client: WebClient, team_id: str, user_ids: list[str]) -> list[Person | None]:
        return [self.get(client, team_id, uid) for uid in user_ids]

    def find_by_name(self, client: WebClient, team_id: str, name: str) -> Person | None:
        """Resolve a plain `@name`: handle first, then display name, then real name."""
        wanted = name.lstrip("@").casefold()
        roster = self._roster(client, team_id)
        for attribute in ("name", "display_name", "real_name"):
            matches = [
                p for p in roster if getattr(p, attribute).casefold() == wanted and not p.deleted
            ]
            if len(matches) == 1:
                return matches[0]
        return None

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

        Anyone Slack doesn't know is a DomainError naming them; `field` is the modal block
        to flag.
        """
        people: list[Person] = []
        for uid in user_ids:
            person = self.get(client, team_id, uid)
            if person is None:
                raise DomainError(f"I couldn't find <@{uid}> in this workspace.", field=field)
            if person.id not in {p.id for p in people}:
                people.append(person)
        for name in names:
            person = self.find_by_name(client, team_id, name)
            if person is None:
                raise DomainError(
                    f"I couldn't find anyone called @{name}. Pick them from Slack's "
                    "autocomplete so the name turns into a link.",
                    field=field,
                )
            if person.id not in {p.id for p in people}:
                people.append(person)
        return people

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._people.pop((team_id, user_id), None)

    def _roster(self, client: WebClient, team_id: str) -> list[Person]:
        with self._lock:
            hit = self._rosters.get(team_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        people: list[Person] = []
        for page in client.users_list(limit=200):
            people.extend(person_from_slack(team_id, u) for u in page.get("members", []))
        with self._lock:
            self._rosters[team_id] = (time.monotonic() + self._ttl, people)
            for person in people:
                self._people[(team_id, person.id)] = (time.monotonic() + self._ttl, person)
        return people
