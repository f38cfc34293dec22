"""The acks' group commit writes its rows through the database driver (bot/services/work.py:
insert_new_on_driver), on one connection its thread holds (handlers/queue.py). What it
stores must be exactly what the ORM's insert stores, on SQLite and PostgreSQL alike: the
queue's readers (take, anything_due, the inbox listing) only know the ORM's way."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine
from bot.services import work
from handlers.queue import GroupCommit
from models import WorkItem
from tests.conftest import FakeClock


def a_row(key: str, clock: FakeClock, **extra: object) -> dict[str, object]:
    return work.new_row(
        key=key,
        kind="command /kudos",
        team_id="T1",
        enterprise_id="E1",
        function="give",
        body="text=%3C%40U2%3E+thanks+%C3%A9t%C3%A9",
        headers={"content-type": ["application/x-www-form-urlencoded"], "x-a": ["1", "2"]},
        now=clock() - timedelta(seconds=5),
        **extra,  # type: ignore[arg-type]
    )


def test_the_driver_insert_stores_what_the_orm_insert_stores(
    engine: Engine, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    with sessions.begin() as session:
        assert work.insert_new(session, [a_row("orm", clock, natural_key="n-orm")]) == {"orm"}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        rows = [a_row("driver", clock, natural_key="n-driver"), a_row("driver-2", clock)]
        assert work.insert_new_on_driver(cursor, engine.dialect.name, rows) == {
            "driver",
            "driver-2",
        }
        # A key, or a natural key, seen before is skipped, in the same statement as new ones.
        again = [a_row("driver", clock), a_row("other", clock, natural_key="n-orm")]
        assert work.insert_new_on_driver(cursor, engine.dialect.name, again) == set()
        raw.commit()
    finally:
        raw.close()

    with sessions() as session:
        stored = {item.key: item for item in session.scalars(select(WorkItem))}
    assert set(stored) == {"orm", "driver", "driver-2"}
    columns = [c.key for c in WorkItem.__table__.columns if c.key not in ("id", "key")]
    orm, driver = stored["orm"], stored["driver"]
    for column in columns:
        expected = getattr(orm, column)
        if column == "natural_key":
            expected = "n-driver"
        assert getattr(driver, column) == expected, column
    assert driver.enqueued_at.tzinfo is not None
    # The queue's readers find the driver's rows as they find the ORM's, in order.
    assert work.anything_due(engine, clock())
    taken = work.take(sessions=sessions, worker="w", now=clock(), limit=3)
    assert [item.key for item in taken] == ["orm", "driver", "driver-2"]
    assert taken[1].headers == taken[0].headers and taken[1].body == taken[0].body


def test_one_connection_serves_every_commit(
    database_url: str, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    ours = make_engine(database_url, bounded=True, wait_for_lock=False)
    checkouts: list[object] = []
    event.listen(ours, "checkout", lambda *args: checkouts.append(args))
    commits = GroupCommit(ours, timeout=1.5)
    try:
        assert all(commits.add(a_row(f"k{n}", clock)) for n in range(30))
        assert commits.add(a_row("k0", clock)) is False  # there already
        assert len(checkouts) == 1
        with sessions() as session:
            assert len(session.scalars(select(WorkItem.key)).all()) == 30
    finally:
        ours.dispose()
