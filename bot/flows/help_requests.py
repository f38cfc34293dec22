"""Help-request workflows: publishing a card with fair suggestions, keeping the card true as
offers and thread replies come in, the thank-you after it is resolved, and the reminders
that surface an unanswered request to likely helpers or ask the requester to resolve it.

A request is posted as a card first and stored right after with the card's ts, so a request
in a channel the bot can't post in stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.help_requests import (
    help_card,
    not_in_channel_text,
    offer_thread_message,
    resolved_thread_message,
)
from bot.blocks.reminders import help_resolve_dm, help_surface_answered_dm, help_surface_dm
from bot.deps import Deps
from bot.flows.feedback import offer_feedback_to
from bot.flows.nudges import deliver_nudge
from bot.flows.outbox import post_once
from bot.services.gate import Kind
from bot.services.help_requests import (
    HelpCard,
    HelpDraft,
    PendingRequest,
    Resolution,
    Suggestion,
    create_request,
    draft_card,
    offerer_ids,
    record_suggestions,
    record_thread_help,
    request_exists,
    suggest_helpers,
    suggested_ids,
    surface_key,
    unknown_urgency_note,
)
from bot.services.people import Person, remember_member
from bot.services.topics import topics_of
from bot.slack_api import (
    channel_members,
    gives_up,
    is_direct_message,
    permalink,
    update_message,
)
from bot.text import truncate
from bot.work import stable_id

Tell = Callable[[str], object]
"""Says something privately to the person who asked (an ephemeral reply, or a DM)."""

SURFACE_EXPIRES = timedelta(days=2)
RESOLVE_EXPIRES = timedelta(days=7)


def _people_for(
    deps: Deps,
    client: WebClient,
    team_id: str,
    channel_id: str,
    tags: tuple[str, ...],
    *,
    skip: set[str],
) -> tuple[list[Person], dict[str, frozenset[str]]]:
    """Channel members (not in `skip`) with a topic among `tags`, and their topics."""
    members = [uid for uid in channel_members(client, channel_id) if uid not in skip]
    with deps.sessions() as session:
        topics = topics_of(session=session, team_id=team_id, user_ids=members, tags=tags)
    people = [
        p
        for uid in sorted(topics)
        if (p := deps.directory.get(client, team_id, uid)) is not None
        and not p.is_bot
        and not p.deleted
    ]
    return people, topics


def publish_request(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    draft: HelpDraft,
    tell: Tell,
) -> None:
    """Post the card, then store the request; a channel the bot can't post in stores nothing."""
    if is_direct_message(channel_id):
        tell(not_in_channel_text())
        return
    requester = deps.directory.profile(client, team_id, user_id)
    key = stable_id("help-request")  # the same on a retry, which then finds its card
    suggestions: list[Suggestion] = []
    suggested: list[Person] = []
    if draft.tags:
        people, topics = _people_for(deps, client, team_id, channel_id, draft.tags, skip={user_id})
        with deps.sessions() as session:
            suggestions = suggest_helpers(
                session=session,
                team_id=team_id,
                requester_id=user_id,
                tags=draft.tags,
                people=people,
                topics=topics,
                now=deps.clock(),
                seed=key,
            )
        chosen = {s.user_id for s in suggestions}
        suggested = [p for p in people if p.id in chosen]
    card = draft_card(
        key=key, requester_id=user_id, channel_id=channel_id, draft=draft, suggestions=suggestions
    )
    try:
        _, ts = post_once(
            deps,
            client,
            team_id=team_id,
            key=f"help:{key}",
            channel=channel_id,
            message=help_card(card),
        )
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        tell(not_in_channel_text())
        return
    with deps.sessions.begin() as session:
        if request_exists(session=session, team_id=team_id, key=key):
            return  # stored by the run before this one
        create_request(
            session=session,
            team_id=team_id,
            key=key,
            requester=requester,
            channel_id=channel_id,
            draft=draft,
            suggestions=suggestions,
            suggested_people=suggested,
            message_ts=ts,
            now=deps.clock(),
        )
    if draft.unknown_urgencies:
        tell(unknown_urgency_note(draft.unknown_urgencies))


def update_card(client: WebClient, card: HelpCard) -> None:
    """Show the card as it is now; a card someone deleted is left alone."""
    update_message(client, card.channel_id, card.message_ts, help_card(card))


def post_in_thread(
    deps: Deps,
    client: WebClient,
    card: HelpCard,
    message: dict[str, Any],
    *,
    team_id: str,
    key: str,
) -> None:
    """A reply in the card's thread, once under `key` (bot/flows/outbox.py)."""
    if not card.message_ts:
        return
    try:
        post_once(
            deps,
            client,
            team_id=team_id,
            key=key,
            channel=card.channel_id,
            message=message,
            thread_ts=card.message_ts,
        )
    except SlackApiError as exc:
        if not gives_up(exc):
            raise


