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


def may_act_on(event: dict[str, Any]) -> bool:
    """Whether an event could lead to anything: of channel messages only a person's reply in a
    thread can (help given on a card, an answer to a share prompt). The rest are not even
    written to the inbox."""
    if event.get("type") != "message":
        return True
    thread_ts = event.get("thread_ts")
    return bool(
        event.get("subtype") not in _IGNORED_SUBTYPES
        and not event.get("bot_id")
        and event.get("user")
        and thread_ts
        and thread_ts != event.get("ts")
    )


def register(app: Routes, hooks: Sequence[MessageHook]) -> None:
    def on_message(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps
    ) -> None:
        if not may_act_on(event):
            return
        team_id = body.get("team_id") or event.get("team") or ""
        for hook in hooks:
            hook(deps=deps, client=client, team_id=team_id, event=event)

    app.event("message")(on_message)
