"""Slow work after the ack, through a durable queue.

Bolt's lazy listeners split a listener into a fast `ack` part and slow parts. Its default
runs the slow parts on threads of the same web worker, where they compete with the next
acks for the GIL. Here the web worker only queues the request in `work_items` (Bolt's own
lazy-listener protocol, the one its AWS Lambda adapter uses: the request plus the
`x-slack-bolt-lazy-only` / `x-slack-bolt-lazy-function-name` headers), and a background
process runs it: acks stay fast under load, and a restart loses no work that reached the
table (the web worker buffers a few milliseconds of acks per commit, flushed at exit).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.request import BoltRequest
from slack_bolt.util.utils import get_arg_names_of_callable
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models.work import WorkItem

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
_KEPT_HEADERS = ("content-type",)


class QueuedLazyListenerRunner(LazyListenerRunner):
    """`start` queues the lazy function's request; `run` runs it here, errors propagating.

    `start` runs inside the ack path, so it only appends to a buffer; a flusher thread
    writes the buffer to the database in one transaction every few milliseconds. Many acks
    then cost one commit, and a slow or locked database never delays an ack.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        logger: logging.Logger,
        flush_every: float = 0.005,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.logger = logger
        self.flush_every = flush_every
        self._buffer: deque[dict[str, Any]] = deque()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        headers = {k: list(v) for k, v in request.headers.items() if k in _KEPT_HEADERS}
        headers["x-slack-bolt-lazy-only"] = ["1"]
        headers["x-slack-bolt-lazy-function-name"] = [str(request.lazy_function_name)]
        self._buffer.append(
            {
                "team_id": str(request.context.team_id or "")[:32],
                "function": str(request.lazy_function_name)[:200],
                "body": request.raw_body,
                "headers": headers,
                "enqueued_at": self.clock(),
                "attempts": 0,
            }
        )
        if self._flusher is None:
            self._start_flusher()
        self._wake.set()

    def flush(self) -> int:
        """Write everything buffered so far; on a database error keep it for the next try."""
        with self._lock:
            batch = []
            while self._buffer:
                batch.append(self._buffer.popleft())
            if not batch:
                return 0
            try:
                with self.sessions.begin() as session:
                    session.execute(insert(WorkItem), batch)
            except SQLAlchemyError:
                self._buffer.extendleft(reversed(batch))
                raise
            return len(batch)

    def _start_flusher(self) -> None:
        with self._lock:
            if self._flusher is not None:
                return
            self._flusher = threading.Thread(
                target=self._flush_loop, name="work-queue-flusher", daemon=True
            )
            self._flusher.start()
            atexit.register(self._flush_at_exit)

    def _flush_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(self.flush_every)  # let a burst of acks share one commit
            try:
                self.flush()
            except SQLAlchemyError:
                log.exception("could not write queued work; retrying in a second")
                time.sleep(1)
                self._wake.set()

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except SQLAlchemyError:
            log.exception("queued work could not be saved at exit")

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        run_lazy(function, request, self.logger)


def run_lazy(function: Callable[..., None], request: BoltRequest, logger: logging.Logger) -> None:
    """Call a lazy function with its arguments; unlike Bolt's default, errors propagate (to
    @app.error, or the queue worker)."""
    function(
        **build_required_kwargs(
            logger=logger,
            required_arg_names=get_arg_names_of_callable(function),
            request=request,
            response=None,
            this_func=function,
        )
    )


def take(*, sessions: sessionmaker[Session], now: datetime) -> WorkItem | None:
    """Claim the oldest waiting item (or one whose worker died), or None."""
    with sessions.begin() as session:
        candidates = session.scalars(
            select(WorkItem)
            .where(or_(WorkItem.taken_at.is_(None), WorkItem.taken_at < now - LEASE))
            .order_by(WorkItem.id)
            .limit(5)
        ).all()
        for item in candidates:
            claimed = session.execute(
                update(WorkItem)
                .where(WorkItem.id == item.id, WorkItem.attempts == item.attempts)
                .values(taken_at=now, attempts=item.attempts + 1)
            )
            if claimed.rowcount:  # type: ignore[attr-defined]
                return item  # the ORM update refreshed item.attempts and taken_at
    return None


def run_pending(
    app: App,
    *,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    limit: int | None = None,
) -> int:
    """Run waiting work until there is none (or `limit` items); returns how many ran."""
    done = 0
    while limit is None or done < limit:
        item = take(sessions=sessions, now=clock())
        if item is None:
            return done
        if item.attempts > MAX_ATTEMPTS:
            log.error(
                "dropping work item %s (%s) after %s attempts", item.id, item.function, MAX_ATTEMPTS
            )
        else:
            headers: dict[str, str | Sequence[str]] = dict(item.headers)
            response = app.dispatch(BoltRequest(body=item.body, headers=headers))
            if response.status >= 500:
                log.warning("work item %s (%s) failed; the user was told", item.id, item.function)
        with sessions.begin() as session:
            session.execute(delete(WorkItem).where(WorkItem.id == item.id))
        done += 1
    return done


class QueueWorker:
    """Threads that drain the queue, polling when it is empty."""

    def __init__(
        self,
        app: App,
        *,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        threads: int = 4,
        idle_seconds: float = 0.1,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.clock = clock
        self.threads = threads
        self.idle_seconds = idle_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"work-queue-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_pending(self.app, sessions=self.sessions, clock=self.clock, limit=20)
            except Exception:
                log.exception("the work queue could not be read; retrying")
                ran = 0
            if not ran:
                self._stop.wait(self.idle_seconds)


def lower_priority(niceness: int = 5) -> None:
    """Background work yields the CPU to the web workers that answer Slack."""
    try:
        os.nice(niceness)
    except (AttributeError, OSError):
        log.info("could not lower the background process's priority")
