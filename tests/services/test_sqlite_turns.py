"""On a SQLite file, the threads of one process take turns for the single writer in order
(bot/db.py:_Turns), instead of each sleeping in SQLite's busy handler (1, 2, 5 … 100 ms
between looks) or racing for it. These run on a SQLite file whatever DATABASE_URL says: the
turns exist only there."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from bot.db import _Turns, make_engine


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/turns.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


class Journal:
    """Who issued BEGIN IMMEDIATE, and who committed or rolled back, in order."""

    def __init__(self, engine: Engine) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

        def before(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
            if statement.startswith("BEGIN"):
                self.add(f"begin {threading.current_thread().name}")

        def ended(how: str) -> Any:
            return lambda conn: self.add(f"{how} {threading.current_thread().name}")

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "commit", ended("commit"))
        event.listen(engine, "rollback", ended("rollback"))

    def add(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)


def _hold(engine: Engine, started: threading.Event, seconds: float, *, fail: bool) -> None:
    with engine.connect() as conn:
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        started.set()
        time.sleep(seconds)
        if fail:
            conn.rollback()
        else:
            conn.commit()


def _write(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (2)"))


@pytest.mark.parametrize("fail", [False, True], ids=["commit", "rollback"])
def test_a_second_thread_begins_only_once_the_first_has_ended(
    file_engine: Engine, fail: bool
) -> None:
    """Without the turns, the second thread's BEGIN IMMEDIATE goes to SQLite at once and
    sleeps in its busy handler, waking up to 100 ms after the lock is free."""
    journal = Journal(file_engine)
    started = threading.Event()
    first = threading.Thread(
        target=_hold, args=(file_engine, started, 0.3), kwargs={"fail": fail}, name="first"
    )
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=_write, args=(file_engine,), name="second")
    second.start()
    first.join(5)
    second.join(5)
    assert journal.lines == [
        "begin first",
        "rollback first" if fail else "commit first",
        "begin second",
        "commit second",
    ]


def test_the_turn_goes_to_who_asked_first_not_back_to_who_let_go() -> None:
    """A thread that ends its transaction and at once begins another goes to the back of
    the line. (With a plain lock, the thread that lets go, holding the interpreter, takes it
    straight back: under load some items waited a second for three turns.)"""
    turns = _Turns()
    first, again, other = object(), object(), object()
    order: list[str] = []
    turns.take(first, timeout=5)

    def wait_in_line() -> None:
        if turns.take(other, timeout=5):
            order.append("other")
            turns.give_back(other)

    waiter = threading.Thread(target=wait_in_line)
    waiter.start()
    time.sleep(0.2)  # it waits in line now
    turns.give_back(first)
    turns.take(again, timeout=5)  # no pause between: the same thread, straight on
    order.append("again")
    turns.give_back(again)
    waiter.join(5)
    assert order == ["other", "again"]


def test_a_transaction_waiting_on_another_in_its_own_thread_fails_as_before_never_hangs(
    tmp_path: Path,
) -> None:
    """Two transactions at once in one thread can't both write SQLite: the second is told the
    database is locked after the busy timeout (the turn's wait, then SQLite's own), and the
    turn is free again for everyone once the first ends."""
    engine = make_engine(f"sqlite:///{tmp_path}/turns.db", bounded=True)  # 1.5 s waits
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        began = time.monotonic()
        with engine.connect() as outer:
            outer.begin()
            outer.execute(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(OperationalError, match="database is locked"):
                _write(engine)
            outer.commit()
        assert time.monotonic() - began < 10
        done = threading.Thread(target=_write, args=(engine,))
        done.start()
        done.join(5)
        assert not done.is_alive()
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM t")) == 2
    finally:
        engine.dispose()


def test_a_connection_lost_inside_its_transaction_gives_its_turn_back(
    file_engine: Engine,
) -> None:
    with file_engine.connect() as conn:
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.invalidate()  # as when the driver reports the connection gone
    done = threading.Thread(target=_write, args=(file_engine,))
    began = time.monotonic()
    done.start()
    done.join(10)
    assert not done.is_alive()
    assert time.monotonic() - began < 5  # not after the 30 s busy timeout
