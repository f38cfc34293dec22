"""Shared by the insights tests: real records seeded through the features' own services, a
hand-built Report for rendering, and the dashboard link taken from the Slack answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from bot.services import kudos
from bot.services.insights.report import (
    HEADLINE,
    TRENDED,
    DepartmentRow,
    Matrix,
    Metric,
    Report,
    Week,
)
from bot.services.people import Person
from bot.services.workspaces import WorkspaceDefaults
from tests.slack_double import TEAM_ID, SlackDouble


def person(uid: str) -> Person:
    return Person(id=uid, team_id=TEAM_ID, name=uid[1:].lower(), tz="Europe/Berlin")


def seed_kudos(sessions: sessionmaker[Session], now: datetime) -> None:
    """A few weeks of kudos among the default people."""
    pairs = [("UALICE", "UBOB"), ("UBOB", "UCAROL"), ("UCAROL", "UALICE"), ("UDAVE", "UALICE")]
    with sessions.begin() as session:
        for week in range(4):
            for giver, receiver in pairs:
                kudos.give_kudos(
                    session=session,
                    team_id=TEAM_ID,
                    giver=person(giver),
                    receivers=[person(receiver)],
                    reason="for the careful review",
                    value=None,
                    channel_id="CGENERAL",
                    defaults=WorkspaceDefaults(kudos_daily_budget=50),
                    now=now - timedelta(weeks=week, hours=1),
                )


def summary(slack: SlackDouble) -> dict[str, Any]:
    """The last ephemeral answer on the response_url."""
    reply = slack.responses[-1]
    assert reply["response_type"] == "ephemeral", reply
    return reply


def dashboard_url(answer: dict[str, Any]) -> str:
    for block in answer.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == "insights_open":
                return str(element["url"])
    raise AssertionError(f"no dashboard button in {answer}")


def path_of(url: str) -> str:
    """The link's path and query, to follow on the test server (PUBLIC_URL is elsewhere)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def built_report(**changes: Any) -> Report:
    """A report with every number set, a department row, a matrix with a hidden cell."""
    start = date(2026, 9, 7)
    headline = [
        Metric(d.key, float(10 + i), float(8 + i) if i % 3 else float(10 + i))
        for i, d in enumerate(HEADLINE)
    ]
    values: dict[str, Any] = {
        "start": start,
        "end": date(2026, 11, 29),
        "weeks": 12,
        "min_group": 5,
        "department": None,
        "team_id": TEAM_ID,
        "active_members": 42,
        "headline": headline,
        "weekly": [
            Week(start + timedelta(weeks=i), {k: float(i * 3 + j) for j, k in enumerate(TRENDED)})
            for i in range(12)
        ],
        "departments": [
            DepartmentRow("Engineering", 12, {"participation": 75.0, "ei_help": 0.25}),
            DepartmentRow("other", 6, {"participation": None}),
        ],
        "help_matrix": Matrix(["Engineering", "other"], [[14, 3], [None, 9]]),
        "notes": ["2 departments folded into other"],
    }
    values.update(changes)
    return Report(**values)
