"""Socket Mode, proven on loopback: Slack's WebSocket side is tests/socket_double.py, the Web
API side tests/slack_double.py (which answers `apps.connections.open` with the WebSocket's
`ws://127.0.0.1:…/link`), so the real client path runs: the connection is asked for with the
app-level token, greeted with `hello`, and envelopes arrive as Slack sends them.

In this process: each envelope is acknowledged with its `envelope_id` within 3 s, and only
once its queue row is committed (the double looks at the database the moment the ack
arrives); it is then handled from the queue (the post reaches the Web API double); the same
envelope twice, or the same event redelivered (`retry_attempt` 1), is handled once; after
`disconnect` the client asks for a new connection and carries on over it.

Then `app.py serve` itself, as a subprocess in Socket Mode: a kudos command over the socket is
recorded and posted, an event is queued and handled, both by that process's own queue worker,
and SIGTERM stops it cleanly. Every wait polls against a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bot import ids
from bot.db import make_engine, normalize_url
from bot.deps import Deps
from handlers.app import create_app
from handlers.queue import run_pending
from handlers.socket_mode import DurableSocketModeHandler
from models import Kudos, WorkItem
from models.rhythm import ChannelSettings
from tests.cli import ROOT, run_app
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TrackingExecutor
from tests.slack_double import BOT_USER_ID, TEAM_ID, SlackDouble
from tests.socket_double import Ack, SocketDouble, button_click, event, slash_command

Sessions = sessionmaker[Session]
APP_TOKEN = "xapp-1-AAPPID-1234567890-socketmodetesttoken"
SLACK_DEADLINE = 3.0  # seconds Slack waits for an envelope's ack
KUDOS = "<@UBOB|bob> for covering for <@UDAVE|dave> while he was out"


def joined(channel: str = "CTEAM") -> dict[str, Any]:
    return {
        "type": "member_joined_channel",
        "user": BOT_USER_ID,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM_ID,
        "inviter": "UALICE",
        "event_ts": "1700000000.000100",
    }


def wait_until(condition: Callable[[], Any], *, timeout: float, what: Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout:g} s: {what()}")
        time.sleep(0.05)


class Keys:
    """The queue's keys as they stood when each ack arrived (read on a connection of its own:
    only committed rows are visible there)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(normalize_url(url), poolclass=NullPool)
        self.at_ack: dict[str, set[str]] = {}

    def __call__(self, message: dict[str, Any]) -> None:
        with self.engine.connect() as connection:
            keys = {str(k) for k in connection.scalars(text("SELECT key FROM work_items"))}
        self.at_ack[str(message["envelope_id"])] = keys

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def socket(slack: SlackDouble) -> Iterator[SocketDouble]:
    double = SocketDouble().start()
    slack.handlers["apps.connections.open"] = double.connections_open
    yield double
    double.stop()


@pytest.fixture
def keys(socket: SocketDouble, database_url: str) -> Iterator[Keys]:
    keys = Keys(database_url)
    socket.on_ack = keys
    yield keys
    keys.close()


class SocketBot:
    """The app that answers Slack, connected over Socket Mode, and the queue's consumer (run
    after each envelope, as the background worker would)."""

    def __init__(self, deps: Deps, socket: SocketDouble) -> None:
        self.deps = deps
        self.socket = socket
        self.executor = TrackingExecutor()
        self.app = create_app(deps, listener_executor=self.executor)
        self.consumer = create_app(deps, consumer=True)
        self.handler = DurableSocketModeHandler(self.app, APP_TOKEN)
        self.handler.connect()  # type: ignore[no-untyped-call]
        socket.wait_connections(1)

    def deliver(self, envelope: dict[str, Any]) -> Ack:
        """Send the envelope, wait for its ack (held to Slack's 3 s), then run the queue."""
        ack = self.socket.wait_ack(self.socket.send(envelope))
        assert ack.seconds < SLACK_DEADLINE, f"acked after {ack.seconds:.2f} s"
        assert ack.message["envelope_id"] == envelope["envelope_id"]
        self.wait()
        return ack

    def wait(self) -> int:
        ran = 0
        for _ in range(100):
            self.executor.wait_idle()
            now = run_pending(
                self.consumer, sessions=self.deps.sessions, clock=self.deps.clock, worker="tests"
            )
            if not now:
                return ran
            ran += now
        raise AssertionError("the queue never ran dry")

    def close(self) -> None:
        self.handler.stop()
        self.executor.shutdown(wait=True)


