"""Emoji thanks: a reaction on someone's message is a thank-you; removing it takes it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.services.people import Person, remember_members
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from models import Thanks


@dataclass(frozen=True)
class Reaction:
    team_id: str
    reactor_id: str
    author_id: str
    channel_id: str
    message_ts: str
    emoji: str


def base_emoji(name: str) -> str:
    """`clap::skin-tone-3` is still `clap`."""
    return name.split("::", 1)[0].strip(":").lower()


def is_thanks_emoji(
    *, session: Session, team_id: str, emoji: str, defaults: WorkspaceDefaults, now: datetime
) -> bool:
    workspace = get_workspace(session=session, team_id=team_id, defaults=defaults, now=now)
    return base_emoji(emoji) in workspace.thanks_emoji


def record_thanks(
    *, session: Session, reaction: Reaction, reactor: Person, author: Person, now: datetime
) -> bool:
    """Record (or restore) a thank-you; False when nothing changed (a redelivery, a bot…)."""
    if reaction.reactor_id == reaction.author_id or author.is_bot or reactor.is_bot:
        return False
    emoji = base_emoji(reaction.emoji)
    existing = _find(session, reaction, emoji)
    if existing is not None:
        if existing.retracted_at is None:
            return False
        existing.retracted_at = None
        existing.created_at = now
        return True
    # Both in one call, which creates and locks rows in one global order: two people new to
    # the bot thanking each other at once never wait on each other's rows in a cycle.
    remember_members(session=session, people=(reactor, author), now=now)
    thanks = Thanks(
        team_id=reaction.team_id,
        giver_id=reaction.reactor_id,
        receiver_id=reaction.author_id,
        channel_id=reaction.channel_id,
        message_ts=reaction.message_ts,
        emoji=emoji,
        created_at=now,
    )
    return insert_once(session, thanks)  # False: a concurrent delivery won the race


def retract_thanks(*, session: Session, reaction: Reaction, now: datetime) -> bool:
    existing = _find(session, reaction, base_emoji(reaction.emoji))
    if existing is None or existing.retracted_at is not None:
        return False
    existing.retracted_at = now
    return True


def _find(session: Session, reaction: Reaction, emoji: str) -> Thanks | None:
    stmt = select(Thanks).where(
        Thanks.team_id == reaction.team_id,
        Thanks.giver_id == reaction.reactor_id,
        Thanks.channel_id == reaction.channel_id,
        Thanks.message_ts == reaction.message_ts,
        Thanks.emoji == emoji,
    )
    return session.scalars(stmt).first()
