"""The topics each person can help with: what help requests' tags are matched against."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from models import MemberTopic

MAX_TOPICS = 30
MAX_TOPIC_LENGTH = 40
_TOPIC = re.compile(r"^[\w][\w\-+.]*$")
_SEPARATORS = re.compile(r"[\s,;]+")


def parse_topics(text: str) -> list[str]:
    """`python, #SQL  kubernetes` → ["python", "sql", "kubernetes"]; refuses odd words."""
    topics: list[str] = []
    for word in _SEPARATORS.split(text or ""):
        topic = word.strip().lstrip("#").casefold().rstrip(".")
        if not topic:
            continue
        if len(topic) > MAX_TOPIC_LENGTH or not _TOPIC.match(topic):
            shown = topic[:MAX_TOPIC_LENGTH]
            raise DomainError(
                f"`{shown}` isn't a topic I can use — it doesn't work as a topic unless it is "
                f"one word (letters, digits, - + .) of at most {MAX_TOPIC_LENGTH} characters, "
                "e.g. `python` or `design-review`."
            )
        if topic not in topics:
            topics.append(topic)
    return topics


def list_topics(*, session: Session, team_id: str, user_id: str) -> list[str]:
    stmt = (
        select(MemberTopic.topic)
        .where(MemberTopic.team_id == team_id, MemberTopic.user_id == user_id)
        .order_by(MemberTopic.topic)
    )
    return list(session.scalars(stmt))


def add_topics(
    *, session: Session, team_id: str, user_id: str, topics: list[str], now: datetime
) -> list[str]:
    """Add topics (existing ones are kept once); returns the person's whole list."""
    if not topics:
        raise DomainError("Which topics? e.g. `/reciprocity topics add python sql`.")
    existing = set(list_topics(session=session, team_id=team_id, user_id=user_id))
    new = [t for t in topics if t not in existing]
    if len(existing) + len(new) > MAX_TOPICS:
        raise DomainError(
            f"That would make {len(existing) + len(new)} topics; {MAX_TOPICS} is the most. "
            "Remove a few first with `/reciprocity topics remove …`."
        )
    for topic in new:  # one already added a moment ago by a concurrent command is kept
        insert_once(
            session, MemberTopic(team_id=team_id, user_id=user_id, topic=topic, created_at=now)
        )
    return list_topics(session=session, team_id=team_id, user_id=user_id)


def remove_topics(*, session: Session, team_id: str, user_id: str, topics: list[str]) -> list[str]:
    if not topics:
        raise DomainError("Which topics? e.g. `/reciprocity topics remove sql`.")
    session.execute(
        delete(MemberTopic).where(
            MemberTopic.team_id == team_id,
            MemberTopic.user_id == user_id,
            MemberTopic.topic.in_(topics),
        )
    )
    return list_topics(session=session, team_id=team_id, user_id=user_id)


def topics_of(
    *, session: Session, team_id: str, user_ids: Collection[str], tags: Collection[str]
) -> dict[str, frozenset[str]]:
    """Of these people, who has a topic among these tags, and which ones."""
    if not user_ids or not tags:
        return {}
    found: dict[str, set[str]] = {}
    ids = list(user_ids)
    for start in range(0, len(ids), 500):  # keep the IN list a sane size in big channels
        stmt = select(MemberTopic.user_id, MemberTopic.topic).where(
            MemberTopic.team_id == team_id,
            MemberTopic.topic.in_(list(tags)),
            MemberTopic.user_id.in_(ids[start : start + 500]),
        )
        for user_id, topic in session.execute(stmt):
            found.setdefault(user_id, set()).add(topic)
    return {uid: frozenset(topics) for uid, topics in found.items()}
