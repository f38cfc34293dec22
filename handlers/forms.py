"""Reading a modal's answers and answering it: the one way a form shows its mistakes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from slack_bolt import Ack

from bot.errors import DomainError

T = TypeVar("T")


def field(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    """One input's state in a submitted view (empty when the block isn't there)."""
    values = (view.get("state") or {}).get("values") or {}
    found = (values.get(block) or {}).get(action)
    return found if isinstance(found, dict) else {}


def checked(
    ack: Ack, check: Callable[[], T], *, blocks: Mapping[str, str], default: str
) -> T | None:
    """Run a form's checks (local data only: Slack waits for this answer). A DomainError
    becomes the error shown on its field (`blocks` maps `error.field` to a block id), and
    the result None; the caller then stops."""
    try:
        return check()
    except DomainError as error:
        block = blocks.get(error.field or "", default)
        ack(response_action="errors", errors={block: error.message})
        return None
