"""The one `message` listener (Bolt runs only the first matching one); features add hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from handlers.routing import Routes

MessageHook = Callable[..., None]
"""Called with (deps=, client=, team_id=, event=) for each message a person posted."""

_IGNORED_SUBTYPES = {
    "message_changed",
    "message_deleted",
    "bot_message",
    "channel_join",
    "channel_leave",
    "message_replied",
}


def register(app: Routes, hooks: Sequence[MessageHook]) -> None:
    def on_message(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps
    ) -> None:
        if (
            event.get("subtype") in _IGNORED_SUBTYPES
            or event.get("bot_id")
            or not event.get("user")
        ):
            return
        team_id = body.get("team_id") or event.get("team") or ""
        for hook in hooks:
            hook(deps=deps, client=client, team_id=team_id, event=event)

    app.event("message")(on_message)
