"""Usage texts and "I don't know" answers through the real app: placeholders escaped on every
surface, `/reciprocity help` short (admin commands under `help admin`), the workspace's own
thanks emoji named, and every unknown word answered with a suggestion."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import usage
from bot.blocks.channels import welcome_message
from models import Workspace
from tests.conftest import Bot

RAW_PLACEHOLDER = re.compile(r"<(?![@#!]|https?:|mailto:)[^>]*>")


def answer(bot: Bot) -> str:
    assert bot.slack.responses, "the user got no answer"
    reply = bot.slack.responses[-1]
    assert reply.get("response_type") == "ephemeral"
    return str(reply["text"])


def test_every_usage_text_escapes_its_placeholders() -> None:
    texts = [
        usage.KUDOS,
        usage.ASKHELP,
        usage.FEEDBACK,
        usage.MENTOR,
        *usage.MENTOR_LINES,
        usage.ME,
        usage.TOPICS,
        usage.SETTINGS,
        usage.PAUSE,
        usage.RESUME,
        usage.CHANNEL,
        usage.ADMIN,
        usage.usage_text(),
        usage.admin_usage_text(),
    ]
    for text in texts:
        assert not RAW_PLACEHOLDER.search(text), text
    assert "&lt;why&gt;" in usage.KUDOS and "&lt;topic&gt;" in usage.FEEDBACK
    assert "&lt;n&gt;" in usage.ADMIN


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/reciprocity", "help"),
        ("/reciprocity", "help admin"),
        ("/reciprocity", "frobnicate"),
        ("/reciprocity", "admin"),
        ("/reciprocity", "topics frobnicate"),
        ("/mentor", "help"),
        ("/mentor", "dance"),
        ("/mentor", "log"),
        ("/feedback", "help"),
        ("/feedback", "requst @bob"),
    ],
)
def test_answers_show_no_raw_placeholders(bot: Bot, command: str, text: str) -> None:
    bot.command(command, text)
    said = answer(bot)
    assert not RAW_PLACEHOLDER.search(said), said


def test_help_is_five_lines_and_points_to_the_admin_commands(bot: Bot) -> None:
    bot.command("/reciprocity", "help")
    said = answer(bot)
    bullets = [line for line in said.splitlines() if line.startswith("• ")]
    assert len(bullets) == 6, bullets
    assert bullets[-1].startswith("• `/reciprocity help admin`")
    assert "/reciprocity admin" not in said and "/reciprocity channel" not in said
    bot.command("/reciprocity", "help admin")
    admin = answer(bot)
    assert "/reciprocity admin show" in admin and "/reciprocity channel show" in admin


def test_help_names_the_workspaces_own_thanks_emoji(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    bot.command("/reciprocity", "admin emoji tada star", user="UADMIN")
    assert "tada" in answer(bot)
    with sessions() as session:
        found = session.get(Workspace, "T0TEAM")
        assert found is not None and found.thanks_emoji == ["tada", "star"]
    bot.command("/reciprocity", "help")
    said = answer(bot)
    assert ":tada: or :star:" in said
    assert ":pray:" not in said and ":heart:" not in said


def test_the_welcome_names_every_thanks_emoji_of_the_workspace() -> None:
    settings = {"digest": "Fridays 15:00", "timezone": "UTC", "prompt": "off"}
    text = welcome_message(settings, emoji=["tada", "star", "fire"])["text"]
    assert ":tada:, :star: or :fire:" in text
    assert not RAW_PLACEHOLDER.search(text)


@pytest.mark.parametrize(
    ("command", "text", "expected"),
    [
        ("/feedback", "requst @bob", "I don't know `requst` — did you mean `request`?"),
        ("/mentor", "jion mentee", "I don't know `jion` — did you mean `join`?"),
        ("/reciprocity", "setings", "I don't know `setings` — did you mean `settings`?"),
        ("/reciprocity", "frobnicate now", "I don't know `frobnicate`."),
    ],
)
def test_an_unknown_word_is_named_with_the_closest_known_one(
    bot: Bot, command: str, text: str, expected: str
) -> None:
    bot.command(command, text)
    said = answer(bot)
    assert expected in said


def test_an_unknown_admin_action_is_named_with_the_closest_one(bot: Bot) -> None:
    bot.command("/reciprocity", "admin budgte 3", user="UADMIN")
    said = answer(bot)
    assert "I don't know `budgte` — did you mean `budget`?" in said


def test_an_unknown_word_is_escaped_and_pings_nobody(bot: Bot) -> None:
    bot.command("/reciprocity", "<!channel>")
    said = answer(bot)
    assert "<!channel>" not in said
    bot.command("/mentor", "&lt;b&gt;")
    said = answer(bot)
    assert "<b>" not in said
