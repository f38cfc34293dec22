"""The one APScheduler instance: a tick every few minutes that runs every due check in JOBS."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from scheduler.jobs import JOBS

log = logging.getLogger(__name__)


def tick(deps: Deps) -> dict[str, str]:
    """Run every job once with the same `now`; a failing job is logged and the rest still run."""
    now = deps.clock()
    summaries: dict[str, str] = {}
    for name, job in list(JOBS.items()):
        try:
            summaries[name] = job(deps, now=now, channel=None)
        except Exception:  # isolate jobs from each other; the next tick tries again
            log.exception("scheduled job %s failed", name)
            summaries[name] = "failed"
        else:
            log.debug("job %s: %s", name, summaries[name])
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
