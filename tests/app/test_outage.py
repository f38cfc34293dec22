"""A database outage in the middle of a burst of events: nothing Slack was told is accepted
is lost, nothing is done twice, and a command meanwhile is told at once that nothing was saved.

The web app (its bounded engine, as `build_deps(..., web=True)` makes it) reaches PostgreSQL
through a TCP proxy this test closes for 5 seconds — new connections refused, open ones cut —
and reopens. Deliveries answered with a 5xx are sent again as Slack does (the same event id,
`X-Slack-Retry-Num` 1, 2, 3 …) until they get a 200. A queue worker in this process runs the
queue against the database directly all along, as the background process would.

PostgreSQL only: the proxy stands between the app and a database *server*; SQLite is a file
in this process, so there is no connection to cut (SQLite runs skip this file; CI runs the
suite on PostgreSQL too, where it runs).
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import build_deps
from bot.deps import Deps
from bot.services import work
from handlers.app import create_app
from handlers.queue import QueueWorker, run_pending
from handlers.replies import DB_DOWN
from models import Kudos, Thanks, WorkItem
from tests.conftest import Bot, FakeClock, TrackingExecutor, is_postgres, make_settings
from tests.slack_double import TEAM_ID, SlackDouble

EVENTS = 60
OUTAGE_SECONDS = 5.0
PEOPLE = ("UALICE", "UBOB", "UCAROL", "UDAVE", "UADMIN")  # people the Slack double knows
SENDERS = 6  # threads delivering (and redelivering) the events
FIRST_DELIVERY_EVERY = 0.1  # seconds between the events' first deliveries (6 s in all)
OUTAGE_STARTS_AFTER = 1.0  # seconds after the first delivery: most events arrive during it
RETRY_DELAY = 0.25  # Slack's retries come later; a short delay keeps the test short
SLACK_WAITS = 3.0  # Slack's timeout for an answer


@pytest.fixture(autouse=True)
def _postgres_only(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip(
            "PostgreSQL only: the outage is a cut network path to a database server "
            "(run with DATABASE_URL=postgresql://…)"
        )


# ----- a TCP proxy that can be closed and reopened ----------------------------------------------
class _Link:
    """One proxied connection: two sockets, a pump each way; closed once both pumps stop."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.sockets = (client, upstream)
        self._left = 2
        self._lock = threading.Lock()

    def start(self) -> None:
        client, upstream = self.sockets
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def cut(self) -> None:
        """Both directions end now (the pumps' blocked reads return); the pumps close them."""
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        self.cut()
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:  # no thread reads these any more: closing can't hit a reused descriptor
            for sock in self.sockets:
                sock.close()


