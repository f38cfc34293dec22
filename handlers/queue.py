"""The one durable path for everything after the ack: write it, commit it, then answer Slack.

Bolt's lazy listeners split a listener into a fast `ack` part and slow parts. Here a fast
part calls `defer(slow)`, which writes the request to `work_items` in Bolt's own
lazy-listener protocol (the one its AWS Lambda adapter uses: the request plus the
`x-slack-bolt-lazy-only` / `x-slack-bolt-lazy-function-name` headers) and returns once that
row is committed; only then does Slack get its 200. Events are written the same way
(handlers/app.py:EventInbox) and not run in the web worker at all. Many acks share one commit
(`GroupCommit`), so commit-before-ack costs milliseconds, not a transaction each.

`QueueWorker` runs the rows in the background process: a short lease renewed while an item
runs, retries with backoff, dead letters after the last attempt (bot/services/work.py), and
on SIGTERM it stops taking items and lets the running ones finish.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import json
import logging
import os
import select
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from slack_bolt import App
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import metrics
from bot import work as current_work
from bot.errors import NotSaved, NotSure
from bot.logs import log_context
from bot.services import work
from bot.services.workspace_data import reinstalled_by_request
from bot.slack_api import error_of
from handlers.replies import tell_privately

log = logging.getLogger(__name__)

_KEPT_HEADERS = ("content-type",)
JSON = "application/json"
ENVELOPE_HEADER = "x-slack-socket-envelope-id"
"""A Socket Mode envelope's id, as handlers/socket_mode.py passes it to the app."""
COMMIT_TIMEOUT = 1.5
"""How long an ack waits for its row to be written before answering that nothing was saved
(then it never is). A commit already under way gets 0.8 s more to answer: 2.3 s at most."""

GAVE_UP = (
    "Reciprocity couldn't finish this after several tries. What was already done stays done, "
    "and the rest is kept: an admin can run it again with `python app.py inbox --retry`."
)


class Replayed(Exception):
    """This exact signed request was accepted before: a replay, answered and otherwise ignored."""


@dataclass
class _Pending:
    row: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    inserted: bool | None = None
    failed: bool = False
    unsure: bool = False  # it failed during the COMMIT: it may have been written
    committing: bool = False  # past the point of no return: the commit is under way
    abandoned: bool = False  # its ack gave up waiting: it must not be committed after all


