"""The weekly digest job: per enrolled channel, once per ISO week, at the channel's moment."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.digest import digest_message, empty_week_message
from bot.deps import Deps
from bot.flows.outbox import post_once
from bot.services.digest import build_digest
from bot.slack_api import channel_members, gives_up
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
    if any(section.key == "mentoring" for section in data.sections):
        data.keep_mentoring_among(set(channel_members(client, row.channel_id)))
    if data.empty and not row.empty_week_line:
        return False
    for section in data.sections:
        for thanked in section.thanked:
            text = message_text(client, row.channel_id, thanked.message_ts)
            if text:
                data.message_texts[thanked.message_ts] = text
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


def message_text(client: WebClient, channel_id: str, ts: str) -> str | None:
    """The text of a person's message, as Slack has it, or None where the bot can't read it."""
    try:
        found = client.conversations_history(
            channel=channel_id, latest=ts, oldest=ts, inclusive=True, limit=1
        )
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        return None
    for message in found.get("messages") or []:
        if message.get("ts") == ts and isinstance(message.get("text"), str):
            return str(message["text"])
    return None


def digest_job(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    return run_weekly(deps, job="digest", kind="digest", work=post_digest, now=now, channel=channel)
