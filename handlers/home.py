"""App Home (a personal dashboard, refreshed on opening and on a button) and `/reciprocity me`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.me import me_message
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows.home import publish_home
from bot.payloads import team_of
from bot.services.me import my_numbers
from handlers.routing import Routes

ME_DAYS = 30


def register(app: Routes) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(ids.HOME_REFRESH_ACTION)(home_refresh, queued=True)
    app.action(ids.HOME_OPEN_REQUEST_ACTION)(link_opened)


def link_opened(ack: Ack) -> None:
    """A link button (Open on a request): Slack opens the link; the press only needs its ack."""
    ack()


def home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """Only the Home tab gets a view; opening the Messages tab is left alone."""
    user_id = event.get("user")
    if event.get("tab") != "home" or not isinstance(user_id, str) or not user_id:
        return
    team_id = team_of(body) or str((event.get("view") or {}).get("team_id") or "")
    if team_id:
        publish_home(deps, client, team_id=team_id, user_id=user_id)


def home_refresh(ack: Ack, body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    user_id = (body.get("user") or {}).get("id")
    team_id = team_of(body)
    if user_id and team_id:
        publish_home(deps, client, team_id=team_id, user_id=user_id)


def me_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    if args:
        raise DomainError("`me` takes nothing after it.")
    with deps.sessions() as session:
        numbers = my_numbers(
            session=session,
            team_id=command["team_id"],
            user_id=command["user_id"],
            now=deps.clock(),
            days=ME_DAYS,
        )
    respond(response_type="ephemeral", **me_message(numbers))
