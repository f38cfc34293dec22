"""Nudge records: what the bot sent each member (for the weekly cap) and what waits in line.

The Slack side (asking `dnd.info`, posting the DM) is `scheduler/reminders.py::deliver_nudge`;
this module keeps the records and applies the gate's decisions to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.services.gate import WEEK, Decision, Kind, Verdict
from bot.services.workspace_data import installed
from models.nudges import Nudge

PENDING, SENT, DROPPED = "pending", "sent", "dropped"


def enqueue(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    kind: Kind | str,
    key: str,
    message: dict[str, Any],
    now: datetime,
    expires_at: datetime | None = None,
) -> Nudge:
    """The nudge `(team, user, kind, key)`: created pending, or the one already recorded."""
    kind = Kind(kind).value
    existing = _find(session=session, team_id=team_id, user_id=user_id, kind=kind, key=key)
    if existing is not None:
        return existing
    nudge = Nudge(
        team_id=team_id,
        user_id=user_id,
        kind=kind,
        key=key[:255],
        status=PENDING,
        message=message,
        not_before=now,
        expires_at=expires_at,
        created_at=now,
    )
    if not insert_once(session, nudge):  # another process recorded it a moment ago
        found = _find(session=session, team_id=team_id, user_id=user_id, kind=kind, key=key)
        assert found is not None
        return found
    return nudge


def _find(*, session: Session, team_id: str, user_id: str, kind: str, key: str) -> Nudge | None:
    return session.scalars(
        select(Nudge).where(
            Nudge.team_id == team_id,
            Nudge.user_id == user_id,
            Nudge.kind == kind,
            Nudge.key == key[:255],
        )
    ).first()


def sent_times(*, session: Session, team_id: str, user_id: str, now: datetime) -> list[datetime]:
    """When nudges were sent to this member in the past week (what the cap counts)."""
    rows = session.scalars(
        select(Nudge.sent_at).where(
            Nudge.team_id == team_id,
            Nudge.user_id == user_id,
            Nudge.status == SENT,
            Nudge.sent_at > now - WEEK,
        )
    )
    return [moment for moment in rows if moment is not None]


def record_sent(
    *, session: Session, team_id: str, user_id: str, kind: Kind | str, key: str, now: datetime
) -> Nudge:
    """A message the bot started on its own and sent outside the queue (e.g. a mentoring group
    DM): recorded as sent, once per (member, kind, key), so it counts towards the weekly cap."""
    nudge = enqueue(
        session=session, team_id=team_id, user_id=user_id, kind=kind, key=key, message={}, now=now
    )
    if nudge.status == PENDING:
        mark_sent(nudge=nudge, now=now)
    return nudge


def apply_decision(*, nudge: Nudge, decision: Decision) -> None:
    """Record a DEFER (wait until `at`) or a DROP (forget the message, keep why)."""
    if decision.verdict is Verdict.DEFER:
        assert decision.at is not None
        nudge.not_before = decision.at
        nudge.reason = decision.reason
    elif decision.verdict is Verdict.DROP:
        drop(nudge=nudge, reason=decision.reason)


def drop(*, nudge: Nudge, reason: str) -> None:
    nudge.status = DROPPED
    nudge.reason = reason[:32]
    nudge.message = None


def mark_sent(*, nudge: Nudge, now: datetime) -> None:
    nudge.status = SENT
    nudge.sent_at = now
    nudge.reason = None
    nudge.message = None


def due_nudges(*, session: Session, now: datetime, limit: int = 500) -> list[Nudge]:
    """Pending nudges whose moment has come, oldest first, across every workspace."""
    return list(
        session.scalars(
            select(Nudge)
            .where(Nudge.status == PENDING, Nudge.not_before <= now, installed(Nudge.team_id))
            .order_by(Nudge.not_before, Nudge.id)
            .limit(limit)
        )
    )


def drop_for_member(*, session: Session, team_id: str, user_id: str, reason: str) -> int:
    """Drop everything waiting for a member (e.g. they left the workspace)."""
    rows = session.scalars(
        select(Nudge).where(
            Nudge.team_id == team_id, Nudge.user_id == user_id, Nudge.status == PENDING
        )
    )
    count = 0
    for nudge in rows:
        drop(nudge=nudge, reason=reason)
        count += 1
    return count


def recheck_pending(*, session: Session, team_id: str, user_id: str, now: datetime) -> int:
    """The member changed their boundaries (resumed, new hours): look at what waits again now."""
    rows = session.scalars(
        select(Nudge).where(
            Nudge.team_id == team_id,
            Nudge.user_id == user_id,
            Nudge.status == PENDING,
            Nudge.not_before > now,
        )
    )
    count = 0
    for nudge in rows:
        nudge.not_before = now
        count += 1
    return count
