"""Emoji thanks: `reaction_added` records a thank-you, `reaction_removed` takes it back."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.thanks import thanks_note
from bot.deps import Deps
from bot.services.thanks import (
    Reaction,
    claim_thanks_note,
    is_thanks_emoji,
    record_thanks,
    retract_thanks,
)
from bot.slack_api import error_of
from handlers.routing import Routes

log = logging.getLogger(__name__)


def register(app: Routes) -> None:
    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)


def reaction_of(body: dict[str, Any], event: dict[str, Any]) -> Reaction | None:
    item = event.get("item") or {}
    author = event.get("item_user")
    if item.get("type") != "message" or not author or not event.get("user"):
        return None  # files, file comments and messages with no person behind them
    return Reaction(
        team_id=body.get("team_id") or event.get("team") or "",
        reactor_id=event["user"],
        author_id=author,
        channel_id=item.get("channel", ""),
        message_ts=item.get("ts", ""),
        emoji=event.get("reaction", ""),
    )


def reaction_added(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    reaction = reaction_of(body, event)
    if reaction is None or reaction.reactor_id == reaction.author_id:
        return
    now = deps.clock()
    with deps.sessions.begin() as session:
        counts = is_thanks_emoji(
            session=session,
            team_id=reaction.team_id,
            emoji=reaction.emoji,
            defaults=deps.defaults,
            now=now,
        )
    if not counts:
        return
    author = deps.directory.get(client, reaction.team_id, reaction.author_id)
    reactor = deps.directory.get(client, reaction.team_id, reaction.reactor_id)
    if author is None or reactor is None or author.is_bot or reactor.is_bot:
        return
    with deps.sessions.begin() as session:
        counted = record_thanks(
            session=session, reaction=reaction, reactor=reactor, author=author, now=now
        )
        # Claimed with the thanks, in one commit: a redelivery or a takeover finds the thanks
        # already counted and the note already claimed, so it is never sent twice.
        tell = counted and claim_thanks_note(
            session=session, team_id=reaction.team_id, user_id=reaction.reactor_id, now=now
        )
    if tell:
        tell_it_counted(client, reaction)


def tell_it_counted(client: WebClient, reaction: Reaction) -> None:
    """The first-time note, only to the giver, in the channel. At most once: the claim is
    committed, so a failure here would retry to no effect, and the note is let go."""
    try:
        client.chat_postEphemeral(
            channel=reaction.channel_id,
            user=reaction.reactor_id,
            **thanks_note(reaction.emoji, reaction.author_id),
        )
    except SlackApiError as exc:
        log.info("could not send the thanks note: %s", error_of(exc))


def reaction_removed(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
    reaction = reaction_of(body, event)
    if reaction is None:
        return
    with deps.sessions.begin() as session:
        retract_thanks(session=session, reaction=reaction, now=deps.clock())
