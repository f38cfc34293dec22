"""What the insights surfaces show, as pure functions of a Report: numbers as people read
them (None is "—"), trend arrows, the weekly trend as inline SVG, the help matrix as a heat
map, and the CSV of the aggregates. Slack (bot/blocks/insights.py) and the web dashboard
(handlers/dashboard.py) both use these, so a number reads the same everywhere.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html import escape

from bot.services.insights.report import BY_KEY, Matrix, Metric, Report

NO_VALUE = "—"


def shown(value: float | None, unit: str) -> str:
    """A number for people: `62%` (a "%" value is in percent), `1.3`, `4`, `+0.25`; "—" for
    no data or a group too small to show."""
    if value is None:
        return NO_VALUE
    if unit == "%":
        return f"{value:.0f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "index":
        return f"{value:+.2f}"
    if unit == "gini":
        return f"{value:.2f}"
    if unit in ("days", "hours"):
        return f"{value:.1f} {unit}"
    return f"{value:.1f}"


def arrow(metric: Metric) -> str:
    """↑ ↓ → against the period before; nothing when either side has no value."""
    if metric.value is None or metric.previous is None:
        return ""
    change = metric.value - metric.previous
    if abs(change) < 1e-9:
        return "→"
    return "↑" if change > 0 else "↓"


def metric_line(metric: Metric) -> str:
    """`Participation 62% ↑ (was 55%)`."""
    unit = metric.definition.unit
    line = f"{metric.definition.label} {shown(metric.value, unit)}"
    if arrow(metric):
        line += f" {arrow(metric)} (was {shown(metric.previous, unit)})"
    return line


def period_text(report: Report) -> str:
    scope = f", {report.department}" if report.department else ""
    return (
        f"{report.weeks} week{'s' if report.weeks != 1 else ''}, "
        f"{report.start:%d %b %Y} – {report.end:%d %b %Y}{scope}"
    )


# ----- charts -------------------------------------------------------------------------------
_W, _H, _PAD_X, _PAD_TOP, _PAD_BOTTOM = 320, 130, 34, 12, 22


def trend_svg(report: Report, key: str) -> str:
    """One trended number's weekly line as an inline SVG (no script, no external reference);
    weeks without a value leave a gap."""
    definition = BY_KEY[key]
    values = [week.values.get(key) for week in report.weekly]
    known = [v for v in values if v is not None]
    title = f"{definition.label} per week ({definition.unit})"
    parts = [
        f'<svg class="trend" viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{_PAD_X}" y1="{_H - _PAD_BOTTOM}" x2="{_W - 4}" y2="{_H - _PAD_BOTTOM}"'
        ' class="axis"/>',
    ]
    count = len(values)
    if not known:
        parts.append(
            f'<text x="{_W / 2}" y="{_H / 2}" text-anchor="middle" class="empty">no data</text>'
        )
    else:
        low, high = min(0.0, *known), max(known)
        span = (high - low) or 1.0

        def x(i: int) -> float:
            return _PAD_X + (_W - 4 - _PAD_X) * (i / (count - 1) if count > 1 else 0.5)

        def y(v: float) -> float:
            return _PAD_TOP + (_H - _PAD_TOP - _PAD_BOTTOM) * (1 - (v - low) / span)

        runs: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(value):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" class="line"/>')
        for i, value in enumerate(values):
            if value is not None:
                label = f"{report.weekly[i].start:%d %b}: {shown(value, definition.unit)}"
                parts.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" class="dot">'
                    f"<title>{escape(label)}</title></circle>"
                )
        parts.append(
            f'<text x="{_PAD_X - 4}" y="{y(high) + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(shown(high, definition.unit))}</text>"
        )
        parts.append(
            f'<text x="{_PAD_X - 4}" y="{y(low) + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(shown(low, definition.unit))}</text>"
        )
    if report.weekly:
        first, last = report.weekly[0].start, report.weekly[-1].start
        parts.append(f'<text x="{_PAD_X}" y="{_H - 6}" class="tick">{first:%d %b}</text>')
        parts.append(
            f'<text x="{_W - 4}" y="{_H - 6}" text-anchor="end" class="tick">{last:%d %b}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Cell:
    text: str
    colour: str  # a CSS background colour
    dark: bool  # white text on it


def heat_colour(value: int | None, top: int) -> tuple[str, bool]:
    """A cell's shade: light to dark blue by share of the largest cell; grey when hidden."""
    if value is None:
        return "#e5e7eb", False
    share = value / top if top > 0 else 0.0
    lightness = 96 - 60 * share
    return f"hsl(215, 70%, {lightness:.0f}%)", lightness < 60


def heat_map(matrix: Matrix) -> list[tuple[str, list[Cell]]]:
    """The help matrix's rows: (department that helped, one cell per department helped)."""
    top = max((c for row in matrix.cells for c in row if c is not None), default=0)
    rows = []
    for name, row in zip(matrix.departments, matrix.cells, strict=False):
        cells = []
        for value in row:
            colour, dark = heat_colour(value, top)
            cells.append(Cell(NO_VALUE if value is None else f"{value:,}", colour, dark))
        rows.append((name, cells))
    return rows


# ----- CSV -----------------------------------------------------------------------------------
CSV_COLUMNS = ("section", "week", "department", "key", "label", "unit", "value", "previous")


def _text(value: str) -> str:
    """A name as a spreadsheet can't take for a formula (departments are typed by people)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def report_csv(report: Report) -> str:
    """Every aggregate of the report, one per line (no person in any of them): the headline
    numbers with the period before, each week's trended numbers, the departments, the matrix."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    period = f"{report.start.isoformat()}/{report.end.isoformat()}"
    scope = report.department or ""
    for metric in report.headline:
        d = metric.definition
        writer.writerow(
            [
                "headline",
                period,
                scope,
                d.key,
                d.label,
                d.unit,
                _number(metric.value),
                _number(metric.previous),
            ]
        )
    for week in report.weekly:
        for key, value in week.values.items():
            trended = BY_KEY[key]
            writer.writerow(
                [
                    "week",
                    week.start.isoformat(),
                    scope,
                    key,
                    trended.label,
                    trended.unit,
                    _number(value),
                    "",
                ]
            )
    for row in report.departments:
        writer.writerow(
            ["department", period, _text(row.name), "members", "Members", "count", row.members, ""]
        )
        for key, value in row.values.items():
            known = BY_KEY.get(key)
            writer.writerow(
                [
                    "department",
                    period,
                    _text(row.name),
                    key,
                    known.label if known else key,
                    known.unit if known else "",
                    _number(value),
                    "",
                ]
            )
    matrix = report.help_matrix
    for name, cells in zip(matrix.departments, matrix.cells, strict=False):
        for other, value in zip(matrix.departments, cells, strict=False):
            writer.writerow(
                [
                    "help_matrix",
                    period,
                    _text(name),
                    _text(f"to:{other}"),
                    "Help given",
                    "count",
                    "" if value is None else value,
                    "",
                ]
            )
    return out.getvalue()
