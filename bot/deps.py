"""What handlers, flows and jobs are given: built once in app.py, passed down explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.directory import MemberDirectory
from bot.installs import Installs
from bot.services.workspaces import WorkspaceDefaults


def utc_now() -> datetime:
    return datetime.now(UTC)


def workspace_defaults(settings: Settings) -> WorkspaceDefaults:
    """What a new workspace starts with; its admins change them in Slack."""
    return WorkspaceDefaults(
        kudos_daily_budget=settings.kudos_daily_budget,
        thanks_emoji=tuple(settings.thanks_emoji),
        kudos_values=tuple(settings.kudos_values),
    )


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    client: WebClient
    clock: Callable[[], datetime]
    directory: MemberDirectory
    installs: Installs | None = None
    """OAuth mode (many workspaces): the installations and their tokens; None with one
    SLACK_BOT_TOKEN."""

    @property
    def defaults(self) -> WorkspaceDefaults:
        return workspace_defaults(self.settings)

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client that acts in this workspace (jobs have no request to take it from):
        with one SLACK_BOT_TOKEN the one client, in OAuth mode one with the workspace's token."""
        if self.installs is None:
            return self.client
        return self.installs.client_for(team_id)

    def forget_tokens(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Every stored token of this workspace gone (uninstalled, tokens revoked): nulled in
        both slack_installations and slack_bots, and out of this process's authorize cache.
        Nothing to do with one SLACK_BOT_TOKEN."""
        if self.installs is not None:
            self.installs.forget(enterprise_id, team_id)

    def __deepcopy__(self, memo: dict[int, object]) -> Deps:
        """Shared, never copied: Bolt deep-copies a request's context for lazy listeners."""
        return self
