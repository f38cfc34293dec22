"""The event inbox: each Slack event is written once before anything acts on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models import ProcessedEvent


def natural_key(team_id: str, event: dict[str, Any]) -> str:
    """What makes two deliveries the same happening, whatever their event ids."""
    kind = str(event.get("type", ""))
    item = event.get("item") or {}
    parts = [
        team_id,
        kind,
        str(event.get("subtype", "")),
        str(event.get("user", "")),
        str(event.get("channel") or item.get("channel", "")),
        str(event.get("ts") or item.get("ts", "")),
        str(event.get("reaction", "")),
        str(event.get("event_ts", "")),
    ]
    return ":".join(parts)[:400]


def admit_event(*, sessions: sessionmaker[Session], body: dict[str, Any], now: datetime) -> bool:
    """Write the event to the inbox; False if it was seen before. Database errors propagate."""
    event = body.get("event") or {}
    team_id = str(body.get("team_id") or event.get("team") or "")
    row = ProcessedEvent(
        event_id=str(body.get("event_id"))[:64],
        natural_key=natural_key(team_id, event),
        team_id=team_id[:32],
        event_type=str(event.get("type", ""))[:64],
        received_at=now,
    )
    try:
        with sessions.begin() as session:
            session.add(row)
    except IntegrityError:
        return False
    return True
