"""The real server dies or is stopped, and nothing Slack was told is accepted is lost or posted
twice; nobody is told something false.

`app.py serve` (gunicorn's web workers and the background `app.py worker`) runs as its own
process group against a fresh database (SQLite, or PostgreSQL when DATABASE_URL says so) and
the Slack double, in this process. The double can hold back its answer to `chat.postMessage`
(the post is made, and is in the channel's history, but the bot hasn't heard back): that puts
the background worker mid-way through its work at a moment the test chooses. Every wait polls
against a deadline; none is an assertion.

The last two: a request told "nothing was saved" is never done after all, and a takeover
finds its post behind more than a page of newer messages.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from gunicorn.config import Config as GunicornConfig
from slack_bolt import BoltRequest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from app import migrate
from bot import work as current_work
from bot.db import normalize_url
from bot.flows.outbox import HISTORY_PAGE
from bot.services import work
from handlers.queue import GAVE_UP
from handlers.replies import DB_DOWN, DB_SLOW, SORRY
from models.work import PostedMessage
from tests.cli import ROOT
from tests.conftest import (
    BOT_TOKEN,
    DEFAULT_USERS,
    SIGNING_SECRET,
    Bot,
    FakeClock,
    fresh_database_url,
)
from tests.slack_double import TEAM_ID, SlackDouble
from tests.slack_requests import Reply, SlackSender

T = TypeVar("T")

CHANNEL = "CGENERAL"
GIVERS = ["UALICE", "UBOB", "UCAROL", "UDAVE"]
MARK = re.compile(r"\b((?:crash|sigterm|down|stall)-\d+)\b")
GRACEFUL_TIMEOUT = float(GunicornConfig().graceful_timeout)  # bot/server.py keeps the default
MARGIN = 5.0
LEASE = work.LEASE.total_seconds()
FAILURE_TEXTS = (DB_DOWN, SORRY, GAVE_UP)


# ----- waiting -----------------------------------------------------------------------------------
class Budget:
    """The whole test's time: no wait may run past it."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def cap(self, seconds: float) -> float:
        return max(0.0, min(seconds, self.end - time.monotonic()))


def wait_until(
    condition: Callable[[], T], *, timeout: float, what: Callable[[], str], every: float = 0.1
) -> T:
    """Poll `condition` until it is truthy (its value is returned) or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what()}")
        time.sleep(every)


# ----- the Slack double, with posts it can keep waiting -----------------------------------------
class Gate:
    """chat.postMessage: the first `fast` posts are answered at once; later ones are made (they
    are in the channel's history) but answered only once the gate opens."""

    def __init__(self, fast: int) -> None:
        self.fast = fast
        self.posts = 0
        self.held = 0
        self._opened = threading.Event()
        self._lock = threading.Lock()

    def pass_through(self) -> None:
        with self._lock:
            self.posts += 1
            if self.posts <= self.fast or self._opened.is_set():
                return
            self.held += 1
        self._opened.wait(timeout=300)

    def open(self) -> None:
        self._opened.set()


class GatedDouble(SlackDouble):
    gate: Gate

    def __post_init__(self) -> None:
        super().__post_init__()
        self.gate = Gate(fast=0)

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._api_chat_postMessage(params)
        self.gate.pass_through()
        return answer

    def _handle(self, request: Any) -> None:
        with contextlib.suppress(ConnectionError):  # a held answer to a process since killed
            super()._handle(request)


def started_double(fast: int) -> GatedDouble:
    double = GatedDouble()
    double.start()
    double.gate.fast = fast
    for user_id, name, extra in DEFAULT_USERS:
        double.add_user(user_id, name, **extra)
    return double


def posts_by_mark(double: SlackDouble) -> Counter[str]:
    """chat.postMessage calls (answered or not) per kudos mark in their text."""
    return Counter(
        mark
        for params in double.calls_to("chat.postMessage")
        for mark in set(MARK.findall(str(params.get("text") or "")))
    )


# ----- the server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, double: SlackDouble, *, worker_threads: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": double.api_url,
            "SCHEDULER_ENABLED": "false",
            "WEB_CONCURRENCY": "2",
            "WORKER_THREADS": str(worker_threads),
            "KUDOS_DAILY_BUDGET": "1000",
            "LOG_LEVEL": "INFO",
        }
    )
    return env


