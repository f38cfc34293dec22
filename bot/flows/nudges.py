"""The one way the bot sends a DM on its own: `deliver_nudge`, through the gate.

`deliver_nudge` records the nudge once per (member, kind, key), asks the gate whether it may
go now (fetching Slack's do-not-disturb only when everything else allows it), and either
sends it, leaves it waiting for the member's next allowed moment, or drops it. `flush_nudges`
sends what waited; the reminders job calls it on every tick.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.flows.once import Once, run_once
from bot.flows.outbox import post_once
from bot.services import nudges as records
from bot.services.gate import Kind, Verdict, decide
from bot.services.preferences import get_preferences
from bot.slack_api import member_dnd
from models.nudges import Nudge

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    """What happened to a nudge just now."""

    SENT = "sent"
    QUEUED = "queued"  # waits for the member's next allowed moment (or the next tick)
    DROPPED = "dropped"  # opted out, unreachable or stale: never sent
    BUSY = "busy"  # another process is sending it right now
    FAILED = "failed"  # Slack refused this attempt; it stays queued for the next tick


def deliver_nudge(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    kind: Kind | str,
    key: str,
    message: dict[str, Any],
    now: datetime,
    expires_at: datetime | None = None,
) -> Delivery:
    """Send this DM to this member through the gate, or queue it for their next allowed moment.

    `message` is `chat.postMessage` arguments without `channel` (`text`, `blocks`, …); `key`
    names the occasion (e.g. "help-surface:42"), so the same nudge is never sent twice. A
    post Slack refused for now stays queued and the next tick tries again.
    """
    with deps.sessions.begin() as session:
        nudge = records.enqueue(
            session=session,
            team_id=team_id,
            user_id=user_id,
            kind=kind,
            key=key,
            message=message,
            now=now,
            expires_at=expires_at,
        )
        nudge_id, status = nudge.id, nudge.status
    if status != records.PENDING:
        return Delivery.SENT if status == records.SENT else Delivery.DROPPED
    outcome = _attempt(deps, client, nudge_id, now)
    return Delivery.QUEUED if outcome is Delivery.FAILED else outcome


def flush_nudges(deps: Deps, *, now: datetime) -> dict[Delivery, int]:
    """Try every nudge whose moment has come; one failing DM does not stop the others."""
    with deps.sessions() as session:
        due = [(n.id, n.team_id) for n in records.due_nudges(session=session, now=now)]
    outcomes: dict[Delivery, int] = {}
    for nudge_id, team_id in due:
        outcome = _attempt(deps, deps.client_for(team_id), nudge_id, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _attempt(deps: Deps, client: WebClient, nudge_id: int, now: datetime) -> Delivery:
    with deps.sessions() as session:
        nudge = session.get(Nudge, nudge_id)
        if nudge is None or nudge.status != records.PENDING:
            gone = nudge is None or nudge.status == records.DROPPED
            return Delivery.DROPPED if gone else Delivery.SENT
        team_id, user_id, kind = nudge.team_id, nudge.user_id, nudge.kind
        expires_at, message = nudge.expires_at, dict(nudge.message or {})
    person = deps.directory.get(client, team_id, user_id)
    with deps.sessions.begin() as session:
        nudge = session.get(Nudge, nudge_id)
        assert nudge is not None
        if person is None or person.deleted or person.is_bot:
            records.drop(nudge=nudge, reason="unreachable")
            return Delivery.DROPPED
        prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
        sent = records.sent_times(session=session, team_id=team_id, user_id=user_id, now=now)
        decision = decide(
            kind=kind, prefs=prefs, profile_tz=person.tz, now=now, sent=sent, expires_at=expires_at
        )
        if decision.verdict is not Verdict.SEND:
            records.apply_decision(nudge=nudge, decision=decision)
            return Delivery.QUEUED if decision.verdict is Verdict.DEFER else Delivery.DROPPED
    dnd = member_dnd(client, user_id, now)
    if dnd.active:
        decision = decide(
            kind=kind,
            prefs=prefs,
            profile_tz=person.tz,
            now=now,
            sent=sent,
            dnd=dnd,
            expires_at=expires_at,
        )
        with deps.sessions.begin() as session:
            nudge = session.get(Nudge, nudge_id)
            assert nudge is not None
            records.apply_decision(nudge=nudge, decision=decision)
        return Delivery.QUEUED if decision.verdict is Verdict.DEFER else Delivery.DROPPED

    def post() -> None:
        post_once(
            deps, client, team_id=team_id, key=f"nudge:{nudge_id}", channel=user_id, message=message
        )
        with deps.sessions.begin() as session:
            sending = session.get(Nudge, nudge_id)
            assert sending is not None
            records.mark_sent(nudge=sending, now=now)

    outcome = run_once(
        deps.sessions, team_id=team_id, job="nudge", key=f"{team_id}:{nudge_id}", now=now, work=post
    )
    if outcome is Once.TAKEN:
        return Delivery.BUSY
    if outcome is Once.GAVE_UP:
        with deps.sessions.begin() as session:
            nudge = session.get(Nudge, nudge_id)
            assert nudge is not None
            records.drop(nudge=nudge, reason="unreachable")
        return Delivery.DROPPED
    return Delivery.SENT if outcome is Once.DONE else Delivery.FAILED
