"""Onboarding buddies at the edge: `team_join`, the check-in's buttons, the invitation to
mentoring, `/mentor join|leave buddy` and `/reciprocity admin onboarding …`."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.help_requests import ask_modal
from bot.blocks.onboarding import (
    HAND_QUESTION,
    all_good_message,
    joined_mentoring_message,
    left_buddy_message,
    programme_text,
    summary_text,
    volunteered_message,
)
from bot.deps import Deps
from bot.directory import person_from_slack
from bot.flows.onboarding import is_newcomer, welcome_newcomer
from bot.payloads import team_of
from bot.services import mentoring, onboarding
from bot.services.help_requests import HelpDraft
from bot.services.workspaces import may_administer
from handlers.routing import Routes

Reply = dict[str, Any]


def register(app: Routes) -> None:
    app.event("team_join")(member_joined_workspace)
    app.action(ids.ONBOARDING_ALL_GOOD_ACTION)(all_good_clicked, queued=True)
    app.action(ids.ONBOARDING_HAND_ACTION)(hand_clicked)
    app.action(ids.ONBOARDING_JOIN_MENTORING_ACTION)(join_mentoring_clicked, queued=True)


def member_joined_workspace(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """From the queue: a new member (not a bot, guest or deactivated account) is welcomed and
    given a buddy, when the programme is on."""
    user = event.get("user")
    if not isinstance(user, dict) or not is_newcomer(user):
        return
    team_id = str(body.get("team_id") or user.get("team_id") or "")
    person = person_from_slack(team_id, user)
    welcome_newcomer(deps, client, team_id=team_id, person=person, now=deps.clock())


def _day(action: dict[str, Any]) -> int:
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() and len(value) < 4 else 0


def all_good_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, deps: Deps
) -> None:
    """**All good**: noted (a count, never shown to anyone), and the check-in says thanks."""
    ack()
    day = _day(action)
    with deps.sessions.begin() as session:
        onboarding.record_answer(
            session=session,
            team_id=team_of(body),
            user_id=body["user"]["id"],
            day=day,
            answer="good",
        )
    respond(**all_good_message(day), replace_original=True)


def hand_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """**I'd like a hand with something**: `/askhelp`'s form, prefilled; the request goes to the
    group DM with their buddy, or to a channel they choose when they have none."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    with deps.sessions.begin() as session:
        hire = onboarding.record_answer(
            session=session, team_id=team_id, user_id=user_id, day=_day(action), answer="hand"
        )
    channel_id = hire.channel_id if hire is not None and hire.channel_id else ""
    metadata = {"channel_id": channel_id, "response_url": body.get("response_url")}
    draft = HelpDraft(question=HAND_QUESTION, tags=("onboarding",) if not channel_id else ())
    client.views_open(
        trigger_id=body["trigger_id"],
        view=ask_modal(
            private_metadata=json.dumps(metadata), draft=draft, choose_channel=not channel_id
        ),
    )


def join_mentoring_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, deps: Deps
) -> None:
    """The invitation at the horizon: one press and they are in the mentoring rotation."""
    ack()
    team_id = team_of(body)
    person = deps.directory.profile(client, team_id, body["user"]["id"])
    with deps.sessions.begin() as session:
        enrollment = mentoring.join(
            session=session, person=person, role=mentoring.MENTEE, topics=(), now=deps.clock()
        )
    respond(**joined_mentoring_message(enrollment.already), replace_original=True)


# ----- /mentor join buddy, /mentor leave buddy --------------------------------------------------
def join_buddy(
    deps: Deps, client: WebClient, team_id: str, user_id: str, words: list[str]
) -> Reply:
    rest, capacity = onboarding.parse_capacity(words)
    topics = mentoring.parse_topics(rest)
    person = deps.directory.profile(client, team_id, user_id)
    with deps.sessions.begin() as session:
        result = onboarding.volunteer(
            session=session, person=person, topics=topics, capacity=capacity, now=deps.clock()
        )
    return volunteered_message(result)


def leave_buddy(deps: Deps, team_id: str, user_id: str) -> Reply:
    with deps.sessions.begin() as session:
        was_in = onboarding.stop_volunteering(
            session=session, team_id=team_id, user_id=user_id, now=deps.clock()
        )
    return left_buddy_message(was_in)


# ----- /reciprocity admin onboarding … ----------------------------------------------------------
def onboarding_admin(
    deps: Deps, client: WebClient, team_id: str, user_id: str, args: str
) -> str | None:
    """`on [horizon 30d]`, `off`, `show`: the answer's text, or None when not allowed."""
    verb, horizon = onboarding.parse_onboarding(args)
    person = deps.directory.profile(client, team_id, user_id)
    now = deps.clock()
    with deps.sessions.begin() as session:
        if not may_administer(session=session, person=person, defaults=deps.defaults, now=now):
            return None
        if verb == "show":
            return summary_text(onboarding.summary(session=session, team_id=team_id))
        change = onboarding.set_programme(
            session=session,
            team_id=team_id,
            user_id=user_id,
            enabled=verb == "on",
            horizon=horizon,
            now=now,
        )
    return programme_text(change)
