"""What `/reciprocity insights` and the monthly summary say in Slack (pure builders)."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.blocks.kit import section
from bot.dashboard import metric_line, period_text
from bot.services.insights.report import Report

SUMMARY_KEYS = (
    "participation",
    "givers",
    "receivers",
    "balance",
    "feedback_per_member_month",
    "mentoring_share",
    "help_first_offer_median_hours",
    "ei_help",
    "recognition_gini",
    "top10_help_share",
)
"""The headline numbers the short summary names (the dashboard shows them all)."""

NOT_ALLOWED = (
    "Insights are for workspace admins and the people they list. If you need them, ask an "
    "admin to run `/reciprocity admin insights add @you`."
)
NO_CHART_SCOPE = (
    "I couldn't send you the chart: the app needs the `files:write` permission. Ask a "
    "workspace admin to reinstall it from its manifest; the numbers above are complete."
)
CHART_COMMENT = "Your 12-week insights chart (aggregates only, no names)."


def _plain(text: str) -> str:
    """People's text (a department's name) as mrkdwn that can't ping or link anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _lines(report: Report) -> list[str]:
    return [f"• {_plain(metric_line(report.metric(key)))}" for key in SUMMARY_KEYS]


def _head(report: Report, title: str) -> str:
    return f"*{title}* — {_plain(period_text(report))}, {report.active_members} active members"


def summary_message(report: Report, dashboard_url: str) -> dict[str, Any]:
    """The ephemeral answer: headline numbers with trend arrows, and the dashboard button."""
    head = _head(report, "Insights")
    body = "\n".join(_lines(report))
    notes = "\n".join(f"_{_plain(note)}_" for note in report.notes)
    foot = (
        "↑↓ against the period before · — no data, or a group under "
        f"{report.min_group} people · the chart is on its way to your DM"
    )
    button = {
        "type": "button",
        "action_id": ids.INSIGHTS_OPEN_ACTION,
        "text": {"type": "plain_text", "text": "Open the dashboard"},
        "url": dashboard_url,
        "style": "primary",
    }
    blocks: list[dict[str, Any]] = [section(head), section(body)]
    if notes:
        blocks.append(section(notes))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": foot}]})
    blocks.append({"type": "actions", "block_id": ids.INSIGHTS_ACTIONS_BLOCK, "elements": [button]})
    return {"text": f"{head}\n{body}", "blocks": blocks}


def monthly_message(report: Report) -> dict[str, Any]:
    """The monthly summary DM: the same numbers, and where to see more."""
    head = _head(report, "Your monthly insights")
    body = "\n".join(_lines(report))
    foot = (
        "`/reciprocity insights` for the chart and the dashboard · "
        "`/reciprocity insights monthly off` to stop these"
    )
    return {
        "text": f"{head}\n{body}",
        "blocks": [
            section(head),
            section(body),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": foot}]},
        ],
    }


def listed_text(user_id: str, changed: bool) -> str:
    if changed:
        return f"<@{user_id}> can now see insights (`/reciprocity insights`)."
    return f"<@{user_id}> could already see insights."


def unlisted_text(user_id: str, changed: bool) -> str:
    if changed:
        return f"<@{user_id}> no longer sees insights (unless they are a workspace admin)."
    return f"<@{user_id}> was not on the insights list."


def min_group_text(size: int) -> str:
    return f"Insights now show no group smaller than {size} people."


def monthly_text(on: bool, changed: bool) -> str:
    if on:
        return (
            "You'll get a summary of the insights on the first working day of each month."
            if changed
            else "The monthly summary was already on."
        )
    return "No more monthly summaries." if changed else "The monthly summary was already off."