class GroupCommit:
    """`add(row)` returns once the row is committed (True) or was there already (False).
    Rows that arrive while a commit is under way share the next one (no waiting to gather
    them: under load the batches form by themselves, and an idle ack is not delayed).

    `add` raises NotSaved when nothing was written — the database is unreachable or slower
    than `timeout` (the row is then never written: its transaction is rolled back before the
    commit if its ack gave up) — and NotSure when the commit itself was under way and did not
    answer within `commit_timeout`: then nobody can say whether it happened. Together they
    stay under Slack's 3 seconds.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        gather: float = 0.0,
        timeout: float = 1.5,
        commit_timeout: float = 0.8,
    ) -> None:
        self.engine = engine
        self.gather = gather
        self.timeout = timeout
        self.commit_timeout = commit_timeout
        self._waiting: list[_Pending] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, row: dict[str, Any]) -> bool:
        pending = _Pending(row)
        with self._lock:
            self._waiting.append(pending)
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()  # a fork (gunicorn) has no thread of its parent's
                self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
                self._thread.start()
        self._wake.set()
        if not pending.done.wait(self.timeout):
            with self._lock:
                if not pending.committing:  # not written, and now it never will be
                    pending.abandoned = True
                    if pending in self._waiting:
                        self._waiting.remove(pending)
                    raise NotSaved("the database did not answer in time")
            if not pending.done.wait(self.commit_timeout):
                raise NotSure("the commit did not answer in time")
        if pending.unsure:
            raise NotSure("the commit failed on its way")
        if pending.failed or pending.inserted is None:
            raise NotSaved("the database refused the write")
        return pending.inserted

    def _loop(self) -> None:
        driver = _DriverConnection(self.engine)  # this thread's own: one per process
        while True:
            self._wake.wait()
            self._wake.clear()
            if self.gather:
                time.sleep(self.gather)  # wait for more acks to share the commit
            with self._lock:
                batch, self._waiting = self._waiting, []
            if batch:
                self._commit(batch, driver)

    def _commit(self, batch: list[_Pending], driver: _DriverConnection) -> None:
        """One transaction on the driver's own connection (work.insert_new_on_driver): every
        ack waits for it, and SQLAlchemy's steps around a statement cost more CPU than the
        statement. The engine still makes the connection (its pragmas, timeouts, pool)."""
        deadline = time.monotonic() + self.timeout
        reconnected = False
        while True:
            committing = False
            try:
                cursor = driver.begin()
                live = [p for p in batch if not p.abandoned]
                inserted = work.insert_new_on_driver(cursor, driver.dialect, [p.row for p in live])
                with self._lock:  # the last moment an ack can still give up
                    if any(p.abandoned for p in live):
                        raise _Abandoned
                    for pending in live:
                        pending.committing = True
                committing = True
                driver.commit()
                break
            except _Abandoned as abandoned:
                driver.failed(abandoned)  # rolled back (or, if that failed, let go)
                continue  # again without those whose ack has answered already
            except Exception as error:
                lost = driver.failed(error)
                if not isinstance(error, driver.errors):  # the pool's timeout; or a bug
                    if not isinstance(error, SQLAlchemyError):
                        log.error("the group commit failed: %s", type(error).__name__)
                    self._failed(batch, error, unsure=committing)
                    return
                if committing:  # lost during the COMMIT: who knows
                    self._failed(batch, error, unsure=True)
                    return
                if time.monotonic() < deadline and (_locked(error) or (lost and not reconnected)):
                    # SQLite's writer is busy: try again at once. Or a pooled connection the
                    # server had closed (a restart): once more on a new one (this engine does
                    # not ping each connection before use, which would cost a round trip).
                    reconnected = reconnected or lost
                    time.sleep(0.0005)
                    continue
                self._failed(batch, error)
                return
        for pending in batch:
            pending.inserted = pending.row["key"] in inserted
            pending.done.set()

    @staticmethod
    def _failed(batch: list[_Pending], error: Exception, *, unsure: bool = False) -> None:
        log.warning("could not commit %s queued items: %s", len(batch), type(error).__name__)
        for pending in batch:
            pending.failed = True
            pending.unsure = unsure
            pending.done.set()


class _Abandoned(Exception):
    """A row's ack gave up while its transaction was open: roll back, try without it."""


class _DriverConnection:
    """The group commit's one connection, held by its thread, used through the database
    driver itself: `begin` (SQLite's BEGIN IMMEDIATE; psycopg begins on the first statement),
    `commit`, `rollback`, and `failed`, which says whether the connection was lost (SQLAlchemy's
    dialect decides, as it would for its own connections) and lets it go either way."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.errors: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._connection: Any = None
        self._cursor: Any = None

    def begin(self) -> Any:
        if self._connection is None:
            try:
                self._connection = self.engine.raw_connection()
            except DBAPIError as error:  # SQLAlchemy wraps a failed connect: unwrap it
                raise error.orig if error.orig is not None else error from None
            self._cursor = self._connection.cursor()
        if self.dialect == "sqlite":
            self._cursor.execute("BEGIN IMMEDIATE")
        return self._cursor

    def commit(self) -> None:
        self._connection.commit()

    def failed(self, error: BaseException) -> bool:
        """After an error: whether the connection was lost. Lost, it is invalidated (the
        pool forgets it); otherwise its transaction is rolled back, ready for the next."""
        if self._connection is None:
            return False  # it could not even connect: no second try
        lost = isinstance(error, self.errors) and self.engine.dialect.is_disconnect(
            cast(Any, error), self._connection.dbapi_connection, self._cursor
        )
        if not lost:
            try:
                self._connection.rollback()
            except Exception:
                lost = True
        if lost:
            with contextlib.suppress(Exception):
                self._connection.invalidate()
            self._connection = self._cursor = None
        return lost


def _locked(error: BaseException) -> bool:
    """SQLite's driver saying its single writer is busy."""
    return error.__class__.__name__ == "OperationalError" and "database is locked" in str(error)


