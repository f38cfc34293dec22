"""Emoji thanks: `reaction_added` records a thank-you, `reaction_removed` takes it back."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services.thanks import Reaction, is_thanks_emoji, record_thanks, retract_thanks


def _reaction(body: dict[str, Any], event: dict[str, Any]) -> Reaction | None:
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


def register(app: App, deps: Deps) -> None:
    @app.event("reaction_added")
    def reaction_added(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        reaction = _reaction(body, event)
        if reaction is None or reaction.reactor_id == reaction.author_id:
            return
        now = deps.clock()
        with deps.sessions.begin() as session:
            if not is_thanks_emoji(
                session=session,
                team_id=reaction.team_id,
                emoji=reaction.emoji,
                defaults=deps.defaults,
                now=now,
            ):
                return
        author = deps.directory.get(client, reaction.team_id, reaction.author_id)
        reactor = deps.directory.get(client, reaction.team_id, reaction.reactor_id)
        if author is None or reactor is None or author.is_bot or reactor.is_bot:
            return
        with deps.sessions.begin() as session:
            record_thanks(
                session=session, reaction=reaction, reactor=reactor, author=author, now=now
            )

    @app.event("reaction_removed")
    def reaction_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        reaction = _reaction(body, event)
        if reaction is None:
            return
        with deps.sessions.begin() as session:
            retract_thanks(session=session, reaction=reaction, now=deps.clock())
