"""Two schedulers (two processes' engines on one database) ticking at once.

On PostgreSQL the tick takes an advisory lock first: the second scheduler skips its tick and
says so at DEBUG, and only one runs the jobs. On SQLite there is no lock (one file on one
host); both ticks run the jobs and the claim rows keep each piece of work to one of them.
Either way the work is done once.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from app import build_deps
from bot.db import advisory_lock, make_engine
from bot.deps import Deps
from bot.flows.once import run_once
from scheduler import runner
from scheduler.runner import TICK_LOCK, tick


class SlowJob:
    """A job that waits inside the tick until told to go on, then does one claimed piece."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.done: list[str] = []
        self.release = threading.Event()

    def __call__(self, deps: Deps, *, now: datetime, channel: str | None = None) -> str:
        self.entered.append(threading.current_thread().name)
        assert self.release.wait(10), "never released"
        outcome = run_once(
            deps.sessions,
            team_id="T1",
            job="lock-test",
            key="the-one-piece",
            now=now,
            work=lambda: self.done.append(threading.current_thread().name),
        )
        return outcome.value

    def wait_entered(self, n: int) -> None:
        deadline = time.monotonic() + 10
        while len(self.entered) < n:
            assert time.monotonic() < deadline, f"only {len(self.entered)} ticks got in"
            time.sleep(0.01)


def advisory_locks(deps: Deps) -> int:
    with deps.engine.connect() as connection:
        return int(
            connection.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
            or 0
        )


def test_two_schedulers_ticking_at_once_do_the_work_once(
    deps: Deps, database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    job = SlowJob()
    monkeypatch.setattr(runner, "JOBS", {"slow": job})
    other_engine = make_engine(database_url)
    other = build_deps(deps.settings, engine=other_engine, client=deps.client, clock=deps.clock)
    results: list[dict[str, str]] = []
    first = threading.Thread(target=lambda: results.append(tick(deps)), name="scheduler-1")
    try:
        first.start()
        job.wait_entered(1)
        if deps.engine.dialect.name == "postgresql":
            assert advisory_locks(deps) == 1  # held by the first tick, on its own connection
            with caplog.at_level(logging.DEBUG, logger="scheduler.runner"):
                assert tick(other) == {}  # at once: it never waits for the lock
            assert "scheduler tick skipped: another process is running it" in caplog.text
            job.release.set()
            first.join(10)
            assert results == [{"slow": "done"}]
            assert job.entered == ["scheduler-1"]
            assert advisory_locks(deps) == 0  # released after the tick
            assert tick(other) == {"slow": "taken"}  # the next tick runs; the claim holds
        else:
            # SQLite: no lock, so the second tick runs its jobs too; the claim decides.
            second = threading.Thread(target=lambda: results.append(tick(other)), name="s-2")
            second.start()
            job.wait_entered(2)
            job.release.set()
            first.join(10)
            second.join(10)
            assert sorted(r["slow"] for r in results) == ["done", "taken"]
        assert len(job.done) == 1
    finally:
        job.release.set()
        first.join(10)
        other_engine.dispose()


def test_the_lock_is_one_process_at_a_time_and_free_again_after(deps: Deps) -> None:
    with advisory_lock(deps.engine, TICK_LOCK) as mine:
        assert mine is True
        with advisory_lock(deps.engine, TICK_LOCK) as again:  # another connection
            assert again is (deps.engine.dialect.name != "postgresql")
    with advisory_lock(deps.engine, TICK_LOCK) as mine:
        assert mine is True
