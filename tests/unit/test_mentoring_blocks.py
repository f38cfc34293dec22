"""Mentoring builders and the topic parser as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.mentoring import (
    introduction_message,
    quiet_pair_nudge,
    status_message,
    thanks_message,
    usage_message,
)
from bot.errors import DomainError
from bot.services.mentoring import (
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    GroupMemberView,
    GroupView,
    MentoringStatus,
    parse_topics,
)

START = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def group(kind: str, members: list[tuple[str, str]], topic: str = "python") -> GroupView:
    return GroupView(
        id=1,
        team_id="T1",
        kind=kind,
        topic=topic,
        channel_id="GABC",
        started_at=START,
        ends_at=START + timedelta(weeks=6),
        ended_at=None,
        members=tuple(GroupMemberView(uid, role) for uid, role in members),
    )


PAIR = group("pair", [("UBOB", "mentor"), ("UALICE", "mentee")])


def test_the_quiet_pair_nudge_names_both_and_says_how_to_log() -> None:
    message = quiet_pair_nudge(PAIR)
    assert message["text"].startswith(":coffee: Hi <@UBOB> and <@UALICE>")
    assert "3 weeks" in message["text"]
    assert "/mentor log" in message["text"]
    assert message["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}}
    ]


def test_the_introduction_escapes_the_topic_and_stays_within_slack_limits() -> None:
    message = introduction_message(group("pair", PAIR_MEMBERS, topic="<!channel> & co"), 6)
    assert "&lt;!channel&gt; &amp; co" in message["text"]
    assert "<!channel>" not in message["text"]
    circle = group("circle", [(f"U{i}", "peer") for i in range(5)], topic="x" * 255)
    message = introduction_message(circle, 6)
    assert "<@U0>, <@U1>, <@U2>, <@U3> and <@U4>" in message["text"]
    assert len(message["blocks"][0]["text"]["text"]) <= 3000


PAIR_MEMBERS = [("UBOB", "mentor"), ("UALICE", "mentee")]


def test_thanks_counts_sessions_and_status_shows_the_partner() -> None:
    assert "You logged 2 sessions together" in thanks_message(PAIR, 2)["text"]
    assert "logged" not in thanks_message(PAIR, 0)["text"]
    status = MentoringStatus(
        roles=(("mentee", ("python",)),), groups=(PAIR,), sessions_logged=3, avoiding=0
    )
    text = status_message("UALICE", status)["text"]
    assert "Your mentor: <@UBOB> (until 6 Jan)" in text
    assert "Sessions logged: 3" in text
    assert "asked not to be paired" not in text


def test_usage_lists_every_subcommand() -> None:
    text = usage_message("I don't know `/mentor dance`.")["text"]
    for word in ("join", "circle join", "status", "log", "avoid", "leave"):
        assert f"/mentor {word}" in text


@given(st.lists(st.text(max_size=60), max_size=15))
def test_parse_topics_returns_clean_topics_or_a_clear_error(words: list[str]) -> None:
    try:
        topics = parse_topics(words)
    except DomainError as error:
        assert error.message and len(error.message) < 400
        return
    assert len(topics) <= MAX_TOPICS
    assert len(set(topics)) == len(topics)
    for topic in topics:
        assert 0 < len(topic) <= MAX_TOPIC_LENGTH
        assert topic == topic.lower() and not topic.startswith("#")
        assert not any(c.isspace() or c in "<>&,`*" for c in topic)


def test_parse_topics_examples() -> None:
    assert parse_topics(["#Python", "public-speaking,", "C++"]) == (
        "python",
        "public-speaking",
        "c++",
    )
    with pytest.raises(DomainError, match="doesn't work as a topic"):
        parse_topics(["`rm -rf`"])


def test_the_introduction_suggests_a_first_topic_to_talk_about() -> None:
    pair = introduction_message(group("pair", PAIR_MEMBERS, topic="python"), 6)["text"]
    assert "<@UBOB> will mentor <@UALICE> for the next 6 weeks" in pair
    assert "*A first topic:* python — where would <@UALICE> like to be with it" in pair
    starter = "What would you like to be better at three months from now?"
    assert (
        f"*A first topic:* {starter}\n"
        in introduction_message(group("pair", PAIR_MEMBERS, topic=starter), 6)["text"]
    )
    circle = [(f"U{i}", "peer") for i in range(3)]
    text = introduction_message(group("circle", circle, topic="leadership"), 6)["text"]
    assert "where would each of you like to be with it" in text
