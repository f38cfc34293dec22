"""Scheduled jobs by name: each is a due check that claims its work, then does it.

A job is called as `job(deps, now=..., channel=None)` and returns a short summary line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.deps import Deps

Job = Callable[..., str]

JOBS: dict[str, Job] = {}


def run_job(name: str, deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    if name not in JOBS:
        known = ", ".join(sorted(JOBS)) or "none yet"
        raise KeyError(f"unknown job {name!r} (known: {known})")
    return JOBS[name](deps, now=now, channel=channel)
