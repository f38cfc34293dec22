"""Emoji thanks: a reaction on someone's message is a thank-you; removing it takes it back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services.people import Person, remember_member
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from models import Thanks
from models.help_requests import HelpThanks


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
    remember_member(session=session, person=reactor, now=now)
    remember_member(session=session, person=author, now=now)
    try:
        with session.begin_nested():
            session.add(
                Thanks(
                    team_id=reaction.team_id,
                    giver_id=reaction.reactor_id,
                    receiver_id=reaction.author_id,
                    channel_id=reaction.channel_id,
                    message_ts=reaction.message_ts,
                    emoji=emoji,
                    created_at=now,
                )
            )
    except IntegrityError:
        return False  # a concurrent delivery of the same reaction won the race
    return True


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


def export_thanks(*, session: Session, since: datetime | None) -> Iterator[dict[str, object]]:
    """Emoji thanks still standing, then the thank-yous of resolved help requests."""
    emoji = select(Thanks).where(Thanks.retracted_at.is_(None))
    help_thanks = select(HelpThanks)
    if since is not None:
        emoji = emoji.where(Thanks.created_at >= since)
        help_thanks = help_thanks.where(HelpThanks.created_at >= since)
    for stmt in (
        emoji.order_by(Thanks.created_at, Thanks.id),
        help_thanks.order_by(HelpThanks.created_at, HelpThanks.id),
    ):
        for row in session.scalars(stmt).yield_per(1000):
            yield {
                "type": "thanks",
                "team_id": row.team_id,
                "from_user": row.giver_id,
                "to_user": row.receiver_id,
                "channel_id": row.channel_id,
                "created_at": row.created_at,
                "text": "",
            }
