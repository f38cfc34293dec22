"""The HTTP edge (handlers/web.py, bot/payloads.py, bot/server.py) under input Slack would never
send: bodies read by content type, odd headers, deep nesting, wrongly typed fields, slow
clients. Whatever arrives, the answer is a 4xx, never a 500, and never a stuck server."""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot import ids
from models import Kudos
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, Bot
from tests.slack_double import BOT_USER_ID, TEAM_ID, SlackDouble
from tests.slack_requests import SlackSender, sign, text_value, users_value

ROOT = Path(__file__).resolve().parents[2]


def kudos_count(sessions) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Kudos)) or 0)


# ----- 1. bodies are read by content type and field, not guessed from the text ----------------
@pytest.mark.parametrize(
    ("text", "channel_name"),
    [
        ("<@UBOB> for the payload parser fix", "general"),
        ("<@UBOB> for payload=sorted", "general"),
        ("<@UBOB> for the review", "payload-team"),
    ],
)
def test_a_command_that_says_payload_is_still_a_command(
    bot: Bot, sessions, text: str, channel_name: str
) -> None:
    reply = bot.command("/kudos", text, channel_name=channel_name)
    assert reply.status == 200, reply
    assert kudos_count(sessions) == 1
    assert "<@UBOB>" in bot.slack.calls_to("chat.postMessage")[0]["text"]


def test_an_event_and_an_interaction_are_read_by_their_content_type(bot: Bot) -> None:
    challenge = {"token": "t", "challenge": "payload=abc", "type": "url_verification"}
    reply = bot.send.post(json.dumps(challenge), "application/json; charset=utf-8")
    assert reply.status == 200 and "payload=abc" in reply.body
    # a JSON event is not a form, whatever its text says
    assert bot.send.post(json.dumps(challenge), "application/x-www-form-urlencoded").status == 400
    assert bot.send.post("payload=x", "text/plain").status == 415


# ----- 2. signature headers that can't be compared ---------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Signature": "v0=" + "é" * 64},  # not ASCII: hmac.compare_digest raises
        {"X-Slack-Signature": "v0=\xff"},
        {"X-Slack-Request-Timestamp": "9" * 5000},  # more digits than int() reads
    ],
)
def test_a_signature_header_that_cant_be_compared_is_a_quick_401(
    bot: Bot, sessions, headers: dict[str, str]
) -> None:
    form = {"command": "/kudos", "text": "<@UBOB> x", "team_id": TEAM_ID, "user_id": "UALICE"}
    started = time.monotonic()
    reply = bot.send.form(form, headers=headers)
    assert reply.status == 401, reply
    assert time.monotonic() - started < 2
    assert kudos_count(sessions) == 0


# ----- 3. nesting beyond any Slack payload -----------------------------------------------------
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("[" * 100_000, "application/json"),
        ('{"type": "event_callback", "event": ' + "[" * 100_000, "application/json"),
        ("payload=" + "%5B" * 100_000, "application/x-www-form-urlencoded"),
        (
            json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {"type": "x"}})[:-1]
            + ', "deep": '
            + "[" * 200
            + "]" * 200
            + "}",
            "application/json",
        ),
    ],
)
def test_deeply_nested_json_is_a_400(bot: Bot, body: str, content_type: str) -> None:
    assert bot.send.post(body, content_type).status == 400


# ----- 4. fields of the wrong type -------------------------------------------------------------
def event_body(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "context_enterprise_id": None,
        "api_app_id": "AAPPID",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev0EDGE0001",
        "event_time": 1764075600,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6InJlYWN0aW9uX2FkZGVkIn0",
    }


REACTION = {
    "type": "reaction_added",
    "user": "UALICE",
    "item_user": "UBOB",
    "reaction": "pray",
    "item": {"type": "message", "channel": "CGENERAL", "ts": "1700000000.000100"},
    "event_ts": "1764075600.000100",
}
MESSAGE = {
    "type": "message",
    "user": "UALICE",
    "text": "thanks",
    "channel": "CGENERAL",
    "channel_type": "channel",
    "ts": "1764075600.000200",
    "thread_ts": "1764075000.000100",
    "event_ts": "1764075600.000200",
}
SLACK_USER = {"id": "UALICE", "username": "alice", "name": "alice", "team_id": TEAM_ID}


