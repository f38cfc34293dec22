"""`/reciprocity admin …`: workspace settings, for Slack admins, owners and the people they list."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import admin as texts
from bot.blocks import insights as insights_texts
from bot.blocks.stories import channel_set_text
from bot.blocks.usage import unknown_word
from bot.deps import Deps
from bot.errors import DomainError
from bot.services import workspaces as ws
from bot.services.insights import access as insights
from bot.services.stories import set_story_channel
from bot.slack_api import error_of
from bot.text import CHANNEL_MENTION, USER_MENTION, from_slack
from handlers.onboarding import onboarding_admin
from models import Workspace

_PLAIN = re.compile(r"@([\w.\-]+)")
_ACTIONS = ("show", "values", "budget", "emoji", "admins", "onboarding", "stories", "insights")


def admin_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    team_id, user_id = command["team_id"], command["user_id"]
    action, _, rest = args.partition(" ")
    action = action.lower()
    if action not in _ACTIONS:
        raise DomainError(
            unknown_word(action, _ACTIONS) + " What would you like to change?"
            if action
            else "What would you like to change?"
        )
    if action == "onboarding":
        answer = onboarding_admin(deps, client, team_id, user_id, rest)
        respond(text=answer or texts.NOT_ALLOWED, response_type="ephemeral")
        return
    person = deps.directory.profile(client, team_id, user_id)
    target = mentioned_user(deps, client, team_id, rest) if action == "admins" else ""
    stories_channel = stories_channel_of(rest) if action == "stories" else None
    if action == "insights":
        target = insights_target(deps, client, team_id, rest)
    now = deps.clock()
    wanted: list[str] = []
    custom: set[str] = set()
    if action == "emoji":
        with deps.sessions.begin() as session:  # Slack is asked only for someone who may
            allowed = ws.may_administer(
                session=session, person=person, defaults=deps.defaults, now=now
            )
        if not allowed:
            respond(text=texts.NOT_ALLOWED, response_type="ephemeral")
            return
        wanted = ws.emoji_names(re.split(r"[,\s]+", from_slack(rest)))
        unknown = ws.not_standard(wanted)
        if unknown:
            custom = custom_emoji(client, unknown)
    with deps.sessions.begin() as session:
        if not ws.may_administer(session=session, person=person, defaults=deps.defaults, now=now):
            respond(text=texts.NOT_ALLOWED, response_type="ephemeral")
            return
        workspace = ws.get_workspace(
            session=session, team_id=team_id, defaults=deps.defaults, now=now
        )
        if action == "values":
            if not rest.strip():
                raise DomainError(
                    "List the values, e.g. `/reciprocity admin values ownership, craft`."
                )
            clear = rest.strip().lower() in ("clear", "none", "-")
            values = [] if clear else re.split(r"[,\s]+", rest)
            text = texts.values_text(ws.set_values(workspace=workspace, values=values))
        elif action == "budget":
            text = texts.budget_text(ws.set_budget(workspace=workspace, budget=rest))
        elif action == "emoji":
            names = ws.set_emoji(workspace=workspace, names=wanted, custom=custom)
            text = texts.emoji_text(names)
        elif action == "admins":
            verb = rest.partition(" ")[0]
            if verb == "add":
                text = texts.admin_added_text(
                    target, ws.add_admin(workspace=workspace, user_id=target)
                )
            else:
                changed = ws.remove_admin(workspace=workspace, user_id=target)
                text = texts.admin_removed_text(target, changed)
        elif action == "stories":
            row = set_story_channel(
                session=session,
                team_id=team_id,
                channel_id=stories_channel or None,
                user_id=user_id,
                now=now,
            )
            text = channel_set_text(row.channel_id if row is not None else None)
        elif action == "insights":
            text = insights_admin(session, workspace, target, rest, now)
        else:
            text = texts.settings_text(workspace)
    respond(text=text, response_type="ephemeral")


def insights_target(deps: Deps, client: WebClient, team_id: str, rest: str) -> str:
    """`insights add|remove @name`: the person; `insights min-group N`: nobody."""
    verb = rest.partition(" ")[0].lower()
    if verb in ("add", "remove"):
        return mentioned_user(deps, client, team_id, rest)
    if verb != "min-group":
        raise DomainError(INSIGHTS_HOW)
    return ""


INSIGHTS_HOW = (
    "Say `insights add @name`, `insights remove @name` or `insights min-group 5` "
    "(the smallest group insights show, 3–10)."
)


def insights_admin(
    session: Session, workspace: Workspace, target: str, rest: str, now: datetime
) -> str:
    verb, _, value = rest.partition(" ")
    team_id = workspace.team_id
    if verb.lower() == "add":
        changed = insights.list_viewer(session=session, team_id=team_id, user_id=target, now=now)
        return insights_texts.listed_text(target, changed)
    if verb.lower() == "remove":
        changed = insights.unlist_viewer(session=session, team_id=team_id, user_id=target, now=now)
        return insights_texts.unlisted_text(target, changed)
    return insights_texts.min_group_text(insights.set_min_group(workspace=workspace, value=value))


def custom_emoji(client: WebClient, wanted: list[str]) -> set[str]:
    """The workspace's custom emoji names (`emoji.list`, which needs the `emoji:read` scope);
    without the scope, a DomainError naming the `wanted` names it couldn't check."""
    try:
        answer = client.emoji_list()
    except SlackApiError as exc:
        if error_of(exc) in ("missing_scope", "not_allowed_token_type"):
            raise DomainError(texts.no_custom_emoji_text(wanted)) from None
        raise
    return {str(name) for name in (answer.get("emoji") or {})}


def stories_channel_of(rest: str) -> str:
    """`stories #channel` → the channel's id; `stories off` → ""."""
    if rest.strip().lower() in ("off", "none", "clear"):
        return ""
    found = CHANNEL_MENTION.search(rest)
    if found is None:
        raise DomainError(
            "Name the channel, e.g. `/reciprocity admin stories #general` (or `stories off`)."
        )
    return found.group(1)


def mentioned_user(deps: Deps, client: WebClient, team_id: str, rest: str) -> str:
    """`add|remove @name`: the person's id, or a DomainError saying how to write it."""
    verb, _, who = rest.partition(" ")
    if verb not in ("add", "remove"):
        raise DomainError("Say `admins add @name` or `admins remove @name`.")
    plain = from_slack(who)
    found = USER_MENTION.search(plain)
    if found:
        return found.group(1)
    name = _PLAIN.search(plain)
    person = deps.directory.find_by_name(client, team_id, name.group(1)) if name else None
    if person is None:
        raise DomainError("Mention the person, e.g. `/reciprocity admin admins add @maria`.")
    return person.id
