"""Channels: enrolment when the bot is added, `/reciprocity channel …`, share-and-solve replies."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
    USAGE,
    apply_change,
    describe,
    enroll_channel,
    get_channel,
    parse_channel_command,
)
from bot.services.share_and_solve import record_reply
from bot.services.workspaces import can_administer, get_workspace

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("member_joined_channel")
    def bot_joined(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        """Enrol a channel when the bot itself is added to it, and say hello."""
        if not event.get("user") or event.get("user") != context.bot_user_id:
            return
        team_id = event.get("team") or context.team_id or ""
        channel_id = event.get("channel") or ""
        if not channel_id:
            return
        with deps.sessions.begin() as session:
            row, _ = enroll_channel(
                session=session, team_id=team_id, channel_id=channel_id, now=deps.clock()
            )
            settings = describe(row)
            workspace = get_workspace(
                session=session, team_id=team_id, defaults=deps.defaults, now=deps.clock()
            )
            emoji = (workspace.thanks_emoji or ["pray"])[0]
        client.chat_postMessage(channel=channel_id, **welcome_message(settings, emoji=emoji))

    def channel_command(
        *, command: dict[str, Any], args: str, respond: Respond, client: WebClient
    ) -> None:
        team_id, channel_id = command["team_id"], command["channel_id"]
        change = parse_channel_command(args)
        if channel_id.startswith("D"):
            raise DomainError(
                "Channel settings belong to a channel: run `/reciprocity channel …` in the "
                "channel you want to see or change."
            )
        user_id = command["user_id"]
        person = deps.directory.get(client, team_id, user_id)
        with deps.sessions.begin() as session:
            workspace = get_workspace(
                session=session, team_id=team_id, defaults=deps.defaults, now=deps.clock()
            )
            allowed = person is not None and can_administer(
                workspace=workspace,
                user_id=user_id,
                is_admin=person.is_admin,
                is_owner=person.is_owner,
            )
            row = get_channel(session=session, team_id=team_id, channel_id=channel_id)
            current = describe(row) if row is not None else None
        if change is None:
            if current is None:  # never enrolled: only if the bot is really here
                if not _bot_is_in(client, channel_id):
                    respond(text=not_here_text(channel_id), response_type="ephemeral")
                    return
                with deps.sessions.begin() as session:
                    row, _ = enroll_channel(
                        session=session, team_id=team_id, channel_id=channel_id, now=deps.clock()
                    )
                    current = describe(row)
            respond(
                text=settings_text(channel_id, current, can_change=allowed),
                response_type="ephemeral",
            )
            return
        if not allowed:
            respond(text=not_allowed_text(), response_type="ephemeral")
            return
        turning_on = change.setting in ("digest", "prompt") and change.enabled
        if turning_on and not _bot_is_in(client, channel_id):
            raise DomainError(not_here_text(channel_id))
        elsewhere = change.channel_id if change.setting == "kudos" else None
        if elsewhere and elsewhere != channel_id and not _bot_is_in(client, elsewhere):
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
                now=deps.clock(),
            )
            settings = describe(row)
        respond(text=changed_text(channel_id, change.setting, settings), response_type="ephemeral")

    deps.reciprocity.add("channel", channel_command, USAGE)

    def on_thread_reply(*, event: dict[str, Any], team_id: str, client: WebClient) -> None:
        """A reply in a share-and-solve thread counts as a challenge shared or help offered."""
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

    deps.message_hooks.append(on_thread_reply)


def _bot_is_in(client: WebClient, channel_id: str) -> bool:
    """Whether the bot is a member of the channel (it can only post where it is)."""
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        if exc.response.get("error") not in ("channel_not_found", "not_in_channel"):
            raise
        return False
    return bool(info.get("is_member"))
