"""What handlers and jobs are given: built once in app.py, passed down explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.directory import MemberDirectory
from bot.router import CommandRouter, MessageHook
from bot.services.workspaces import WorkspaceDefaults


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    client: WebClient
    clock: Callable[[], datetime] = utc_now
    directory: MemberDirectory = field(default_factory=MemberDirectory)
    reciprocity: CommandRouter = field(default_factory=CommandRouter)
    message_hooks: list[MessageHook] = field(default_factory=list)

    @property
    def defaults(self) -> WorkspaceDefaults:
        return WorkspaceDefaults(
            kudos_daily_budget=self.settings.kudos_daily_budget,
            thanks_emoji=tuple(self.settings.thanks_emoji),
            kudos_values=tuple(self.settings.kudos_values),
        )
