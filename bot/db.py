"""The database engine and session factory."""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Engine, ScalarSelect, create_engine, event, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models import Workspace


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the URL came in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


BOUND_SECONDS = 1.5
"""How long the web workers' database work may take (connect, lock, statement) before the
ack gives up on it and tells the person nothing was saved: Slack waits 3 seconds."""


def make_engine(
    url: str, *, bounded: bool = False, wait_for_lock: bool = True, **kwargs: Any
) -> Engine:
    """`bounded`: the web workers' engine, whose every wait is short (BOUND_SECONDS).
    `wait_for_lock=False` (SQLite): a locked database is an error at once, for a caller that
    retries faster than SQLite's own busy handler, which sleeps up to 100 ms at a time.

    Parameters are never shown in errors or logs (`hide_parameters`): they hold what people
    wrote — feedback, kudos reasons."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    busy_ms = int(BOUND_SECONDS * 1000) if bounded else 30000
    if not wait_for_lock:
        busy_ms = 0
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, **kwargs)
        on_file = ":memory:" not in url and url not in ("sqlite://", "sqlite:///")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if on_file:
                cursor.execute("PRAGMA journal_mode=WAL")
                # The web workers' commits are what Slack's 200 promises: each syncs the log,
                # and with it every commit before it (the log is written in order). The other
                # processes' commits need not wait for the disk each time.
                cursor.execute(f"PRAGMA synchronous={'FULL' if bounded else 'NORMAL'}")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()
            # Let SQLAlchemy, not pysqlite, say when a transaction begins (see _sqlite_begin).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            """Take the write lock up front: a read-then-write transaction can't lose a race.
            The threads of one process take turns for it here first (_Turns)."""
            dbapi_connection = conn.connection.dbapi_connection
            turns = _turns(url) if on_file else None
            if turns is not None:
                turns.take(dbapi_connection, timeout=busy_ms / 1000)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if turns is not None:
                    turns.give_back(dbapi_connection)
                raise

        if on_file:

            def _done(conn: Any) -> None:
                if not conn.invalidated:  # else the pool's "invalidate" gave it back
                    _turns(url).give_back(conn.connection.dbapi_connection)

            def _let_go(dbapi_connection: Any, *_args: Any) -> None:
                _turns(url).give_back(dbapi_connection)

            event.listen(engine, "commit", _done)
            event.listen(engine, "rollback", _done)
            for gone in ("checkin", "invalidate", "close", "close_detached"):
                event.listen(engine.pool, gone, _let_go)

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    if bounded:
        kwargs.setdefault("pool_timeout", BOUND_SECONDS)
        kwargs.setdefault(
            "connect_args",
            {  # libpq's connect_timeout is whole seconds, at least 2
                "connect_timeout": 2,
                "tcp_user_timeout": busy_ms,  # a peer that stops answering mid-query
                "options": f"-c statement_timeout={busy_ms} -c lock_timeout={busy_ms}",
            },
        )
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class _Turns:
    """One process's threads take turns, first come first served, for a SQLite file's single
    writer.

    Left to SQLite, a thread that finds the file locked sleeps in its busy handler, waking
    after 1, 2, 5 … then 100 ms at a time to look again; and Python's own lock favours the
    thread that lets go and asks again at once. Under load either way some transactions
    waited most of a second for a lock that was free for much of it (at 100 kudos a second a
    tenth of the background worker's transactions waited 80 ms or more, and the p99 from
    request to post was 0.4–0.9 s). Here the threads of one process queue in order, and the
    turn is handed to the next the moment a transaction commits or rolls back (or its
    connection goes back to the pool or is lost, whichever comes first); only other
    processes' writes (the web workers' group commits, short) are left to the busy handler.

    A thread that does not get its turn within the engine's busy timeout goes on to BEGIN
    IMMEDIATE without it, and SQLite's own answer (it waits as long again, then says the
    database is locked) stands: a transaction that waits on another in its own thread fails
    as it would without the turns, never hangs.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._holder: Any = None  # the DBAPI connection whose transaction has the turn
        self._queue: collections.deque[tuple[threading.Lock, Any]] = collections.deque()

    def take(self, connection: Any, *, timeout: float) -> bool:
        """Wait for the turn (at most `timeout`); whether this connection has it."""
        with self._mutex:
            if self._holder is None or self._holder is connection:
                self._holder = connection
                return True
            if timeout <= 0:
                return False  # an engine that must not wait: SQLite says at once
            baton = threading.Lock()
            baton.acquire()
            place = (baton, connection)
            self._queue.append(place)
        if baton.acquire(timeout=timeout):
            return True  # handed over by give_back, which made this connection the holder
        with self._mutex:
            if place in self._queue:  # not handed over: go on without the turn
                self._queue.remove(place)
                return False
            return True  # handed over just as the wait ended

    def give_back(self, connection: Any) -> None:
        with self._mutex:
            if connection is None or self._holder is not connection:
                return
            if self._queue:
                baton, self._holder = self._queue.popleft()
                baton.release()
            else:
                self._holder = None


_TURNS: dict[str, _Turns] = {}
_TURNS_LOCK = threading.Lock()


def _turns(url: str) -> _Turns:
    with _TURNS_LOCK:
        return _TURNS.setdefault(url, _Turns())


def _forget_turns() -> None:
    """A forked child (a gunicorn worker) has none of its parent's threads or transactions."""
    global _TURNS_LOCK
    _TURNS_LOCK = threading.Lock()
    _TURNS.clear()


os.register_at_fork(after_in_child=_forget_turns)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    sessions = sessionmaker(engine, expire_on_commit=False)
    event.listen(sessions, "before_flush", _carry_enterprise)
    return sessions


def enterprise_of_team(team_id: str | ColumnElement[str]) -> ScalarSelect[str | None]:
    """The Enterprise Grid org of a workspace, as SQL: read inside the statement that uses it."""
    return select(Workspace.enterprise_id).where(Workspace.team_id == team_id).scalar_subquery()


def _carry_enterprise(session: Session, _context: Any, _instances: Any) -> None:
    """Every new row of a workspace carries its Enterprise Grid org (where its workspace row
    knows one): the insert reads it from `workspaces` itself, so no query is added, and no
    insert has to remember it."""
    for row in session.new:
        if isinstance(row, Workspace) or getattr(row, "enterprise_id", False) is not None:
            continue
        team_id = getattr(row, "team_id", None)
        if team_id:
            row.enterprise_id = enterprise_of_team(team_id)


def insert_once(session: Session, row: object) -> bool:
    """Add `row` unless a unique constraint says it is there already (a redelivery, a double
    click, another process a moment earlier). In a savepoint, so the transaction carries on."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


@contextmanager
def advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    """Whether this process holds PostgreSQL's session-level advisory lock `key` for the
    block: taken with `pg_try_advisory_lock` (never waiting) on a connection of its own, in
    autocommit so no transaction stays open meanwhile, and released after. If the connection
    is lost the server drops the lock with it. SQLite has no such lock and needs none (one
    file on one host, whose single writer already orders every claim): always True.
    Raises SQLAlchemyError when the database can't be reached."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        held = bool(
            connection.scalar(
                text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"), {"key": key}
            )
        )
    except BaseException:
        connection.close()
        raise
    try:
        yield held
    finally:
        try:
            if held:
                connection.execute(
                    text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), {"key": key}
                )
        except SQLAlchemyError:
            connection.invalidate()  # closed for good: the server lets the lock go with it
        finally:
            connection.close()
