"""The weekly digest job: per enrolled channel, once per ISO week, at the channel's moment."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.blocks.digest import digest_message, empty_week_message
from bot.deps import Deps
from bot.flows.outbox import post_once
from bot.services.digest import build_digest
from models.rhythm import ChannelSettings
from scheduler.weekly import run_weekly


def post_digest(
    deps: Deps, client: WebClient, row: ChannelSettings, now: datetime, period: str
) -> bool:
    with deps.sessions() as session:
        data = build_digest(
            session=session,
            team_id=row.team_id,
            channel_id=row.channel_id,
            now=now,
            leaderboard=row.leaderboard,
        )
    if data.empty and not row.empty_week_line:
        return False
    for user_id in data.unnamed:  # people not to ping, whose name only Slack knows
        person = deps.directory.get(client, row.team_id, user_id)
        data.name(user_id, person.label if person and person.label != user_id else None)
    message = empty_week_message() if data.empty else digest_message(data)
    post_once(
        deps,
        client,
        team_id=row.team_id,
        key=f"digest:{row.team_id}:{row.channel_id}:{period}",
        channel=row.channel_id,
        message=message,
    )
    return True


def digest_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    return run_weekly(deps, job="digest", kind="digest", work=post_digest, now=now, channel=channel)
