"""Workspace settings: created from the configured defaults on first contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Workspace


@dataclass(frozen=True)
class WorkspaceDefaults:
    kudos_daily_budget: int = 5
    thanks_emoji: tuple[str, ...] = ("pray", "raised_hands", "clap", "heart")
    kudos_values: tuple[str, ...] = field(default_factory=tuple)


def get_workspace(
    *, session: Session, team_id: str, defaults: WorkspaceDefaults, now: datetime
) -> Workspace:
    """The workspace row, created from the defaults if this is its first event."""
    workspace = session.get(Workspace, team_id)
    if workspace is not None:
        return workspace
    workspace = Workspace(
        team_id=team_id,
        kudos_daily_budget=defaults.kudos_daily_budget,
        thanks_emoji=list(defaults.thanks_emoji),
        kudos_values=list(defaults.kudos_values),
        admin_user_ids=[],
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(workspace)
    except IntegrityError:
        existing = session.get(Workspace, team_id)
        assert existing is not None
        return existing
    return workspace


def can_administer(*, workspace: Workspace, user_id: str, is_admin: bool, is_owner: bool) -> bool:
    """Slack admins and owners, and the people they listed, may change settings."""
    return is_admin or is_owner or user_id in (workspace.admin_user_ids or [])