def after_offer(
    deps: Deps, client: WebClient, card: HelpCard, helper_id: str, *, team_id: str, first: bool
) -> None:
    """The card shows the new helper; on the first offer the thread tells the requester who
    is coming (later offers are on the card: one note in the thread is enough)."""
    update_card(client, card)
    if not first:
        return
    post_in_thread(
        deps,
        client,
        card,
        offer_thread_message(requester_id=card.requester_id, helper_id=helper_id),
        team_id=team_id,
        key=f"help-offer:{card.key}",
    )


def answer_reminder(
    client: WebClient, card: HelpCard, pressed_in: tuple[str, str] | None, *, helping: bool
) -> None:
    """The reminder DM a helper answered loses its buttons and says what happened."""
    if pressed_in is None:
        return
    update_message(
        client,
        *pressed_in,
        help_surface_answered_dm(
            requester_id=card.requester_id,
            channel_id=card.channel_id,
            link=permalink(client, card.channel_id, card.message_ts),
            helping=helping,
        ),
    )


def after_resolved(deps: Deps, client: WebClient, resolution: Resolution, *, team_id: str) -> None:
    """Card, thread thank-you, then one private invitation to send the helpers feedback."""
    card = resolution.card
    update_card(client, card)
    post_in_thread(
        deps,
        client,
        card,
        resolved_thread_message(
            requester_id=card.requester_id, thanked_ids=resolution.thanked_ids, note=resolution.note
        ),
        team_id=team_id,
        key=f"help-resolved:{card.key}:{stable_id('resolved')}",
    )
    # Whose request it was, so it reads right to the helper too (bot/blocks/feedback.py
    # shows it as "your help request" to the requester).
    about = f"<@{card.requester_id}>'s help request “{truncate(card.question, 80)}”"
    offer_feedback_to(  # one invitation naming everyone who helped
        deps,
        client,
        team_id=team_id,
        helped_id=card.requester_id,
        helper_ids=resolution.thanked_ids,
        about=about,
    )


def thread_reply(
    deps: Deps, client: WebClient, *, team_id: str, channel_id: str, thread_ts: str, user_id: str
) -> None:
    """A reply in an open request's thread by someone else is help given, once per person."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        card = record_thread_help(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            user_id=user_id,
            now=now,
        )
    if card is None:
        return
    helper = deps.directory.get(client, team_id, user_id)
    if helper is not None:  # their profile, so who helped whom across departments adds up
        with deps.sessions.begin() as session:
            remember_member(session=session, person=helper, now=now)
    update_card(client, card)


# ----- reminders ---------------------------------------------------------------------------
def surface_request(deps: Deps, client: WebClient, request: PendingRequest, now: datetime) -> None:
    """Ask up to three likely helpers (topic match, available now, fairly rotated) by DM."""
    team_id = request.team_id
    with deps.sessions() as session:
        asked = suggested_ids(session=session, team_id=team_id, request_id=request.id)
    people, topics = _people_for(
        deps, client, team_id, request.channel_id, request.tags, skip=asked
    )
    with deps.sessions.begin() as session:
        chosen = suggest_helpers(
            session=session,
            team_id=team_id,
            requester_id=request.requester_id,
            tags=request.tags,
            people=people,
            topics=topics,
            now=now,
            seed=f"surface:{request.key}",
        )
        # So the fair rotation knows they were asked (by DM: nobody was mentioned).
        record_suggestions(
            session=session,
            team_id=team_id,
            request_id=request.id,
            suggestions=[replace(s, mention=False) for s in chosen],
            now=now,
        )
    message = help_surface_dm(
        request_key=request.key,
        requester_id=request.requester_id,
        channel_id=request.channel_id,
        question=request.question,
        tags=list(request.tags),
        link=permalink(client, request.channel_id, request.message_ts),
    )
    for suggestion in chosen:
        deliver_nudge(
            deps,
            client,
            team_id=team_id,
            user_id=suggestion.user_id,
            kind=Kind.SUGGESTION,
            key=surface_key(request.id),
            message=message,
            now=now,
            expires_at=now + SURFACE_EXPIRES,
        )


def ask_to_resolve(deps: Deps, client: WebClient, request: PendingRequest, now: datetime) -> None:
    """Once offers came in: ask the requester to resolve it and thank who helped."""
    with deps.sessions() as session:
        helpers = offerer_ids(session=session, team_id=request.team_id, request_id=request.id)
    message = help_resolve_dm(
        channel_id=request.channel_id,
        question=request.question,
        helper_ids=helpers,
        link=permalink(client, request.channel_id, request.message_ts),
    )
    deliver_nudge(
        deps,
        client,
        team_id=request.team_id,
        user_id=request.requester_id,
        kind=Kind.REMINDER,
        key=f"help-resolve:{request.id}",
        message=message,
        now=now,
        expires_at=now + RESOLVE_EXPIRES,
    )
