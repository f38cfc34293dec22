"""The insights dashboard on the web app: `/insights/login` (the signed link from Slack sets
a session), `/insights` (the page) and `/insights.csv` (the aggregates).

A link works once and for 10 minutes; the session lasts 8 hours. Every request checks again
that the session's person may still see insights. The page is server-rendered, with its
charts inline: it makes no request anywhere else (its Content-Security-Policy says so).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, render_template, request

from bot.dashboard import arrow, heat_map, period_text, report_csv, shown, trend_svg
from bot.deps import Deps
from bot.flows.insights import CHART_WEEKS, MAX_WEEKS, insights_report
from bot.services.insights.access import may_still_see_insights, use_link
from bot.services.insights.links import (
    SESSION_LIFETIME,
    Pass,
    make_session,
    read_link_token,
    read_session,
)
from bot.services.insights.report import BY_KEY, TRENDED, Report

COOKIE = "reciprocity_insights"
PERIODS = (4, 8, 12, 26, 52)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the sign-in link carries its token in the URL
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def register(web: Flask, deps: Deps, signing_secret: str) -> None:
    """The dashboard's routes, one line each."""
    web.add_url_rule("/insights/login", "insights_login", _login(deps, signing_secret))
    web.add_url_rule("/insights", "insights", _page(deps, signing_secret))
    web.add_url_rule("/insights.csv", "insights_csv", _csv(deps, signing_secret))


def _secured(response: Response) -> Response:
    for name, value in _HEADERS.items():
        response.headers[name] = value
    return response


def _refused() -> Response:
    response = Response(render_template("insights_401.html"), status=401, mimetype="text/html")
    return _secured(response)


def _login(deps: Deps, secret: str) -> Callable[[], Response]:
    def insights_login() -> Response:
        now = deps.clock()
        link = read_link_token(secret, request.args.get("token", ""), now=now)
        if link is None:
            return _refused()
        with deps.sessions.begin() as session:
            fresh = use_link(
                session=session,
                link_id=link.link_id,
                team_id=link.team_id,
                now=now,
                expires_at=link.expires_at,
            )
            allowed = fresh and may_still_see_insights(
                session=session, team_id=link.team_id, user_id=link.user_id
            )
        if not allowed:
            return _refused()
        response = Response(status=303, headers={"Location": "/insights"})
        host = urlsplit("//" + (request.host or "")).hostname or ""
        response.set_cookie(
            COOKIE,
            make_session(secret, team_id=link.team_id, user_id=link.user_id, now=now),
            max_age=int(SESSION_LIFETIME.total_seconds()),
            path="/",
            secure=host not in _LOCAL_HOSTS,
            httponly=True,
            samesite="Lax",
        )
        return _secured(response)

    return insights_login


def _viewer(deps: Deps, secret: str, now: datetime) -> Pass | None:
    """The session's person, if they may (still) see insights."""
    who = read_session(secret, request.cookies.get(COOKIE, ""), now=now)
    if who is None:
        return None
    with deps.sessions() as session:
        if not may_still_see_insights(session=session, team_id=who.team_id, user_id=who.user_id):
            return None
    return who


def _chosen(deps: Deps, team_id: str, now: datetime) -> tuple[Report, list[str]]:
    """The report for the period and department asked for (anything else: the defaults), and
    the departments there are to choose from (the whole workspace's, over that period)."""
    raw = request.args.get("weeks", "")
    weeks = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_WEEKS else CHART_WEEKS
    whole = insights_report(deps, team_id, now=now, weeks=weeks)
    departments = [row.name for row in whole.departments]
    wanted = request.args.get("department", "")
    if wanted not in departments:
        return whole, departments
    return insights_report(deps, team_id, now=now, weeks=weeks, department=wanted), departments


def _page(deps: Deps, secret: str) -> Callable[[], Response]:
    def insights() -> Response:
        now = deps.clock()
        who = _viewer(deps, secret, now)
        if who is None:
            return _refused()
        report, departments = _chosen(deps, who.team_id, now)
        return _secured(Response(page_html(report, departments), mimetype="text/html"))

    return insights


def page_html(report: Report, departments: list[str]) -> str:
    """The dashboard page for a report (inside a request: the CSV link is built from it)."""
    weeks, department = report.weeks, report.department
    return render_template(
        "insights.html",
        report=report,
        period=period_text(report),
        headline=[
            {
                "key": m.key,
                "label": m.definition.label,
                "value": shown(m.value, m.definition.unit),
                "previous": shown(m.previous, m.definition.unit),
                "arrow": arrow(m),
                "meaning": m.definition.meaning,
            }
            for m in report.headline
        ],
        charts=[(BY_KEY[key].label, trend_svg(report, key)) for key in TRENDED],
        heat=heat_map(report.help_matrix),
        matrix_departments=report.help_matrix.departments,
        department_rows=[
            (row.name, row.members, [shown(row.values.get(d.key), d.unit) for d in _COLUMNS])
            for row in report.departments
        ],
        columns=[d.label for d in _COLUMNS],
        periods=sorted({*PERIODS, weeks}),
        weeks=weeks,
        department=department or "",
        departments=departments,
        csv_query=_query(weeks, department),
    )


_COLUMNS = tuple(BY_KEY[k] for k in ("participation", "givers", "receivers", "balance", "ei_help"))


def _query(weeks: int, department: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {"weeks": weeks}
    if department:
        query["department"] = department
    return query


def _csv(deps: Deps, secret: str) -> Callable[[], Response]:
    def insights_csv() -> Response:
        now = deps.clock()
        who = _viewer(deps, secret, now)
        if who is None:
            return _refused()
        report, _ = _chosen(deps, who.team_id, now)
        response = Response(report_csv(report), mimetype="text/csv")
        name = f"insights-{report.start.isoformat()}-{report.end.isoformat()}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return _secured(response)

    return insights_csv
