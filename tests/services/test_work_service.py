"""The queue's bookkeeping against a real database: what is due, backoff, burial, retry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.services import work
from models.work import WorkItem
from tests.conftest import FakeClock


def queue(sessions: sessionmaker[Session], clock: FakeClock, key: str) -> None:
    with sessions.begin() as session:
        row = work.new_row(
            key=key, kind="test", team_id="T1", function="f", body="b", headers={}, now=clock()
        )
        assert work.insert_new(session, [row]) == {key}
        assert work.insert_new(session, [row]) == set()  # the same key again is a no-op


def test_anything_due_sees_new_leased_and_backed_off_items(
    engine: Engine, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    if engine.dialect.name == "sqlite":
        assert not work.anything_due(engine, clock())  # empty
    queue(sessions, clock, "a")
    assert work.anything_due(engine, clock())
    (item,) = work.take(sessions=sessions, worker="w", now=clock())
    if engine.dialect.name == "sqlite":  # PostgreSQL always says yes: take is cheap there
        assert not work.anything_due(engine, clock())  # leased
    assert work.fail(sessions=sessions, item_id=item.id, worker="w", error="E", now=clock())
    if engine.dialect.name == "sqlite":
        assert not work.anything_due(engine, clock())  # backing off
    clock.advance(seconds=work.BACKOFF[0].total_seconds())
    assert work.anything_due(engine, clock())
    assert work.take(sessions=sessions, worker="w", now=clock())[0].attempts == 2


def test_the_backoff_grows_and_the_last_failure_buries(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    queue(sessions, clock, "b")
    waits = []
    for attempt in range(1, work.MAX_ATTEMPTS + 1):
        (item,) = work.take(sessions=sessions, worker="w", now=clock())
        assert item.attempts == attempt
        status = work.fail(sessions=sessions, item_id=item.id, worker="w", error="E", now=clock())
        with sessions() as session:
            row = session.get(WorkItem, item.id)
            assert row is not None and row.leased_until is None and row.last_error == "E"
            waits.append(row.available_at - clock())
        if status == work.DEAD:
            break
        assert work.take(sessions=sessions, worker="w", now=clock()) == []  # not yet
        clock.advance(seconds=waits[-1].total_seconds())
    assert status == work.DEAD and attempt == work.MAX_ATTEMPTS
    assert waits[:-1] == list(work.BACKOFF)
    assert work.take(sessions=sessions, worker="w", now=clock() + timedelta(days=9)) == []
    assert [r.id for r in work.listing(sessions=sessions, dead=True)] == [item.id]
    assert work.retry(sessions=sessions, item_id=None, now=clock()) == 1
    (again,) = work.take(sessions=sessions, worker="w", now=clock())
    assert again.id == item.id and again.attempts == 1


def test_a_committed_item_notifies_the_listening_workers_on_postgresql(
    engine: Engine, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """The insert's trigger (migration 0009) sends the NOTIFY, with the number of rows the
    insert added; nothing is sent before the commit, and a rolled-back insert sends nothing.
    SQLite has no LISTEN: it polls."""
    listener = work.listen(engine)
    if engine.dialect.name == "sqlite":
        assert listener is None
        return
    try:
        with sessions() as session:
            row = work.new_row(
                key="rolled-back",
                kind="t",
                team_id="T1",
                function="f",
                body="b",
                headers={},
                now=clock(),
            )
            work.insert_new(session, [row])
            session.rollback()
        assert list(listener.notifies(timeout=0.3)) == []
        queue(sessions, clock, "woken")  # one row, then the same again: nothing inserted
        notes = list(listener.notifies(timeout=1))
        assert {n.channel for n in notes} == {work.NOTIFY_CHANNEL}
        assert sorted(n.payload for n in notes) == ["0", "1"]  # how many rows each insert added
    finally:
        listener.close()


def test_the_oldest_pending_item_is_found_through_the_pending_index(
    engine: Engine, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """Done rows stay a week (redeliveries): `take` must not walk past them to the pending
    ones. It did (the primary key, filtered: 7.6 ms at 12,000 done rows, growing)."""
    with sessions.begin() as session:
        rows = [
            {
                **work.new_row(
                    key=f"old-{n}",
                    kind="t",
                    team_id="T1",
                    function="f",
                    body="",
                    headers={},
                    now=clock(),
                ),
                "status": work.DONE,
                "body": None,
            }
            for n in range(3000)
        ]
        work.insert_new(session, rows)
    queue(sessions, clock, "new")
    compiled = work.take_statement(engine.dialect.name).compile(engine)
    values = compiled.construct_params(
        {"p_now": clock(), "p_limit": 1, "p_until": clock(), "p_worker": "w"}
    )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE work_items")
            explained = conn.exec_driver_sql(f"EXPLAIN {compiled.string}", values)
            plan = "\n".join(r[0] for r in explained)
        else:
            conn.exec_driver_sql("ANALYZE")
            positional = tuple(values[name] for name in compiled.positiontup or ())
            explained = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", positional)
            plan = "\n".join(str(r[-1]) for r in explained)
    assert "ix_work_items_pending" in plan, plan
    (item,) = work.take(sessions=sessions, worker="w", now=clock())
    assert item.key == "new"
