"""`/reciprocity admin …`: workspace settings, for Slack admins, owners and the people they list."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import DomainError
from bot.services import workspaces as ws
from bot.text import USER_MENTION, from_slack

USAGE = (
    "`/reciprocity admin show` · `values <a, b, …>|clear` · `budget <n>` · `emoji <e …>` · "
    "`admins add|remove @name` — workspace settings (admins)"
)
_PLAIN = re.compile(r"@([\w.\-]+)")


def register(app: App, deps: Deps) -> None:
    def resolve_user(client: WebClient, team_id: str, text: str) -> str:
        plain = from_slack(text)
        found = USER_MENTION.search(plain)
        if found:
            return found.group(1)
        name = _PLAIN.search(plain)
        person = deps.directory.find_by_name(client, team_id, name.group(1)) if name else None
        if person is None:
            raise DomainError("Mention the person, e.g. `/reciprocity admin admins add @maria`.")
        return person.id

    def admin(command: dict[str, Any], args: str, respond: Respond, client: WebClient) -> None:
        team_id, user_id = command["team_id"], command["user_id"]
        action, _, rest = args.partition(" ")
        action = action.lower()
        if action not in ("show", "values", "budget", "emoji", "admins"):
            raise DomainError("What would you like to change?")
        person = deps.directory.get(client, team_id, user_id)
        with deps.sessions.begin() as session:
            workspace = ws.get_workspace(
                session=session, team_id=team_id, defaults=deps.defaults, now=deps.clock()
            )
            allowed = ws.can_administer(
                workspace=workspace,
                user_id=user_id,
                is_admin=bool(person and person.is_admin),
                is_owner=bool(person and person.is_owner),
            )
            if not allowed:
                respond(
                    text="Only workspace admins and owners, and the people they list, can see or "
                    "change Reciprocity's workspace settings.",
                    response_type="ephemeral",
                )
                return
            if action == "values":
                values = (
                    []
                    if rest.strip().lower() in ("clear", "none", "-")
                    else re.split(r"[,\s]+", rest)
                )
                if not rest.strip():
                    raise DomainError(
                        "List the values, e.g. `/reciprocity admin values ownership, craft`."
                    )
                done = ws.set_values(workspace=workspace, values=values)
                text = (
                    ("Kudos values are now " + ", ".join(f"`#{v}`" for v in done) + ".")
                    if done
                    else ("Values cleared: any `#word` can tag a kudos.")
                )
            elif action == "budget":
                budget = ws.set_budget(workspace=workspace, budget=rest)
                text = f"Everyone can now give {budget} kudos a day."
            elif action == "emoji":
                names = ws.set_emoji(workspace=workspace, names=re.split(r"[,\s]+", rest))
                text = "Thanks emoji are now " + " ".join(f":{n}:" for n in names) + "."
            elif action == "admins":
                verb, _, who = rest.partition(" ")
                if verb not in ("add", "remove"):
                    raise DomainError("Say `admins add @name` or `admins remove @name`.")
                target = resolve_user(client, team_id, who)
                if verb == "add":
                    changed = ws.add_admin(workspace=workspace, user_id=target)
                    text = (
                        f"<@{target}> can now change Reciprocity's settings."
                        if changed
                        else (f"<@{target}> could already change settings.")
                    )
                else:
                    changed = ws.remove_admin(workspace=workspace, user_id=target)
                    text = (
                        f"<@{target}> is no longer on the list."
                        if changed
                        else (f"<@{target}> wasn't on the list.")
                    )
            else:
                text = _show(workspace)
        respond(text=text, response_type="ephemeral")

    deps.reciprocity.add("admin", admin, USAGE)


def _show(workspace: Any) -> str:
    values = ", ".join(f"`#{v}`" for v in workspace.kudos_values) or "any `#word`"
    admins = (
        ", ".join(f"<@{u}>" for u in workspace.admin_user_ids) or "only Slack admins and owners"
    )
    return "\n".join(
        [
            "*Reciprocity settings for this workspace*",
            f"• Daily kudos budget: {workspace.kudos_daily_budget} per person",
            f"• Kudos values: {values}",
            "• Thanks emoji: " + " ".join(f":{e}:" for e in workspace.thanks_emoji),
            f"• Can change settings: {admins}",
        ]
    )
