"""Share-and-solve: the weekly prompt's thread, where people share a challenge and help others."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.text import USER_MENTION
from models.rhythm import SharePrompt, ShareReply


def record_prompt(
    *, session: Session, team_id: str, channel_id: str, period: str, message_ts: str, now: datetime
) -> SharePrompt:
    prompt = SharePrompt(
        team_id=team_id, channel_id=channel_id, period=period, message_ts=message_ts, posted_at=now
    )
    session.add(prompt)
    session.flush()
    return prompt


def classify_reply(*, author: str, text: str, sharers: set[str]) -> tuple[str, str | None]:
    """A reply mentioning someone who shared a challenge helps them; a first reply is a
    challenge; anything else is a comment. Returns (kind, helped user)."""
    for uid in USER_MENTION.findall(text or ""):
        if uid in sharers and uid != author:
            return "help", uid
    if author not in sharers:
        return "challenge", None
    return "comment", None


def record_reply(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    message_ts: str,
    text: str,
    now: datetime,
) -> ShareReply | None:
    """Record a reply in a prompt's thread once; None when the thread is not a prompt's."""
    prompt_id = session.scalar(
        select(SharePrompt.id).where(
            SharePrompt.team_id == team_id,
            SharePrompt.channel_id == channel_id,
            SharePrompt.message_ts == thread_ts,
        )
    )
    if prompt_id is None:
        return None
    sharers = set(
        session.scalars(
            select(ShareReply.user_id).where(
                ShareReply.team_id == team_id,
                ShareReply.prompt_id == prompt_id,
                ShareReply.kind == "challenge",
            )
        )
    )
    kind, helped = classify_reply(author=user_id, text=text, sharers=sharers)
    reply = ShareReply(
        team_id=team_id,
        channel_id=channel_id,
        prompt_id=prompt_id,
        user_id=user_id,
        message_ts=message_ts,
        kind=kind,
        helped_user_id=helped,
        created_at=now,
    )
    if not insert_once(session, reply):
        return None  # the same message delivered twice
    return reply
