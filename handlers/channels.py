"""Channels: enrolment when the bot is added, `/reciprocity channel …`, share-and-solve replies."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.channels import (
    changed_text,
    not_allowed_text,
    not_here_text,
    settings_text,
    welcome_message,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.services.channels import (
    apply_change,
    describe,
    enroll_channel,
    get_channel,
    parse_channel_command,
)
from bot.services.share_and_solve import record_reply
from bot.services.workspaces import get_workspace, may_administer
from bot.slack_api import bot_is_in, is_direct_message
from handlers.routing import Routes


def register(app: Routes) -> None:
    app.event("member_joined_channel")(bot_joined)


def bot_joined(event: dict[str, Any], context: BoltContext, client: WebClient, deps: Deps) -> None:
    """Enrol a channel when the bot itself is added to it, and say hello."""
    if not event.get("user") or event.get("user") != context.bot_user_id:
        return
    team_id = event.get("team") or context.team_id or ""
    channel_id = event.get("channel") or ""
    if not channel_id:
        return
    now = deps.clock()
    with deps.sessions.begin() as session:
        row, _ = enroll_channel(session=session, team_id=team_id, channel_id=channel_id, now=now)
        settings = describe(row)
        workspace = get_workspace(session=session, team_id=team_id, defaults=deps.defaults, now=now)
        emoji = list(workspace.thanks_emoji or ["pray"])
    client.chat_postMessage(channel=channel_id, **welcome_message(settings, emoji=emoji))


def channel_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    team_id, channel_id, user_id = command["team_id"], command["channel_id"], command["user_id"]
    change = parse_channel_command(args)
    if is_direct_message(channel_id):
        raise DomainError(
            "Channel settings belong to a channel: run `/reciprocity channel …` in the "
            "channel you want to see or change."
        )
    person = deps.directory.profile(client, team_id, user_id)
    now = deps.clock()
    with deps.sessions.begin() as session:
        allowed = may_administer(session=session, person=person, defaults=deps.defaults, now=now)
        row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
        current = describe(row) if row is not None else None
    if change is None:
        if current is None:  # never enrolled: only if the bot is really here
            if not bot_is_in(client, channel_id):
                respond(text=not_here_text(channel_id), response_type="ephemeral")
                return
            with deps.sessions.begin() as session:
                row, _ = enroll_channel(
                    session=session, team_id=team_id, channel_id=channel_id, now=now
                )
                current = describe(row)
        respond(
            text=settings_text(channel_id, current, can_change=allowed), response_type="ephemeral"
        )
        return
    if not allowed:
        respond(text=not_allowed_text(), response_type="ephemeral")
        return
    turning_on = change.setting in ("digest", "prompt") and change.enabled
    if turning_on and not bot_is_in(client, channel_id):
        raise DomainError(not_here_text(channel_id))
    elsewhere = change.channel_id if change.setting == "kudos" else None
    if elsewhere and elsewhere != channel_id and not bot_is_in(client, elsewhere):
        raise DomainError(
            f"I'm not in <#{elsewhere}> yet, so I couldn't post kudos there. "
            "Invite me there first (`/invite @Reciprocity`), then try again."
        )
    with deps.sessions.begin() as session:
        row = apply_change(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            change=change,
            user_id=user_id,
            now=now,
        )
        settings = describe(row)
    respond(text=changed_text(channel_id, change.setting, settings), response_type="ephemeral")


def on_share_reply(deps: Deps, client: WebClient, team_id: str, event: dict[str, Any]) -> None:
    """A message hook: a reply in a share-and-solve thread is a challenge shared or help given."""
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if not thread_ts or not ts or thread_ts == ts or not event.get("channel"):
        return
    with deps.sessions.begin() as session:
        record_reply(
            session=session,
            team_id=team_id,
            channel_id=event["channel"],
            thread_ts=thread_ts,
            user_id=event["user"],
            message_ts=ts,
            text=event.get("text") or "",
            now=deps.clock(),
        )
