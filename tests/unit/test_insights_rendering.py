"""How the insights surfaces show a report, on hand-built reports: "—" for no value or a
hidden group, trend arrows, the SVG trend, the heat map, the CSV, and the Slack summary."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree

from bot.blocks.insights import SUMMARY_KEYS, monthly_message, summary_message
from bot.dashboard import NO_VALUE, arrow, heat_map, metric_line, report_csv, shown, trend_svg
from bot.services.insights.report import HEADLINE, TRENDED, Matrix, Metric, Week
from tests.insights_helpers import built_report


def test_no_value_is_a_dash_whatever_the_unit() -> None:
    for unit in ("%", "count", "index", "gini", "days", "hours", "per member per month"):
        assert shown(None, unit) == NO_VALUE
    assert shown(62.4, "%") == "62%"
    assert shown(1234, "count") == "1,234"
    assert shown(-0.25, "index") == "-0.25" and shown(0.5, "index") == "+0.50"
    assert shown(3.25, "hours") == "3.2 hours"
    assert shown(0.41, "gini") == "0.41"


def test_arrows_compare_with_the_period_before() -> None:
    assert arrow(Metric("participation", 60.0, 50.0)) == "↑"
    assert arrow(Metric("participation", 40.0, 50.0)) == "↓"
    assert arrow(Metric("participation", 50.0, 50.0)) == "→"
    assert arrow(Metric("participation", None, 50.0)) == ""
    assert arrow(Metric("participation", 50.0, None)) == ""
    assert metric_line(Metric("participation", 60.0, 50.0)) == "Participation 60% ↑ (was 50%)"
    assert metric_line(Metric("participation", None, None)) == "Participation —"


def test_the_slack_summary_names_the_numbers_and_carries_the_link() -> None:
    report = built_report()
    message = summary_message(report, "https://bot.example/insights/login?token=abc")
    for key in SUMMARY_KEYS:
        assert metric_line(report.metric(key)) in message["text"]
    button = message["blocks"][-1]["elements"][0]
    assert button["url"].endswith("token=abc") and button["text"]["text"] == "Open the dashboard"
    assert "42 active members" in message["text"]


def test_a_department_name_cannot_ping_or_link() -> None:
    report = built_report(department="<!channel> <@U123> <https://x|y>", notes=["<!here>"])
    for message in (summary_message(report, "https://x"), monthly_message(report)):
        text = str(message)
        assert "<!channel>" not in text and "<@U123>" not in text and "<!here>" not in text


def test_the_trend_is_valid_svg_with_a_point_a_week_and_gaps_for_no_value() -> None:
    report = built_report()
    svg = ElementTree.fromstring(trend_svg(report, TRENDED[0]))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}circle")) == 12
    weekly = [
        Week(w.start, {**w.values, TRENDED[0]: None if i in (3, 4) else w.values[TRENDED[0]]})
        for i, w in enumerate(report.weekly)
    ]
    gappy = ElementTree.fromstring(trend_svg(built_report(weekly=weekly), TRENDED[0]))
    assert len(gappy.findall(f"{ns}circle")) == 10
    assert len(gappy.findall(f"{ns}polyline")) == 2
    empty = [Week(w.start, dict.fromkeys(TRENDED)) for w in report.weekly]
    nothing = trend_svg(built_report(weekly=empty), TRENDED[0])
    assert "no data" in nothing and "<circle" not in nothing


def test_the_heat_map_shades_by_size_and_greys_what_is_hidden() -> None:
    rows = heat_map(Matrix(["A", "B"], [[10, 0], [None, 5]]))
    (a, (top, zero)), (b, (hidden, half)) = rows
    assert (a, b) == ("A", "B")
    assert top.text == "10" and top.dark and not zero.dark
    assert hidden.text == NO_VALUE and hidden.colour == "#e5e7eb"
    assert top.colour != half.colour != zero.colour


def test_the_csv_has_every_aggregate_and_defuses_formulas() -> None:
    report = built_report()
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    headline = {r["key"]: r for r in rows if r["section"] == "headline"}
    assert list(headline) == [d.key for d in HEADLINE]
    assert headline["participation"]["value"] == "10"
    assert len([r for r in rows if r["section"] == "week"]) == 12 * len(TRENDED)
    matrix = [r for r in rows if r["section"] == "help_matrix"]
    assert [r["value"] for r in matrix] == ["14", "3", "", "9"]
    none = built_report(headline=[Metric(d.key, None, None) for d in HEADLINE])
    assert {
        r["value"]
        for r in csv.DictReader(io.StringIO(report_csv(none)))
        if r["section"] == "headline"
    } == {""}
    from bot.services.insights.report import DepartmentRow

    evil = built_report(departments=[DepartmentRow("=HYPERLINK(1)", 9, {})])
    assert "'=HYPERLINK(1)" in report_csv(evil)


def test_the_page_shows_departments_the_heat_map_and_escapes_names() -> None:
    from flask import Flask

    from bot.services.insights.report import DepartmentRow
    from handlers import dashboard

    web = Flask("handlers.web", template_folder="templates")
    dashboard.register(web, None, "secret")  # type: ignore[arg-type]  # views never called
    evil = "<script>alert(1)</script>"
    report = built_report(
        department="Engineering",
        departments=[
            DepartmentRow("Engineering", 12, {"participation": 75.0}),
            DepartmentRow(evil, 5, {}),
        ],
        help_matrix=Matrix(["Engineering", evil], [[14, 3], [None, 9]]),
    )
    with web.test_request_context("/insights"):
        html = dashboard.page_html(report, ["Engineering", evil])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<option value="Engineering" selected>' in html
    assert "/insights.csv?weeks=12&amp;department=Engineering" in html
    assert 'id="departments"' in html and "75%" in html
    heat = html.split('id="heatmap"', 1)[1]
    assert heat.count("<td") == 2 + 4 and NO_VALUE in heat and "hsl(215" in heat
    assert html.count("<svg") == len(TRENDED)
    assert "2 departments folded into other" in html
