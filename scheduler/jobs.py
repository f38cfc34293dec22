"""Scheduled jobs by name. Each is a due check: it finds what is due at `now`, claims each
piece with a unique row (bot/services/claims.py), then does it, so running it again, or in
two processes at once, does nothing twice.

A job is called as `job(deps, now=..., channel=None)` and returns a short summary line.
`channel` asks for that channel's work for the current period even if it is not yet due.
The scheduler's tick runs every job in JOBS; `app.py run-job NAME` runs one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.deps import Deps
from scheduler.digest import digest_job
from scheduler.insights_monthly import insights_monthly_job
from scheduler.onboarding import onboarding_job
from scheduler.pairing import pairing_job
from scheduler.prune import prune_job
from scheduler.reminders import reminders_job
from scheduler.share_and_solve import share_and_solve_job
from scheduler.stale_help import stale_help
from scheduler.stories import stories_job

Job = Callable[..., str]

JOBS: dict[str, Job] = {
    "digest": digest_job,  # weekly per enrolled channel
    "share-and-solve": share_and_solve_job,  # weekly per channel that turned it on
    "stale-help": stale_help,  # help requests left open too long
    "pairing": pairing_job,  # weekly mentoring pairs and circles, rotated at the horizon
    "onboarding": onboarding_job,  # new hires: buddy, welcome, check-ins, horizon
    "reminders": reminders_job,  # waiting nudges, help surfacing, resolve, feedback, quiet pairs
    "stories": stories_job,  # monthly: the agreed stories, in the channel an admin chose
    "insights-monthly": insights_monthly_job,  # first working day of the month, opted-in viewers
    "prune": prune_job,  # daily: done queue rows, post keys and old claims
}


def run_job(name: str, deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    if name not in JOBS:
        known = ", ".join(sorted(JOBS)) or "none yet"
        raise KeyError(f"unknown job {name!r} (known: {known})")
    return JOBS[name](deps, now=now, channel=channel)