def block_action(response_url: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "token": "deprecated-verification-token",
        "api_app_id": "AAPPID",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": dict(SLACK_USER),
        "trigger_id": "1.2.trigger",
        "is_enterprise_install": False,
        "enterprise": None,
        "container": {
            "type": "message",
            "message_ts": "1700000000.000001",
            "channel_id": "CGENERAL",
            "is_ephemeral": False,
        },
        "channel": {"id": "CGENERAL", "name": "general"},
        "message": {"type": "message", "user": BOT_USER_ID, "ts": "1700000000.000001"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": ids.HOME_REFRESH_ACTION,
                "block_id": "actions",
                "value": "x",
                "text": {"type": "plain_text", "text": "Refresh"},
                "action_ts": "1700000000.000002",
            }
        ],
    }


def kudos_submission() -> dict[str, Any]:
    return {
        "type": "view_submission",
        "token": "deprecated-verification-token",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": dict(SLACK_USER),
        "api_app_id": "AAPPID",
        "trigger_id": "1.2.trigger",
        "view": {
            "id": "VKUDOS",
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": ids.KUDOS_MODAL,
            "private_metadata": json.dumps({"channel_id": "CGENERAL"}),
            "blocks": [],
            "state": {
                "values": {
                    ids.KUDOS_RECEIVERS_BLOCK: {ids.KUDOS_RECEIVERS_ACTION: users_value(["UBOB"])},
                    ids.KUDOS_REASON_BLOCK: {ids.KUDOS_REASON_ACTION: text_value("the review")},
                    ids.KUDOS_VALUE_BLOCK: {
                        ids.KUDOS_VALUE_ACTION: {
                            "type": "static_select",
                            "selected_option": None,
                        }
                    },
                }
            },
            "hash": "1700000000.hash",
            "root_view_id": "VKUDOS",
            "previous_view_id": None,
            "app_installed_team_id": TEAM_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_shortcut(response_url: str) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "deprecated-verification-token",
        "action_ts": "1700000000.000003",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": dict(SLACK_USER),
        "channel": {"id": "CGENERAL", "name": "general"},
        "callback_id": ids.KUDOS_SHORTCUT,
        "trigger_id": "1.2.trigger",
        "response_url": response_url,
        "message_ts": "1700000000.000004",
        "message": {"type": "message", "user": "UBOB", "ts": "1700000000.000004", "text": "hi"},
    }


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`base` with the field at `path` (dot-separated; list indexes as numbers) set to
    `value`, or removed when `value` is REMOVE."""
    body = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is REMOVE:
        del node[last]
    else:
        node[last] = value
    return body


REMOVE = object()
STATE = f"view.state.values.{ids.KUDOS_REASON_BLOCK}"

WRONGLY_TYPED: list[tuple[str, str, Any]] = [
    # (which request, field, what it holds instead)
    ("event", "event", "x"),
    ("event", "event", {"type": 5}),
    ("event", "event", {"type": {}}),
    ("event", "type", {}),
    ("event", "team_id", 7),
    ("event", "event.user", 5),
    ("event", "event.user", {"id": "UALICE"}),
    ("event", "event.item", "x"),
    ("event", "event.item.channel", 5),
    ("event", "event.team", 5),
    ("event", "authorizations", "x"),
    ("event", "authorizations", ["x"]),
    ("event", "authorizations.0.team_id", 7),
    ("message", "event.channel", 5),
    ("message", "event.text", ["thanks"]),
    ("message", "event.thread_ts", 1.5),
    ("action", "type", {}),
    ("action", "user", "U1"),
    ("action", "user.id", 5),
    ("action", "actions", {}),
    ("action", "actions", ["x"]),
    ("action", "actions.0.value", 5),
    ("action", "team", 5),
    ("action", "enterprise", 5),
    ("action", "channel", 5),
    ("action", "container", "x"),
    ("action", "view", []),
    ("action", "message", "x"),
    ("action", "state", "x"),
    ("action", "response_url", 5),
    ("action", "trigger_id", REMOVE),
    ("submission", "view", []),
    ("submission", "view.type", REMOVE),
    ("submission", "view.state", "x"),
    ("submission", "view.private_metadata", 5),
    ("submission", f"{STATE}", "x"),
    ("submission", f"{STATE}.{ids.KUDOS_REASON_ACTION}", "x"),
    ("submission", f"{STATE}.{ids.KUDOS_REASON_ACTION}.value", 5),
    (
        "submission",
        f"view.state.values.{ids.KUDOS_RECEIVERS_BLOCK}.{ids.KUDOS_RECEIVERS_ACTION}"
        ".selected_users",
        [5],
    ),
    (
        "submission",
        f"view.state.values.{ids.KUDOS_VALUE_BLOCK}.{ids.KUDOS_VALUE_ACTION}.selected_option",
        "x",
    ),
    ("submission", "response_urls", "x"),
    ("submission", "response_urls", [{"response_url": 5}]),
    ("submission", "enterprise", 5),
    ("submission", "team_id", 7),
    ("shortcut", "team", 5),
    ("shortcut", "message", "x"),
    ("shortcut", "message.ts", 5),
    ("shortcut", "trigger_id", REMOVE),
]


def test_wrongly_typed_fields_are_a_400_before_bolt_sees_them(bot: Bot, sessions) -> None:
    """Every case at once (most were 500s, or crashed a listener after the ack)."""
    url = bot.slack.response_url()
    bases: dict[str, Callable[[], dict[str, Any]]] = {
        "event": lambda: event_body(dict(REACTION)),
        "message": lambda: event_body(dict(MESSAGE)),
        "action": lambda: block_action(url),
        "submission": kudos_submission,
        "shortcut": lambda: message_shortcut(url),
    }
    answers = {}
    for which, path, value in WRONGLY_TYPED:
        body = changed(bases[which](), path, value)
        if which in ("event", "message"):
            reply = bot.post(json.dumps(body), "application/json")
        else:
            reply = bot.interactive(body)
        answers[f"{which} {path}={value if value is not REMOVE else '(removed)'}"] = reply.status
    assert {case: status for case, status in answers.items() if status != 400} == {}
    assert kudos_count(sessions) == 0 and bot.slack.calls == []


def test_slash_commands_need_what_answering_them_needs(bot: Bot) -> None:
    command = {
        "team_id": TEAM_ID,
        "channel_id": "CGENERAL",
        "user_id": "UALICE",
        "command": "/kudos",
        "text": "",
        "response_url": bot.slack.response_url(),
        "trigger_id": "1.2.trigger",
    }
    for missing in ("response_url", "trigger_id", "user_id"):
        assert bot.form({k: v for k, v in command.items() if k != missing}).status == 400
    assert bot.form({**command, "response_url": ""}).status == 400
    assert bot.send.post(json.dumps({**command, "team_id": 7}), "application/json").status == 400


def test_the_payload_shapes_slack_documents_are_not_refused(bot: Bot) -> None:
    """A payload of each kind as Slack documents it, with the fields our fixtures leave out:
    none may be taken for a malformed one (a 404 is Bolt finding no listener: fine)."""
    url = bot.slack.response_url()
    home_view = {
        "id": "VHOME",
        "team_id": TEAM_ID,
        "type": "home",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": "1700000000.home",
        "title": {"type": "plain_text", "text": "View Title"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": "VHOME",
        "app_id": "AAPPID",
        "external_id": "",
        "app_installed_team_id": TEAM_ID,
        "bot_id": "BBOTSELF",
    }
    rich_text = {
        "type": "rich_text",
        "block_id": "b1",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "thanks ", "style": {"bold": True}},
                    {"type": "user", "user_id": "UBOB"},
                    {"type": "emoji", "name": "pray", "unicode": "1f64f"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "indent": 0,
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "a"}]}
                ],
            },
        ],
    }
    events = [
        {**MESSAGE, "client_msg_id": "c1", "team": TEAM_ID, "blocks": [rich_text]},
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": "CGENERAL",
            "channel_type": "channel",
            "ts": "1764075600.000300",
            "event_ts": "1764075600.000300",
            "message": {
                "type": "message",
                "user": "UALICE",
                "text": "edited",
                "ts": "1764075600.000100",
                "edited": {"user": "UALICE", "ts": "1764075600.000300"},
                "blocks": [rich_text],
            },
            "previous_message": {"type": "message", "user": "UALICE", "text": "x", "ts": "1.2"},
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B1",
            "username": "ci",
            "icons": {"emoji": ":robot_face:"},
            "text": "build passed",
            "channel": "CGENERAL",
            "ts": "1764075600.000400",
            "event_ts": "1764075600.000400",
        },
        {**REACTION, "item": {"type": "file", "file": "F1"}, "item_user": "UBOB"},
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "D0HOME",
            "tab": "messages",
            "event_ts": "1764075600.000500",
        },
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "D0HOME",
            "tab": "home",
            "view": home_view,
            "event_ts": "1764075600.000600",
        },
        {
            "type": "member_joined_channel",
            "user": "UBOB",
            "channel": "CGENERAL",
            "channel_type": "C",
            "team": TEAM_ID,
            "inviter": "UALICE",
            "event_ts": "1764075600.000700",
        },
        {  # events we don't listen to, with objects where our events have ids
            "type": "user_change",
            "user": {"id": "UBOB", "team_id": TEAM_ID, "name": "bob", "profile": {}},
            "event_ts": "1764075600.000800",
        },
        {
            "type": "channel_created",
            "channel": {"id": "CNEW", "name": "new", "created": 1764075600, "creator": "UBOB"},
            "event_ts": "1764075600.000900",
        },
    ]
    for number, event in enumerate(events):
        body = {**event_body(event), "event_id": f"Ev0SHAPE{number:04d}"}
        reply = bot.post(json.dumps(body), "application/json")
        assert reply.status in (200, 404), (event["type"], reply)

    org_wide = {"team": None, "enterprise": {"id": "E1", "name": "Org"}}
    home_click = {
        **block_action(url),
        "container": {"type": "view", "view_id": "VHOME"},
        "view": home_view,
    }
    for gone in ("channel", "message", "response_url"):
        del home_click[gone]
    interactions = [
        home_click,
        {**block_action(url), **org_wide, "is_enterprise_install": True},
        {
            **block_action(url),
            "container": {"type": "message", "message_ts": "1.1", "is_ephemeral": True},
            "actions": [
                {
                    "type": "static_select",
                    "action_id": "not_ours",
                    "block_id": "b",
                    "selected_option": None,
                    "action_ts": "1.2",
                },
                {
                    "type": "checkboxes",
                    "action_id": "also_not_ours",
                    "block_id": "b",
                    "selected_options": [
                        {"text": {"type": "plain_text", "text": "a"}, "value": "a"}
                    ],
                    "action_ts": "1.2",
                },
            ],
        },
        {
            **kudos_submission(),
            "view": {**kudos_submission()["view"], "callback_id": "not_ours"},
            "response_urls": [
                {"block_id": "b", "action_id": "a", "channel_id": "C1", "response_url": url}
            ],
        },
        {
            "type": "view_closed",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": dict(SLACK_USER),
            "view": {**home_view, "type": "modal", "callback_id": "x"},
            "api_app_id": "AAPPID",
            "is_cleared": False,
        },
        {
            "type": "shortcut",
            "token": "t",
            "action_ts": "1.1",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": dict(SLACK_USER),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": "not_ours",
            "trigger_id": "1.2.trigger",
        },
        {**message_shortcut(url), "callback_id": "not_ours", **org_wide},
    ]
    for interaction in interactions:
        reply = bot.interactive(interaction)
        assert reply.status in (200, 404), (interaction["type"], reply)

    assert bot.form({"ssl_check": "1", "token": "t"}).status == 200
    challenge = json.dumps({"type": "url_verification", "challenge": "c"})
    assert bot.post(challenge, "application/json").status == 200


# ----- nothing logged holds the body's text ----------------------------------------------------
def test_what_is_logged_about_a_refused_request_holds_none_of_its_text(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "TOP-SECRET-FEEDBACK"
    bodies = [
        (json.dumps({"type": secret}), "application/json"),
        (
            json.dumps({"type": "event_callback", "event_id": secret, "event": secret}),
            "application/json",
        ),
        (
            json.dumps(
                {"type": "event_callback", "event_id": "E", "event": {"type": 1, secret: 1}}
            ),
            "application/json",
        ),
        ("{" + secret, "application/json"),
        (
            urlencode({"payload": json.dumps({"type": "block_actions", secret: secret})}),
            "application/x-www-form-urlencoded",
        ),
        (urlencode({"command": "/kudos", "text": secret}), "application/x-www-form-urlencoded"),
        (secret, "text/plain"),
    ]
    with caplog.at_level(logging.DEBUG):
        for body, content_type in bodies:
            assert bot.send.post(body, content_type).status in (400, 415)
    assert caplog.records, "refusals are logged"
    assert not [r.getMessage() for r in caplog.records if secret in r.getMessage()]


@pytest.mark.parametrize("declared", [1024 * 1024 + 1, "9" * 5000])
def test_a_body_over_the_limit_is_a_413_unread(bot: Bot, declared: object) -> None:
    conn = http.client.HTTPConnection(bot.url.removeprefix("http://"), timeout=5)
    try:
        conn.putrequest("POST", "/slack/events")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(declared))
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()


# ----- 5. slow clients, against the real server ------------------------------------------------
def test_request_end_finds_where_a_request_ends() -> None:
    from bot.server import HAND_OVER, MAX_BODY_BYTES, TOO_LARGE, request_end

    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    assert request_end(head + b"abc") is None
    assert request_end(head + b"abcde") == len(head) + 5
    assert request_end(head + b"abcdeGET / HTTP/1.1\r\n") == len(head) + 5  # pipelined
    assert request_end(b"GET /healthz HTTP/1.1\r\nHost: x\r\n") is None
    get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    assert request_end(get) == len(get)
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert request_end(chunked + b"3\r\nabc\r\n") is None
    whole = chunked + b"3\r\nabc\r\n0\r\n\r\n"
    assert request_end(whole) == len(whole)
    assert request_end(whole[:-1]) is None
    assert request_end(chunked + b"zz\r\n") is HAND_OVER
    too_big = f"POST / HTTP/1.1\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
    assert request_end(too_big) is TOO_LARGE
    assert request_end(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n") is HAND_OVER
    assert (
        request_end(f"POST / HTTP/1.1\r\nContent-Length: {'9' * 5000}\r\n\r\n".encode())
        is TOO_LARGE
    )
    assert request_end(chunked + b"f" * 300 + b"\r\nabc") is TOO_LARGE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(slack: SlackDouble, engine, sessions, database_url, tmp_path) -> Iterator[str]:
    """`app.py serve` (gunicorn, one worker of 8 threads), on a port of its own."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SCHEDULER_ENABLED": "false",
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    output = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "app.py", "serve"], cwd=ROOT, env=env, stdout=output, stderr=output
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "the server died"
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        output.close()


