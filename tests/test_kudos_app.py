"""`/kudos` through the real app: signed requests in, Web API calls out to the double."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Kudos
from tests.conftest import Bot


def kudos_rows(sessions: sessionmaker[Session]) -> list[Kudos]:
    with sessions() as session:
        return list(session.scalars(select(Kudos).order_by(Kudos.receiver_id)))


def test_kudos_posts_in_the_channel_and_stores_one_row_per_receiver(bot: Bot, sessions) -> None:
    reply = bot.command(
        "/kudos", "<@UBOB|bob> <@UCAROL|carol> for untangling the release #teamwork"
    )
    assert reply.status == 200
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0]["channel"] == "CGENERAL"
    assert "<@UBOB> and <@UCAROL>" in posts[0]["text"]
    assert "untangling the release" in posts[0]["blocks"][0]["text"]["text"]
    rows = kudos_rows(sessions)
    assert [(r.giver_id, r.receiver_id, r.value) for r in rows] == [
        ("UALICE", "UBOB", "teamwork"),
        ("UALICE", "UCAROL", "teamwork"),
    ]
    assert rows[0].reason == "for untangling the release"
    assert rows[0].message_ts is not None


def test_kudos_to_yourself_is_refused_and_nothing_is_stored(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UALICE|alice> for being me")
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.responses[-1]["response_type"] == "ephemeral"
    assert "yourself" in bot.slack.responses[-1]["text"]
    with sessions() as session:
        assert session.scalar(select(func.count(Kudos.id))) == 0
