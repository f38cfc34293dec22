"""Insights sent to people: the chart to the asker's DM, the dashboard link, the monthly DM."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.blocks.insights import CHART_COMMENT, monthly_message
from bot.charts import trend_png
from bot.deps import Deps
from bot.flows.nudges import Delivery, deliver_nudge
from bot.services.gate import Kind
from bot.services.insights import compute_insights
from bot.services.insights.access import may_still_see_insights, min_group
from bot.services.insights.links import make_link_token
from bot.services.insights.report import Report

CHART_WEEKS = 12
MAX_WEEKS = 52  # the longest period anyone may ask for
MONTHLY_WEEKS = 4


def signing_secret(deps: Deps) -> str:
    """What dashboard links and sessions are signed with (a key derived from it)."""
    secret = deps.settings.slack_signing_secret
    if secret is None:
        raise RuntimeError("SLACK_SIGNING_SECRET is needed to sign dashboard links")
    return secret.get_secret_value()


def insights_report(
    deps: Deps, team_id: str, *, now: datetime, weeks: int, department: str | None = None
) -> Report:
    """The workspace's report, under its minimum group size."""
    with deps.sessions() as session:
        size = min_group(session=session, team_id=team_id, default=deps.settings.insights_min_group)
        return compute_insights(
            session, team_id, now=now, weeks=weeks, department=department, min_group=size
        )


def dashboard_link(deps: Deps, *, team_id: str, user_id: str, now: datetime) -> str:
    """A 10-minute, single-use sign-in link to the dashboard, for this person only."""
    token = make_link_token(signing_secret(deps), team_id=team_id, user_id=user_id, now=now)
    return f"{deps.settings.public_url}/insights/login?token={token}"


def share_chart(deps: Deps, client: WebClient, *, user_id: str, report: Report) -> None:
    """The 12-week chart as a PNG in the person's DM (files.completeUploadExternal takes a
    conversation, never a user id: the DM is opened first)."""
    png = trend_png(report)
    opened = client.conversations_open(users=user_id)
    channel = str((opened.get("channel") or {}).get("id") or "")
    client.files_upload_v2(
        channel=channel,
        content=png,
        filename=f"insights-{report.end.isoformat()}.png",
        title=f"Insights, {report.start:%d %b} – {report.end:%d %b %Y}",
        initial_comment=CHART_COMMENT,
    )


def send_monthly_summary(
    deps: Deps, *, team_id: str, user_id: str, month: str, now: datetime
) -> Delivery:
    """This month's summary to one person, through the gate (once per person and month);
    dropped if they may no longer see insights."""
    with deps.sessions() as session:
        allowed = may_still_see_insights(session=session, team_id=team_id, user_id=user_id)
    if not allowed:
        return Delivery.DROPPED
    report = insights_report(deps, team_id, now=now, weeks=MONTHLY_WEEKS)
    return deliver_nudge(
        deps,
        deps.client_for(team_id),
        team_id=team_id,
        user_id=user_id,
        kind=Kind.INSIGHTS,
        key=f"insights-monthly:{month}",
        message=monthly_message(report),
        now=now,
        expires_at=now + timedelta(days=14),
    )
