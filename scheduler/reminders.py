"""The "reminders" job: send what waited for its moment, then find the reminders due now.

- an open help request nobody offered on after 4 of the requester's working hours is
  surfaced by DM to up to 3 likely helpers;
- a requester whose request got offers two days ago is asked once to resolve and thank;
- a feedback request unanswered for five of the reviewer's working days gets one reminder;
- a mentoring pair with no session logged in three weeks gets one nudge.

Each reminder is claimed once (bot/flows/once.py) and sent through the gate as a nudge.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from slack_sdk import WebClient

from bot.blocks.feedback import reminder_dm
from bot.deps import Deps
from bot.flows.help_requests import ask_to_resolve, surface_request
from bot.flows.nudges import Delivery, deliver_nudge, flush_nudges
from bot.flows.once import Once, run_once
from bot.services.feedback import (
    RequestView,
    feedback_teams,
    mark_reminded,
    pending_feedback_requests,
    reminder_due,
)
from bot.services.gate import Kind, working_time_between
from bot.services.help_requests import unanswered_requests, unresolved_with_offers
from bot.services.mentoring import mentoring_teams, quiet_pairs
from bot.services.preferences import get_preferences, load_preferences
from scheduler.pairing import nudge_quiet_pairs

JOB = "reminders"
SURFACE_AFTER = timedelta(hours=4)  # of the requester's working time, unanswered
RESOLVE_AFTER = timedelta(days=2)  # after the first offer, still not resolved
QUIET_PAIR_AFTER = timedelta(weeks=3)
FEEDBACK_PREFILTER = timedelta(days=5)  # then five of the reviewer's working days
REMINDER_EXPIRES = timedelta(days=7)


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
    waiting = sum(n for outcome, n in flushed.items() if outcome is not Delivery.QUEUED)
    return f"reminders: {', '.join(parts)}; {waiting} waiting nudges tried"


def _once(deps: Deps, team_id: str, key: str, now: datetime, work: Callable[[], object]) -> int:
    """1 if this reminder was done now (claimed here, sent or queued through the gate)."""
    outcome = run_once(deps.sessions, team_id=team_id, job=JOB, key=key, now=now, work=work)
    return 1 if outcome is Once.DONE else 0


def _surface_unanswered_help(deps: Deps, now: datetime, channel: str | None) -> int:
    """Open requests with no offer after 4 of the requester's working hours: ask up to 3."""
    with deps.sessions() as session:
        requests = unanswered_requests(
            session=session, opened_before=now - SURFACE_AFTER, channel_id=channel
        )
    done = 0
    for request in requests:
        if not request.tags:
            continue
        client = deps.client_for(request.team_id)
        profile = deps.directory.get(client, request.team_id, request.requester_id)
        with deps.sessions() as session:
            prefs = get_preferences(
                session=session, team_id=request.team_id, user_id=request.requester_id
            )
        tz = profile.tz if profile else None
        if working_time_between(prefs, tz, request.created_at, now) < SURFACE_AFTER:
            continue
        key = f"{request.team_id}:help-surface:{request.id}"
        done += _once(
            deps, request.team_id, key, now, partial(surface_request, deps, client, request, now)
        )
    return done


def _ask_to_resolve(deps: Deps, now: datetime, channel: str | None) -> int:
    """Requests with offers but no resolution two days after the first: ask the requester once."""
    with deps.sessions() as session:
        requests = unresolved_with_offers(
            session=session, offered_before=now - RESOLVE_AFTER, channel_id=channel
        )
    done = 0
    for request in requests:
        key = f"{request.team_id}:help-resolve:{request.id}:{request.requester_id}"
        client = deps.client_for(request.team_id)
        done += _once(
            deps, request.team_id, key, now, partial(ask_to_resolve, deps, client, request, now)
        )
    return done


def _remind_feedback(deps: Deps, now: datetime) -> int:
    """Feedback requests unanswered for five of the reviewer's working days: one reminder."""
    done = 0
    with deps.sessions() as session:
        teams = feedback_teams(session=session)
    for team_id in teams:
        client = deps.client_for(team_id)
        with deps.sessions() as session:
            pending = pending_feedback_requests(
                session=session, team_id=team_id, older_than=now - FEEDBACK_PREFILTER
            )
            prefs = load_preferences(
                session=session, team_id=team_id, user_ids=sorted({r.reviewer_id for r in pending})
            )
        for request in pending:
            person = deps.directory.get(client, team_id, request.reviewer_id)
            theirs = prefs[request.reviewer_id]
            tz = theirs.zone_name(person.tz if person else None)
            if not reminder_due(request, now, tz=tz, work_days=tuple(theirs.work_days)):
                continue

            key = f"{team_id}:feedback:{request.id}:{request.reviewer_id}"
            done += _once(deps, team_id, key, now, partial(_feedback, deps, client, request, now))
    return done


def _feedback(deps: Deps, client: WebClient, request: RequestView, now: datetime) -> None:
    deliver_nudge(
        deps,
        client,
        team_id=request.team_id,
        user_id=request.reviewer_id,
        kind=Kind.REMINDER,
        key=f"feedback:{request.id}",
        message=reminder_dm(request),
        now=now,
        expires_at=now + REMINDER_EXPIRES,
    )
    with deps.sessions.begin() as session:
        mark_reminded(session=session, team_id=request.team_id, request_id=request.id, now=now)


def _nudge_quiet_pairs(deps: Deps, now: datetime) -> int:
    """Mentoring pairs with no session logged in three weeks: one nudge in the pair's group DM."""
    done = 0
    with deps.sessions() as session:
        teams = mentoring_teams(session=session)
    for team_id in teams:
        with deps.sessions() as session:
            pairs = quiet_pairs(session=session, team_id=team_id, since=now - QUIET_PAIR_AFTER)
        done += nudge_quiet_pairs(deps, team_id, pairs, now)
    return done
