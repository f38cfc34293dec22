"""The Block Kit pieces every surface builds with (pure; Block Kit's limits applied)."""

from __future__ import annotations

from typing import Any

from bot.text import truncate


def section(text: str, **extra: Any) -> dict[str, Any]:
    """A mrkdwn section; `text` must already be escaped where people wrote it."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}, **extra}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }
    if style:
        element["style"] = style
    return element