class Proxy:
    """127.0.0.1:<port> → upstream. `close()` refuses new connections (nothing listens on the
    port) and cuts every open one; `open()` listens on the same port again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._acceptor: threading.Thread | None = None
        self.open()

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        listener.settimeout(0.02)
        self.port = listener.getsockname()[1]
        self._closing = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept, args=(listener, self._closing), daemon=True
        )
        self._acceptor.start()

    def close(self) -> None:
        self._closing.set()
        if self._acceptor is not None:
            self._acceptor.join()  # the listener is closed: connecting is refused from now on
        with self._lock:
            links, self._links = list(self._links), set()
        for link in links:
            link.cut()

    def _accept(self, listener: socket.socket, closing: threading.Event) -> None:
        with listener:
            while not closing.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                client.setblocking(True)
                try:
                    upstream = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)
                link = _Link(client, upstream)
                with self._lock:
                    self._links.add(link)
                link.start()
                if closing.is_set():
                    link.cut()


@pytest.fixture
def proxy(database_url: str) -> Iterator[Proxy]:
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    yield proxy
    proxy.close()


# ----- Slack's deliveries, and its retries ------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    index: int
    retry_num: int  # 0: the first delivery (no X-Slack-Retry-Num header)
    status: int
    sent_at: float
    seconds: float


def reaction(index: int) -> dict[str, Any]:
    """A valid thank-you on a message of its own: the reactor isn't the author."""
    reactor = PEOPLE[index % len(PEOPLE)]
    author = PEOPLE[(index + 1 + index // len(PEOPLE)) % len(PEOPLE)]
    if author == reactor:
        author = PEOPLE[(index + 2) % len(PEOPLE)]
    return {
        "type": "reaction_added",
        "user": reactor,
        "item_user": author,
        "reaction": "pray",
        "item": {"type": "message", "channel": "CGENERAL", "ts": f"1764000000.{index:06d}"},
        "event_ts": f"1764000100.{index:06d}",
    }


class Deliveries:
    """Delivers each event once at its time, and again after every 5xx (or failed request),
    with the same event id and the next X-Slack-Retry-Num, until it gets a 200."""

    def __init__(self, bot: Bot, events: list[dict[str, Any]], *, start: float) -> None:
        self.bot = bot
        self.events = events
        self.deliveries: list[Delivery] = []
        self.errors: list[str] = []
        self._due: queue.PriorityQueue[tuple[float, int, int, int]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._unanswered = len(events)
        self._lock = threading.Lock()
        self.done = threading.Event()
        for index in range(len(events)):
            self._schedule(start + index * FIRST_DELIVERY_EVERY, index, 0)
        self._threads = [
            threading.Thread(target=self._send, name=f"slack-{n}", daemon=True)
            for n in range(SENDERS)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float) -> None:
        self.done.wait(timeout)
        self.done.set()  # stop the senders, whatever is left
        for thread in self._threads:
            thread.join(timeout=5)

    def _schedule(self, due: float, index: int, retry_num: int) -> None:
        self._due.put((due, next(self._order), index, retry_num))

    def _send(self) -> None:
        while not self.done.is_set():
            try:
                due, order, index, retry_num = self._due.get(timeout=0.05)
            except queue.Empty:
                continue
            wait = due - time.monotonic()
            if wait > 0:  # not yet: back in the queue, which may hold an earlier one meanwhile
                self._due.put((due, order, index, retry_num))
                time.sleep(min(wait, 0.01))
                continue
            sent_at = time.monotonic()
            try:
                reply = self.bot.send.event(
                    self.events[index],
                    event_id=f"Ev0OUTAGE{index:04d}",
                    retry_num=retry_num or None,
                )
                status = reply.status
            except Exception as error:  # no answer at all: Slack retries that too
                self.errors.append(f"event {index}, retry {retry_num}: {error!r}")
                status = 0
            seconds = time.monotonic() - sent_at
            self.deliveries.append(Delivery(index, retry_num, status, sent_at, seconds))
            if status == 200:
                with self._lock:
                    self._unanswered -= 1
                    if self._unanswered == 0:
                        self.done.set()
            else:
                self._schedule(time.monotonic() + RETRY_DELAY, index, retry_num + 1)

    def answered(self) -> set[int]:
        return {d.index for d in self.deliveries if d.status == 200}


# ----- the test ---------------------------------------------------------------------------------
def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def wait_until_the_queue_is_empty(sessions: sessionmaker[Session], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while work.counts(sessions=sessions).get(work.PENDING, 0):
        if time.monotonic() > deadline:
            raise AssertionError(f"the queue never ran dry: {work.counts(sessions=sessions)}")
        time.sleep(0.05)


def test_a_database_outage_during_a_burst_of_events_loses_nothing_and_doubles_nothing(
    deps: Deps,
    slack: SlackDouble,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    proxy: Proxy,
) -> None:
    real_url = make_url(deps.settings.database_url)
    through_proxy = real_url.set(host="127.0.0.1", port=proxy.port)
    web_settings = make_settings(through_proxy.render_as_string(hide_password=False), slack)
    web: Deps = build_deps(web_settings, client=deps.client, clock=clock, web=True)
    bot = Bot(web, slack, TrackingExecutor())  # the web side: every commit through the proxy
    consumer = create_app(deps, consumer=True)  # the background side: the database directly
    worker = QueueWorker(
        consumer, sessions=deps.sessions, clock=deps.clock, engine=deps.engine, threads=2
    )
    worker.start()
    events = [reaction(index) for index in range(EVENTS)]
    storm = Deliveries(bot, events, start=time.monotonic())
    try:
        storm.start()

        time.sleep(OUTAGE_STARTS_AFTER)
        proxy.close()
        closed_at = time.monotonic()
        time.sleep(1.0)
        asked = time.monotonic()
        kudos = bot.send.command("/kudos", "<@UBOB> for keeping the lights on", user="UALICE")
        kudos_seconds = time.monotonic() - asked
        time.sleep(max(0.0, closed_at + OUTAGE_SECONDS - time.monotonic()))
        proxy.open()
        reopened_at = time.monotonic()

        storm.join(timeout=40)
        bot.executor.wait_idle()
        wait_until_the_queue_is_empty(deps.sessions, timeout=30)
    finally:
        storm.join(timeout=0)  # stopped, even if something above failed
        worker.stop()
        bot.close()
        web.engine.dispose()

    # Every event got its 200 in the end, each delivery within Slack's 3 seconds.
    assert storm.errors == [], storm.errors
    assert storm.answered() == set(range(EVENTS))
    slowest = max(storm.deliveries, key=lambda d: d.seconds)
    assert slowest.seconds < SLACK_WAITS, slowest
    # The outage was real: deliveries failed, answered 503 (retry), never another error.
    failed = [d for d in storm.deliveries if d.status != 200]
    assert failed, "no delivery failed: the outage didn't happen"
    assert {d.status for d in failed} == {503}, failed
    retried = {d.index for d in failed}
    assert len(retried) >= EVENTS // 2, f"only {len(retried)} events met the outage"
    answered_while_closed = [
        d for d in storm.deliveries if closed_at < d.sent_at and d.sent_at + d.seconds < reopened_at
    ]
    assert answered_while_closed, "no delivery was answered while the database was away"
    assert {d.status for d in answered_while_closed} == {503}, answered_while_closed
    assert max(d.retry_num for d in storm.deliveries) >= 3  # Retry-Num 1, 2, 3 … were needed

    # The command sent meanwhile was told at once that nothing was saved.
    assert kudos_seconds < SLACK_WAITS, kudos_seconds
    assert kudos.status == 200
    assert kudos.json() == {"response_type": "ephemeral", "text": DB_DOWN}

    # Drained: every thank-you recorded exactly once, nothing pending or dead, the kudos nowhere.
    assert run_pending(consumer, sessions=deps.sessions, clock=deps.clock, worker="tests") == 0
    assert work.counts(sessions=sessions) == {work.DONE: EVENTS}
    with sessions() as session:
        items = session.scalars(select(WorkItem)).all()
        thanks = session.scalars(select(Thanks)).all()
    assert sorted(i.key for i in items) == sorted(f"event:Ev0OUTAGE{n:04d}" for n in range(EVENTS))
    assert all(i.kind == "reaction_added" and i.team_id == TEAM_ID for i in items)
    expected = sorted(
        (e["user"], e["item_user"], e["item"]["channel"], e["item"]["ts"], "pray") for e in events
    )
    recorded = sorted(
        (t.giver_id, t.receiver_id, t.channel_id, t.message_ts, t.emoji) for t in thanks
    )
    assert recorded == expected  # one row per event: none missing, none twice
    assert all(t.retracted_at is None for t in thanks)
    assert count(sessions, Kudos) == 0
    assert slack.calls_to("chat.postMessage") == [] and slack.responses == []


def test_connections_a_restart_closed_cost_no_ack(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session], clock: FakeClock, proxy: Proxy
) -> None:
    """The acks' engine does not ping a pooled connection before each use; one the server
    closed meanwhile (a restart, a failover) is replaced within the same ack, unnoticed."""
    real_url = make_url(deps.settings.database_url)
    through_proxy = real_url.set(host="127.0.0.1", port=proxy.port)
    web_settings = make_settings(through_proxy.render_as_string(hide_password=False), slack)
    web: Deps = build_deps(web_settings, client=deps.client, clock=clock, web=True)
    bot = Bot(web, slack, TrackingExecutor())
    try:
        first = bot.command("/kudos", "<@UBOB> for the first review", user="UALICE")
        assert first.status == 200 and first.body == ""
        proxy.close()  # every open connection cut, the pooled ones included
        proxy.open()
        second = bot.command("/kudos", "<@UBOB> for the second review", user="UALICE")
        assert second.status == 200 and second.body == "", second.body
        event = bot.event(reaction(0), event_id="Ev0RESTART0001")
        assert event.status == 200
    finally:
        bot.close()
        web.engine.dispose()
    assert count(sessions, Kudos) == 2
    assert count(sessions, Thanks) == 1
