"""Socket Mode: Slack's envelopes over a WebSocket instead of signed HTTP requests.

Bolt's `SocketModeHandler` (slack-sdk's built-in client) dispatches each envelope through
the same app as HTTP and acknowledges it with its `envelope_id` once the dispatch returns —
that is, after the event inbox or a fast part's `defer` has committed the queue row (as over
HTTP, where the 200 waits for the same commit). An envelope whose row could not be written
is not acknowledged at all (Bolt's answer is a 503), so Slack delivers it again.

On top of Bolt's handler:
- the envelope's id goes down to the app as a header (`ENVELOPE_HEADER`): the queue keys a
  deferred slow part on it (handlers/queue.py:request_key), so the same envelope delivered
  twice — its ack lost on a connection that dropped — runs once;
- the envelope's shape is checked first (bot/payloads.py), as handlers/web.py does over HTTP:
  garbage is acknowledged (so Slack does not send it forever) and dropped, never a crash;
- `stop()` takes no new envelope (those are left unacknowledged, for Slack to deliver
  again), lets the ones being handled finish and acknowledge, then closes the connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import send_response
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.payloads import payload_problem
from handlers.queue import ENVELOPE_HEADER

log = logging.getLogger(__name__)


def envelope_headers(req: SocketModeRequest) -> dict[str, str | Sequence[str]]:
    """What HTTP would say in headers: the retry (as Bolt mirrors it) and the envelope's id."""
    headers: dict[str, str | Sequence[str]] = {ENVELOPE_HEADER: req.envelope_id}
    if req.retry_attempt is not None:
        headers["x-slack-retry-num"] = str(req.retry_attempt)
    if req.retry_reason is not None:
        headers["x-slack-retry-reason"] = req.retry_reason
    return headers


class DurableSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler with the envelope's id passed down, the payload's shape
    checked, and a graceful `stop()`."""

    def __init__(self, app: App, app_token: str, **options: Any) -> None:
        super().__init__(app, app_token, **options)
        self._handling = 0
        self._handled = 0
        self._stopping = False
        self._idle = threading.Condition()

    @property
    def handled(self) -> tuple[int, int]:
        """Envelopes handled so far (acknowledged or not), and being handled now."""
        with self._idle:
            return self._handled, self._handling

    @property
    def stopping(self) -> bool:
        with self._idle:
            return self._stopping

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        with self._idle:
            if self._stopping:  # unacknowledged: Slack delivers it again
                return
            self._handling += 1
        try:
            self._handle(client, req)
        finally:
            with self._idle:
                self._handling -= 1
                self._handled += 1
                self._idle.notify_all()

    def _handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        problem = payload_problem(req.payload)
        if problem is not None:
            log.warning("dropped a Socket Mode envelope (%s): %s", req.type, problem)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        request = BoltRequest(mode="socket_mode", body=req.payload, headers=envelope_headers(req))
        send_response(client, req, self.app.dispatch(request), start)

    def stop(self, timeout: float = 10.0) -> None:
        """No new envelopes; the ones being handled finish (and are acknowledged); close."""
        with self._idle:
            self._stopping = True
            if not self._idle.wait_for(lambda: self._handling == 0, timeout):
                log.warning("%s envelopes still being handled; closing anyway", self._handling)
        self.client.auto_reconnect_enabled = False  # the socket is about to go, on purpose
        self.client.closed = True  # the message processor's loop ends…
        self.client.message_queue.put(None)  # …as soon as its wait for a message is over
        _wake_the_reader(self.client)
        self.close()  # type: ignore[no-untyped-call]


def _wake_the_reader(client: SocketModeClient) -> None:
    """slack-sdk's built-in client closes its socket only once the reading thread lets go of
    it, which a blocking read does after its timeout (3 s): shutting the socket down first
    ends that read at once. (Best effort: the attribute names are the client's own.)"""
    sock = getattr(getattr(client, "current_session", None), "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
