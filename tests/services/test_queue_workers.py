"""Two background processes (`python app.py worker`, as production runs them) share one queue:
1,000 queued events, each run exactly once, by one of them, and both do their share.

Each item is a `reaction_added` event on a message of its own, written as the web app's inbox
writes it (handlers/app.py:event_row, bot/services/work.py:insert_new); running it records a
thank-you. A thanks row can't show a second run (it is unique per message, and a second run
finds the first: by design), so "exactly once" is checked apart from the app's own
bookkeeping too: a trigger this test puts on `work_items` logs every take (every UPDATE that
sets `attempts`, whatever its value: a lost update still logs twice), and Slack's
`users.info` must have been asked about each reactor exactly once in all (the processes
don't share a cache, so a run in both would ask twice). And every item is `done` after one
attempt, with one thanks row per message.

On PostgreSQL this is the real test of the queue: workers take rows with
`FOR UPDATE SKIP LOCKED`, several threads in each process, and wake on NOTIFY. On SQLite it
proves less: a single writer (`BEGIN IMMEDIATE`) serialises every take, so two takers can't
meet in the first place, and the workers poll; it still shows two processes sharing one file
run everything once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.services import work
from handlers.app import event_row
from models import Thanks, WorkItem
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_double import BOT_USER_ID, TEAM_ID, SlackDouble

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 1000
PROCESSES = 2
THREADS = 4  # per process (WORKER_THREADS)
AUTHORS = ("UALICE", "UBOB", "UCAROL", "UDAVE")


def reactor(index: int) -> str:
    return f"UREACT{index:04d}"


def event_body(index: int) -> str:
    """A `reaction_added` event callback as Slack sends it: a thank-you on its own message."""
    event = {
        "type": "reaction_added",
        "user": reactor(index),
        "item_user": AUTHORS[index % len(AUTHORS)],
        "reaction": "pray",
        "item": {"type": "message", "channel": "CGENERAL", "ts": f"1764000000.{index:06d}"},
        "event_ts": f"1764000100.{index:06d}",
    }
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "AAPPID",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev0WORKERS{index:04d}",
            "event_time": 1764000100,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def start_worker(database_url: str, slack: SlackDouble, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SCHEDULER_ENABLED": "false",
            "WORKER_THREADS": str(THREADS),
            "LOG_LEVEL": "INFO",
        }
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "app.py", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def logs(paths: list[Path]) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in paths)


def wait_until(condition: Any, timeout: float, failure: Any) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        time.sleep(0.05)


TakeLog = Callable[[], list[tuple[int, str]]]


@pytest.fixture
def take_log(engine: Engine) -> Iterator[TakeLog]:
    """Every take of a work item, as (item id, worker), logged by the database itself."""
    if engine.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION test_log_take() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO test_take_log VALUES (NEW.id, NEW.leased_by); RETURN NEW; END $$",
            "CREATE TRIGGER test_log_take AFTER UPDATE OF attempts ON work_items "
            "FOR EACH ROW EXECUTE FUNCTION test_log_take()",
        ]
        drop = ["DROP TRIGGER test_log_take ON work_items", "DROP FUNCTION test_log_take()"]
    else:
        create = [
            "CREATE TRIGGER test_log_take AFTER UPDATE OF attempts ON work_items "
            "BEGIN INSERT INTO test_take_log VALUES (NEW.id, NEW.leased_by); END"
        ]
        drop = ["DROP TRIGGER test_log_take"]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE test_take_log (item_id INTEGER NOT NULL, worker TEXT)"))
        for statement in create:
            conn.execute(text(statement))

    def read() -> list[tuple[int, str]]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT item_id, worker FROM test_take_log"))
            return [(int(row.item_id), str(row.worker)) for row in rows]

    yield read
    with engine.begin() as conn:
        for statement in [*drop, "DROP TABLE test_take_log"]:
            conn.execute(text(statement))


def test_two_worker_processes_run_a_thousand_items_each_exactly_once(
    database_url: str,
    sessions: sessionmaker[Session],
    slack: SlackDouble,
    take_log: TakeLog,
    tmp_path: Path,
) -> None:
    for index in range(ITEMS):
        slack.add_user(reactor(index), f"reactor{index}")
    paths = [tmp_path / f"worker-{n}.log" for n in range(PROCESSES)]
    workers = [start_worker(database_url, slack, path) for path in paths]
    try:
        # Both are up and idle before there is any work, so both get their chance at it.
        wait_until(
            lambda: all("background worker running" in p.read_text() for p in paths),
            timeout=30,
            failure=lambda: f"the workers did not start:\n{logs(paths)}",
        )
        assert all(w.poll() is None for w in workers), logs(paths)
        now = datetime.now(UTC)
        rows = [event_row(json.loads(body), body, now) for body in map(event_body, range(ITEMS))]
        with sessions.begin() as session:
            assert len(work.insert_new(session, rows)) == ITEMS
        wait_until(
            lambda: work.counts(sessions=sessions).get(work.PENDING, 0) == 0,
            timeout=90,  # generous: it takes 12-40 s on a busy 2-CPU machine
            failure=lambda: f"left: {work.counts(sessions=sessions)}\n{logs(paths)}",
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    # SIGTERM: they stopped taking work, finished what ran, and exited cleanly.
    assert [w.returncode for w in workers] == [0] * PROCESSES, logs(paths)
    output = logs(paths)
    assert " ERROR " not in output and "Traceback" not in output, output

    with sessions() as session:
        items = session.scalars(select(WorkItem)).all()
        thanks = session.scalars(select(Thanks)).all()
    # Every item taken exactly once (so run once), and done: nobody ran one twice, nobody took
    # one over.
    takes = take_log()
    assert len(items) == ITEMS
    assert Counter(item_id for item_id, _ in takes) == {i.id: 1 for i in items}
    assert sorted(takes) == sorted((i.id, i.leased_by) for i in items)
    assert Counter(i.status for i in items) == {work.DONE: ITEMS}
    assert Counter(i.attempts for i in items) == {1: ITEMS}
    assert [i for i in items if i.last_error or i.leased_until] == []
    # Its effect, once each: one thank-you per message, from its reactor to its author.
    assert sorted((t.message_ts, t.giver_id, t.receiver_id) for t in thanks) == [
        (f"1764000000.{n:06d}", reactor(n), AUTHORS[n % len(AUTHORS)]) for n in range(ITEMS)
    ]
    asked = Counter(call["user"] for call in slack.calls_to("users.info"))
    assert {user: n for user, n in asked.items() if user.startswith("UREACT")} == {
        reactor(n): 1 for n in range(ITEMS)
    }
    # Both processes did work (a worker's name is host:pid:…).
    ran = Counter(int(str(i.leased_by).split(":")[1]) for i in items)
    assert set(ran) == {w.pid for w in workers}, ran
    assert all(n > 0 for n in ran.values()), ran
