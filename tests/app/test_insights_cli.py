"""`app.py insights` and `app.py departments import` as an operator runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select

from models import Member
from tests.cli import run_app
from tests.services.insights_data import EXPECTED, PEOPLE, TEAM, build

AT = "2026-11-25T13:00:00Z"


def ids_in(text: str) -> list[str]:
    return [uid for uid in [*PEOPLE, "UBOTTY", "UGONE"] if uid in text]


def test_insights_prints_the_table_and_writes_the_three_files(
    sessions, database_url, tmp_path: Path
) -> None:
    with sessions.begin() as session:
        build(session)
    out = tmp_path / "report"
    result = run_app(
        "insights",
        "--weeks",
        "4",
        "--at",
        AT,
        "--out",
        str(out),
        env={"DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    assert "Participation" in result.stdout and "57.1%" in result.stdout
    assert "wall-clock" in result.stdout and "folded" in result.stdout
    data = json.loads((out / "insights.json").read_text())
    assert {h["key"]: (h["value"], h["previous"]) for h in data["headline"]} == {
        k: (v, p) for k, (v, p) in EXPECTED.items()
    }
    first = data["headline"][0]
    assert set(first) == {"key", "label", "unit", "meaning", "value", "previous"}
    assert first["label"] == "Participation" and first["unit"] == "%"
    assert data["active_members"] == 14 and data["period"]["start"] == "2026-11-02"
    assert [d["name"] for d in data["departments"]] == ["eng", "other"]
    assert data["help_matrix"] == {"departments": ["eng", "other"], "cells": [[0, 2], [0, 0]]}
    assert len(data["weekly"]) == 4
    rows = list(csv.DictReader(io.StringIO((out / "weekly.csv").read_text())))
    assert [r["week"] for r in rows] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert [r["help_opened"] for r in rows] == ["0", "2", "0", "1"]
    assert (out / "trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    everything = (
        result.stdout + (out / "insights.json").read_text() + (out / "weekly.csv").read_text()
    )
    assert ids_in(everything) == [] and "SECRET" not in everything


def test_insights_needs_a_team_when_there_are_several(sessions, database_url, tmp_path) -> None:
    with sessions.begin() as session:
        build(session)
        build(session, team="T0SECOND")
    env = {"DATABASE_URL": database_url}
    several = run_app("insights", "--out", str(tmp_path), env=env, in_process=True)
    assert several.returncode == 2 and "--team" in several.stderr
    assert not (tmp_path / "insights.json").exists()
    chosen = run_app(
        "insights",
        "--team",
        "T0SECOND",
        "--weeks",
        "4",
        "--at",
        AT,
        "--out",
        str(tmp_path),
        env=env,
        in_process=True,
    )
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads((tmp_path / "insights.json").read_text())["team_id"] == "T0SECOND"


def test_insights_refuses_bad_options(sessions, database_url, tmp_path) -> None:
    env = {"DATABASE_URL": database_url}
    for args, said in (
        (("--weeks", "0"), "--weeks"),
        (("--min-group", "2"), "--min-group"),
        (("--at", "yesterday"), "--at"),
    ):
        result = run_app("insights", *args, "--out", str(tmp_path), env=env, in_process=True)
        assert result.returncode == 2 and said in result.stderr
    empty = run_app("insights", "--out", str(tmp_path), env=env, in_process=True)
    assert empty.returncode == 2 and "no workspace" in empty.stderr


def test_departments_import_sets_them_all(sessions, database_url, tmp_path) -> None:
    with sessions.begin() as session:
        build(session)
    file = tmp_path / "departments.csv"
    file.write_text("user_id,department\nUSALES1, Field  Sales \nunobody,Legal\nUNEW1,Legal\n")
    result = run_app("departments", "import", str(file), env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "3 departments set" in result.stdout
    with sessions() as session:
        got = dict(
            session.execute(
                select(Member.user_id, Member.department).where(
                    Member.team_id == TEAM, Member.user_id.in_(["USALES1", "UNOBODY", "UNEW1"])
                )
            ).all()
        )
    assert got == {"USALES1": "Field Sales", "UNOBODY": "Legal", "UNEW1": "Legal"}


def test_a_bad_departments_file_changes_nothing_and_says_each_problem(
    sessions, database_url, tmp_path
) -> None:
    with sessions.begin() as session:
        build(session)
    env = {"DATABASE_URL": database_url}
    file = tmp_path / "departments.csv"
    file.write_text(
        "user_id,department\nUSALES1,Sales East\nbob,Legal\nUENG1,\nUENG2,a,b\n"
        f"UENG3,{'x' * 101}\nUSALES1,Other Place\n"
    )
    result = run_app("departments", "import", str(file), env=env, in_process=True)
    assert result.returncode == 2 and "nothing was changed" in result.stderr
    for line in ("line 3", "line 4", "line 5", "line 6", "line 7"):
        assert line in result.stderr
    assert "line 2" not in result.stderr
    with sessions() as session:
        assert session.get(Member, (TEAM, "USALES1")).department is None
    file.write_text("id,dept\nUSALES1,Sales\n")
    no_header = run_app("departments", "import", str(file), env=env, in_process=True)
    assert no_header.returncode == 2 and "header" in no_header.stderr
    missing = run_app("departments", "import", str(tmp_path / "nope.csv"), env=env, in_process=True)
    assert missing.returncode == 2 and "can't read" in missing.stderr
