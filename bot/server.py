"""gunicorn, configured once: the bot and the benchmark's bare app are served the same way.

Each request is read whole before a worker thread sees it. gunicorn's threaded worker hands a
connection to a thread as soon as its first bytes arrive, and the thread then waits for the
rest: twenty clients sending a body a byte at a time would hold every thread, and every ack
and health check would queue behind them. Here the worker's event loop gathers each request
(headers and body) without a thread, and gives a client REQUEST_READ_TIMEOUT seconds from
its first byte to its last; a slower one is answered 408 and closed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.app.base import BaseApplication
from gunicorn.http.unreader import Unreader
from gunicorn.workers.gthread import ThreadWorker

log = logging.getLogger(__name__)

REQUEST_READ_TIMEOUT = 3.0
"""Seconds from a request's first byte to its last. Slack sends a whole request at once, and
gives up waiting for the answer after 3 seconds anyway."""
MAX_BODY_BYTES = 1024 * 1024
"""Slack's requests are a few kilobytes; a modal's submission at most some hundreds."""
MAX_HEAD_BYTES = 64 * 1024


def _response(status: str, error: str) -> bytes:
    body = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


_TOO_SLOW = _response("408 Request Timeout", "the request took too long to arrive")
_TOO_LARGE = _response("413 Content Too Large", "body too large")
_HEAD_TOO_LARGE = _response("431 Request Header Fields Too Large", "headers too large")
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _Verdict:
    """What `request_end` can say besides "complete up to here" and "not yet"."""


HAND_OVER = _Verdict()  # not a request this scan understands: gunicorn's parser answers it
TOO_LARGE = _Verdict()
HEAD_TOO_LARGE = _Verdict()


@dataclass
class RequestScan:
    """Finds where the first request in a growing buffer ends (headers and body), resuming
    where it left off, so a request sent in many small pieces is scanned once. It only
    finds the end: gunicorn's parser still reads and checks the request."""

    searched: int = 0
    head_end: int | None = None
    end: int | None = None  # known once the headers give a Content-Length
    chunked: bool = False
    chunk_at: int = 0
    chunked_total: int = 0
    expects_continue: bool = False

    def feed(self, buffer: bytes | bytearray) -> int | _Verdict | None:
        """The request's end, a verdict, or None while it is still arriving."""
        if self.head_end is None:
            found = buffer.find(b"\r\n\r\n", max(0, self.searched - 3))
            self.searched = len(buffer)
            if found < 0:
                return HEAD_TOO_LARGE if len(buffer) > MAX_HEAD_BYTES else None
            if found > MAX_HEAD_BYTES:
                return HEAD_TOO_LARGE
            self.head_end = found
            verdict = self._read_head(bytes(buffer[:found]), found + 4)
            if verdict is not None:
                return verdict
        if self.chunked:
            return self._chunks(buffer)
        assert self.end is not None
        return self.end if len(buffer) >= self.end else None

    def _read_head(self, head: bytes, body_start: int) -> _Verdict | None:
        length: int | None = None
        for line in head.split(b"\r\n")[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                return HAND_OVER
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                if length is not None or not value.isdigit():
                    return HAND_OVER
                if len(value) > 12:  # more than a terabyte, and more digits than int() takes
                    return TOO_LARGE
                length = int(value)
            elif name == b"transfer-encoding":
                if self.chunked or not value.lower().endswith(b"chunked"):
                    return HAND_OVER
                self.chunked = True
            elif name == b"expect":
                self.expects_continue = value.lower() == b"100-continue"
        if self.chunked:
            self.chunk_at = body_start
            return HAND_OVER if length is not None else None
        if (length or 0) > MAX_BODY_BYTES:
            return TOO_LARGE
        self.end = body_start + (length or 0)
        return None

    def _chunks(self, buffer: bytes | bytearray) -> int | _Verdict | None:
        while True:
            line_end = buffer.find(b"\r\n", self.chunk_at)
            if line_end < 0:
                return HAND_OVER if len(buffer) - self.chunk_at > 1024 else None
            try:
                size = int(bytes(buffer[self.chunk_at : line_end]).split(b";", 1)[0], 16)
            except ValueError:
                return HAND_OVER
            if size < 0:
                return HAND_OVER
            if self.chunked_total + size > MAX_BODY_BYTES:
                return TOO_LARGE
            if size == 0:  # the last chunk, then trailer fields and an empty line
                end = buffer.find(b"\r\n\r\n", line_end)
                return None if end < 0 else end + 4
            if len(buffer) < line_end + 2 + size + 2:
                return None
            self.chunked_total += size
            self.chunk_at = line_end + 2 + size + 2


def request_end(buffer: bytes | bytearray) -> int | _Verdict | None:
    """Where the first request in `buffer` ends, at once (see RequestScan)."""
    return RequestScan().feed(buffer)


@dataclass
class _Gathering:
    """A connection whose request is still arriving."""

    deadline: float
    buffer: bytearray = field(default_factory=bytearray)
    scan: RequestScan = field(default_factory=RequestScan)
    started: bool = False
    continued: bool = False


class BufferingThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, with each request gathered by its event loop first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gathering: dict[Any, _Gathering] = {}

    @staticmethod
    def supported() -> bool:
        """It builds on the event loop of gunicorn 27's threaded worker."""
        return hasattr(ThreadWorker, "murder_pending") and hasattr(Unreader, "take_buffered")

    def _can_gather(self, conn: Any) -> bool:
        """Plain HTTP/1 only: TLS and HTTP/2 connections go gunicorn's own way."""
        from gunicorn.http2 import negotiation

        return not (
            self.cfg.is_ssl
            or conn.is_http2
            or getattr(self.cfg, "protocol", "http") != "http"
            or negotiation.prior_knowledge_allowed(self.cfg, conn.client)
        )

    def enqueue_req(self, conn: Any) -> None:
        """Called on the event loop for a new connection, a kept-alive one that became
        readable, or one with the next request already read ahead."""
        if not self._can_gather(conn):
            super().enqueue_req(conn)
            return
        state = _Gathering(deadline=time.monotonic() + max(self.cfg.keepalive, 1))
        if conn.parser is not None:
            state.buffer += conn.parser.unreader.take_buffered()
        conn.sock.setblocking(False)
        self._gathering[conn] = state
        if not self._take(conn, state):  # usually all there already: no turn of the loop
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: Any, _sock: Any) -> None:
        state = self._gathering.get(conn)
        if state is not None:
            self._take(conn, state)

    def _take(self, conn: Any, state: _Gathering) -> bool:
        """Read what has arrived; True once the request is dealt with (handed to a thread,
        answered, or the client gone), False while more is to come."""
        try:
            return self._read_more(conn, state)
        except Exception:  # never the event loop's end: this one connection's
            log.exception("could not read a request; closing its connection")
            self._drop(conn)
            return True

    def _read_more(self, conn: Any, state: _Gathering) -> bool:
        try:
            data: bytes | None = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            data = None
        except OSError:
            data = b""
        if data:
            state.buffer += data
            if len(state.buffer) > MAX_HEAD_BYTES + MAX_BODY_BYTES + 65536:  # however framed
                self._stop_gathering(conn)
                self._refuse(conn, _TOO_LARGE)
                return True
        if state.buffer:
            if not state.started:
                state.started = True
                state.deadline = time.monotonic() + REQUEST_READ_TIMEOUT
            if self._settle(conn, state):
                return True
        if data == b"":  # the client went away before its request was all here
            self._drop(conn)
            return True
        return False

    def _settle(self, conn: Any, state: _Gathering) -> bool:
        """Hand the request to a thread once it is all here (True), answer it if it can't
        be served (True), or keep waiting (False)."""
        end = state.scan.feed(state.buffer)
        if end is None:
            if state.scan.expects_continue and not state.continued:
                state.continued = True
                self._send(conn, _CONTINUE)
            return False
        self._stop_gathering(conn)
        if end is TOO_LARGE or end is HEAD_TOO_LARGE:
            self._refuse(conn, _TOO_LARGE if end is TOO_LARGE else _HEAD_TOO_LARGE)
            return True
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(state.buffer))
        conn.data_ready = True
        super().enqueue_req(conn)
        return True

    def murder_pending(self) -> None:
        """Runs on every turn of the event loop (at least once a second)."""
        super().murder_pending()
        now = time.monotonic()
        for conn, state in list(self._gathering.items()):
            if state.deadline <= now:
                self._stop_gathering(conn)
                if state.started:
                    self._refuse(conn, _TOO_SLOW)
                else:  # opened, never used
                    self._close(conn)

    def _stop_gathering(self, conn: Any) -> None:
        self._gathering.pop(conn, None)
        with contextlib.suppress(KeyError, OSError, ValueError):
            self.poller.unregister(conn.sock)

    def _drop(self, conn: Any) -> None:
        self._stop_gathering(conn)
        self._close(conn)

    def _refuse(self, conn: Any, response: bytes) -> None:
        self._send(conn, response)
        try:  # end cleanly: our FIN, and nothing left unread that would turn it into a RST
            conn.sock.shutdown(socket.SHUT_WR)
            for _ in range(16):
                if not conn.sock.recv(65536):
                    break
        except OSError:  # nothing more to read (or the client is gone)
            pass
        self._close(conn)

    def _close(self, conn: Any) -> None:
        self.nr_conns -= 1
        conn.close()

    @staticmethod
    def _send(conn: Any, data: bytes) -> None:
        """A few bytes to a non-blocking socket: they fit in its buffer, or are dropped."""
        with contextlib.suppress(OSError):
            conn.sock.send(data)


