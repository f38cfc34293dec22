"""What emoji thanks say to the person who gave them."""

from __future__ import annotations

from typing import Any

from bot.text import mrkdwn


def thanks_note(emoji: str, author_id: str) -> dict[str, Any]:
    """The one ephemeral note, the first time someone's reaction counts as a thank-you."""
    text = (
        f"Your :{mrkdwn(emoji)}: counted as a thank-you to <@{author_id}> — "
        "remove it to take it back."
    )
    return {"text": text}