def live_members(pgid: int) -> list[int]:
    """Processes of the group that have not exited (zombies have)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            pids.append(int(stat.parent.name))
    return pids


class Server:
    """`app.py serve` as its own process group (start_new_session), its output in `log`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "app.py", "serve"],
                cwd=ROOT,
                env={**env, "PORT": str(self.port)},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgid = self.process.pid
        self._gone = False

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def members(self) -> list[int]:
        """The group's live processes. Once none is left and the master is reaped, the group
        is gone for good: its number may be another's now, and is never looked at again."""
        if self._gone:
            return []
        live = live_members(self.pgid)
        if not live and self.process.poll() is not None:
            self._gone = True
        return live

    def signal(self, number: int) -> None:
        if not self._gone:
            os.killpg(self.pgid, number)

    def wait_until_up(self, timeout: float) -> None:
        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the server exited ({self.process.returncode}):\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    return bool(response.status == 200)
            except OSError:
                return False

        wait_until(up, timeout=timeout, what=lambda: f"the server is not up:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL to the whole group, and wait until none of it is left."""
        if self.members():
            with contextlib.suppress(ProcessLookupError):
                self.signal(signal.SIGKILL)
        wait_until(
            lambda: not self.members() and self._gone,
            timeout=10,
            what=lambda: f"the group outlived SIGKILL: {self.members()}",
        )


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Server]:
    server = Server(env, log)
    try:
        yield server
    finally:
        server.kill()


# ----- requests ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sent:
    mark: str
    status: int
    body: str
    seconds: float

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.body == ""  # a bare ack: Slack was told "accepted"


def send_kudos(base_url: str, double: SlackDouble, marks: list[str], *, threads: int) -> list[Sent]:
    """`/kudos <@…> for <mark>` for every mark, signed, from `threads` clients at once; each
    request's response_url ends in its mark."""
    sender = SlackSender(base_url, SIGNING_SECRET, double)

    def one(numbered: tuple[int, str]) -> Sent:
        n, mark = numbered
        giver, receiver = GIVERS[n % len(GIVERS)], GIVERS[(n + 1) % len(GIVERS)]
        fields = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": CHANNEL,
            "channel_name": "general",
            "user_id": giver,
            "user_name": giver.lower(),
            "command": "/kudos",
            "text": f"<@{receiver}> for {mark}",
            "api_app_id": "AAPPID",
            "is_enterprise_install": "false",
            "response_url": f"http://127.0.0.1:{double.port}/respond/{mark}",
            "trigger_id": f"{n}.{int(time.time())}.trigger",
        }
        began = time.monotonic()
        try:
            reply = sender.form(fields)
        except OSError as error:
            reply = Reply(0, f"{type(error).__name__}: {error}")
        return Sent(mark, reply.status, reply.body, time.monotonic() - began)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, enumerate(marks)))


