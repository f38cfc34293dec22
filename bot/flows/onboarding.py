"""Onboarding buddies, the part that touches Slack: a new member joins (`team_join`), and each
new hire's month moves on — the buddy match, the welcome DM, the group-DM introduction, the
check-ins on working days 5, 10 and 20, and the thank-you and invitation at the horizon.

`advance` does whatever is due for one new hire, each step claimed with `run_once` and
recorded on the hire's row, so the `team_join` listener and the onboarding job can both call it,
as often as they like: each step happens once. The DMs go through the one gate
(`deliver_nudge`, kind `pairing`); the introduction is a group DM, so it waits for a moment the
gate allows for both (the overlap rule of mentoring introductions, anchored on the new hire).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.onboarding import (
    StoryLink,
    buddy_thanks_message,
    checkin_message,
    introduction_message,
    mentoring_invitation_message,
    volunteers_needed_message,
    welcome_message,
)
from bot.deps import Deps
from bot.flows.nudges import deliver_nudge
from bot.flows.once import run_once
from bot.flows.outbox import post_once
from bot.services import mentoring, onboarding
from bot.services import nudges as records
from bot.services.gate import Kind, Verdict
from bot.services.mentoring import Availability
from bot.services.onboarding import HireView, Volunteer
from bot.services.people import Person
from bot.services.preferences import get_preferences, load_preferences
from bot.services.stories import recent_stories
from bot.slack_api import error_of, gives_up, member_dnd, open_dm

log = logging.getLogger(__name__)

CHECKIN_STALE = timedelta(days=3)
INVITE_STALE = timedelta(days=14)


def welcome_stories(deps: Deps, team_id: str) -> Sequence[StoryLink]:
    """The last three stories worth retelling, for the welcome DM: (why it mattered, the
    message's permalink or None). Only stories everyone in them agreed to are ever here."""
    with deps.sessions() as session:
        return [(story.why, story.link) for story in recent_stories(session, team_id, limit=3)]


def is_newcomer(user: dict[str, Any]) -> bool:
    """A `team_join` the programme welcomes: a person, a full member, not deactivated."""
    return bool(user.get("id")) and not (
        user.get("is_bot")
        or user.get("is_app_user")
        or user.get("deleted")
        or user.get("is_restricted")
        or user.get("is_ultra_restricted")
        or user.get("id") == "USLACKBOT"
    )


def welcome_newcomer(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    person: Person,
    now: datetime,
) -> HireView | None:
    """A new member joined: into the programme (when it is on), then whatever is due now."""
    if person.is_bot or person.deleted or person.is_guest:
        return None
    with deps.sessions.begin() as session:
        hire = onboarding.enroll_hire(session=session, person=person, now=now)
    if hire is None:
        return None
    return advance(deps, client, hire, now=now)


def advance(deps: Deps, client: WebClient, hire: HireView, *, now: datetime) -> HireView:
    """Every step of this new hire's month that is due now, each once."""
    team_id = hire.team_id
    if hire.buddy_id is None and now < hire.horizon_at:
        _match(deps, client, hire, now)
    hire = _reload(deps, hire)
    if not hire.welcomed:
        run_once(
            deps.sessions,
            team_id=team_id,
            job="onboarding-welcome",
            key=f"{team_id}:{hire.id}",
            now=now,
            work=partial(_welcome, deps, client, hire, now),
        )
    hire = _reload(deps, hire)
    introduce = hire.buddy_id and not hire.introduced and now < hire.horizon_at
    if introduce and _good_moment(deps, client, hire, now):
        run_once(
            deps.sessions,
            team_id=team_id,
            job="onboarding-intro",
            key=f"{team_id}:{hire.id}",
            now=now,
            work=partial(_introduce, deps, client, hire, now),
        )
    hire = _reload(deps, hire)
    with deps.sessions() as session:
        prefs = get_preferences(session=session, team_id=team_id, user_id=hire.user_id)
    due = onboarding.due_checkins(
        prefs, hire.tz, hire.joined_at, now, done=hire.checkins, horizon_at=hire.horizon_at
    )
    if due:  # after downtime only the latest is sent; the ones it missed are skipped
        day = due[-1]
        run_once(
            deps.sessions,
            team_id=team_id,
            job="onboarding-checkin",
            key=f"{team_id}:{hire.id}:{day}",
            now=now,
            work=partial(_check_in, deps, client, hire, due, now),
        )
    hire = _reload(deps, hire)
    if now >= hire.horizon_at and not hire.finished:
        run_once(
            deps.sessions,
            team_id=team_id,
            job="onboarding-horizon",
            key=f"{team_id}:{hire.id}",
            now=now,
            work=partial(_horizon, deps, client, hire, now),
        )
    return _reload(deps, hire)


def _reload(deps: Deps, hire: HireView) -> HireView:
    with deps.sessions() as session:
        found = onboarding.get_hire(session=session, team_id=hire.team_id, hire_id=hire.id)
    assert found is not None
    return found


def _horizon_days(deps: Deps, hire: HireView) -> int:
    return max(1, round((hire.horizon_at - hire.joined_at) / timedelta(days=1)))


# ----- the match ---------------------------------------------------------------------------------
def _match(deps: Deps, client: WebClient, hire: HireView, now: datetime) -> None:
    """Choose a buddy among the volunteers as Slack knows them now; with none free, tell the
    admins who turned the programme on, once per shortage."""
    team_id = hire.team_id
    with deps.sessions() as session:
        found, newcomer = onboarding.candidates(
            session=session, team_id=team_id, hire_id=hire.user_id
        )
        hire_prefs = get_preferences(session=session, team_id=team_id, user_id=hire.user_id)
    volunteers: list[Volunteer] = []
    overlap: dict[str, int] = {}
    for candidate in found:
        person = deps.directory.get(client, team_id, candidate.user_id)
        volunteers.append(
            Volunteer(
                user_id=candidate.user_id,
                capacity=candidate.capacity,
                load=candidate.load,
                department=candidate.department,
                is_bot=person is None or person.is_bot,
                is_guest=person is not None and person.is_guest,
                deleted=person is None or person.deleted,
                avoids=candidate.avoids,
            )
        )
        overlap[candidate.user_id] = onboarding.weekly_overlap_minutes(
            hire_prefs, hire.tz, candidate.prefs, person.tz if person else candidate.tz, now
        )
    admins: list[str] = []
    shortage = ""
    with deps.sessions.begin() as session:
        onboarding.lock_programme(session=session, team_id=team_id)
        # The loads again, now that no other match in this workspace can run.
        loads = onboarding.buddy_loads(session=session, team_id=team_id)
        volunteers = [replace(v, load=loads.get(v.user_id, 0)) for v in volunteers]
        buddy = onboarding.assign_buddy(
            session=session,
            team_id=team_id,
            hire_id=hire.id,
            volunteers=volunteers,
            hire=newcomer,
            overlap=overlap,
            now=now,
        )
        if buddy is None:
            admins = onboarding.volunteers_needed(session=session, team_id=team_id, now=now)
            shortage = onboarding.shortage_key(session=session, team_id=team_id)
    if buddy is None and admins:
        message = volunteers_needed_message(_horizon_days(deps, hire))
        for admin in admins:
            deliver_nudge(
                deps,
                client,
                team_id=team_id,
                user_id=admin,
                kind=Kind.REMINDER,
                key=f"onboarding-volunteers:{shortage}",
                message=message,
                now=now,
                expires_at=now + timedelta(days=7),
            )


# ----- the steps: each DM is handed to the gate (sent now, waiting, or dropped by their own
# choices), and the step is done ----------------------------------------------------------------
def _welcome(deps: Deps, client: WebClient, hire: HireView, now: datetime) -> None:
    message = welcome_message(
        hire.user_id, hire.buddy_id, _horizon_days(deps, hire), welcome_stories(deps, hire.team_id)
    )
    deliver_nudge(
        deps,
        client,
        team_id=hire.team_id,
        user_id=hire.user_id,
        kind=Kind.PAIRING,
        key=f"onboarding-welcome:{hire.id}",
        message=message,
        now=now,
        expires_at=hire.horizon_at,
    )
    with deps.sessions.begin() as session:
        onboarding.mark_welcomed(session=session, hire_id=hire.id, now=now)


def _good_moment(deps: Deps, client: WebClient, hire: HireView, now: datetime) -> bool:
    """The gate for both, with the new hire as the anchor (their windows may never meet);
    `dnd.info` only once everything else allows it."""
    assert hire.buddy_id is not None
    user_ids = [hire.user_id, hire.buddy_id]
    with deps.sessions() as session:
        prefs = load_preferences(session=session, team_id=hire.team_id, user_ids=user_ids)
        sent = {
            uid: tuple(
                records.sent_times(session=session, team_id=hire.team_id, user_id=uid, now=now)
            )
            for uid in user_ids
        }
    people: list[Availability] = []
    for uid in user_ids:
        person = deps.directory.get(client, hire.team_id, uid)
        tz = person.tz if person is not None else hire.tz
        people.append(Availability(user_id=uid, prefs=prefs[uid], tz=tz, sent=sent[uid]))
    if not mentoring.good_moment_to_introduce(people, now=now, anchor=hire.user_id):
        return False
    people = [
        replace(p, dnd=member_dnd(client, p.user_id, now))
        if mentoring.pairing_decision(p, now=now).verdict is Verdict.SEND
        else p
        for p in people
    ]
    return mentoring.good_moment_to_introduce(people, now=now, anchor=hire.user_id)


def _introduce(deps: Deps, client: WebClient, hire: HireView, now: datetime) -> None:
    assert hire.buddy_id is not None
    channel_id: str | None = None
    try:
        channel_id = open_dm(client, [hire.user_id, hire.buddy_id])
        post_once(
            deps,
            client,
            team_id=hire.team_id,
            key=f"onboarding-intro:{hire.team_id}:{hire.id}",
            channel=channel_id,
            message=introduction_message(hire.user_id, hire.buddy_id, _horizon_days(deps, hire)),
        )
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        log.warning("onboarding: introduction for hire %s impossible (%s)", hire.id, error_of(exc))
        channel_id = None
    with deps.sessions.begin() as session:
        if channel_id is not None:
            for uid in (hire.user_id, hire.buddy_id):  # it counts towards each one's cap
                records.record_sent(
                    session=session,
                    team_id=hire.team_id,
                    user_id=uid,
                    kind=Kind.PAIRING,
                    key=f"onboarding-intro:{hire.id}",
                    now=now,
                )
        onboarding.mark_introduced(session=session, hire_id=hire.id, channel_id=channel_id, now=now)


def _check_in(deps: Deps, client: WebClient, hire: HireView, due: list[int], now: datetime) -> None:
    day = due[-1]
    deliver_nudge(
        deps,
        client,
        team_id=hire.team_id,
        user_id=hire.user_id,
        kind=Kind.PAIRING,
        key=f"onboarding-checkin:{hire.id}:{day}",
        message=checkin_message(day),
        now=now,
        expires_at=now + CHECKIN_STALE,
    )
    with deps.sessions.begin() as session:
        onboarding.mark_checkins(session=session, hire_id=hire.id, days=due)


def _horizon(deps: Deps, client: WebClient, hire: HireView, now: datetime) -> None:
    days = _horizon_days(deps, hire)
    if hire.buddy_id:
        deliver_nudge(
            deps,
            client,
            team_id=hire.team_id,
            user_id=hire.buddy_id,
            kind=Kind.PAIRING,
            key=f"onboarding-thanks:{hire.id}",
            message=buddy_thanks_message(hire.user_id, days),
            now=now,
            expires_at=now + INVITE_STALE,
        )
    deliver_nudge(
        deps,
        client,
        team_id=hire.team_id,
        user_id=hire.user_id,
        kind=Kind.PAIRING,
        key=f"onboarding-invite:{hire.id}",
        message=mentoring_invitation_message(days),
        now=now,
        expires_at=now + INVITE_STALE,
    )
    with deps.sessions.begin() as session:
        onboarding.finish(session=session, hire_id=hire.id, thanked=bool(hire.buddy_id), now=now)


def advance_team(deps: Deps, team_id: str, *, now: datetime) -> int:
    """Every new hire of this workspace still in the programme; how many there were."""
    client = deps.client_for(team_id)
    with deps.sessions() as session:
        hires = onboarding.active_hires(session=session, team_id=team_id)
    for hire in hires:
        advance(deps, client, hire, now=now)
    return len(hires)
