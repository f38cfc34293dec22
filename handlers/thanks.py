"""Emoji thanks: `reaction_added` records a thank-you, `reaction_removed` takes it back."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.services.thanks import Reaction, is_thanks_emoji, record_thanks, retract_thanks
from handlers.routing import Routes


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
        record_thanks(session=session, reaction=reaction, reactor=reactor, author=author, now=now)


def reaction_removed(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
    reaction = reaction_of(body, event)
    if reaction is None:
        return
    with deps.sessions.begin() as session:
        retract_thanks(session=session, reaction=reaction, now=deps.clock())
