"""Acks first: a burst of new work slows the background worker down, and only a burst.

On PostgreSQL every insert into the queue NOTIFYs the workers with the number of rows it
added (migration 0009's trigger); a worker that hears more than `yield_above` new items a
second runs one item at a time, with a pause, until what it takes has waited `yield_at_most`.
bench/ack.py shows why: with the worker at full speed beside them, acks on PostgreSQL
reached 0.74–0.86 of a bare Bolt app's throughput; with no worker, 1.22. SQLite has no
NOTIFY: there the worker reads the newest item id ten times a second. Without that, the
worker's writes took SQLite's one write lock from the acks' commits (0.82 of bare Bolt).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from bot.services import work
from handlers import queue
from handlers.app import create_app
from handlers.queue import Arrivals, QueueWorker
from tests.conftest import FakeClock


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_arrivals_count_the_last_second_only() -> None:
    ticks = Ticks()
    arrivals = Arrivals(window=1.0, clock=ticks)
    assert arrivals.per_second() == 0
    arrivals.add(120)
    ticks.now += 0.5
    arrivals.add(200)
    assert arrivals.per_second() == 320
    ticks.now += 0.6  # the first batch is more than a second old
    assert arrivals.per_second() == 200
    ticks.now += 1.0
    assert arrivals.per_second() == 0


def worker_for(deps: Deps, **options: float) -> QueueWorker:
    return QueueWorker(
        create_app(deps, consumer=True),
        sessions=deps.sessions,
        clock=deps.clock,
        engine=deps.engine,
        threads=2,
        **options,
    )


def test_only_a_burst_makes_the_worker_yield(deps: Deps) -> None:
    worker = worker_for(deps, yield_above=300)
    worker.arrivals.add(250)  # a steady 250/s: the worker keeps pace, full speed
    assert not worker.acks_are_busy()
    worker.arrivals.add(100)
    assert worker.acks_are_busy()
    worker.waited = worker.yield_at_most  # the work has waited long enough: full speed again
    assert not worker.acks_are_busy()
    never = worker_for(deps, yield_above=0)
    never.arrivals.add(10_000)
    assert not never.acks_are_busy()


def test_a_burst_makes_the_worker_yield(
    deps: Deps, engine: Engine, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """The whole path: one insert of 400 rows, then on PostgreSQL its NOTIFY and the worker's
    LISTEN thread; on SQLite (no NOTIFY) the worker's thread that reads the newest id."""
    worker = worker_for(deps, yield_above=300)
    if engine.dialect.name != "postgresql":
        assert work.listen(engine) is None  # SQLite has no LISTEN: the worker counts ids
    worker.start()
    try:
        time.sleep(0.3)  # LISTEN is in place
        rows = [
            work.new_row(
                key=f"burst-{n}",
                kind="t",
                team_id="T1",
                function="",
                body="{}",
                headers={},
                now=clock() + work.LEASE * 10,  # not due: nobody runs them meanwhile
            )
            | {"available_at": clock() + work.LEASE * 10}
            for n in range(400)
        ]
        with sessions.begin() as session:
            work.insert_new(session, rows)
        deadline = time.monotonic() + 3
        while not worker.acks_are_busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert worker.acks_are_busy(), worker.arrivals.per_second()
        assert worker.arrivals.per_second() == 400
    finally:
        worker.stop(timeout=5)


def test_a_new_item_wakes_one_idle_thread_not_all_of_them(
    deps: Deps,
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL, NOTIFY says how many items arrived: that many idle threads look. Waking
    all eight made each item cost eight takes, seven of which found nothing (a fifth of the
    machine's CPU at 50 kudos a second)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite's workers poll")
    monkeypatch.setattr(queue, "LISTENING_POLL", 30.0)  # no polling within the test
    takes: list[int] = []
    real_take = work.take

    def counted_take(**kwargs: object) -> list[work.Leased]:
        found = real_take(**kwargs)  # type: ignore[arg-type]
        takes.append(len(found))
        return found

    monkeypatch.setattr(work, "take", counted_take)
    worker = QueueWorker(
        create_app(deps, consumer=True),
        sessions=deps.sessions,
        clock=deps.clock,
        engine=deps.engine,
        threads=8,
    )
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while not worker.listening and time.monotonic() < deadline:
            time.sleep(0.02)
        assert worker.listening
        # Until every thread waits on LISTEN (those that began before it polled meanwhile):
        # half a second without a take.
        looked = -1
        while looked != len(takes) and time.monotonic() < deadline + 10:
            looked = len(takes)
            time.sleep(0.5)
        assert looked >= 8
        takes.clear()
        later = clock() + work.LEASE * 10  # not due: the takes find nothing, and stay idle
        row = work.new_row(
            key="one", kind="t", team_id="T1", function="", body="{}", headers={}, now=later
        )
        with sessions.begin() as session:
            work.insert_new(session, [row | {"available_at": later}])
        time.sleep(0.5)
        # One, or two when a thread was between its empty take and its wait (all eight before)
        assert 1 <= len(takes) <= 2, takes
    finally:
        worker.stop(timeout=5)