@pytest.fixture
def socket_bot(deps: Deps, socket: SocketDouble) -> Iterator[SocketBot]:
    bot = SocketBot(deps, socket)
    yield bot
    bot.close()


def kudos_rows(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.scalars(select(Kudos).order_by(Kudos.id))
        return [(row.giver_id, row.receiver_id) for row in rows]


def posts_to(slack: SlackDouble, channel: str) -> list[dict[str, Any]]:
    return [p for p in slack.calls_to("chat.postMessage") if p.get("channel") == channel]


def also_button(slack: SlackDouble) -> dict[str, Any]:
    def walk(node: Any) -> Iterator[Any]:
        yield node
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            for child in children:
                yield from walk(child)

    (button,) = [
        node
        for reply in slack.responses
        for node in walk(reply.get("blocks") or [])
        if isinstance(node, dict) and node.get("action_id") == ids.KUDOS_ALSO_ACTION
    ]
    return button


# ----- in this process ---------------------------------------------------------------------------
def test_the_connection_is_asked_for_with_the_app_token_and_greeted(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble
) -> None:
    opened = [c for c in slack.calls if c.method == "apps.connections.open"]
    assert [c.token for c in opened] == [APP_TOKEN]
    assert len(socket.links) == 1
    assert socket_bot.handler.client.is_connected()


def test_a_slash_command_is_acked_after_its_row_is_committed_and_handled_once(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble, keys: Keys, sessions: Sessions
) -> None:
    envelope = slash_command("/kudos", KUDOS, response_url=slack.response_url())
    ack = socket_bot.deliver(envelope)
    envelope_id = envelope["envelope_id"]
    assert ack.message == {"envelope_id": envelope_id}, "a bare ack: the kudos is queued"
    assert f"request:envelope:{envelope_id}:give_from_command" in keys.at_ack[envelope_id]
    assert kudos_rows(sessions) == [("UALICE", "UBOB")]
    (post,) = posts_to(slack, "CGENERAL")
    assert post["text"].startswith("<@UBOB> got kudos from <@UALICE>")
    assert "Also give kudos to <@UDAVE>?" in slack.responses[-1]["text"]

    # The same envelope again (its ack lost with a connection): acknowledged, not done twice.
    socket.acks.clear()
    socket_bot.deliver(envelope)
    assert kudos_rows(sessions) == [("UALICE", "UBOB")]
    assert len(posts_to(slack, "CGENERAL")) == 1


def test_a_button_click_is_acked_and_handled(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble, keys: Keys, sessions: Sessions
) -> None:
    socket_bot.deliver(slash_command("/kudos", KUDOS, response_url=slack.response_url()))
    button = also_button(slack)
    click = button_click(ids.KUDOS_ALSO_ACTION, button["value"], response_url=slack.response_url())
    ack = socket_bot.deliver(click)
    assert ack.message == {"envelope_id": click["envelope_id"]}
    assert any(click["envelope_id"] in key for key in keys.at_ack[click["envelope_id"]])
    assert kudos_rows(sessions) == [("UALICE", "UBOB"), ("UALICE", "UDAVE")]
    posts = posts_to(slack, "CGENERAL")
    assert len(posts) == 2 and posts[1]["text"].startswith("<@UDAVE> got kudos from <@UALICE>")
    assert "Kudos to <@UDAVE> too ✓" in slack.responses[-1]["text"]


def test_an_event_is_acked_after_the_inbox_commit_and_a_redelivery_is_handled_once(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble, keys: Keys, sessions: Sessions
) -> None:
    first = event(joined("CTEAM"))
    event_id = first["payload"]["event_id"]
    ack = socket_bot.deliver(first)
    assert ack.message == {"envelope_id": first["envelope_id"]}
    assert f"event:{event_id}" in keys.at_ack[first["envelope_id"]]
    with sessions() as session:
        assert session.get(ChannelSettings, (TEAM_ID, "CTEAM")) is not None
    assert len(posts_to(slack, "CTEAM")) == 1, "the bot says hello where it was added"

    # Slack redelivers it: a new envelope, the same event, retry_attempt 1.
    again = event(joined("CTEAM"), event_id=event_id, retry_attempt=1, retry_reason="timeout")
    assert again["envelope_id"] != first["envelope_id"]
    socket_bot.deliver(again)
    assert len(posts_to(slack, "CTEAM")) == 1
    with sessions() as session:
        queued = session.scalars(select(WorkItem.key).where(WorkItem.key.like("event:%")))
        assert list(queued) == [f"event:{event_id}"]


@contextlib.contextmanager
def queue_table_held(database_url: str) -> Iterator[None]:
    """Another transaction holds the queue's table (SQLite: the write lock; PostgreSQL: a lock
    that lets reads through and makes inserts wait), longer than an ack may wait for it."""
    engine = make_engine(database_url)
    connection = engine.connect()
    transaction = connection.begin()  # SQLite: BEGIN IMMEDIATE (bot/db.py)
    try:
        if engine.dialect.name == "postgresql":
            connection.execute(text("LOCK TABLE work_items IN EXCLUSIVE MODE"))
        yield
    finally:
        transaction.rollback()
        connection.close()
        engine.dispose()


def test_an_event_that_could_not_be_written_is_not_acked_and_its_redelivery_is_handled(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble, database_url: str
) -> None:
    first = event(joined("CTEAM"))
    with queue_table_held(database_url):
        socket.send(first)
        wait_until(
            lambda: socket_bot.handler.handled == (1, 0),
            timeout=10,
            what=lambda: f"the envelope is still being handled: {socket_bot.handler.handled}",
        )
    socket_bot.wait()
    assert posts_to(slack, "CTEAM") == []

    again = event(
        joined("CTEAM"),
        event_id=first["payload"]["event_id"],
        retry_attempt=1,
        retry_reason="timeout",
    )
    socket_bot.deliver(again)
    # One connection keeps its messages in order: an ack of the first would have come first.
    assert socket.ack_count(first["envelope_id"]) == 0, "nothing was saved: no ack"
    assert len(posts_to(slack, "CTEAM")) == 1


def test_stop_lets_the_envelope_in_hand_finish_and_be_acked_then_closes(
    socket_bot: SocketBot,
    slack: SlackDouble,
    socket: SocketDouble,
    database_url: str,
    sessions: Sessions,
) -> None:
    envelope = slash_command("/kudos", KUDOS, response_url=slack.response_url())
    handler = socket_bot.handler
    with queue_table_held(database_url):  # its commit waits: the envelope is in hand
        socket.send(envelope)
        wait_until(lambda: handler.handled == (0, 1), timeout=5, what=lambda: "not in hand")
        stopping = threading.Thread(target=handler.stop)
        stopping.start()
        wait_until(lambda: handler.stopping, timeout=5, what=lambda: "stop() did not begin")
        assert socket.ack_count(envelope["envelope_id"]) == 0
    stopping.join(timeout=15)
    assert not stopping.is_alive()
    assert socket.ack_count(envelope["envelope_id"]) == 1, "acked before the socket closed"
    socket.wait_for(lambda: socket.links[0].closed, timeout=5, what="the link closed")
    socket_bot.wait()
    assert kudos_rows(sessions) == [("UALICE", "UBOB")]


def test_after_a_disconnect_the_client_reconnects_and_keeps_working(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble, keys: Keys, sessions: Sessions
) -> None:
    socket.disconnect("refresh_requested")
    socket.wait_connections(2)
    opened = [c for c in slack.calls if c.method == "apps.connections.open"]
    assert [c.token for c in opened] == [APP_TOKEN, APP_TOKEN], "a new URL for the new link"
    socket.wait_for(lambda: socket.links[0].closed, timeout=10, what="the old link closed")
    assert socket.current().number == 2

    envelope = slash_command(
        "/kudos", "<@UBOB|bob> for the rollback", response_url=slack.response_url()
    )
    ack = socket_bot.deliver(envelope)
    assert ack.link == 2
    assert kudos_rows(sessions) == [("UALICE", "UBOB")]
    assert len(posts_to(slack, "CGENERAL")) == 1
    assert len(socket.links) == 2, "one reconnection, not a storm of them"


def test_a_malformed_envelope_is_acked_and_dropped(
    socket_bot: SocketBot, slack: SlackDouble, socket: SocketDouble, keys: Keys, sessions: Sessions
) -> None:
    envelope = slash_command("/kudos", KUDOS, response_url=slack.response_url())
    envelope["payload"]["text"] = {"not": "text"}
    ack = socket_bot.deliver(envelope)
    assert ack.message == {"envelope_id": envelope["envelope_id"]}, "acked: never sent again"
    assert keys.at_ack[envelope["envelope_id"]] == set()
    assert kudos_rows(sessions) == [] and slack.calls_to("chat.postMessage") == []


# ----- `app.py serve`, in Socket Mode ----------------------------------------------------------
@pytest.fixture
def serve(
    slack: SlackDouble, socket: SocketDouble, database_url: str, sessions: Sessions, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.api_url,
            "SCHEDULER_ENABLED": "true",
            "WORKER_THREADS": "2",
            "LOG_LEVEL": "INFO",
        }
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log = log  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def log_of(process: subprocess.Popen[bytes]) -> str:
    return Path(process.log).read_text(errors="replace")  # type: ignore[attr-defined]


def test_serve_in_socket_mode_runs_the_queue_and_the_scheduler_and_stops_cleanly(
    serve: subprocess.Popen[bytes],
    slack: SlackDouble,
    socket: SocketDouble,
    keys: Keys,
    sessions: Sessions,
) -> None:
    def up() -> bool:
        if serve.poll() is not None:
            raise AssertionError(f"app.py serve exited ({serve.returncode}):\n{log_of(serve)}")
        return bool(socket.links)

    wait_until(up, timeout=20, what=lambda: f"no connection:\n{log_of(serve)}")
    opened = [c for c in slack.calls if c.method == "apps.connections.open"]
    assert [c.token for c in opened] == [APP_TOKEN]

    def done(key: str) -> WorkItem | None:
        with sessions() as session:
            item = session.scalar(select(WorkItem).where(WorkItem.key == key))
            return item if item is not None and item.status == "done" else None

    # A kudos over the socket: acked once queued, then recorded and posted by serve's worker.
    command = slash_command("/kudos", KUDOS, response_url=slack.response_url())
    ack = socket.wait_ack(socket.send(command))
    assert ack.seconds < SLACK_DEADLINE, f"acked after {ack.seconds:.2f} s"
    key = f"request:envelope:{command['envelope_id']}:give_from_command"
    assert key in keys.at_ack[command["envelope_id"]]
    item = wait_until(lambda: done(key), timeout=10, what=lambda: log_of(serve))
    assert f":{serve.pid}:" in str(item.leased_by), "run by the serving process's own worker"
    assert kudos_rows(sessions) == [("UALICE", "UBOB")]
    wait_until(lambda: posts_to(slack, "CGENERAL"), timeout=5, what=lambda: "no kudos post")

    # An event: written to the inbox before its ack, then handled by the same worker.
    joined_event = event(joined("CTEAM"))
    ack = socket.wait_ack(socket.send(joined_event))
    assert ack.seconds < SLACK_DEADLINE, f"acked after {ack.seconds:.2f} s"
    key = f"event:{joined_event['payload']['event_id']}"
    assert key in keys.at_ack[joined_event["envelope_id"]]
    item = wait_until(lambda: done(key), timeout=10, what=lambda: log_of(serve))
    assert f":{serve.pid}:" in str(item.leased_by)
    assert len(posts_to(slack, "CTEAM")) == 1

    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=20) == 0, log_of(serve)
    output = log_of(serve)
    assert "scheduler started" in output
    assert "reciprocity: stopped" in output
    assert "Traceback" not in output and " ERROR " not in output, output
    assert APP_TOKEN not in output and BOT_TOKEN not in output
    assert json.dumps(KUDOS)[1:-1] not in output, "what people wrote is never logged"


def test_serve_says_why_socket_mode_could_not_connect(
    slack: SlackDouble, database_url: str, sessions: Sessions
) -> None:
    slack.handlers["apps.connections.open"] = lambda _: {"ok": False, "error": "invalid_auth"}
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "SCHEDULER_ENABLED": "false",
    }
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = run_app("serve", env=env, in_process=True)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    assert result.returncode == 1
    assert "Socket Mode could not connect (apps.connections.open: invalid_auth)" in result.stderr
    assert APP_TOKEN not in result.stderr