# ----- the database, as the test sees it ---------------------------------------------------------
class Database:
    """Plain reads without a pool: never a lock, and no connection left open."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(normalize_url(url), poolclass=NullPool)

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query))]

    def kudos_by_reason(self, prefix: str) -> Counter[str]:
        rows = self.rows("SELECT reason, count(*) FROM kudos GROUP BY reason")
        return Counter({reason: int(n) for reason, n in rows if reason.startswith(prefix)})

    def queue(self) -> list[tuple[str, bool, int]]:
        """(status, leased, attempts) of every work item."""
        rows = self.rows("SELECT status, leased_by IS NOT NULL, attempts FROM work_items")
        return [(str(status), bool(leased), int(attempts)) for status, leased, attempts in rows]

    def post_keys(self) -> int:
        return int(self.rows("SELECT count(*) FROM posted_messages")[0][0])

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class QueueState:
    """What the queue, the post keys and Slack held at one moment."""

    done: int
    leased: int  # pending, taken by a worker
    untaken: int  # pending, never taken
    dead: int
    kudos: int
    post_keys: int  # posts whose key the bot recorded
    posts_at_slack: int  # chat.postMessage calls the double received
    held: int  # of them, answers the double kept back

    @classmethod
    def read(cls, db: Database, double: GatedDouble, prefix: str) -> QueueState:
        queue = db.queue()
        return cls(
            done=sum(1 for status, _, _ in queue if status == work.DONE),
            leased=sum(1 for status, leased, _ in queue if status == work.PENDING and leased),
            untaken=sum(1 for status, leased, _ in queue if status == work.PENDING and not leased),
            dead=sum(1 for status, _, _ in queue if status == work.DEAD),
            kudos=sum(db.kudos_by_reason(prefix).values()),
            post_keys=db.post_keys(),
            posts_at_slack=sum(posts_by_mark(double).values()),
            held=double.gate.held,
        )


def settled(db: Database, double: SlackDouble, marks: list[str]) -> bool:
    """Every mark posted and nothing left to run (so no later post can come)."""
    posted = posts_by_mark(double)
    return all(posted[m] for m in marks) and all(
        status != work.PENDING for status, _, _ in db.queue()
    )


def told(double: SlackDouble) -> dict[str, list[str]]:
    """What each request's response_url was sent, by mark."""
    answers: dict[str, list[str]] = {}
    for response in list(double.responses):
        mark = str(response.get("url", "")).rsplit("/", 1)[-1]
        answers.setdefault(mark, []).append(str(response.get("text") or ""))
    return answers


# ----- 1. SIGKILL mid-work ----------------------------------------------------------------------
KILLED_KUDOS = 80
FAST_POSTS = 5


def test_sigkill_mid_work_loses_no_acknowledged_kudos_and_posts_none_twice(tmp_path: Path) -> None:
    """80 /kudos from 8 clients; right after the last 200, with the worker mid-post, SIGKILL to
    the whole group. Started again: each kudos recorded once and posted once, within 60 s."""
    budget = Budget(110)
    double = started_double(fast=FAST_POSTS)
    marks = [f"crash-{n}" for n in range(KILLED_KUDOS)]
    try:
        with fresh_database_url(str(tmp_path)) as url:
            migrate(url)
            db = Database(url)
            env = server_env(url, double, worker_threads=8)
            try:
                with serving(env, tmp_path / "server-1.log") as first:
                    first.wait_until_up(budget.cap(60))
                    sent = send_kudos(first.url, double, marks, threads=8)
                    refused = [s for s in sent if not s.accepted]
                    assert not refused, f"not acknowledged: {refused[:5]}\n{first.tail()}"
                    # Right after the last 200: once the worker is mid-post (a post made, its
                    # answer not yet back), the group is frozen, looked at, and killed.
                    last_ack = time.monotonic()
                    wait_until(
                        lambda: double.gate.held,
                        timeout=budget.cap(30),
                        what=lambda: f"the worker never got past {FAST_POSTS} posts",
                        every=0.01,
                    )
                    first.signal(signal.SIGSTOP)
                    after_ack = time.monotonic() - last_ack
                    at_kill = QueueState.read(db, double, "for crash-")
                    first.kill()
                print(f"the SIGKILL hit, {after_ack:.2f} s after the last 200: {at_kill}")
                assert at_kill.untaken >= 1, at_kill  # queued work nobody had started
                assert at_kill.leased >= 1, at_kill  # work a worker was running
                assert at_kill.posts_at_slack > at_kill.post_keys, at_kill  # posted, unrecorded
                assert at_kill.held >= 1, at_kill

                double.gate.open()
                restarted = time.monotonic()
                with serving(env, tmp_path / "server-2.log") as second:
                    second.wait_until_up(budget.cap(60))
                    wait_until(
                        lambda: settled(db, double, marks),
                        timeout=budget.cap(60 - (time.monotonic() - restarted)),
                        what=lambda: (
                            f"{sum(1 for m in marks if posts_by_mark(double)[m])}/{len(marks)} "
                            f"posted; queue {Counter(s for s, _, _ in db.queue())}\n"
                            f"{second.tail()}"
                        ),
                    )
                    print(f"all posted {time.monotonic() - restarted:.1f} s after the restart")
                    queue = db.queue()
                    recorded = db.kudos_by_reason("for crash-")
            finally:
                db.dispose()
    finally:
        double.gate.open()
        double.stop()

    assert recorded == Counter({f"for {m}": 1 for m in marks})
    posted = posts_by_mark(double)
    assert {m: posted[m] for m in marks if posted[m] != 1} == {}, "each posted exactly once"
    assert [status for status, _, _ in queue] == [work.DONE] * KILLED_KUDOS
    # The work that was running when the worker died was run again, and looked in the channel
    # for its post instead of posting again.
    assert sum(1 for _, _, attempts in queue if attempts > 1) >= at_kill.held
    assert len(double.calls_to("conversations.history")) >= at_kill.held
    assert double.rejected == []
    assert {m: t for m, t in told(double).items() if any(x in FAILURE_TEXTS for x in t)} == {}


