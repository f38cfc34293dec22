"""`/reciprocity settings`, `pause` and `resume`: your own boundaries, seen by nobody else."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.settings import (
    SettingsView,
    parse_form,
    paused_message,
    resumed_message,
    saved_modal,
    settings_modal,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.payloads import private_metadata, team_of
from bot.services import settings as mine
from handlers.routing import Routes


def register(app: Routes) -> None:
    app.action(ids.SETTINGS_OPEN_ACTION)(settings_button)
    app.view(ids.SETTINGS_MODAL)(settings_submitted)


def open_settings(
    deps: Deps, client: WebClient, team_id: str, user_id: str, trigger_id: str
) -> None:
    me = deps.directory.profile(client, team_id, user_id)
    with deps.sessions() as session:
        current = mine.my_settings(session=session, team_id=team_id, user_id=user_id)
    view = SettingsView(
        prefs=current.prefs,
        profile_tz=me.tz or "UTC",
        department=current.department,
        topics=current.topics,
        now=deps.clock(),
    )
    client.views_open(
        trigger_id=trigger_id,
        # The profile's zone rides along, so the answer to the form needs no network.
        view=settings_modal(
            view, private_metadata=json.dumps({"team_id": team_id, "profile_tz": view.profile_tz})
        ),
    )


def settings_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    if args:
        raise DomainError("`settings` takes no words after it; it opens a form.")
    open_settings(deps, client, command["team_id"], command["user_id"], command["trigger_id"])


def pause_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    team_id, user_id = command["team_id"], command["user_id"]
    me = deps.directory.profile(client, team_id, user_id)
    with deps.sessions.begin() as session:
        until, tz_name = mine.pause(
            session=session,
            team_id=team_id,
            user_id=user_id,
            text=args,
            profile_tz=me.tz,
            now=deps.clock(),
        )
    respond(**paused_message(until, tz_name))


def resume_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    with deps.sessions.begin() as session:
        was_paused = mine.resume(
            session=session,
            team_id=command["team_id"],
            user_id=command["user_id"],
            now=deps.clock(),
        )
    respond(**resumed_message(was_paused))


def settings_button(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    open_settings(deps, client, team_of(body), body["user"]["id"], body["trigger_id"])


def settings_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    form, errors = parse_form((view.get("state") or {}).get("values") or {})
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    team_id, user_id = team_of(body), body["user"]["id"]
    me = deps.directory.stored(team_id, user_id)
    profile_tz = str(private_metadata(view).get("profile_tz") or me.tz or "UTC")
    with deps.sessions.begin() as session:
        saved = mine.save_settings(session=session, person=me, form=form, now=deps.clock())
    ack(
        response_action="update",
        view=saved_modal(saved.prefs, profile_tz, saved.department, saved.topics),
    )
