"""Bookkeeping does not grow forever: once a day, what no one needs any more goes."""

from __future__ import annotations

from datetime import datetime

from bot.deps import Deps
from bot.flows.once import Once, run_once
from bot.services import work
from bot.services.insights.access import prune_used_links


def prune_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    """Done inbox rows after 7 days, finished requests after an hour, post keys after 7
    days, claims of periods long past (bot/services/work.py:prune). Once per UTC day."""
    pruned: dict[str, int] = {}
    outcome = run_once(
        deps.sessions,
        team_id="",
        job="prune",
        key=f"prune:{now.date().isoformat()}",
        now=now,
        work=lambda: pruned.update(_prune(deps, now)),
    )
    if outcome is not Once.DONE:
        return "pruned already today"
    return "pruned " + ", ".join(f"{n} {table}" for table, n in pruned.items())


def _prune(deps: Deps, now: datetime) -> dict[str, int]:
    pruned = work.prune(sessions=deps.sessions, now=now)
    with deps.sessions.begin() as session:
        pruned["used_dashboard_links"] = prune_used_links(session=session, now=now)
    return pruned