def request_key(request: BoltRequest, function: str) -> str:
    """Slack signs each request it sends once; the same timestamp and signature again is a
    replay. Socket Mode has no signature, but each envelope has its id: the same envelope
    delivered again (its ack lost with a connection) is the same request."""
    signature = request.headers.get("x-slack-signature") or []
    timestamp = request.headers.get("x-slack-request-timestamp") or []
    if signature and timestamp:
        return f"request:{timestamp[0]}:{signature[0][-64:]}:{function}"[:200]
    envelope = request.headers.get(ENVELOPE_HEADER) or []
    if envelope and envelope[0]:
        return f"request:envelope:{envelope[0][:100]}:{function}"[:200]
    return f"request:{uuid.uuid4().hex}:{function}"[:200]


def stored_request(request: BoltRequest) -> tuple[str, dict[str, list[str]]]:
    """The body to store for the consumer, and the headers it is read with. Over HTTP, the raw
    body as it came (checked by handlers/web.py). A Socket Mode envelope's payload reaches
    Bolt as a dict with no raw body at all: it is stored as JSON, which Bolt reads back as
    the same dict, whatever the kind (a slash command's fields, an interaction, an event)."""
    if request.mode == "socket_mode" and not request.raw_body:
        return json.dumps(request.body), {"content-type": [JSON]}
    headers = {k: list(v) for k, v in request.headers.items() if k in _KEPT_HEADERS}
    return request.raw_body, headers


def kind_of(body: dict[str, Any]) -> str:
    if body.get("type") == "event_callback":
        return str((body.get("event") or {}).get("type") or "event")
    if "command" in body:
        return f"command {body.get('command')}"
    return str(body.get("type") or "request")


Defer = Callable[[Callable[..., Any]], None]
"""What a listener's fast part is given as `defer`."""


class Deferrer:
    """`defer(function)`, in a listener's fast part: queue one of its lazy functions to run
    after the ack, committed before this returns (Replayed for a request seen before,
    NotSaved when the database can't be reached). Listeners take it by name: `defer`."""

    def __init__(
        self, commits: GroupCommit, clock: Callable[[], datetime], request: BoltRequest
    ) -> None:
        self.commits = commits
        self.clock = clock
        self.request = request

    def __call__(self, function: Callable[..., Any]) -> None:
        request, name = self.request, function.__name__
        body, headers = stored_request(request)
        headers["x-slack-bolt-lazy-only"] = ["1"]
        headers["x-slack-bolt-lazy-function-name"] = [name]
        row = work.new_row(
            key=request_key(request, name),
            kind=kind_of(request.body),
            team_id=str(request.context.team_id or ""),
            enterprise_id=request.context.enterprise_id,
            function=name,
            body=body,
            headers=headers,
            now=self.clock(),
        )
        if not self.commits.add(row):
            raise Replayed(name)

    def __deepcopy__(self, memo: dict[int, object]) -> Deferrer:
        return self  # Bolt deep-copies a request's context for lazy listeners


class QueueRunner(LazyListenerRunner):
    """Lazy functions run only from the queue, where the fast part `defer`red them; `start`
    (Bolt starting every lazy function of a listener, whatever its fast part decided) does
    nothing, and `run` runs one here with its errors propagating to the worker."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        return None

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        run_lazy(function, request, self.logger)


def run_lazy(function: Callable[..., None], request: BoltRequest, logger: logging.Logger) -> None:
    """Call a lazy function with its arguments; unlike Bolt's default, errors propagate."""
    function(
        **build_required_kwargs(
            logger=logger,
            required_arg_names=get_arg_names_of_callable(function),
            request=request,
            response=None,
            this_func=function,
        )
    )