# ----- 2. SIGTERM while the database is down ----------------------------------------------------
class TcpProxy:
    """127.0.0.1:port → upstream, byte for byte. `close()` refuses new connections and cuts the
    open ones; `open()` listens again on the same port; `stall()` holds the bytes back."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()

    def stall(self) -> None:
        """Keep what arrives (either way) without passing it on, as a stuck pooler, network or
        disk would: the sender's TCP stack sees it delivered."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = int(listener.getsockname()[1])
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        for sock in [*([listener] if listener else []), *connections]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes accept() and recv()
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._connections |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait(timeout=120)
                target.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections -= {source, target}
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


class Outage:
    """Makes the database unreachable for the server, and reachable again."""

    url: str  # what the server connects to

    def cut(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError


class PostgresOutage(Outage):
    """The server reaches PostgreSQL through a proxy, which is closed."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        self.proxy.open()
        self.url = parsed.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
            hide_password=False
        )

    def cut(self) -> None:
        self.proxy.close()

    def restore(self) -> None:
        self.proxy.open()


class SqliteOutage(Outage):
    """The database's directory is moved away, so no new connection opens; and since a
    connection already open keeps the file, the write lock is held too: no transaction of the
    server's begins (every one takes the write lock first, bot/db.py), read or write."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = Path(str(make_url(url).database))
        self.away = self.path.parent.with_name(self.path.parent.name + "-away")
        self._lock: sqlite3.Connection | None = None

    def cut(self) -> None:
        lock = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        self.path.parent.rename(self.away)
        self._lock = lock

    def restore(self) -> None:
        self.away.rename(self.path.parent)
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None


@contextlib.contextmanager
def outage_for(url: str) -> Iterator[Outage]:
    if url.startswith("sqlite"):
        sqlite = SqliteOutage(url)
        try:
            yield sqlite
        finally:
            if sqlite.away.exists():
                sqlite.restore()
        return
    postgres = PostgresOutage(url)
    try:
        yield postgres
    finally:
        postgres.proxy.close()


ACCEPTED_KUDOS = 12
REFUSED_KUDOS = 3
TERM_WORKER_THREADS = 4
TERM_FAST_POSTS = 2


def test_sigterm_while_the_database_is_down_stops_in_time_and_loses_nothing_acknowledged(
    tmp_path: Path,
) -> None:
    """Kudos acknowledged and queued (the worker mid-post on some), then the database goes
    away: /kudos now are told nothing was saved, within Slack's 3 s. SIGTERM: every process
    exits within gunicorn's graceful timeout. With the database back and the server started
    again, every acknowledged kudos is recorded and posted once, and no refused one is."""
    budget = Budget(150)
    double = started_double(fast=TERM_FAST_POSTS)
    accepted_marks = [f"sigterm-{n}" for n in range(ACCEPTED_KUDOS)]
    refused_marks = [f"down-{n}" for n in range(REFUSED_KUDOS)]
    (tmp_path / "db").mkdir()
    try:
        with fresh_database_url(str(tmp_path / "db")) as url, outage_for(url) as outage:
            migrate(url)
            db = Database(url)  # directly, never through the proxy
            env = server_env(outage.url, double, worker_threads=TERM_WORKER_THREADS)
            try:
                with serving(env, tmp_path / "server-1.log") as first:
                    first.wait_until_up(budget.cap(60))
                    sent = send_kudos(first.url, double, accepted_marks, threads=4)
                    refused = [s for s in sent if not s.accepted]
                    assert not refused, f"not acknowledged: {refused}\n{first.tail()}"
                    # Every worker thread mid-post: the rest of the kudos wait in the queue.
                    wait_until(
                        lambda: double.gate.held >= TERM_WORKER_THREADS,
                        timeout=budget.cap(30),
                        what=lambda: f"{double.gate.held} posts held\n{first.tail()}",
                        every=0.02,
                    )
                    at_cut = QueueState.read(db, double, "for sigterm-")
                    print(f"the database went down with: {at_cut}")
                    assert at_cut.untaken >= 1 and at_cut.leased >= 1, at_cut

                    outage.cut()
                    while_down = send_kudos(first.url, double, refused_marks, threads=3)

                    began = time.monotonic()
                    first.signal(signal.SIGTERM)
                    double.gate.open()  # Slack answers the posts in flight
                    wait_until(
                        lambda: not first.members(),
                        timeout=budget.cap(GRACEFUL_TIMEOUT + MARGIN),
                        what=lambda: f"processes {first.members()} still run\n{first.tail()}",
                    )
                    stopped_in = time.monotonic() - began
                    returncode = first.process.wait(timeout=5)
                    print(
                        f"answers while the database was down: "
                        f"{', '.join(f'{r.seconds:.2f} s' for r in while_down)}; "
                        f"after SIGTERM every process exited in {stopped_in:.1f} s"
                    )
                outage.restore()

                restarted = time.monotonic()
                with serving(env, tmp_path / "server-2.log") as second:
                    second.wait_until_up(budget.cap(60))
                    wait_until(
                        lambda: settled(db, double, accepted_marks),
                        timeout=budget.cap(60 - (time.monotonic() - restarted)),
                        what=lambda: (
                            f"{sum(1 for m in accepted_marks if posts_by_mark(double)[m])}/"
                            f"{len(accepted_marks)} posted; "
                            f"queue {Counter(s for s, _, _ in db.queue())}\n{second.tail()}"
                        ),
                    )
                    print(f"all posted {time.monotonic() - restarted:.1f} s after the restart")
                    queue = db.queue()
                    recorded = db.kudos_by_reason("for ")
            finally:
                db.dispose()
    finally:
        double.gate.open()
        double.stop()

    for reply in while_down:  # told the truth, in time, in the ack itself
        assert reply.status == 200, reply
        assert reply.body and Reply(reply.status, reply.body).json() == {
            "response_type": "ephemeral",
            "text": DB_DOWN,
        }, reply
        assert reply.seconds < 3, reply
    assert returncode == 0, f"gunicorn's master exited with {returncode}"

    assert recorded == Counter({f"for {m}": 1 for m in accepted_marks})  # no down-… at all
    posted = posts_by_mark(double)
    assert {m: posted[m] for m in accepted_marks if posted[m] != 1} == {}, "posted once each"
    assert {m: posted[m] for m in refused_marks if posted[m]} == {}
    assert [status for status, _, _ in queue] == [work.DONE] * ACCEPTED_KUDOS
    assert double.rejected == []
    answers = told(double)
    false = {m: t for m, t in answers.items() if f"for {m}" in recorded and DB_DOWN in t}
    assert false == {}, "told nothing was saved, yet recorded"
    assert {m: t for m, t in answers.items() if any(x in FAILURE_TEXTS for x in t)} == {}


# ----- what the bot says is true, and a takeover's post is found ----------------------------------
def test_a_request_told_nothing_was_saved_is_not_done_after_all(tmp_path: Path) -> None:
    """The database stalls (a stuck pooler, network or commit: PostgreSQL's own timeouts never
    start) while a /kudos is being committed. The person is told nothing was saved, so they
    will give it again: the first must then not be recorded or posted."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("a stall the server's timeouts don't see needs PostgreSQL behind a proxy")
    budget = Budget(90)
    double = started_double(fast=10_000)
    try:
        with fresh_database_url(str(tmp_path)) as url:
            migrate(url)
            db = Database(url)
            parsed = make_url(url)
            proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
            proxy.open()
            proxied = parsed.set(host="127.0.0.1", port=proxy.port)
            env = server_env(
                proxied.render_as_string(hide_password=False), double, worker_threads=2
            )
            env["WEB_CONCURRENCY"] = "1"  # one web worker: its commits happen one after another
            try:
                with serving(env, tmp_path / "server.log") as server:
                    server.wait_until_up(budget.cap(60))
                    (warm,) = send_kudos(server.url, double, ["stall-0"], threads=1)
                    assert warm.accepted, warm  # the web worker's pool holds a connection now
                    proxy.stall()
                    (stalled,) = send_kudos(server.url, double, ["stall-1"], threads=1)
                    proxy.resume()
                    # Its commit is over (one way or the other) once a later one has committed:
                    # the web worker's group commit runs one transaction at a time.
                    (after,) = send_kudos(server.url, double, ["stall-2"], threads=1)
                    assert after.accepted, after
                    wait_until(
                        lambda: settled(db, double, ["stall-0", "stall-2"]),
                        timeout=budget.cap(30),
                        what=lambda: f"queue {db.queue()}\n{server.tail()}",
                    )
                    recorded = db.kudos_by_reason("for stall-")
            finally:
                proxy.close()
                db.dispose()
    finally:
        double.stop()

    assert stalled.status == 200 and stalled.seconds < 3, stalled
    answer = Reply(stalled.status, stalled.body).json()
    assert answer["response_type"] == "ephemeral", stalled
    # Stalled before its commit was under way: nothing saved, and so it stays. (Stalled in the
    # commit itself, nobody can know: the person is told exactly that.)
    assert answer["text"] in (DB_DOWN, DB_SLOW), stalled
    if answer["text"] == DB_DOWN:
        assert recorded["for stall-1"] == 0, "told nothing was saved, then recorded"
        assert posts_by_mark(double)["stall-1"] == 0, "told nothing was saved, then posted"


def test_a_takeover_finds_its_post_behind_hundreds_of_newer_messages(
    bot: Bot, clock: FakeClock, sessions: sessionmaker[Session]
) -> None:
    """The worker died between Slack's answer and recording the post; by the time its lease
    ran out (30 s) the channel had moved on by 250 messages (a burst of kudos, say): more than
    one page of its history."""
    bot.send.command("/kudos", "<@UBOB> for the incident review")
    (leased,) = work.take(sessions=sessions, worker="dying", now=clock())
    with current_work.running(leased.key, leased.attempts, since=leased.enqueued_at):
        bot.consumer.dispatch(BoltRequest(body=leased.body, headers=dict(leased.headers)))
    with sessions.begin() as session:  # it died before the post's key was recorded
        session.execute(delete(PostedMessage))
    for n in range(HISTORY_PAGE + 50):
        bot.deps.client.chat_postMessage(channel=CHANNEL, text=f"later message {n}")
    clock.advance(seconds=LEASE + 1)
    assert bot.wait() == 1
    posts = [
        p for p in bot.slack.calls_to("chat.postMessage") if "incident review" in str(p["text"])
    ]
    assert len(posts) == 1
