"""What makes two deliveries of an event the same happening (the inbox is unique on it)."""

from __future__ import annotations

from typing import Any


def natural_key(team_id: str, event: dict[str, Any]) -> str | None:
    """What makes two deliveries the same happening, whatever their event ids; None for an
    event with no time of its own (`app_uninstalled`, `tokens_revoked` carry neither `ts`
    nor `event_ts`), which its event id alone tells apart: an uninstall after a reinstall is
    a new happening, not a redelivery of the first."""
    kind = str(event.get("type", ""))
    item = event.get("item") or {}
    if not (event.get("ts") or event.get("event_ts") or item.get("ts")):
        return None
    user = event.get("user", "")
    if isinstance(user, dict):  # team_join and user_change carry the whole user
        user = user.get("id", "")
    parts = [
        team_id,
        kind,
        str(event.get("subtype", "")),
        str(user),
        str(event.get("channel") or item.get("channel", "")),
        str(event.get("ts") or item.get("ts", "")),
        str(event.get("reaction", "")),
        str(event.get("event_ts", "")),
    ]
    return ":".join(parts)[:400]
