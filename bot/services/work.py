"""The durable queue's bookkeeping: write, lease, finish, retry, bury, list and prune.

One table (`work_items`) holds every event and every queued request. A row is `pending`
until its work has committed, then `done` (its payload dropped); a failure is retried with
backoff, and after `MAX_ATTEMPTS` the row is `dead` until someone retries it by hand. A worker
holds a short lease on the row it runs and renews it while it runs (a heartbeat), so a worker
that dies is replaced within about `LEASE`. On PostgreSQL rows are taken with
`FOR UPDATE SKIP LOCKED`, so any number of workers share the queue without waiting on each
other; SQLite's single writer (`BEGIN IMMEDIATE`) gives the same guarantee.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    Update,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.db import enterprise_of_team
from models.scheduling import JobClaim
from models.work import DEAD, DONE, PENDING, PENDING_ONLY, PostedMessage, WorkItem

__all__ = ["DEAD", "DONE", "PENDING"]

LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)
MAX_ATTEMPTS = 5
BACKOFF = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
)
"""How long to wait after the 1st, 2nd, 3rd and 4th failure; the 5th buries the item."""

KEEP_DONE_EVENTS = timedelta(days=7)
KEEP_DONE_REQUESTS = timedelta(hours=1)
"""Done rows stay a while so a redelivery (an event) or a replay (a signed request, which
Slack's 5-minute signature window bounds) is recognised; then they go."""
KEEP_POSTS = timedelta(days=7)
NOTIFY_CHANNEL = "work_items"


def insert_new(session: Session | Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the rows whose `key` (and `natural_key`) are new; the keys inserted.

    On PostgreSQL a trigger (migration 0009) sends `NOTIFY work_items` with the insert, which
    wakes idle workers at commit: no round trip of its own."""
    if not rows:
        return set()
    dialect = (session.get_bind() if isinstance(session, Session) else session).dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(WorkItem).on_conflict_do_nothing().returning(WorkItem.key)
    return {str(key) for (key,) in session.execute(statement, list(rows))}


_NEW_ROW_COLUMNS = (
    "key",
    "natural_key",
    "kind",
    "team_id",
    "enterprise_id",
    "function",
    "body",
    "headers",
    "status",
    "attempts",
    "enqueued_at",
    "available_at",
)
_SQLITE_MOMENT = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's DATETIME stores a moment on SQLite (UTC, as UTCDateTime hands it over)."""


@functools.lru_cache(maxsize=128)
def _insert_sql(dialect: str, rows: int) -> str:
    mark = "%s" if dialect == "postgresql" else "?"
    headers = f"CAST({mark} AS json)" if dialect == "postgresql" else mark
    one = "(" + ", ".join(headers if c == "headers" else mark for c in _NEW_ROW_COLUMNS) + ")"
    columns = ", ".join(f'"{c}"' for c in _NEW_ROW_COLUMNS)
    return (
        f"INSERT INTO work_items ({columns}) VALUES {', '.join([one] * rows)}"
        ' ON CONFLICT DO NOTHING RETURNING "key"'
    )


def _driver_value(column: str, value: Any, dialect: str) -> Any:
    if column == "headers":
        return json.dumps(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        return moment.strftime(_SQLITE_MOMENT) if dialect == "sqlite" else moment
    return value


def insert_new_on_driver(cursor: Any, dialect: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """`insert_new` for the acks' group commit (handlers/queue.py), on a driver cursor inside
    a transaction the caller holds: the same statement SQLAlchemy's insert would send
    (several rows in one VALUES, ON CONFLICT DO NOTHING, RETURNING the keys inserted), its
    text built once per dialect and row count. Every ack waits for this statement; SQLAlchemy
    around it (building the statement, its cache key, the result, a connection from the pool
    and back) cost a fifth of an ack's CPU. `new_row` rows only."""
    inserted: set[str] = set()
    for start in range(0, len(rows), 100):
        chunk = rows[start : start + 100]
        params = [
            _driver_value(column, row.get(column), dialect)
            for row in chunk
            for column in _NEW_ROW_COLUMNS
        ]
        cursor.execute(_insert_sql(dialect, len(chunk)), params)
        inserted.update(str(key) for (key,) in cursor.fetchall())
    return inserted


def new_row(
    *,
    key: str,
    kind: str,
    team_id: str,
    function: str,
    body: str,
    headers: dict[str, list[str]],
    now: datetime,
    natural_key: str | None = None,
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key[:200],
        "natural_key": natural_key[:400] if natural_key else None,
        "kind": kind[:32],
        "team_id": team_id[:32],
        "enterprise_id": enterprise_id[:32] if enterprise_id else None,
        "function": function[:200],
        "body": body,
        "headers": headers,
        "status": PENDING,
        "attempts": 0,
        "enqueued_at": now,
        "available_at": now,
    }


@dataclass(frozen=True)
class Leased:
    id: int
    key: str
    kind: str
    team_id: str
    function: str
    body: str
    headers: dict[str, list[str]]
    attempts: int  # this run included: 1 the first time, more after a failure or a takeover
    enqueued_at: datetime
    failed_before: bool = False  # a run failed (attempts start again at 1 after `retry`)

    @property
    def first_run(self) -> bool:
        """No run of this item came before: not a takeover, a retry, or one put back by hand."""
        return self.attempts == 1 and not self.failed_before


_ITEMS = cast(Table, WorkItem.__table__)


@functools.lru_cache(maxsize=4)
def take_statement(dialect: str) -> Update:
    """Lease the oldest due items (new, retried, or whose worker died) in one statement:
    `UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING …`. Built
    once per dialect, with bound parameters: building it on every take was most of its
    cost. PostgreSQL skips rows another worker is taking; SQLite has one writer."""
    t = _ITEMS
    moment = bindparam("p_now", type_=t.c.available_at.type)
    due_ids = (
        select(t.c.id)
        .where(
            text(PENDING_ONLY),  # literally: the partial index (models/work.py)
            t.c.available_at <= moment,
            or_(t.c.leased_until.is_(None), t.c.leased_until < moment),
        )
        .order_by(t.c.id)
        .limit(bindparam("p_limit", type_=Integer))
    )
    if dialect == "postgresql":
        due_ids = due_ids.with_for_update(skip_locked=True)
    return (
        update(t)
        .where(t.c.id.in_(due_ids.scalar_subquery()))
        .values(
            attempts=t.c.attempts + 1,
            leased_until=bindparam("p_until", type_=t.c.leased_until.type),
            leased_by=bindparam("p_worker", type_=t.c.leased_by.type),
        )
        .returning(
            t.c.id,
            t.c.key,
            t.c.kind,
            t.c.team_id,
            t.c.function,
            t.c.body,
            t.c.headers,
            t.c.attempts,
            t.c.enqueued_at,
            t.c.last_error,
        )
    )


def take(
    *, sessions: sessionmaker[Session], worker: str, now: datetime, limit: int = 1
) -> list[Leased]:
    """Lease up to `limit` items that are due, oldest first."""
    with sessions.begin() as session:
        return take_in(session, worker=worker, now=now, limit=limit)


def take_in(session: Session, *, worker: str, now: datetime, limit: int = 1) -> list[Leased]:
    """`take`, in the caller's transaction: a worker finishing one item leases the next in
    the same transaction (handlers/queue.py), one transaction fewer per item."""
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        take_statement(dialect),
        {"p_now": now, "p_limit": limit, "p_until": now + LEASE, "p_worker": worker[:64]},
    ).all()
    return [
        Leased(
            id=row.id,
            key=row.key,
            kind=row.kind,
            team_id=row.team_id,
            function=row.function,
            body=row.body or "",
            headers=dict(row.headers or {}),
            attempts=row.attempts,
            enqueued_at=row.enqueued_at,
            failed_before=row.last_error is not None,
        )
        for row in sorted(rows, key=lambda row: int(row.id))
    ]


def anything_due(engine: Engine, now: datetime) -> bool:
    """Whether `take` would find something. On SQLite it looks without the write lock every
    transaction here takes (bot/db.py), so idle workers never stand in the way of an ack's
    commit; on PostgreSQL `take` itself is as cheap, so this says yes."""
    if engine.dialect.name != "sqlite":
        return True
    moment = now.astimezone(UTC).strftime(_SQLITE_MOMENT)
    found = _read_without_lock(
        engine,
        f"SELECT 1 FROM work_items WHERE {PENDING_ONLY} AND available_at <= ?"
        " AND (leased_until IS NULL OR leased_until < ?) LIMIT 1",
        (moment, moment),
    )
    return found is not None


def newest_id(engine: Engine) -> int:
    """The highest work item id: how SQLite workers count new items (PostgreSQL tells them
    through LISTEN). Read without the write lock, like `anything_due`; on an integer primary
    key, SQLite's max is one step down its b-tree."""
    found = _read_without_lock(engine, "SELECT max(id) FROM work_items", ())
    return int(found[0] or 0) if found else 0


def _read_without_lock(engine: Engine, sql: str, params: tuple[Any, ...]) -> Any:
    """The first row of a read on a driver connection: SQLite's BEGIN IMMEDIATE, which every
    SQLAlchemy transaction here takes (bot/db.py), is not taken for it."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, params)
        return cursor.fetchone()
    finally:
        raw.close()


def renew(
    *, sessions: sessionmaker[Session], worker: str, ids: Sequence[int], now: datetime
) -> None:
    """The heartbeat: the items this worker is running stay its own."""
    if not ids:
        return
    with sessions.begin() as session:
        session.execute(
            update(WorkItem)
            .where(WorkItem.id.in_(ids), WorkItem.leased_by == worker, WorkItem.status == PENDING)
            .values(leased_until=now + LEASE)
        )


_FINISH = (
    update(_ITEMS)
    .where(
        _ITEMS.c.id == bindparam("p_item"),
        _ITEMS.c.leased_by == bindparam("p_worker"),
        _ITEMS.c.status == PENDING,
    )
    .values(
        status=DONE,
        body=None,
        headers={},
        leased_until=None,
        finished_at=bindparam("p_now", type_=_ITEMS.c.finished_at.type),
    )
)


def finish(session: Session, *, item_id: int, worker: str, now: datetime) -> bool:
    """Mark the item done, in the caller's transaction; False if another worker took it over."""
    result = session.execute(_FINISH, {"p_item": item_id, "p_worker": worker[:64], "p_now": now})
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail(
    *,
    sessions: sessionmaker[Session],
    item_id: int,
    worker: str,
    error: str,
    now: datetime,
    also: Sequence[Callable[[Session], None]] = (),
) -> str | None:
    """Record a failure: retried after a pause, or dead after the last attempt. The new status
    (None if the item was no longer this worker's). `also`: writes of the run that failed,
    made in the same transaction whatever the status (what it posted, bot/flows/outbox.py)."""
    with sessions.begin() as session:
        for write in also:
            write(session)
        item = session.get(WorkItem, item_id, with_for_update=True)
        if item is None or item.leased_by != worker or item.status != PENDING:
            return None
        item.last_error = error[:300]
        item.leased_until = None
        if item.attempts >= MAX_ATTEMPTS:
            item.status = DEAD
            item.finished_at = now
        else:
            item.available_at = now + BACKOFF[min(item.attempts, len(BACKOFF)) - 1]
        return item.status


_POSTS = cast(Table, PostedMessage.__table__)
_FIND_POST = select(_POSTS.c.channel_id, _POSTS.c.ts).where(_POSTS.c.key == bindparam("p_key"))


def find_post(session: Session, key: str) -> tuple[str, str] | None:
    """(channel, ts) of the post made under `key` (bot/flows/outbox.py), if it was made."""
    row = session.execute(_FIND_POST, {"p_key": key[:200]}).first()
    return (str(row.channel_id), str(row.ts)) if row is not None else None


@functools.lru_cache(maxsize=4)
def _remember_post_statement(dialect: str) -> Any:
    module: Any = postgresql if dialect == "postgresql" else sqlite
    team = bindparam("p_team", type_=_POSTS.c.team_id.type)
    return (
        module.insert(_POSTS)
        .values(
            key=bindparam("p_key", type_=_POSTS.c.key.type),
            team_id=team,
            enterprise_id=enterprise_of_team(team),
            channel_id=bindparam("p_channel", type_=_POSTS.c.channel_id.type),
            ts=bindparam("p_ts", type_=_POSTS.c.ts.type),
            posted_at=bindparam("p_now", type_=_POSTS.c.posted_at.type),
        )
        .on_conflict_do_nothing()
    )


def remember_post(
    session: Session, *, key: str, team_id: str, channel: str, ts: str, now: datetime
) -> None:
    """Record the post made under `key`, in the caller's transaction; a key recorded already
    (a run that found its own earlier post) is left as it is."""
    session.execute(
        _remember_post_statement(session.get_bind().dialect.name),
        {
            "p_key": key[:200],
            "p_team": team_id[:32],
            "p_channel": channel[:32],
            "p_ts": ts,
            "p_now": now,
        },
    )


@dataclass(frozen=True)
class Listed:
    id: int
    kind: str
    team_id: str
    status: str
    attempts: int
    enqueued_at: datetime
    last_error: str | None


def listing(*, sessions: sessionmaker[Session], dead: bool) -> list[Listed]:
    """Pending (or dead) items, oldest first: what they are, never what they say."""
    with sessions() as session:
        rows = session.execute(
            select(
                WorkItem.id,
                WorkItem.kind,
                WorkItem.team_id,
                WorkItem.status,
                WorkItem.attempts,
                WorkItem.enqueued_at,
                WorkItem.last_error,
            )
            .where(WorkItem.status == (DEAD if dead else PENDING))
            .order_by(WorkItem.id)
        ).all()
    return [Listed(*row) for row in rows]


def retry(*, sessions: sessionmaker[Session], item_id: int | None, now: datetime) -> int:
    """Put a dead item (or, with None, every dead item) back in the queue; how many. Its
    attempts start again; its last error stays, and tells the next run that earlier runs
    may have recorded or posted something (`Leased.failed_before`)."""
    with sessions.begin() as session:
        statement = update(WorkItem).where(WorkItem.status == DEAD)
        if item_id is not None:
            statement = statement.where(WorkItem.id == item_id)
        result = session.execute(
            statement.values(
                status=PENDING, attempts=0, available_at=now, leased_until=None, finished_at=None
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def counts(*, sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(select(WorkItem.status, func.count()).group_by(WorkItem.status))
        return {status: int(n) for status, n in rows}


def prune(*, sessions: sessionmaker[Session], now: datetime) -> dict[str, int]:
    """Drop bookkeeping nobody needs any more: done events after 7 days, done requests after
    an hour, post keys after 7 days (a takeover happens within minutes)."""
    with sessions.begin() as session:
        is_event = WorkItem.function == ""
        work = session.execute(
            delete(WorkItem).where(
                WorkItem.status == DONE,
                WorkItem.finished_at
                < case((is_event, now - KEEP_DONE_EVENTS), else_=now - KEEP_DONE_REQUESTS),
            )
        )
        posts = session.execute(
            delete(PostedMessage).where(PostedMessage.posted_at < now - KEEP_POSTS)
        )
        claims = session.execute(
            delete(JobClaim).where(
                JobClaim.done_at.is_not(None), JobClaim.done_at < now - CLAIMS_KEPT
            )
        )
    return {
        "work_items": int(work.rowcount),  # type: ignore[attr-defined]
        "posted_messages": int(posts.rowcount),  # type: ignore[attr-defined]
        "job_claims": int(claims.rowcount),  # type: ignore[attr-defined]
    }


CLAIMS_KEPT = timedelta(days=60)
"""A claim guards one period of a job (a week at most, a digest's 'this week'); kept two
months so a late catch-up never repeats a period, then pruned."""


def listen(engine: Engine) -> Any:
    """A PostgreSQL connection LISTENing for new work (None on SQLite: workers poll)."""
    if engine.dialect.name != "postgresql":
        return None
    import psycopg

    url = engine.url.set(drivername="postgresql")
    connection = psycopg.connect(
        url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    )
    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
    return connection
