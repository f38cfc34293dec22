"""Weekly per-channel work (the digest, the share-and-solve prompt) as a due check.

For each enrolled channel: is this week's moment past (in the channel's time zone)? Then
claim `(job, team:channel:ISO-week)`, do the work, and mark the claim done; if Slack fails,
release the claim so the next tick tries again (bot/flows/once.py). A channel the bot can no
longer post in is skipped for the week. One channel's failure never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient

from bot.deps import Deps
from bot.flows.once import Once, run_once
from bot.services.channels import channel_schedule, enrolled_channels
from bot.services.due import due_now
from models.rhythm import ChannelSettings

log = logging.getLogger(__name__)

Work = Callable[[Deps, WebClient, ChannelSettings, datetime, str], bool]
"""Does one channel's work for a period; True if it posted something."""


def run_weekly(
    deps: Deps, *, job: str, kind: str, work: Work, now: datetime, channel: str | None
) -> str:
    with deps.sessions() as session:
        rows = enrolled_channels(session=session, kind=kind, channel_id=channel)
    if channel is not None and not rows:
        return f"{job}: <#{channel}> is not enrolled (add the bot to it first)"
    posted = quiet = failed = 0
    for row in rows:
        since = row.digest_since if kind == "digest" else row.prompt_since
        due = due_now(now, channel_schedule(row, kind), active_since=since)
        if not due.due and channel is None:
            continue
        did_post = False

        def do(row: ChannelSettings = row, period: str = due.period) -> None:
            nonlocal did_post
            did_post = work(deps, deps.client_for(row.team_id), row, now, period)

        try:
            outcome = run_once(
                deps.sessions,
                team_id=row.team_id,
                job=job,
                key=f"{row.team_id}:{row.channel_id}:{due.period}",
                now=now,
                work=do,
            )
        except Exception:  # isolate: one channel's failure must not stop the others
            log.exception("%s for %s failed; will retry", job, row.channel_id)
            failed += 1
            continue
        if outcome is Once.RETRY:
            failed += 1
        elif outcome is Once.DONE:
            posted += did_post
            quiet += not did_post
    return f"{job}: {posted} posted, {quiet} quiet, {failed} to retry"
