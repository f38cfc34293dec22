"""purge_workspace deletes every row of one workspace in every table with a `team_id` (found
in the models' metadata, so a table added later is covered without touching the purge), and
nothing of another workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Float, Integer, Numeric, String, Table, Text, func, select
from sqlalchemy.orm import Session

from bot.services.workspace_data import (
    installed,
    is_installed,
    mark_installed,
    mark_uninstalled,
    purge_workspace,
    reinstalled_by_request,
    workspace_tables,
    workspaces_named,
)
from bot.services.workspaces import WorkspaceDefaults
from models import Base, Workspace

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
GONE, STAYS = "TGONE", "TSTAYS"
DEFAULTS = WorkspaceDefaults()


def _value(table: Table, column: Any, team: str, number: int) -> Any:
    """Something the column accepts, different for each workspace."""
    if column.name == "team_id":
        return team
    if column.foreign_keys or (column.primary_key and isinstance(column.type, Integer)):
        return number  # every table's row `number` belongs to the same workspace
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer | Float | Numeric):
        return number
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 40
        return f"{team}{number}{column.name}"[:length]
    return NOW  # the timestamps (UTCDateTime)


def fill_every_table(session: Session, team: str, number: int) -> None:
    """One row in every table with a team_id (parents first, so foreign keys hold)."""
    for table in Base.metadata.sorted_tables:
        if "team_id" not in table.c:
            continue
        row = {
            c.name: _value(table, c, team, number)
            for c in table.columns
            if not c.nullable or c.foreign_keys or c.name == "team_id"
        }
        session.execute(table.insert().values(**row))


def rows_of(session: Session, team: str) -> dict[str, int]:
    return {
        table.name: session.scalar(
            select(func.count()).select_from(table).where(table.c.team_id == team)
        )
        or 0
        for table in workspace_tables()
    }


def test_every_table_with_a_team_id_is_purged_and_the_other_workspace_keeps_all_its_rows(
    session: Session,
) -> None:
    with_team = {t.name for t in Base.metadata.sorted_tables if "team_id" in t.c}
    assert {t.name for t in workspace_tables()} == with_team
    assert {"workspaces", "members", "kudos", "work_items", "feedback"} <= with_team
    fill_every_table(session, GONE, 1)
    fill_every_table(session, STAYS, 2)
    assert set(rows_of(session, GONE).values()) == {1}  # a row in every one of them

    deleted = purge_workspace(session=session, team_id=GONE)

    assert deleted == dict.fromkeys(with_team, 1)
    assert set(rows_of(session, GONE).values()) == {0}
    assert rows_of(session, STAYS) == dict.fromkeys(with_team, 1)


def test_a_purge_is_the_callers_transaction_all_or_nothing(session: Session) -> None:
    fill_every_table(session, GONE, 1)
    savepoint = session.begin_nested()
    purge_workspace(session=session, team_id=GONE)
    savepoint.rollback()
    assert set(rows_of(session, GONE).values()) == {1}


def test_a_purge_needs_a_team() -> None:
    with pytest.raises(ValueError):
        purge_workspace(session=None, team_id="")  # type: ignore[arg-type]


def _workspace(session: Session, team: str, enterprise: str | None = None) -> None:
    session.add(
        Workspace(
            team_id=team,
            enterprise_id=enterprise,
            kudos_daily_budget=5,
            thanks_emoji=["pray"],
            kudos_values=[],
            admin_user_ids=[],
            created_at=NOW,
        )
    )
    session.flush()


def _installed(session: Session) -> set[str]:
    return set(session.scalars(select(Workspace.team_id).where(installed(Workspace.team_id))))


def test_uninstalled_until_a_request_received_after_it(session: Session) -> None:
    _workspace(session, GONE)
    _workspace(session, STAYS)
    later = NOW.replace(hour=14)
    assert mark_uninstalled(session=session, team_ids=[GONE], at=later, defaults=DEFAULTS) == 1
    assert _installed(session) == {STAYS}

    # Received before the uninstall (run late from the queue), or the uninstall itself: no.
    assert not reinstalled_by_request(
        session=session, team_id=GONE, kind="reaction_added", received_at=NOW
    )
    assert not reinstalled_by_request(
        session=session, team_id=GONE, kind="app_uninstalled", received_at=later.replace(hour=15)
    )
    assert _installed(session) == {STAYS}
    # Anything else received after it: installed again.
    assert reinstalled_by_request(
        session=session, team_id=GONE, kind="command /kudos", received_at=later.replace(hour=15)
    )
    assert _installed(session) == {GONE, STAYS}


def test_an_earlier_uninstall_never_moves_the_moment_back_and_a_grant_clears_it(
    session: Session,
) -> None:
    _workspace(session, GONE)
    later = NOW.replace(hour=14)
    mark_uninstalled(session=session, team_ids=[GONE], at=later, defaults=DEFAULTS)
    assert mark_uninstalled(session=session, team_ids=[GONE], at=NOW, defaults=DEFAULTS) == 0
    session.expire_all()
    assert session.get(Workspace, GONE).uninstalled_at == later  # type: ignore[union-attr]
    assert mark_installed(session=session, team_ids=[GONE]) == 1
    assert _installed(session) == {GONE}


def test_an_uninstall_of_a_workspace_with_no_row_yet_is_remembered(session: Session) -> None:
    assert mark_uninstalled(session=session, team_ids=[GONE], at=NOW, defaults=DEFAULTS) == 1
    assert not is_installed(session=session, team_id=GONE)
    assert is_installed(session=session, team_id=STAYS)


def test_an_org_wide_uninstall_names_every_workspace_of_the_org(session: Session) -> None:
    _workspace(session, "TGRID1", "EORG")
    _workspace(session, "TGRID2", "EORG")
    _workspace(session, "TOTHER", "EOTHER")
    _workspace(session, STAYS)
    assert workspaces_named(session=session, team_ids=[], enterprise_id="EORG") == [
        "TGRID1",
        "TGRID2",
    ]
    assert workspaces_named(session=session, team_ids=["TGRID2"], enterprise_id="EORG") == [
        "TGRID2"
    ]
    assert workspaces_named(session=session, team_ids=[""], enterprise_id=None) == []
