"""Small notices that stand in for an answer the bot could not give."""

from __future__ import annotations

from typing import Any


def not_saved_modal(text: str) -> dict[str, Any]:
    """Pushed over a form that could not be saved (or might not have been): closing it
    returns to the answers."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Not saved"},
        "close": {"type": "plain_text", "text": "Back to the form"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
