"""Emoji thanks through the real app: `reaction_added` / `reaction_removed` events."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Thanks, Workspace
from tests.conftest import Bot


def reaction(
    kind: str = "reaction_added",
    *,
    user: str = "UALICE",
    author: str | None = "UBOB",
    emoji: str = "pray",
    ts: str = "1700000000.000100",
    item_type: str = "message",
    event_ts: str = "1700000500.000001",
) -> dict[str, Any]:
    item: dict[str, Any] = {"type": item_type, "channel": "CGENERAL", "ts": ts}
    if item_type == "file":
        item = {"type": "file", "file": "F0FILE"}
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "reaction": emoji,
        "item": item,
        "event_ts": event_ts,
    }
    if author is not None:
        event["item_user"] = author
    return event


def thanks_rows(sessions: sessionmaker[Session]) -> list[Thanks]:
    with sessions() as session:
        return list(session.scalars(select(Thanks).order_by(Thanks.id)))


def test_a_thanks_emoji_on_someones_message_records_a_thanks(bot: Bot, sessions) -> None:
    reply = bot.event(reaction())
    assert reply.status == 200
    rows = thanks_rows(sessions)
    assert [(r.giver_id, r.receiver_id, r.emoji, r.retracted_at) for r in rows] == [
        ("UALICE", "UBOB", "pray", None)
    ]
    assert (rows[0].channel_id, rows[0].message_ts) == ("CGENERAL", "1700000000.000100")


def test_a_skin_tone_is_still_the_same_emoji(bot: Bot, sessions) -> None:
    bot.event(reaction(emoji="clap::skin-tone-4"))
    assert [r.emoji for r in thanks_rows(sessions)] == ["clap"]


def test_a_retried_delivery_counts_once(bot: Bot, sessions) -> None:
    event = reaction()
    assert bot.event(event, event_id="Ev0RETRY01").status == 200
    assert bot.event(event, event_id="Ev0RETRY01", retry_num=1).status == 200
    assert len(thanks_rows(sessions)) == 1


def test_the_same_reaction_under_another_event_id_counts_once(bot: Bot, sessions) -> None:
    event = reaction()
    bot.event(event, event_id="Ev0FIRST01")
    bot.event(event, event_id="Ev0SECOND1")
    assert len(thanks_rows(sessions)) == 1


def test_removing_the_reaction_retracts_and_adding_it_again_restores(bot: Bot, sessions) -> None:
    bot.event(reaction())
    bot.event(reaction("reaction_removed", event_ts="1700000600.000001"))
    rows = thanks_rows(sessions)
    assert len(rows) == 1 and rows[0].retracted_at is not None
    bot.event(reaction(event_ts="1700000700.000001"))
    rows = thanks_rows(sessions)
    assert len(rows) == 1 and rows[0].retracted_at is None


def test_two_thanks_emoji_on_one_message_are_two_thanks(bot: Bot, sessions) -> None:
    bot.event(reaction(emoji="pray"))
    bot.event(reaction(emoji="heart", event_ts="1700000501.000001"))
    assert sorted(r.emoji for r in thanks_rows(sessions)) == ["heart", "pray"]


@pytest.mark.parametrize(
    "event",
    [
        reaction(user="UBOB", author="UBOB"),  # your own message
        reaction(author="UROBOT"),  # a bot's message
        reaction(user="UROBOT"),  # a bot reacting
        reaction(emoji="thumbsup"),  # not a thanks emoji
        reaction(item_type="file", author="UBOB"),  # a file, not a message
        reaction(author=None),  # a message with no person behind it
        reaction(author="UNOSUCH"),  # an author Slack does not know
    ],
)
def test_what_does_not_count(bot: Bot, sessions, event) -> None:
    assert bot.event(event).status == 200
    assert thanks_rows(sessions) == []


def test_removing_a_reaction_that_never_counted_changes_nothing(bot: Bot, sessions) -> None:
    assert bot.event(reaction("reaction_removed")).status == 200
    assert thanks_rows(sessions) == []


def test_the_workspace_chooses_its_thanks_emoji(bot: Bot, sessions) -> None:
    bot.event(reaction(emoji="pray"))
    with sessions.begin() as session:
        workspace = session.get(Workspace, "T0TEAM")
        assert workspace is not None
        workspace.thanks_emoji = ["taco"]
    bot.event(reaction(emoji="taco", event_ts="1700000800.000001"))
    bot.event(reaction(emoji="heart", event_ts="1700000801.000001"))
    assert sorted(r.emoji for r in thanks_rows(sessions)) == ["pray", "taco"]
