"""Reminders, and the one way a job sends a DM the bot starts on its own: `deliver_nudge`.

`deliver_nudge` records the nudge once per (member, kind, key), asks the gate whether it may go
now (fetching Slack's do-not-disturb only when everything else allows it), and either sends
it, leaves it waiting for the member's next allowed moment, or drops it. `flush_nudges` sends
what waited, on every tick of the "reminders" job.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services import claims
from bot.services import nudges as records
from bot.services.gate import Dnd, Kind, Verdict, decide, dnd_from_slack
from bot.services.people import Person
from bot.services.preferences import get_preferences
from models.nudges import Nudge

log = logging.getLogger(__name__)

SENT, QUEUED, DROPPED, BUSY = "sent", "queued", "dropped", "busy"


def deliver_nudge(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    kind: Kind | str,
    key: str,
    message: dict[str, Any],
    now: datetime,
    expires_at: datetime | None = None,
) -> str:
    """Send this DM to this member through the gate, or queue it for their next allowed moment.

    `message` is `chat.postMessage` arguments without `channel` (`text`, `blocks`, …); `key`
    names the occasion (e.g. "help-surface:T1:42"), so the same nudge is never sent twice.
    Returns "sent", "queued", "dropped" or "busy" (another process is sending it right now).
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
        return SENT if status == records.SENT else DROPPED
    return _attempt(deps, nudge_id, now)


def flush_nudges(deps: Deps, *, now: datetime) -> dict[str, int]:
    """Try every nudge whose moment has come; one failing DM does not stop the others."""
    with deps.sessions() as session:
        due = [n.id for n in records.due_nudges(session=session, now=now)]
    outcomes: dict[str, int] = {}
    for nudge_id in due:
        try:
            outcome = _attempt(deps, nudge_id, now)
        except SlackApiError as exc:
            log.warning("nudge %s not delivered: %s", nudge_id, exc.response.get("error"))
            outcome = "failed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _reachable(deps: Deps, team_id: str, user_id: str) -> Person | None:
    person = deps.directory.get(deps.client, team_id, user_id)
    if person is None or person.deleted or person.is_bot:
        return None
    return person


def _dnd(deps: Deps, user_id: str, now: datetime) -> Dnd:
    try:
        return dnd_from_slack(dict(deps.client.dnd_info(user=user_id).data), now)  # type: ignore[arg-type]
    except SlackApiError as exc:  # e.g. the dnd:read scope is missing: don't block on it
        log.info(
            "dnd.info unavailable (%s); treating as not in do-not-disturb",
            exc.response.get("error"),
        )
        return Dnd()


def _attempt(deps: Deps, nudge_id: int, now: datetime) -> str:
    with deps.sessions() as session:
        nudge = session.get(Nudge, nudge_id)
        if nudge is None or nudge.status != records.PENDING:
            return DROPPED if nudge is None or nudge.status == records.DROPPED else SENT
        team_id, user_id = nudge.team_id, nudge.user_id
    person = _reachable(deps, team_id, user_id)
    with deps.sessions.begin() as session:
        nudge = session.get(Nudge, nudge_id)
        assert nudge is not None
        if person is None:
            records.drop(nudge=nudge, reason="unreachable")
            return DROPPED
        prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
        sent = records.sent_times(session=session, team_id=team_id, user_id=user_id, now=now)
        decision = decide(
            kind=nudge.kind,
            prefs=prefs,
            profile_tz=person.tz,
            now=now,
            sent=sent,
            expires_at=nudge.expires_at,
        )
        if decision.verdict is not Verdict.SEND:
            records.apply_decision(nudge=nudge, decision=decision)
            return QUEUED if decision.verdict is Verdict.DEFER else DROPPED
        message = dict(nudge.message or {})
        kind = nudge.kind
    dnd = _dnd(deps, user_id, now)
    if dnd.active:
        decision = decide(
            kind=kind,
            prefs=prefs,
            profile_tz=person.tz,
            now=now,
            sent=sent,
            dnd=dnd,
            expires_at=nudge.expires_at,
        )
        with deps.sessions.begin() as session:
            nudge = session.get(Nudge, nudge_id)
            assert nudge is not None
            records.apply_decision(nudge=nudge, decision=decision)
        return QUEUED if decision.verdict is Verdict.DEFER else DROPPED
    claim_key = f"{team_id}:{nudge_id}"
    if not claims.claim(
        sessions=deps.sessions, team_id=team_id, job="nudge", key=claim_key, now=now
    ):
        return BUSY
    try:
        deps.client.chat_postMessage(channel=user_id, **message)
    except SlackApiError:
        claims.release(sessions=deps.sessions, job="nudge", key=claim_key)
        raise
    with deps.sessions.begin() as session:
        nudge = session.get(Nudge, nudge_id)
        assert nudge is not None
        records.mark_sent(nudge=nudge, now=now)
    claims.complete(sessions=deps.sessions, job="nudge", key=claim_key, now=now)
    return SENT
