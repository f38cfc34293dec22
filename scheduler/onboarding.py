"""The onboarding job: on every tick, each new hire still in the programme moves on — a buddy
matched when one becomes free, the welcome and the introduction in their working hours, the
check-ins on working days 5, 10 and 20 (in their zone), and the thank-you and invitation at
the horizon. Each step is claimed (`run_once`) and recorded, so it happens once, in one
replica, and what a downtime delayed is caught up on the next tick."""

from __future__ import annotations

from datetime import datetime

from bot.deps import Deps
from bot.flows.onboarding import advance_team
from bot.services import onboarding


def onboarding_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    with deps.sessions() as session:
        teams = onboarding.teams_with_hires(session=session)
    hires = sum(advance_team(deps, team_id, now=now) for team_id in teams)
    return f"onboarding: {hires} new hire(s) in {len(teams)} workspace(s) looked at"
