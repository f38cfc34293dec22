"""Shared fixtures: a real database (SQLite, or PostgreSQL when DATABASE_URL says so), the
Slack test double, and the whole bot served over HTTP on loopback.

With DATABASE_URL pointing at PostgreSQL, the run creates its own database on that server
and drops it at the end, so parallel runs never meet. If PostgreSQL can't be reached the
run fails; it never falls back to SQLite.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import build_deps, migrate
from bot.config import Settings
from bot.db import make_engine, make_sessionmaker, normalize_url
from bot.deps import Deps
from bot.slack_api import make_client
from handlers.app import create_app
from handlers.queue import run_pending
from handlers.web import make_wsgi_app
from models import Base
from tests.slack_double import BOT_USER_ID, SlackDouble
from tests.slack_requests import SlackSender

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-0000-secret-token"
WEDNESDAY_AFTERNOON = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


# ----- property tests: thorough by default, quick for `make test-fast` (tests/properties.py) -
hypothesis_settings.register_profile("thorough", deadline=None)  # 100 unless a test asks more
hypothesis_settings.register_profile("fast", max_examples=10, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "thorough"))


# ----- the guard: "nothing happened" must not pass because something blew up ------------------
class _Unhandled(logging.Handler):
    """Collects what @app.error logged as unhandled (a listener that crashed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "unhandled", False):
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_crashed_listeners(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test in which a listener crashed (@app.error logged it as unhandled) or the
    Slack double refused a call, unless the test is marked `expect_errors` / `expect_rejected`.
    A DomainError is not a crash: it is the person's answer."""
    double = request.getfixturevalue("slack_double") if "slack" in request.fixturenames else None
    caught = _Unhandled()
    loggers = [logging.getLogger(name) for name in ("handlers.replies", "handlers.queue")]
    for logger in loggers:
        logger.addHandler(caught)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(caught)
    if caught.records and request.node.get_closest_marker("expect_errors") is None:
        crashes = [f"{r.getMessage()}: {r.exc_info[1]!r}" for r in caught.records if r.exc_info]
        pytest.fail(f"a listener crashed: {crashes or caught.records}")
    if double is not None and request.node.get_closest_marker("expect_rejected") is None:
        refused = double.rejected
        if refused:
            pytest.fail(f"the Slack double refused calls: {refused}")


# ----- databases -------------------------------------------------------------------------------
def is_postgres(url: str) -> bool:
    return url.startswith("postgres")


@contextmanager
def temporary_database(server_url: str) -> Iterator[str]:
    """A fresh, empty database on the server DATABASE_URL names; dropped afterwards."""
    server_url = normalize_url(server_url)
    if not is_postgres(server_url):
        raise ValueError("temporary_database is for PostgreSQL")
    name = f"reciprocity_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise RuntimeError(
            f"PostgreSQL at {make_url(server_url).render_as_string()} is not reachable: {exc}"
        ) from exc
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database_url(tmp_dir: str) -> Iterator[str]:
    server = os.environ.get("DATABASE_URL", "")
    if is_postgres(server):
        with temporary_database(server) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_dir}/reciprocity-{uuid.uuid4().hex[:8]}.db"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database_url(str(tmp_path_factory.mktemp("db"))) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def wipe(engine: Engine) -> None:
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on the test database; every table is emptied after the test."""
    yield make_sessionmaker(engine)
    wipe(engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One session inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        db = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield db
        finally:
            db.close()
            transaction.rollback()


# ----- time --------------------------------------------------------------------------------------
class FakeClock:
    """The injected clock; tests move it."""

    def __init__(self, now: datetime = WEDNESDAY_AFTERNOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ----- Slack
DEFAULT_USERS: list[tuple[str, str, dict[str, Any]]] = [
    ("UALICE", "alice", {"tz": "Europe/Berlin"}),
    ("UBOB", "bob", {"tz": "America/New_York"}),
    ("UCAROL", "carol", {"tz": "Asia/Tokyo"}),
    ("UDAVE", "dave", {"tz": "Europe/London"}),
    ("UADMIN", "ada", {"tz": "Europe/Berlin", "is_admin": True}),
    ("UROBOT", "robot", {"is_bot": True}),
    ("UGONE", "gone", {"deleted": True}),
    (BOT_USER_ID, "reciprocity", {"is_bot": True}),
]


@pytest.fixture(scope="session")
def slack_double() -> Iterator[SlackDouble]:
    double = SlackDouble().start()
    yield double
    double.stop()


@pytest.fixture
def slack(slack_double: SlackDouble) -> SlackDouble:
    """The Slack double, emptied and given the default people."""
    slack_double.reset()
    for user_id, name, extra in DEFAULT_USERS:
        slack_double.add_user(user_id, name, **extra)
    return slack_double


def make_settings(database_url: str, slack: SlackDouble, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "database_url": database_url,
        "slack_api_url": slack.api_url,
        "scheduler_enabled": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, with a way to wait until every listener has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=8)
        self._futures: list[Future[Any]] = []
        self._guard = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._guard:
            self._futures.append(future)
        return future

    def wait_idle(self, timeout: float = 20.0) -> None:
        deadline = datetime.now() + timedelta(seconds=timeout)
        while True:
            with self._guard:
                pending = [f for f in self._futures if not f.done()]
                self._futures = pending
            if not pending:
                return
            remaining = (deadline - datetime.now()).total_seconds()
            if remaining <= 0:
                raise TimeoutError("listeners still running")
            for future in pending:
                future.exception(timeout=remaining)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        return


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Bot:
    """The real app served over loopback HTTP, and the queue's consumer. Each send waits until
    its listeners finish and the queue has run what was due (as the background worker would)."""

    def __init__(self, deps: Deps, slack: SlackDouble, executor: TrackingExecutor) -> None:
        self.deps = deps
        self.slack = slack
        self.executor = executor
        self.app = create_app(deps, listener_executor=executor)
        self.consumer = create_app(deps, consumer=True)
        self.server = make_server(
            "127.0.0.1",
            0,
            make_wsgi_app(self.app, deps, SIGNING_SECRET),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.send = SlackSender(self.url, SIGNING_SECRET, slack)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.send, name)

        def call_and_wait(*args: Any, **kwargs: Any) -> Any:
            reply = method(*args, **kwargs)
            self.wait()
            return reply

        return call_and_wait

    def wait(self) -> int:
        """Until the fast parts are done and the queue holds nothing due; how many items ran."""
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
        self.server.shutdown()
        self.server.server_close()
        self.executor.shutdown(wait=True)


@pytest.fixture
def settings(database_url: str, slack: SlackDouble) -> Settings:
    return make_settings(database_url, slack)


class Pauses(list[float]):
    """The waits the Web API client asked for between retries, taken without sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    def __deepcopy__(self, memo: dict[int, object]) -> Pauses:
        return self  # Bolt deep-copies the client (and its retry handlers) for lazy listeners


@pytest.fixture
def pauses() -> Pauses:
    return Pauses()


@pytest.fixture
def deps(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    pauses: Pauses,
) -> Deps:
    client = make_client(settings, pause=pauses)
    deps: Deps = build_deps(settings, engine=engine, client=client, clock=clock)
    return deps


@pytest.fixture
def bot(deps: Deps, slack: SlackDouble) -> Iterator[Bot]:
    bot = Bot(deps, slack, TrackingExecutor())
    yield bot
    bot.close()