def describe(error: BaseException) -> str:
    """What went wrong, for the inbox listing: the kind of error, never a message that might
    quote what someone wrote."""
    if isinstance(error, SlackApiError):
        return f"Slack: {error_of(error)}"
    return type(error).__name__


class Outcome:
    DONE = "done"
    RETRY = "retry"
    DEAD = "dead"
    LOST = "lost"  # another worker took it over meanwhile


def run_item(
    app: App,
    item: work.Leased,
    *,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    worker: str,
    take_next: bool = False,
) -> tuple[str, work.Leased | None]:
    """Run one leased item through the consumer app, then record how it went: the outcome,
    and with `take_next` the next due item, leased to this worker in the transaction that
    finishes this one (a failed run leaves the next to a take of its own)."""
    kind = metrics.kind_of_work(item.kind, item.function)
    event_id = item.key.removeprefix("event:") if item.key.startswith("event:") else None
    with log_context(team_id=item.team_id, request_kind=kind, event_id=event_id):
        with metrics.timed(metrics.QUEUE_RUN_SECONDS, kind):
            outcome, following = _run_item(
                app, item, sessions=sessions, clock=clock, worker=worker, take_next=take_next
            )
        metrics.QUEUE_RUNS.labels(kind, outcome).inc()
        log.debug("work item %s (%s, attempt %s): %s", item.id, kind, item.attempts, outcome)
    return outcome, following


def _run_item(
    app: App,
    item: work.Leased,
    *,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    worker: str,
    take_next: bool,
) -> tuple[str, work.Leased | None]:
    headers: dict[str, str | Sequence[str]] = dict(item.headers)
    finishing = current_work.Finishing()  # written with the item's outcome, below
    try:  # the item's key (never reused, unlike a row id) names the work for bot.work
        with current_work.running(
            item.key,
            item.attempts,
            since=item.enqueued_at,
            finishing=finishing,
            first_run=item.first_run,
        ):
            response = app.dispatch(BoltRequest(body=item.body, headers=headers))
        if response.status >= 500:
            raise RuntimeError(f"the app answered {response.status}")
    except Exception as error:
        log.error(
            "work item %s (%s, attempt %s) failed: %s",
            item.id,
            item.kind,
            item.attempts,
            describe(error),
            exc_info=error,
            extra={"unhandled": True},
        )
        status = work.fail(
            sessions=sessions,
            item_id=item.id,
            worker=worker,
            error=describe(error),
            now=clock(),
            also=finishing.writes,  # what it posted before failing stays posted once
        )
        if status == work.DEAD and item.function:
            _tell_gave_up(app, item)
        if status is None:
            return Outcome.LOST, None
        return (Outcome.DEAD if status == work.DEAD else Outcome.RETRY), None
    with sessions.begin() as session:
        for write in finishing.writes:
            write(session)
        now = clock()
        finished = work.finish(session, item_id=item.id, worker=worker, now=now)
        reinstalled_by_request(
            session=session, team_id=item.team_id, kind=item.kind, received_at=item.enqueued_at
        )
        following = work.take_in(session, worker=worker, now=now) if take_next else []
    return (Outcome.DONE if finished else Outcome.LOST), (following[0] if following else None)


def _tell_gave_up(app: App, item: work.Leased) -> None:
    content_type = next(iter(item.headers.get("content-type") or []), None)
    try:
        body = parse_body(item.body, content_type)
    except ValueError:
        return
    tell_privately(body, _client_of(app, item.team_id), GAVE_UP)


def _client_of(app: App, team_id: str) -> WebClient:
    """The app's client; in OAuth mode, one with the workspace's own bot token."""
    store = app.installation_store
    if store is None or app.client.token is not None or not team_id:
        return app.client
    bot = store.find_bot(enterprise_id=None, team_id=team_id)
    client = copy.copy(app.client)
    client.token = bot.bot_token if bot is not None else None
    return client


