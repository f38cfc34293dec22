"""What handlers, flows and jobs are given: built once in app.py, passed down explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


def no_tokens_to_forget(enterprise_id: str | None, team_id: str | None) -> None:
    """Single-workspace mode: the one token lives in the settings, not in the database."""


ForgetTokens = Callable[[str | None, str | None], None]
"""`forget_tokens(enterprise_id, team_id)`: delete or null every stored token of that
workspace (or, with team_id None, of that org-wide install) and drop its cached
authorization; the uninstall handlers call it."""


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
    forget_tokens: ForgetTokens = no_tokens_to_forget
    """Every stored token of a workspace gone (uninstalled, tokens revoked): in OAuth mode
    `installs.forget` (nulled in slack_installations and slack_bots, out of this process's
    authorize cache); nothing to do with one SLACK_BOT_TOKEN."""
    # Workspace → the Enterprise Grid org this process has seen recorded for it.
    enterprises_recorded: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.installs is not None and self.forget_tokens is no_tokens_to_forget:
            self.forget_tokens = self.installs.forget

    @property
    def defaults(self) -> WorkspaceDefaults:
        return workspace_defaults(self.settings)

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client that acts in this workspace (jobs have no request to take it from):
        with one SLACK_BOT_TOKEN the one client, in OAuth mode one with the workspace's token."""
        if self.installs is None:
            return self.client
        return self.installs.client_for(team_id)

    def __deepcopy__(self, memo: dict[int, object]) -> Deps:
        """Shared, never copied: Bolt deep-copies a request's context for lazy listeners."""
        return self
