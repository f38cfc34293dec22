"""A Socket Mode test double: Slack's side of the WebSocket, on a random loopback port.

slack-sdk and Bolt test their own clients this way (python-slack-sdk's
`tests/slack_sdk/socket_mode/mock_socket_mode_server.py`): `apps.connections.open` (answered
by the Web API double, tests/slack_double.py, through its `handlers`) gives the client
`ws://127.0.0.1:PORT/link`; each connection to `/link` is greeted with `hello`, and then the
test sends envelopes shaped as Slack documents them (https://docs.slack.dev/apis/events-api/
using-socket-mode): `{"envelope_id", "type": "slash_commands" | "events_api" |
"interactive", "payload", "accepts_response_payload"}`, plus `retry_attempt` /
`retry_reason` on events. The client answers each with `{"envelope_id", "payload"?}`: the
double records when, so a test can hold it to Slack's 3 seconds, and `on_ack` lets a test
look at the world at the very moment an ack arrives. `disconnect()` sends Slack's
`{"type": "disconnect", "reason": "refresh_requested"}`, after which the client must ask
`apps.connections.open` again and connect anew.

The aiohttp server runs its own event loop in a daemon thread; every method here is called
from the test's threads and is thread-safe.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.slack_double import BOT_USER_ID, TEAM_ID

_ids = itertools.count(1)


@dataclass
class Link:
    """One WebSocket connection the client opened."""

    number: int
    ws: web.WebSocketResponse
    closed: bool = False
    retiring: bool = False  # told to reconnect: closed once the client's next link is open
    received: list[dict[str, Any]] = field(default_factory=list)  # everything but acks


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    message: dict[str, Any]  # what the client sent: {"envelope_id", "payload"?}
    seconds: float  # from the envelope's sending to its ack's arrival
    link: int  # the connection it came back on


class SocketDouble:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._changed = threading.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.links: list[Link] = []
        self.sent: dict[str, float] = {}  # envelope id -> when it was sent (monotonic)
        self.acks: dict[str, list[Ack]] = {}  # envelope id -> every ack it got
        self.on_ack: Callable[[dict[str, Any]], None] | None = None

    # ----- lifecycle ---------------------------------------------------------------------
    def start(self) -> SocketDouble:
        self._thread.start()
        self._run(self._start())
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    def stop(self) -> None:
        if self._runner is not None:
            self._run(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _stop(self) -> None:
        for link in list(self.links):
            if not link.closed:
                await link.ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        """What `apps.connections.open` answers."""
        return f"ws://127.0.0.1:{self.port}/link"

    def connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """The Web API double's handler for `apps.connections.open`."""
        return {"ok": True, "url": self.url}

    # ----- the server side -------------------------------------------------------------
    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # answers the client's pings with pongs (autoping)
        await ws.prepare(request)
        with self._changed:
            link = Link(number=len(self.links) + 1, ws=ws)
            self.links.append(link)
            retired = [old for old in self.links if old.retiring and not old.closed]
            self._changed.notify_all()
        for old in retired:  # as Slack does once the client has its new connection
            await old.ws.close()
        await ws.send_str(json.dumps(hello(len([k for k in self.links if not k.closed]))))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._received(link, json.loads(message.data))
        finally:
            with self._changed:
                link.closed = True
                self._changed.notify_all()
        return ws

    def _received(self, link: Link, message: dict[str, Any]) -> None:
        envelope_id = message.get("envelope_id")
        if not isinstance(envelope_id, str):
            with self._changed:
                link.received.append(message)
                self._changed.notify_all()
            return
        arrived = time.monotonic()
        if self.on_ack is not None:
            self.on_ack(message)  # before anyone can see the ack: the world as it was then
        sent = self.sent.get(envelope_id, arrived)
        with self._changed:
            self.acks.setdefault(envelope_id, []).append(
                Ack(envelope_id, message, arrived - sent, link.number)
            )
            self._changed.notify_all()

    def _run(self, coroutine: Any, timeout: float = 5.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # ----- what a test does ------------------------------------------------------------
    def current(self) -> Link:
        """The newest open connection (the one Slack would send on)."""
        with self._changed:
            open_links = [link for link in self.links if not link.closed]
        assert open_links, "the client is not connected"
        return open_links[-1]

    def send(self, envelope: dict[str, Any], link: Link | None = None) -> str:
        """Send an envelope (or any message) on the newest connection; its envelope id."""
        target = link or self.current()
        envelope_id = str(envelope.get("envelope_id") or "")
        if envelope_id:
            self.sent[envelope_id] = time.monotonic()
        self._run(target.ws.send_str(json.dumps(envelope)))
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it retires a connection: the client must connect anew,
        and the double closes this one once it has."""
        link = self.current()
        link.retiring = True
        self.send(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-double"}},
            link,
        )

    def wait_for(self, condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
        """Until `condition()` is truthy (its value), or AssertionError after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not within {timeout:g} s: {what}")
                self._changed.wait(min(left, 0.1))

    def wait_connections(self, count: int, *, timeout: float = 10.0) -> list[Link]:
        """Until the client has opened `count` connections in all; the open ones."""
        self.wait_for(
            lambda: len(self.links) >= count,
            timeout=timeout,
            what=f"{count} connections (saw {len(self.links)})",
        )
        return [link for link in self.links if not link.closed]

    def wait_ack(self, envelope_id: str, *, timeout: float = 10.0) -> Ack:
        acks: list[Ack] = self.wait_for(
            lambda: self.acks.get(envelope_id), timeout=timeout, what=f"an ack of {envelope_id}"
        )
        return acks[0]

    def ack_count(self, envelope_id: str) -> int:
        with self._changed:
            return len(self.acks.get(envelope_id, []))


# ----- messages, as Slack sends them -----------------------------------------------------------
def hello(connections: int = 1) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": connections,
        "debug_info": {
            "host": "applink-double",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": "AAPPID"},
    }


def envelope(
    kind: str,
    payload: dict[str, Any],
    *,
    accepts_response_payload: bool,
    envelope_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
        **extra,
    }


def slash_command(
    command: str,
    text: str,
    *,
    response_url: str,
    user: str = "UALICE",
    channel: str = "CGENERAL",
    team_id: str = TEAM_ID,
    envelope_id: str | None = None,
) -> dict[str, Any]:
    """A `slash_commands` envelope: the payload holds the same fields (all strings) as the
    form Slack would POST over HTTP."""
    payload = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": channel.lower(),
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "AAPPID",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ids)}.{int(time.time())}.trigger",
    }
    return envelope(
        "slash_commands", payload, accepts_response_payload=True, envelope_id=envelope_id
    )


def event(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """An `events_api` envelope: the payload is the Events API's event_callback."""
    payload = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "AAPPID",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):010d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6Im1lbWJlcl9qb2luZWRfY2hhbm5lbCJ9",
    }
    return envelope(
        "events_api",
        payload,
        accepts_response_payload=False,
        retry_attempt=retry_attempt,
        retry_reason=retry_reason,
    )


def button_click(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user: str = "UALICE",
    channel: str = "CGENERAL",
    message_ts: str = "1700000000.000001",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """An `interactive` envelope: a `block_actions` payload for a button in a message."""
    payload = {
        "type": "block_actions",
        "token": "deprecated-verification-token",
        "api_app_id": "AAPPID",
        "team": {"id": team_id, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
        "trigger_id": f"{next(_ids)}.{int(time.time())}.trigger",
        "is_enterprise_install": False,
        "enterprise": None,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": True,
        },
        "channel": {"id": channel, "name": channel.lower()},
        "message": {"type": "message", "user": BOT_USER_ID, "ts": message_ts, "text": "…"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "actions",
                "value": value,
                "text": {"type": "plain_text", "text": "Button"},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return envelope("interactive", payload, accepts_response_payload=False)
