"""A structural check of what Slack sends, before Bolt reads it: garbage is a 400, not a 500."""

from __future__ import annotations

import json
from typing import Any

_INTERACTIVE = {
    "block_actions",
    "view_submission",
    "view_closed",
    "message_action",
    "shortcut",
    "block_suggestion",
}


def _is_obj(value: Any, *keys: str) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(k), str) for k in keys)


def payload_problem(body: Any) -> str | None:
    """Why this body can't be a Slack request, or None when its shape is sound."""
    if not isinstance(body, dict):
        return "body is not an object"
    if "ssl_check" in body:
        return None
    if "command" in body:
        missing = [k for k in ("team_id", "user_id", "channel_id", "command") if not body.get(k)]
        return f"slash command without {', '.join(missing)}" if missing else None
    kind = body.get("type")
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "no challenge"
    if kind == "event_callback":
        if not isinstance(body.get("event_id"), str) or not _is_obj(body.get("event"), "type"):
            return "event without an id or a typed event"
        return None
    if kind in _INTERACTIVE:
        if not _is_obj(body.get("user"), "id"):
            return "interaction without a user"
        if kind == "block_actions":
            actions = body.get("actions")
            if (
                not isinstance(actions, list)
                or not actions
                or not all(_is_obj(a, "action_id") for a in actions)
            ):
                return "block action without actions"
        if kind in ("view_submission", "view_closed") and not _is_obj(body.get("view"), "id"):
            return "view event without a view"
        if kind == "view_submission" and not isinstance(
            (body["view"].get("state") or {}).get("values"), dict
        ):
            return "view submission without state"
        if kind == "message_action" and not (
            _is_obj(body.get("message"))
            and _is_obj(body.get("channel"), "id")
            and isinstance(body.get("callback_id"), str)
        ):
            return "message shortcut without its message"
        return None
    return f"unknown request type {str(kind)[:40]!r}"


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request came from: `team.id` (interactions), `team_id` (events,
    commands), or the user's team."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    user_team = user.get("team_id") if isinstance(user, dict) else None
    return str(body.get("team_id") or user_team or "")


def private_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata as we wrote it; anything unreadable counts as empty."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
