"""An insights report as the CLI writes it: a table, `insights.json` and `weekly.csv`.

Only what the report holds goes out (aggregates, definitions, department names), never a
member id or a name.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.services.insights.report import BY_KEY, HEADLINE, TRENDED, Report


def report_json(report: Report) -> dict[str, Any]:
    """Every number with its definition's key, label, unit and meaning, and its previous."""
    return {
        "team_id": report.team_id,
        "period": {
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            "weeks": report.weeks,
        },
        "min_group": report.min_group,
        "department": report.department,
        "active_members": report.active_members,
        "headline": [
            {
                "key": metric.key,
                "label": metric.definition.label,
                "unit": metric.definition.unit,
                "meaning": metric.definition.meaning,
                "value": metric.value,
                "previous": metric.previous,
            }
            for metric in report.headline
        ],
        "weekly": [
            {"week": week.start.isoformat(), **{k: week.values.get(k) for k in TRENDED}}
            for week in report.weekly
        ],
        "departments": [
            {"name": row.name, "members": row.members, **row.values} for row in report.departments
        ],
        "help_matrix": {
            "departments": report.help_matrix.departments,
            "cells": report.help_matrix.cells,
        },
        "notes": report.notes,
    }


def weekly_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["week", *TRENDED])
    for week in report.weekly:
        writer.writerow([week.start.isoformat(), *(_cell(week.values.get(k)) for k in TRENDED)])
    return out.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:g}"
    return f"{value:g}"


def _trend(value: float | None, previous: float | None) -> str:
    if value is None or previous is None:
        return ""
    if value > previous:
        return "↑"
    if value < previous:
        return "↓"
    return "="


def headline_table(report: Report) -> str:
    """The headline numbers as a plain-text table: label, value, previous, trend, unit."""
    scope = f", department {report.department}" if report.department else ""
    lines = [
        f"Insights for {report.start.isoformat()} – {report.end.isoformat()} "
        f"({report.weeks} weeks{scope}; {report.active_members} active members; "
        f"groups under {report.min_group} are not shown)",
        "",
    ]
    width = max(len(d.label) for d in HEADLINE)
    lines.append(f"{'':{width}}  {'now':>10}  {'before':>10}     unit")
    for metric in report.headline:
        d = BY_KEY[metric.key]
        lines.append(
            f"{d.label:{width}}  {_shown(metric.value, d.unit):>10}  "
            f"{_shown(metric.previous, d.unit):>10}  {_trend(metric.value, metric.previous):>2}  "
            f"{d.unit}"
        )
    lines.append("")
    lines.append("Time to a first offer is wall-clock (working hours are not modelled).")
    lines.extend(report.notes)
    return "\n".join(lines) + "\n"
