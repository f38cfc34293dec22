"""The weekly share-and-solve prompt: per channel that turned it on, once per ISO week."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient

from bot.blocks.digest import share_prompt_message
from bot.deps import Deps
from bot.flows.outbox import post_once
from bot.services.share_and_solve import record_prompt
from models.rhythm import ChannelSettings
from scheduler.weekly import run_weekly


def post_prompt(
    deps: Deps, client: WebClient, row: ChannelSettings, now: datetime, period: str
) -> bool:
    _, ts = post_once(
        deps,
        client,
        team_id=row.team_id,
        key=f"share-prompt:{row.team_id}:{row.channel_id}:{period}",
        channel=row.channel_id,
        message=share_prompt_message(),
    )
    with deps.sessions.begin() as session:
        record_prompt(
            session=session,
            team_id=row.team_id,
            channel_id=row.channel_id,
            period=period,
            message_ts=ts,
            now=now,
        )
    return True


def share_and_solve_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    return run_weekly(
        deps, job="share-and-solve", kind="prompt", work=post_prompt, now=now, channel=channel
    )
