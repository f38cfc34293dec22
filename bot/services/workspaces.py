"""Workspace settings: created from the configured defaults on first contact."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import emoji as emoji_data
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.people import Person
from bot.text import mrkdwn
from models import Workspace


@dataclass(frozen=True)
class WorkspaceDefaults:
    kudos_daily_budget: int = 5
    thanks_emoji: tuple[str, ...] = ("pray", "raised_hands", "clap", "heart")
    kudos_values: tuple[str, ...] = field(default_factory=tuple)


def get_workspace(
    *, session: Session, team_id: str, defaults: WorkspaceDefaults, now: datetime
) -> Workspace:
    """The workspace row, created from the defaults if this is its first event."""
    workspace = session.get(Workspace, team_id)
    if workspace is not None:
        return workspace
    workspace = Workspace(
        team_id=team_id,
        kudos_daily_budget=defaults.kudos_daily_budget,
        thanks_emoji=list(defaults.thanks_emoji),
        kudos_values=list(defaults.kudos_values),
        admin_user_ids=[],
        created_at=now,
    )
    if not insert_once(session, workspace):
        existing = session.get(Workspace, team_id)
        assert existing is not None
        return existing
    return workspace


def can_administer(*, workspace: Workspace, user_id: str, is_admin: bool, is_owner: bool) -> bool:
    """Slack admins and owners, and the people they listed, may change settings."""
    return is_admin or is_owner or user_id in (workspace.admin_user_ids or [])


def may_administer(
    *, session: Session, person: Person, defaults: WorkspaceDefaults, now: datetime
) -> bool:
    """The one rule for workspace and channel settings: may this person change them?"""
    workspace = get_workspace(session=session, team_id=person.team_id, defaults=defaults, now=now)
    return can_administer(
        workspace=workspace, user_id=person.id, is_admin=person.is_admin, is_owner=person.is_owner
    )


_VALUE = re.compile(r"^[\w\-]{1,40}$")
_EMOJI = re.compile(r"^[a-z0-9_+'\-]{1,100}$")
MAX_VALUES = 20
MAX_EMOJI = 10
MAX_BUDGET = 100


def set_values(*, workspace: Workspace, values: list[str]) -> list[str]:
    """The company values a kudos may carry; with none, a `#word` is just part of the reason."""
    cleaned: list[str] = []
    for raw in values:
        value = raw.strip().lstrip("#")
        if not value:
            continue
        if not _VALUE.match(value):
            raise DomainError(
                f"`{value[:40]}` can't be a value: use one word (letters, digits, - or _), "
                "up to 40 characters, e.g. `customer-first`."
            )
        if value.lower() not in {v.lower() for v in cleaned}:
            cleaned.append(value)
    if len(cleaned) > MAX_VALUES:
        raise DomainError(f"At most {MAX_VALUES} values, please.")
    workspace.kudos_values = cleaned
    return cleaned


def set_budget(*, workspace: Workspace, budget: str) -> int:
    try:
        number = int(budget.strip())
    except ValueError:
        raise DomainError(
            f"The budget is a number of kudos per person per day, not `{budget[:20]}`."
        ) from None
    if not 1 <= number <= MAX_BUDGET:
        raise DomainError(f"The daily budget must be between 1 and {MAX_BUDGET}.")
    workspace.kudos_daily_budget = number
    return number


@lru_cache(maxsize=1)
def _standard_emoji() -> dict[str, str]:
    """Every standard emoji name the `emoji` package knows (Slack's shortcodes are its alias
    names, e.g. `pray`, `+1`, `raised_hands`; its English names cover most of the rest, e.g.
    `taco`, `thinking_face`), to the emoji itself."""
    names: dict[str, str] = {}
    for char, data in emoji_data.EMOJI_DATA.items():
        for name in (data["en"], *data.get("alias", ())):
            names.setdefault(name.strip(":").lower(), char)
    return names


def emoji_name(raw: str) -> str:
    """`:Clap::skin-tone-3:` is `clap`: the name, without colons or skin tone, lower-case."""
    return raw.strip().strip(":").split("::", 1)[0].strip(":").lower()


def standard_emoji(name: str) -> str | None:
    """The standard emoji a Slack name stands for (`thumbsup` and `+1` are both 👍), or None
    (a workspace's custom emoji, or no emoji at all). Slack writes some with hyphens where
    the package has underscores (`man-bowing`)."""
    known = _standard_emoji()
    name = emoji_name(name)
    return known.get(name) or known.get(name.replace("-", "_"))


def same_emoji(a: str, b: str) -> bool:
    """`+1` and `thumbsup` are one emoji; a custom emoji is only itself."""
    a, b = emoji_name(a), emoji_name(b)
    if a == b:
        return True
    char = standard_emoji(a)
    return char is not None and char == standard_emoji(b)


def emoji_names(words: Iterable[str]) -> list[str]:
    """What an admin typed as emoji names, cleaned and without repeats, in order; a
    DomainError for anything that can't be a name at all."""
    cleaned: list[str] = []
    for raw in words:
        name = emoji_name(raw)
        if not name:
            continue
        if not _EMOJI.match(name):
            raise DomainError(
                f"`{mrkdwn(raw[:40])}` isn't an emoji name; write it like `:pray:` or `pray`."
            )
        if name not in cleaned:
            cleaned.append(name)
    if not cleaned:
        raise DomainError("Name at least one emoji, e.g. `/reciprocity admin emoji pray clap`.")
    if len(cleaned) > MAX_EMOJI:
        raise DomainError(f"At most {MAX_EMOJI} thanks emoji, please.")
    return cleaned


def not_standard(names: Iterable[str]) -> list[str]:
    """The names that are no standard emoji: custom ones, or typos."""
    return [n for n in names if standard_emoji(n) is None]


def set_emoji(*, workspace: Workspace, names: list[str], custom: Collection[str] = ()) -> list[str]:
    """The emoji whose reactions count as thanks: standard ones, or the workspace's `custom`
    emoji. Any other name refuses the whole change (naming them), so the workspace always
    keeps at least one."""
    cleaned = emoji_names(names)
    known_custom = {emoji_name(c) for c in custom}
    refused = [n for n in not_standard(cleaned) if n not in known_custom]
    if refused:
        listed = ", ".join(f"`{n}`" for n in refused)
        kept = " ".join(f":{e}:" for e in workspace.thanks_emoji or [])
        raise DomainError(
            f"{listed} {'is' if len(refused) == 1 else 'are'} not "
            f"{'an emoji' if len(refused) == 1 else 'emoji'} Slack or this workspace has, so "
            f"nothing changed (thanks emoji are still {kept or 'unset'}). Use the names Slack "
            "shows when you hover over an emoji, e.g. `pray` or `raised_hands`."
        )
    workspace.thanks_emoji = cleaned
    return cleaned


def add_admin(*, workspace: Workspace, user_id: str) -> bool:
    if user_id in (workspace.admin_user_ids or []):
        return False
    workspace.admin_user_ids = [*(workspace.admin_user_ids or []), user_id]
    return True


def remove_admin(*, workspace: Workspace, user_id: str) -> bool:
    if user_id not in (workspace.admin_user_ids or []):
        return False
    workspace.admin_user_ids = [u for u in workspace.admin_user_ids if u != user_id]
    return True
