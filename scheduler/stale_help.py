"""The "stale-help" job: requests open longer than HELP_STALE_DAYS are marked stale, and their
cards say so with a Reopen button.

Each request is claimed for (request, when it was opened), so two processes never both update
it; the card is updated before the row, so a failed update is simply tried on a later tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.deps import Deps
from bot.flows.help_requests import update_card
from bot.flows.once import Once, run_once
from bot.services.help_requests import mark_stale, stale_card, stale_due

JOB = "stale-help"


def stale_help(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    stale_after = timedelta(days=deps.settings.help_stale_days)
    with deps.sessions.begin() as session:
        due = stale_due(session=session, now=now, stale_after=stale_after, channel_id=channel)
    marked = failed = 0
    for team_id, key, claim_key in due:

        def mark(team_id: str = team_id, key: str = key) -> None:
            nonlocal marked
            with deps.sessions.begin() as session:
                card = stale_card(session=session, team_id=team_id, key=key)
            if card is not None:
                update_card(deps.client_for(team_id), card)  # a deleted card is left alone
            with deps.sessions.begin() as session:
                marked += mark_stale(session=session, team_id=team_id, key=key, now=now)

        outcome = run_once(
            deps.sessions, team_id=team_id, job=JOB, key=claim_key, now=now, work=mark
        )
        failed += outcome is Once.RETRY
    summary = f"stale-help: {marked} request(s) marked stale"
    return summary + (f", {failed} to retry" if failed else "")
