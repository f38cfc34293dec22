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

Job = Callable[..., str]

JOBS: dict[str, Job] = {}


def _register_rhythm_jobs() -> None:
    """The weekly rhythm's due checks (imported here so each job module stays importable)."""
    from scheduler.digest import digest_job
    from scheduler.share_and_solve import share_and_solve_job

    JOBS["digest"] = digest_job
    JOBS["share-and-solve"] = share_and_solve_job


_register_rhythm_jobs()


def _register_help_jobs() -> None:
    """Help requests left open too long are marked stale."""
    from scheduler.stale_help import stale_help

    JOBS["stale-help"] = stale_help


_register_help_jobs()


def _register_pairing_job() -> None:
    """Mentoring: weekly pairs and circles, rotated at their horizon."""
    from scheduler.pairing import pairing_job

    JOBS["pairing"] = pairing_job


_register_pairing_job()


def _register_reminders_job() -> None:
    """Boundaries: waiting nudges, help surfacing, resolve-and-thank, feedback, quiet pairs."""
    from scheduler.reminders import reminders_job

    JOBS["reminders"] = reminders_job


_register_reminders_job()


def run_job(name: str, deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    if name not in JOBS:
        known = ", ".join(sorted(JOBS)) or "none yet"
        raise KeyError(f"unknown job {name!r} (known: {known})")
    return JOBS[name](deps, now=now, channel=channel)
