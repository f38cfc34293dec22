"""Reminders, and the one way a job sends a DM the bot starts on its own: `deliver_nudge`.

`deliver_nudge` records the nudge once per (member, kind, key), asks the gate whether it may go
now (fetching Slack's do-not-disturb only when everything else allows it), and either sends
it, leaves it waiting for the member's next allowed moment, or drops it. `flush_nudges` sends
what waited, on every tick of the "reminders" job.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.blocks.feedback import reminder_dm
from bot.blocks.mentoring import quiet_pair_nudge
from bot.blocks.reminders import help_resolve_dm, help_surface_dm
from bot.deps import Deps
from bot.services import claims
from bot.services import nudges as records
from bot.services.feedback import mark_reminded, pending_feedback_requests, reminder_due
from bot.services.gate import Dnd, Kind, Verdict, decide, dnd_from_slack, working_time_between
from bot.services.help import OPEN, record_suggestions, suggest_helpers
from bot.services.mentoring import quiet_pairs
from bot.services.people import Person
from bot.services.preferences import get_preferences, load_preferences
from bot.services.topics import topics_of
from bot.slack import permalink
from models.feedback import FeedbackRequest
from models.help import HelpOffer, HelpRequest, HelpSuggestion
from models.mentoring import MentoringGroup
from models.nudges import Nudge

JOB = "reminders"
SURFACE_AFTER = timedelta(hours=4)  # of the requester's working time, unanswered
RESOLVE_AFTER = timedelta(days=2)  # after the first offer, still not resolved
QUIET_PAIR_AFTER = timedelta(weeks=3)
FEEDBACK_PREFILTER = timedelta(days=5)  # then five of the reviewer's working days

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


def member_dnd(deps: Deps, user_id: str, now: datetime) -> Dnd:
    """The member's Slack do-not-disturb as of now (`dnd.info`); off when Slack can't say."""
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
    dnd = member_dnd(deps, user_id, now)
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


# ----- the "reminders" job -----------------------------------------------------------------
def reminders_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    """Send what waited for its moment, then find the reminders that are due now."""
    flushed = flush_nudges(deps, now=now)
    counts = {
        "help surfaced": _surface_unanswered_help(deps, now, channel),
        "asked to resolve": _ask_to_resolve(deps, now, channel),
        "feedback reminders": _remind_feedback(deps, now),
        "quiet pairs": _nudge_quiet_pairs(deps, now),
    }
    parts = [f"{n} {what}" for what, n in counts.items()]
    waiting = sum(v for k, v in flushed.items() if k != "queued")
    return f"reminders: {', '.join(parts)}; {waiting} waiting nudges tried"


def _once(deps: Deps, team_id: str, key: str, now: datetime, work: Any) -> int:
    """Claim `key`, do the work (which records its nudges), mark it done; 1 if done here."""
    if not claims.claim(sessions=deps.sessions, team_id=team_id, job=JOB, key=key, now=now):
        return 0
    try:
        work()
    except SlackApiError as exc:
        claims.release(sessions=deps.sessions, job=JOB, key=key)
        log.warning("reminder %s failed: %s; will retry", key, exc.response.get("error"))
        return 0
    claims.complete(sessions=deps.sessions, job=JOB, key=key, now=now)
    return 1


def _send(deps: Deps, **kwargs: Any) -> str:
    """deliver_nudge, where a failed post leaves the nudge waiting for the next tick."""
    try:
        return deliver_nudge(deps, **kwargs)
    except SlackApiError as exc:
        log.warning(
            "nudge not delivered now (%s); it waits for the next tick", exc.response.get("error")
        )
        return QUEUED


def _channel_people(deps: Deps, team_id: str, channel_id: str) -> list[Person]:
    ids: list[str] = []
    for page in deps.client.conversations_members(channel=channel_id, limit=1000):
        ids.extend(page.get("members", []))
    people = deps.directory.get_many(deps.client, team_id, ids[:2000])
    return [p for p in people if p is not None and not p.is_bot and not p.deleted]


def _surface_unanswered_help(deps: Deps, now: datetime, channel: str | None) -> int:
    """Open requests with no offer after 4 of the requester's working hours: ask up to 3."""
    with deps.sessions() as session:
        stmt = select(HelpRequest).where(
            HelpRequest.status == OPEN,
            HelpRequest.first_offer_at.is_(None),
            HelpRequest.created_at <= now - SURFACE_AFTER,
        )
        if channel:
            stmt = stmt.where(HelpRequest.channel_id == channel)
        requests = list(session.scalars(stmt.order_by(HelpRequest.created_at)))
    done = 0
    for request in requests:
        if not request.tags:
            continue
        profile = deps.directory.get(deps.client, request.team_id, request.requester_id)
        with deps.sessions() as session:
            prefs = get_preferences(
                session=session, team_id=request.team_id, user_id=request.requester_id
            )
        tz = profile.tz if profile else None
        if working_time_between(prefs, tz, request.created_at, now) < SURFACE_AFTER:
            continue
        key = f"{request.team_id}:help-surface:{request.id}"
        done += _once(deps, request.team_id, key, now, lambda r=request: _surface(deps, r, now))
    return done


