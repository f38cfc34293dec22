"""Weekly per-channel work (the digest, the share-and-solve prompt) as a due check.

For each enrolled channel: is this week's moment past (in the channel's time zone)? Then
claim `(job, team:channel:ISO-week)`, do the work, and mark the claim done; if Slack or the
database fails, release the claim so the next tick tries again. One channel's failure never
stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services.channels import channel_schedule, enrolled_channels
from bot.services.claims import claim, complete, release
from bot.services.due import due_now
from models.rhythm import ChannelSettings

log = logging.getLogger(__name__)

# Slack answers that retrying cannot fix: the bot was removed, the channel archived or gone.
PERMANENT = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}

Work = Callable[[Deps, ChannelSettings, datetime, str], bool]
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
        key = f"{row.team_id}:{row.channel_id}:{due.period}"
        if not claim(sessions=deps.sessions, team_id=row.team_id, job=job, key=key, now=now):
            continue
        try:
            did_post = work(deps, row, now, due.period)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in PERMANENT:
                log.info(
                    "%s: cannot post in %s (%s); skipping this week", job, row.channel_id, error
                )
                complete(sessions=deps.sessions, job=job, key=key, now=now)
                continue
            log.warning("%s for %s failed (%s); will retry", job, row.channel_id, error)
            release(sessions=deps.sessions, job=job, key=key)
            failed += 1
            continue
        except Exception:  # isolate: one channel's failure must not stop the others
            log.exception("%s for %s failed; will retry", job, row.channel_id)
            release(sessions=deps.sessions, job=job, key=key)
            failed += 1
            continue
        complete(sessions=deps.sessions, job=job, key=key, now=now)
        if did_post:
            posted += 1
        else:
            quiet += 1
    return f"{job}: {posted} posted, {quiet} quiet, {failed} to retry"