class WsgiServer(BaseApplication):  # type: ignore[misc]
    """Runs `load_app()` in each worker (so each has its own engine and client)."""

    def __init__(
        self,
        load_app: Callable[[], Callable[..., Any]],
        *,
        port: int,
        workers: int,
        threads: int = 8,
        when_ready: Callable[[Any], None] | None = None,
        on_exit: Callable[[Any], None] | None = None,
    ) -> None:
        self._load_app = load_app
        self._options = {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            "worker_class": BufferingThreadWorker
            if BufferingThreadWorker.supported()
            else "gthread",
            "threads": threads,
            "accesslog": None,
            "keepalive": 5,
        }
        if not BufferingThreadWorker.supported():
            log.warning("this gunicorn predates 27: a slow client can hold a worker thread")
        if when_ready is not None:
            self._options["when_ready"] = when_ready
        if on_exit is not None:
            self._options["on_exit"] = on_exit
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Any]:
        return self._load_app()


class Supervised:
    """A child process kept running: restarted if it exits, stopped on request.

    gunicorn restarts its own workers but knows nothing of ours (the background processes
    that run queued work and the scheduler), so this watches them from the master. `env`:
    variables set for the child on top of this process's own.
    """

    def __init__(
        self,
        command: list[str],
        *,
        env: dict[str, str] | None = None,
        check_every: float = 5.0,
    ) -> None:
        self.command = command
        self.env = env
        self.check_every = check_every
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # a restart and a stop never overlap

    def start(self) -> None:
        with self._lock:
            self._spawn()
        threading.Thread(target=self._watch, name="supervisor", daemon=True).start()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then up to `timeout` seconds for it to finish what it runs (the queue's
        worker gives its running items 25 s), then SIGKILL: its leases then expire and
        another worker takes them over."""
        self.terminate()
        self.wait(deadline=time.monotonic() + timeout)

    def terminate(self) -> None:
        """Stop restarting it, and send SIGTERM."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()

    def wait(self, *, deadline: float) -> None:
        """Until it has exited, or SIGKILL at `deadline` (time.monotonic())."""
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _spawn(self) -> None:
        env = None if self.env is None else {**os.environ, **self.env}
        self.process = subprocess.Popen(self.command, env=env)
        self.starts += 1

    def _watch(self) -> None:
        while not self._stopping.wait(self.check_every):
            with self._lock:
                if self._stopping.is_set():
                    return
                if self.process is not None and self.process.poll() is not None:
                    log.warning(
                        "%s exited with %s; starting it again",
                        self.command[-1],
                        self.process.returncode,
                    )
                    self._spawn()


class SupervisedGroup:
    """Several supervised children, stopped together: SIGTERM to all, then one deadline."""

    def __init__(self, children: list[Supervised]) -> None:
        self.children = children

    def start(self) -> None:
        for child in self.children:
            child.start()

    def stop(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        for child in self.children:
            child.terminate()
        for child in self.children:
            child.wait(deadline=deadline)
