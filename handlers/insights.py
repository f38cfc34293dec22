"""`/reciprocity insights [weeks]`, `insights monthly on|off`, and the dashboard button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks import insights as texts
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows.insights import (
    CHART_WEEKS,
    MAX_WEEKS,
    dashboard_link,
    insights_report,
    share_chart,
)
from bot.services.insights.access import may_see_insights, set_monthly
from bot.services.people import remember_member
from bot.slack_api import error_of
from handlers.routing import Routes


def register(app: Routes) -> None:
    app.action(ids.INSIGHTS_OPEN_ACTION)(dashboard_opened)


def dashboard_opened(ack: Ack) -> None:
    """**Open the dashboard** is a link: Slack opens it and still tells us of the click."""
    ack()


def parse_weeks(args: str) -> int:
    if not args:
        return CHART_WEEKS
    if not args.isdigit() or not 1 <= int(args) <= MAX_WEEKS:
        raise DomainError(
            f"Give the period in weeks, 1 to {MAX_WEEKS}, e.g. `/reciprocity insights 12`."
        )
    return int(args)


def insights_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    """The slow part (from the queue): the summary, then the chart to the asker's DM."""
    team_id, user_id = command["team_id"], command["user_id"]
    word, _, rest = args.lower().partition(" ")
    weeks = None if word == "monthly" else parse_weeks(args)
    person = deps.directory.profile(client, team_id, user_id)
    now = deps.clock()
    with deps.sessions.begin() as session:
        if not may_see_insights(session=session, person=person):
            respond(text=texts.NOT_ALLOWED, response_type="ephemeral")
            return
        # The dashboard checks each request against this copy of the profile (no Slack call).
        remember_member(session=session, person=person, now=now)
        if weeks is None:
            if rest.strip() not in ("on", "off"):
                raise DomainError("Say `/reciprocity insights monthly on` or `… monthly off`.")
            on = rest.strip() == "on"
            changed = set_monthly(session=session, team_id=team_id, user_id=user_id, on=on, now=now)
    if weeks is None:
        respond(text=texts.monthly_text(on, changed), response_type="ephemeral")
        return
    report = insights_report(deps, team_id, now=now, weeks=weeks)
    link = dashboard_link(deps, team_id=team_id, user_id=user_id, now=now)
    respond(response_type="ephemeral", **texts.summary_message(report, link))
    chart = (
        report
        if weeks == CHART_WEEKS
        else insights_report(deps, team_id, now=now, weeks=CHART_WEEKS)
    )
    try:
        share_chart(deps, client, user_id=user_id, report=chart)
    except SlackApiError as exc:  # an install from before the chart: no retry will help
        if error_of(exc) in ("missing_scope", "not_allowed_token_type"):
            raise DomainError(texts.NO_CHART_SCOPE) from None
        raise
