"""The one WebClient retries what Slack asks it to, and the manifest matches the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Bot

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_rate_limit_or_server_error_is_retried_and_the_kudos_posted_once(
    bot: Bot, status
) -> None:
    bot.slack.fail("chat.postMessage", status=status, times=2, retry_after=0)
    bot.command("/kudos", "<@UBOB> for keeping the lights on")
    attempts = bot.slack.calls_to("chat.postMessage")
    assert len(attempts) == 3
    assert len(bot.slack.messages) == 1


def test_a_rate_limit_waits_as_long_as_slack_asks(bot: Bot, pauses) -> None:
    bot.slack.fail("chat.postMessage", status=429, times=1, retry_after=7)
    bot.command("/kudos", "<@UBOB> for waiting patiently")
    assert len(pauses) == 1 and 7 <= pauses[0] < 8  # Retry-After, plus a little jitter
    assert len(bot.slack.messages) == 1


def test_every_request_carries_the_bot_token_and_goes_to_slack_api_url(bot: Bot) -> None:
    bot.command("/kudos", "<@UBOB> for the docs")
    calls = list(bot.slack.calls)
    assert calls and all(call.token == "xoxb-test-0000-secret-token" for call in calls)


def manifest() -> dict:
    return json.loads((ROOT / "manifest.json").read_text())


def test_every_slash_command_in_the_manifest_is_answered(bot: Bot) -> None:
    commands = manifest()["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {
        "/kudos",
        "/askhelp",
        "/feedback",
        "/mentor",
        "/reciprocity",
    }
    for command in commands:
        assert command["should_escape"] is True
        before = len(bot.slack.responses) + len(bot.slack.calls)
        reply = bot.command(command["command"], "help")
        assert reply.status == 200, command["command"]
        assert len(bot.slack.responses) + len(bot.slack.calls) > before, command["command"]


def test_every_shortcut_in_the_manifest_opens_a_modal(bot: Bot) -> None:
    shortcuts = manifest()["features"]["shortcuts"]
    for number, shortcut in enumerate(shortcuts):
        message = {"ts": f"1700000200.00{number:04d}", "user": "UBOB", "text": "look at this"}
        reply = bot.message_shortcut(shortcut["callback_id"], message, user="UALICE")
        assert reply.status == 200
    assert len(bot.slack.calls_to("views.open")) == len(shortcuts)


def test_the_manifest_asks_only_for_the_scopes_the_bot_uses() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "channels:history",
        "channels:read",
        "chat:write",
        "commands",
        "dnd:read",
        "emoji:read",
        "files:write",  # files_upload_v2: the record's Download, the insights chart
        "groups:history",
        "groups:read",
        "im:write",
        "mpim:write",
        "reactions:read",
        "users:read",
    }
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert {
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "app_home_opened",
        "message.channels",
    } <= events
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_the_double_acts_on_no_half_sent_request(bot: Bot) -> None:
    """A process killed between the headers and the body of a call (http.client sends them
    apart) reaches Slack as half a request: Slack neither acts on it nor refuses it, and so
    the double neither records nor rejects it (tests/app/test_crash.py relies on this)."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(bot.slack.api_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        conn.sendall(
            b"POST /api/chat.postMessage HTTP/1.1\r\nHost: slack\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\n"
            b"channel=C1"
        )
        conn.shutdown(socket.SHUT_WR)
        assert conn.recv(1024) == b""  # no answer: the connection just closes
    assert bot.slack.calls_to("chat.postMessage") == []
    assert bot.slack.rejected == []
