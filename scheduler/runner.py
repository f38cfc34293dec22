"""The one APScheduler instance: a tick every few minutes that runs every due check in JOBS.

Across replicas the tick runs in one process at a time: it first takes a PostgreSQL advisory
lock (bot/db.py:advisory_lock) and a process that can't get it skips that tick. The claim
rows (bot/flows/once.py) still make each piece of work happen once; the lock saves the other
schedulers the queries, and keeps two ticks from racing through the same due checks.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from bot.db import advisory_lock
from bot.deps import Deps
from bot.logs import log_context
from bot.metrics import SCHEDULER_JOB_SECONDS, SCHEDULER_JOBS, SCHEDULER_TICKS, timed
from scheduler.jobs import JOBS

log = logging.getLogger(__name__)

TICK_LOCK = 0x5265_6369_7072_6F63  # "Reciproc": the advisory lock's key (a signed 64-bit int)


def tick(deps: Deps) -> dict[str, str]:
    """Run every job once with the same `now`, unless another process is running the tick
    (then nothing: {}). A failing job is logged and the rest still run."""
    try:
        with advisory_lock(deps.engine, TICK_LOCK) as mine:
            if not mine:
                log.debug("scheduler tick skipped: another process is running it")
                SCHEDULER_TICKS.labels("skipped").inc()
                return {}
            SCHEDULER_TICKS.labels("ran").inc()
            return _run_jobs(deps)  # catches each job's errors: only the lock's escape
    except SQLAlchemyError as error:
        log.warning("scheduler tick skipped: no database (%s)", type(error).__name__)
        SCHEDULER_TICKS.labels("failed").inc()
        return {}


def _run_jobs(deps: Deps) -> dict[str, str]:
    now = deps.clock()
    summaries: dict[str, str] = {}
    for name, job in list(JOBS.items()):
        with log_context(job=name):
            try:
                with timed(SCHEDULER_JOB_SECONDS, name):
                    summaries[name] = job(deps, now=now, channel=None)
            except Exception:  # isolate jobs from each other; the next tick tries again
                log.exception("scheduled job %s failed", name)
                summaries[name] = "failed"
                SCHEDULER_JOBS.labels(name, "failed").inc()
            else:
                log.debug("job %s: %s", name, summaries[name])
                SCHEDULER_JOBS.labels(name, "ok").inc()
    return summaries


def build_scheduler(deps: Deps) -> BackgroundScheduler:
    """A BackgroundScheduler with the tick, not started. One tick at a time; missed ticks merge."""
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        args=[deps],
        seconds=deps.settings.scheduler_tick_seconds,
        id="reciprocity-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=deps.settings.scheduler_tick_seconds,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    scheduler = build_scheduler(deps)
    scheduler.start()
    log.info("scheduler started: a tick every %ss", deps.settings.scheduler_tick_seconds)
    return scheduler