def run_pending(
    app: App,
    *,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    limit: int | None = None,
    worker: str = "inline",
) -> int:
    """Run due work until there is none (or `limit` items); how many ran."""
    ran = 0
    item: work.Leased | None = None
    while limit is None or ran < limit:
        if item is None:
            items = work.take(sessions=sessions, worker=worker, now=clock())
            if not items:
                return ran
            item = items[0]
        ran += 1
        _outcome, item = run_item(
            app,
            item,
            sessions=sessions,
            clock=clock,
            worker=worker,
            take_next=limit is None or ran < limit,
        )
    return ran


class Arrivals:
    """New work items a second, over the last `window` seconds (what LISTEN hears)."""

    def __init__(self, window: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._seen: collections.deque[tuple[float, int]] = collections.deque()
        self._total = 0
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self._seen.append((self.clock(), count))
            self._total += count
            self._forget()

    def per_second(self) -> float:
        with self._lock:
            self._forget()
            return self._total / self.window

    def _forget(self) -> None:
        horizon = self.clock() - self.window
        while self._seen and self._seen[0][0] < horizon:
            self._total -= self._seen.popleft()[1]


LISTENING_POLL = 1.0
"""Seconds between an idle thread's looks at the queue while LISTEN tells it of new work."""


class QueueWorker:
    """Threads that run the queue, a heartbeat for their leases, and a wake-up on new work.

    Acks first: while new items arrive faster than `yield_above` a second (a burst the worker
    could not keep pace with anyway), one thread runs the queue, pausing `yield_pause`
    between items, and the others wait — until what it takes has waited `yield_at_most`,
    so a long burst never starves the work. The work is durable, so it can wait a little;
    the acks can't: on PostgreSQL the worker's transactions run in the database's own
    processes, which `lower_priority` does not reach, and on SQLite each of its writes holds
    the one write lock every ack's commit waits for (and holds it longer, niced). PostgreSQL
    says how fast items arrive through LISTEN; on SQLite a thread reads the newest id.

    `stop()` (SIGTERM) stops taking items and waits for the running ones to finish.
    """

    def __init__(
        self,
        app: App,
        *,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        engine: Engine | None = None,
        threads: int = 4,
        idle_seconds: float = 0.05,
        yield_above: float = 300,
        yield_pause: float = 0.5,
        yield_at_most: timedelta = timedelta(seconds=30),
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.clock = clock
        self.engine = engine
        self.threads = threads
        self.idle_seconds = idle_seconds
        self.yield_above = yield_above
        self.yield_pause = yield_pause
        self.yield_at_most = yield_at_most
        self.arrivals = Arrivals()
        self.waited = timedelta(0)  # how long the last item taken had waited in the queue
        self.listening = False  # PostgreSQL's LISTEN is in place: new work wakes the threads
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._notices = 0  # new work heard of (LISTEN), under _wake
        self._running: set[int] = set()
        self._running_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.threads):
            self._spawn(self._loop, f"work-queue-{number}", number)
        self._spawn(self._heartbeat, "work-queue-heartbeat")
        if self.engine is not None and self.engine.dialect.name == "postgresql":
            self._spawn(self._listen, "work-queue-listen")
        elif self.engine is not None:
            self._spawn(self._count_arrivals, "work-queue-arrivals")

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 25.0) -> None:
        """Take nothing new; let what runs finish (its lease ends if it doesn't)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def acks_are_busy(self) -> bool:
        """A burst of acks, while the work it leaves is fresh: once the items taken have
        waited `yield_at_most`, the worker runs at full speed whatever arrives."""
        return (
            self.yield_above > 0
            and self.waited < self.yield_at_most
            and self.arrivals.per_second() > self.yield_above
        )

    def _loop(self, number: int) -> None:
        while not self._stop.is_set():
            if self.acks_are_busy():
                if number > 0:  # one thread carries on, slowly; the others wait
                    self._stop.wait(0.1)
                    continue
                self._stop.wait(self.yield_pause)
            with self._wake:
                notices = self._notices  # a notice from here on means: look again at once
            try:
                now = self.clock()
                due = self.engine is None or work.anything_due(self.engine, now)
                items = work.take(sessions=self.sessions, worker=self.name, now=now) if due else []
            except SQLAlchemyError as error:
                log.warning("the work queue could not be read (%s); retrying", type(error).__name__)
                self._stop.wait(1.0)
                continue
            if not items:
                # Idle. PostgreSQL wakes us when new work arrives (LISTEN): then only what
                # comes due by itself (a retry's backoff, a dead worker's lease) is polled
                # for, once a second. Otherwise, and on SQLite, poll at `idle_seconds`.
                pause = LISTENING_POLL if self.listening else self.idle_seconds * (1 + number)
                with self._wake:
                    if self._notices == notices:
                        self._wake.wait(pause)
                continue
            item: work.Leased | None = items[0]
            while item is not None:  # one leased in hand is run, even once stopping
                self.waited = self.clock() - item.enqueued_at
                with self._running_lock:
                    self._running.add(item.id)
                # The next item is leased as this one finishes, in the same transaction,
                # unless the acks need the room (or we are stopping): then as above.
                take_next = not self._stop.is_set() and not self.acks_are_busy()
                try:
                    _outcome, following = run_item(
                        self.app,
                        item,
                        sessions=self.sessions,
                        clock=self.clock,
                        worker=self.name,
                        take_next=take_next,
                    )
                except SQLAlchemyError as error:  # its lease ends, and another run finishes it
                    log.warning("work item %s: could not record its outcome (%s)", item.id, error)
                    following = None
                    self._stop.wait(1.0)
                finally:
                    with self._running_lock:
                        self._running.discard(item.id)
                item = following

    def _heartbeat(self) -> None:
        while not self._stop.wait(work.HEARTBEAT.total_seconds()):
            self.renew()
        self.renew()

    def renew(self) -> None:
        with self._running_lock:
            running = sorted(self._running)
        try:
            work.renew(sessions=self.sessions, worker=self.name, ids=running, now=self.clock())
        except SQLAlchemyError as error:
            log.warning("could not renew the leases (%s)", type(error).__name__)

    def _listen(self) -> None:
        """PostgreSQL tells us of new work at once (NOTIFY at commit); SQLite workers poll."""
        assert self.engine is not None
        while not self._stop.is_set():
            try:
                connection = work.listen(self.engine)
            except Exception as error:  # the database is down: poll meanwhile
                log.info("LISTEN failed (%s); polling", type(error).__name__)
                self._stop.wait(2.0)
                continue
            self.listening = True
            try:
                while not self._stop.is_set():
                    ready, _, _ = select.select([connection.fileno()], [], [], 1.0)
                    heard = list(connection.notifies(timeout=0)) if ready else []
                    if heard:
                        arrived = sum(_count(note.payload) for note in heard)
                        self.arrivals.add(arrived)
                        with self._wake:
                            self._notices += 1
                            # One idle thread per new item: waking them all made every
                            # item cost several takes, all but one of them finding nothing.
                            self._wake.notify(arrived)
            except Exception as error:
                log.info("LISTEN connection lost (%s)", type(error).__name__)
            finally:
                self.listening = False
                with contextlib.suppress(Exception):
                    connection.close()

    def _count_arrivals(self, every: float = 0.1) -> None:
        """SQLite has no NOTIFY: how many items arrived is read off the newest id, ten times a
        second (a read that takes no lock an ack's commit would wait for)."""
        assert self.engine is not None
        last: int | None = None
        while not self._stop.wait(every):
            try:
                newest = work.newest_id(self.engine)
            except SQLAlchemyError as error:
                log.info("could not count new work (%s)", type(error).__name__)
                continue
            if last is not None and newest > last:
                self.arrivals.add(newest - last)
            last = newest


def _count(payload: str) -> int:
    """A NOTIFY's payload: how many items its insert added (migration 0009's trigger)."""
    return int(payload) if payload.isdigit() else 1


def lower_priority(niceness: int = 5) -> None:
    """Background work yields the CPU to the web workers that answer Slack."""
    try:
        os.nice(niceness)
    except (AttributeError, OSError):
        log.info("could not lower the background process's priority")
