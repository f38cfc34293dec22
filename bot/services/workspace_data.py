"""A workspace's life with the app: uninstalled (its scheduled work stops), installed again,
and its records kept for a reinstall or purged (`DATA_ON_UNINSTALL=keep|purge`).

The rule for "uninstalled", explicit:

- `workspaces.uninstalled_at` is set when Slack says the app is gone from the workspace:
  `app_uninstalled`, `tokens_revoked` naming a bot token, or (Enterprise Grid)
  `team_access_revoked` naming the workspace. It is the moment the event was *received*
  (its queue row's `enqueued_at`), so the order of receipt decides, not the order the
  worker happens to run things in.
- While it is set, no scheduled work runs for the workspace: every due check reads its work
  through `installed(...)` (the digest, the share-and-solve prompt, stale help, pairing,
  reminders and the waiting nudges).
- It is cleared by a reinstall: any other request from the workspace *received after* it
  (the queue's worker clears it as it finishes that request: `reinstalled_by_request`), a
  Grid `team_access_granted` naming it, or an OAuth install storing a new token
  (`mark_installed`, for the install callback to call).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.services.workspaces import WorkspaceDefaults, get_workspace
from models import Base, Workspace

UNINSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked", "team_access_revoked"})
"""Events that say the app is gone: never evidence of a reinstall themselves."""


def installed(team_id: InstrumentedAttribute[str] | ColumnElement[str]) -> ColumnElement[bool]:
    """SQL for "this row's workspace has the app installed": a due check's filter."""
    gone = select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))
    return team_id.not_in(gone)


def is_installed(*, session: Session, team_id: str) -> bool:
    found = session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team_id))
    return found is None


def workspaces_named(
    *, session: Session, team_ids: Iterable[str], enterprise_id: str | None
) -> list[str]:
    """The workspaces an uninstall is about: those it names, or, naming none (an org-wide
    install removed from its Enterprise Grid org), every workspace of that org."""
    named = sorted({t for t in team_ids if t})
    if named or not enterprise_id:
        return named
    return sorted(
        session.scalars(select(Workspace.team_id).where(Workspace.enterprise_id == enterprise_id))
    )


def mark_uninstalled(
    *, session: Session, team_ids: Iterable[str], at: datetime, defaults: WorkspaceDefaults
) -> int:
    """Stop the workspaces' scheduled work from `at` (a later uninstall moves it on, an
    earlier one leaves it); how many workspace rows say so now. A workspace with records but
    no row of its own yet gets one, so that the uninstall is remembered."""
    teams = sorted(set(team_ids))
    if not teams:
        return 0
    for team_id in teams:
        get_workspace(session=session, team_id=team_id, defaults=defaults, now=at)
    session.flush()
    result = session.execute(
        update(Workspace)
        .where(
            Workspace.team_id.in_(teams),
            or_(Workspace.uninstalled_at.is_(None), Workspace.uninstalled_at < at),
        )
        .values(uninstalled_at=at),
        execution_options={"synchronize_session": False},
    )
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


def mark_installed(*, session: Session, team_ids: Iterable[str]) -> int:
    """The app is installed again (a new token, Grid access granted): their work resumes."""
    teams = sorted(set(team_ids))
    if not teams:
        return 0
    result = session.execute(
        update(Workspace)
        .where(Workspace.team_id.in_(teams), Workspace.uninstalled_at.is_not(None))
        .values(uninstalled_at=None),
        execution_options={"synchronize_session": False},
    )
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


_WORKSPACES = cast(Table, Workspace.__table__)
_REINSTALLED = (  # built once: it runs with every queued request
    update(_WORKSPACES)
    .where(
        _WORKSPACES.c.team_id == bindparam("p_team"),
        _WORKSPACES.c.uninstalled_at.is_not(None),
        _WORKSPACES.c.uninstalled_at
        < bindparam("p_received", type_=_WORKSPACES.c.uninstalled_at.type),
    )
    .values(uninstalled_at=None)
)


def reinstalled_by_request(
    *, session: Session, team_id: str, kind: str, received_at: datetime
) -> bool:
    """A request from the workspace received after its uninstall means it is installed again
    (Slack sends nothing for a workspace the app is not in). One UPDATE, in the transaction
    that finishes the request's queue row; it changes nothing in the usual case."""
    if not team_id or kind in UNINSTALL_EVENTS:
        return False
    result = session.execute(_REINSTALLED, {"p_team": team_id, "p_received": received_at})
    return bool(result.rowcount)  # type: ignore[attr-defined]


def workspace_tables() -> list[Table]:
    """Every table whose rows belong to a workspace (it has a `team_id`), children before
    their parents: found in the models' metadata, so a table added later is never missed."""
    return [t for t in reversed(Base.metadata.sorted_tables) if "team_id" in t.c]


def purge_workspace(*, session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace, in every table, in the caller's transaction (all of
    it or nothing); table name → rows deleted. Other workspaces' rows are never touched."""
    if not team_id:
        raise ValueError("purge_workspace needs a team id")
    deleted: dict[str, int] = {}
    for table in workspace_tables():
        result = session.execute(delete(table).where(table.c.team_id == team_id))
        if result.rowcount:  # type: ignore[attr-defined]
            deleted[table.name] = result.rowcount  # type: ignore[attr-defined]
    session.expire_all()
    return deleted


def record_enterprise(
    *,
    session: Session,
    team_id: str,
    enterprise_id: str,
    defaults: WorkspaceDefaults,
    now: datetime,
) -> int:
    """The workspace belongs to this Enterprise Grid org: say so on its row (made now if this
    is its first contact), and on every row of it that does not say so yet (those written
    before it was known); rows changed. From then on each insert reads it from there, so a
    workspace row that says so already means every row of it does: nothing to do."""
    workspace = get_workspace(session=session, team_id=team_id, defaults=defaults, now=now)
    if workspace.enterprise_id == enterprise_id:
        return 0
    session.flush()
    changed = 0
    for table in workspace_tables():
        if "enterprise_id" not in table.c:
            continue
        result = session.execute(
            update(table)
            .where(
                table.c.team_id == team_id, table.c.enterprise_id.is_distinct_from(enterprise_id)
            )
            .values(enterprise_id=enterprise_id)
        )
        changed += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    session.expire_all()
    return changed