class SlowClients:
    """Connections that declare a 100 kB body and send it a byte at a time."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
            )
            self.sockets.append(sock)
        self.opened = time.monotonic()
        self._stop = threading.Event()
        self._dripping = threading.Thread(target=self._drip, daemon=True)
        self._dripping.start()

    def _drip(self) -> None:
        while not self._stop.wait(0.1):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b" ")

    def close(self) -> None:
        self._stop.set()
        self._dripping.join()
        for sock in self.sockets:
            sock.close()


def timed(call: Callable[[], int]) -> tuple[int, float]:
    started = time.monotonic()
    status = call()
    return status, time.monotonic() - started


def test_slow_clients_hold_no_thread_and_acks_stay_quick(served: str, slack: SlackDouble) -> None:
    max_body_bytes = 1024 * 1024  # bot/server.py's MAX_BODY_BYTES
    port = int(served.rsplit(":", 1)[1])
    sender = SlackSender(served, SIGNING_SECRET, slack)
    slow = SlowClients(port, 50)
    try:
        time.sleep(0.3)  # every slow client has sent its headers and started on its body
        for _ in range(3):
            status, took = timed(lambda: sender.get("/healthz").status)
            assert status == 200 and took < 1.0, (status, took)
            status, took = timed(lambda: sender.command("/kudos", "<@UBOB> for staying up").status)
            assert status == 200 and took < 1.0, (status, took)
        # and a slow body is cut off after a few seconds: a 408, then the connection closes
        sock = slow.sockets[0]
        sock.settimeout(8)
        answer = b""
        try:
            while chunk := sock.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass
        assert answer.startswith(b"HTTP/1.1 408"), answer[:60]
        assert time.monotonic() - slow.opened < 6
    finally:
        slow.close()

    # requests that arrive in other ways are still read whole, and answered
    host = "127.0.0.1"
    body = urlencode({"ssl_check": "1", "token": "t"})
    ts = str(int(time.time()))
    signed = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
    }
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("POST", "/slack/events", body, {**signed, "Expect": "100-continue"})
    assert conn.getresponse().status == 200
    conn.close()
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("POST", "/slack/events", iter([body.encode()]), signed, encode_chunked=True)
    # answered, not left waiting; without a Content-Length (Slack always sends one) no body
    # is read, so the signature can't match
    assert conn.getresponse().status == 401
    conn.close()
    for declared in (str(max_body_bytes + 1), "9" * 5000):
        conn = http.client.HTTPConnection(host, port, timeout=5)
        conn.putrequest("POST", "/slack/events")
        conn.putheader("Content-Length", declared)
        conn.endheaders()
        assert conn.getresponse().status == 413  # at once, before any of the body was sent
        conn.close()
    assert sender.get("/healthz").status == 200
