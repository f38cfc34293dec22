"""The one `message` listener (Bolt runs only the first matching one); features add hooks."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps

_IGNORED_SUBTYPES = {
    "message_changed",
    "message_deleted",
    "bot_message",
    "channel_join",
    "channel_leave",
    "message_replied",
}


def register(app: App, deps: Deps) -> None:
    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if (
            event.get("subtype") in _IGNORED_SUBTYPES
            or event.get("bot_id")
            or not event.get("user")
        ):
            return
        team_id = body.get("team_id") or event.get("team") or ""
        for hook in deps.message_hooks:
            hook(event=event, team_id=team_id, client=client)
