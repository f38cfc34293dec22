"""The app's own comings and goings: uninstalled, tokens revoked, Enterprise Grid access
revoked or granted (bot/flows/uninstall.py says what each does). Events, so they run from the
queue, after the inbox has acknowledged them."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.flows.uninstall import received_at, reinstall, uninstall
from bot.payloads import workspace_of
from handlers.routing import Routes


def register(app: Routes) -> None:
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
    app.event("team_access_revoked")(team_access_revoked)
    app.event("team_access_granted")(team_access_granted)


def app_uninstalled(body: dict[str, Any], deps: Deps) -> None:
    team_id, enterprise_id = workspace_of(body)
    uninstall(
        deps,
        enterprise_id=enterprise_id,
        team_ids=[team_id],
        purge=deps.settings.data_on_uninstall == "purge",
        at=received_at(deps),
    )


def tokens_revoked(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
    tokens = event.get("tokens")
    if not isinstance(tokens, dict) or not tokens.get("bot"):
        return  # user tokens only: the bot's own token still works
    team_id, enterprise_id = workspace_of(body)
    uninstall(
        deps, enterprise_id=enterprise_id, team_ids=[team_id], purge=False, at=received_at(deps)
    )


def team_access_revoked(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
    _, enterprise_id = workspace_of(body)
    teams = [t for t in event.get("team_ids") or [] if isinstance(t, str) and t]
    if not teams:
        return  # naming no workspace, it can't mean the whole org
    uninstall(
        deps,
        enterprise_id=enterprise_id,
        team_ids=teams,
        purge=deps.settings.data_on_uninstall == "purge",
        at=received_at(deps),
    )


def team_access_granted(event: dict[str, Any], deps: Deps) -> None:
    teams = [t for t in event.get("team_ids") or [] if isinstance(t, str) and t]
    reinstall(deps, team_ids=teams)