def _surface(deps: Deps, request: HelpRequest, now: datetime) -> None:
    team_id = request.team_id
    with deps.sessions() as session:
        asked = set(
            session.scalars(
                select(HelpSuggestion.user_id).where(
                    HelpSuggestion.team_id == team_id, HelpSuggestion.request_id == request.id
                )
            )
        )
    people = [p for p in _channel_people(deps, team_id, request.channel_id) if p.id not in asked]
    tags = tuple(request.tags)
    with deps.sessions.begin() as session:
        topics = topics_of(
            session=session, team_id=team_id, user_ids=[p.id for p in people], tags=tags
        )
        chosen = suggest_helpers(
            session=session,
            team_id=team_id,
            requester_id=request.requester_id,
            tags=tags,
            people=people,
            topics=topics,
            now=now,
            seed=f"surface:{request.key}",
        )
        # So the fair rotation knows they were asked (by DM: nobody was mentioned).
        record_suggestions(
            session=session,
            request=request,
            suggestions=[replace(s, mention=False) for s in chosen],
            now=now,
        )
    link = permalink(deps.client, request.channel_id, request.message_ts)
    message = help_surface_dm(
        requester_id=request.requester_id,
        channel_id=request.channel_id,
        question=request.question,
        tags=list(tags),
        link=link,
    )
    for suggestion in chosen:
        _send(
            deps,
            team_id=team_id,
            user_id=suggestion.user_id,
            kind=Kind.SUGGESTION,
            key=f"help-surface:{request.id}",
            message=message,
            now=now,
            expires_at=now + timedelta(days=2),
        )


def _ask_to_resolve(deps: Deps, now: datetime, channel: str | None) -> int:
    """Requests with offers but no resolution two days after the first: ask the requester once."""
    with deps.sessions() as session:
        stmt = select(HelpRequest).where(
            HelpRequest.status == OPEN,
            HelpRequest.first_offer_at.is_not(None),
            HelpRequest.first_offer_at <= now - RESOLVE_AFTER,
            HelpRequest.resolved_at.is_(None),
        )
        if channel:
            stmt = stmt.where(HelpRequest.channel_id == channel)
        requests = list(session.scalars(stmt.order_by(HelpRequest.first_offer_at)))
    done = 0
    for request in requests:
        key = f"{request.team_id}:help-resolve:{request.id}:{request.requester_id}"
        done += _once(deps, request.team_id, key, now, lambda r=request: _resolve(deps, r, now))
    return done


def _resolve(deps: Deps, request: HelpRequest, now: datetime) -> None:
    with deps.sessions() as session:
        helpers = list(
            session.scalars(
                select(HelpOffer.helper_id)
                .where(HelpOffer.team_id == request.team_id, HelpOffer.request_id == request.id)
                .order_by(HelpOffer.created_at)
            )
        )
    message = help_resolve_dm(
        channel_id=request.channel_id,
        question=request.question,
        helper_ids=list(dict.fromkeys(helpers)),
        link=permalink(deps.client, request.channel_id, request.message_ts),
    )
    _send(
        deps,
        team_id=request.team_id,
        user_id=request.requester_id,
        kind=Kind.REMINDER,
        key=f"help-resolve:{request.id}",
        message=message,
        now=now,
        expires_at=now + timedelta(days=7),
    )


def _teams(deps: Deps, column: Any) -> list[str]:
    with deps.sessions() as session:
        return sorted(set(session.scalars(select(column).distinct())))


def _remind_feedback(deps: Deps, now: datetime) -> int:
    """Feedback requests unanswered for five of the reviewer's working days: one reminder."""
    done = 0
    for team_id in _teams(deps, FeedbackRequest.team_id):
        with deps.sessions() as session:
            pending = pending_feedback_requests(
                session=session, team_id=team_id, older_than=now - FEEDBACK_PREFILTER
            )
            prefs = load_preferences(
                session=session, team_id=team_id, user_ids=sorted({r.reviewer_id for r in pending})
            )
        for request in pending:
            person = deps.directory.get(deps.client, team_id, request.reviewer_id)
            mine = prefs[request.reviewer_id]
            tz = mine.zone_name(person.tz if person else None)
            if not reminder_due(request, now, tz=tz, work_days=tuple(mine.work_days)):
                continue
            key = f"{team_id}:feedback:{request.id}:{request.reviewer_id}"
            done += _once(
                deps, team_id, key, now, lambda r=request, t=team_id: _feedback(deps, t, r, now)
            )
    return done


def _feedback(deps: Deps, team_id: str, request: Any, now: datetime) -> None:
    _send(
        deps,
        team_id=team_id,
        user_id=request.reviewer_id,
        kind=Kind.REMINDER,
        key=f"feedback:{request.id}",
        message=reminder_dm(request),
        now=now,
        expires_at=now + timedelta(days=7),
    )
    with deps.sessions.begin() as session:
        mark_reminded(session=session, team_id=team_id, request_id=request.id, now=now)


def _nudge_quiet_pairs(deps: Deps, now: datetime) -> int:
    """Mentoring pairs with no session logged in three weeks: one nudge to each of them."""
    done = 0
    for team_id in _teams(deps, MentoringGroup.team_id):
        with deps.sessions() as session:
            pairs = quiet_pairs(session=session, team_id=team_id, since=now - QUIET_PAIR_AFTER)
        for pair in pairs:
            for user_id in pair.user_ids:
                key = f"{team_id}:quiet-pair:{pair.id}:{user_id}"
                done += _once(
                    deps,
                    team_id,
                    key,
                    now,
                    lambda p=pair, u=user_id, t=team_id: _send(
                        deps,
                        team_id=t,
                        user_id=u,
                        kind=Kind.PAIRING,
                        key=f"quiet-pair:{p.id}",
                        message=quiet_pair_nudge(p, weeks=3),
                        now=now,
                        expires_at=now + timedelta(days=7),
                    ),
                )
    return done
