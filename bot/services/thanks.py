"""Emoji thanks: a reaction on someone's message is a thank-you; removing it takes it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.services.people import Person, remember_members
from bot.services.preferences import get_preferences
from bot.services.workspaces import WorkspaceDefaults, emoji_name, get_workspace, same_emoji
from models import Member, Thanks


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
    return emoji_name(name)


def is_thanks_emoji(
    *, session: Session, team_id: str, emoji: str, defaults: WorkspaceDefaults, now: datetime
) -> bool:
    """Is this reaction one of the workspace's thanks emoji (`+1` is `thumbsup`)?"""
    workspace = get_workspace(session=session, team_id=team_id, defaults=defaults, now=now)
    return any(same_emoji(emoji, chosen) for chosen in workspace.thanks_emoji or [])


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
    # The giver's row is locked too, in that order: `claim_thanks_note` writes it next.
    remember_members(session=session, people=(reactor, author), lock=(reactor,), now=now)
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


def claim_thanks_note(*, session: Session, team_id: str, user_id: str, now: datetime) -> bool:
    """True once per person, in the transaction that counted their emoji thanks: they should
    be told it counted. False ever after (a redelivery, a takeover, their next thanks), and
    when they turned the note off in their settings."""
    if get_preferences(session=session, team_id=team_id, user_id=user_id).opt_out_thanks_note:
        return False
    claimed = session.execute(
        update(Member)
        .where(
            Member.team_id == team_id,
            Member.user_id == user_id,
            Member.thanks_noted_at.is_(None),
        )
        .values(thanks_noted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]
