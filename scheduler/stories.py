"""The monthly stories post: per workspace that chose a channel, once per month, on the first
working day at 10:00 in the channel's time zone (UTC unless the channel set one), caught up
within the month after downtime. A month with no agreed stories posts nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.deps import Deps
from bot.flows.once import Once, run_once
from bot.flows.stories import post_month
from bot.services.stories import MonthDue, expire_pending, month_due, story_channels
from models.rhythm import ChannelSettings

log = logging.getLogger(__name__)


def stories_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    with deps.sessions.begin() as session:
        expire_pending(session=session, now=now)  # idempotent: two schedulers may both run it
    with deps.sessions() as session:
        rows = [
            (row.team_id, row.channel_id, row.set_at)
            for row in story_channels(session=session, channel_id=channel)
        ]
        zones = {
            (team_id, channel_id): (
                getattr(session.get(ChannelSettings, (team_id, channel_id)), "tz", None) or "UTC"
            )
            for team_id, channel_id, _ in rows
        }
    if channel is not None and not rows:
        return f"stories: <#{channel}> is not the stories channel of any workspace"
    posted = quiet = failed = 0
    for team_id, channel_id, set_at in rows:
        due = month_due(now, zones[(team_id, channel_id)], active_since=set_at)
        if not due.due and channel is None:
            continue
        did_post = False

        def do(team_id: str = team_id, channel_id: str = channel_id, due: MonthDue = due) -> None:
            nonlocal did_post
            client = deps.client_for(team_id)
            did_post = post_month(deps, client, team_id=team_id, channel_id=channel_id, due=due)

        try:
            outcome = run_once(
                deps.sessions,
                team_id=team_id,
                job="stories",
                key=f"{team_id}:{channel_id}:{due.period}",
                now=now,
                work=do,
            )
        except Exception:  # isolate: one workspace's failure must not stop the others
            log.exception("stories for %s failed; will retry", channel_id)
            failed += 1
            continue
        if outcome is Once.RETRY:
            failed += 1
        elif outcome is Once.DONE:
            posted += did_post
            quiet += not did_post
    return f"stories: {posted} posted, {quiet} quiet, {failed} to retry"
