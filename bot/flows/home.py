"""App Home: a personal dashboard, published on opening the tab and on its Refresh button."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.home import MAX_REQUESTS, HomeData, home_view
from bot.deps import Deps
from bot.services.feedback import requests_awaiting
from bot.services.help_requests import open_requests_for
from bot.services.me import my_numbers, open_request_channels
from bot.services.mentoring import status as mentoring_status
from bot.services.record import contribution_record, parse_period
from bot.services.topics import list_topics
from bot.slack_api import is_channel_member

WEEK_DAYS = 7


def publish_home(deps: Deps, client: WebClient, *, team_id: str, user_id: str) -> None:
    """Your week, requests you could help with (in your channels), your pair, feedback waiting."""
    person = deps.directory.get(client, team_id, user_id)
    if person is None or person.is_bot or person.deleted:
        return
    now = deps.clock()
    with deps.sessions() as session:
        topics = list_topics(session=session, team_id=team_id, user_id=user_id)
        channels = (
            open_request_channels(session=session, team_id=team_id, user_id=user_id)
            if topics
            else []
        )
    mine = [c for c in channels if is_channel_member(client, c, user_id)]
    with deps.sessions() as session:
        requests = (
            open_requests_for(
                session=session,
                team_id=team_id,
                user_id=user_id,
                channel_ids=mine,
                limit=MAX_REQUESTS,
            )
            if mine
            else []
        )
        data = HomeData(
            user_id=user_id,
            week=my_numbers(
                session=session, team_id=team_id, user_id=user_id, now=now, days=WEEK_DAYS
            ).recent,
            days=WEEK_DAYS,
            topics=tuple(topics),
            requests=tuple(requests),
            mentoring=mentoring_status(session=session, team_id=team_id, user_id=user_id),
            awaiting=tuple(
                requests_awaiting(session=session, team_id=team_id, reviewer_id=user_id)
            ),
            record=contribution_record(
                session=session,
                team_id=team_id,
                user_id=user_id,
                period=parse_period("", now=now, tz=person.tz),
            ),
        )
    client.views_publish(user_id=user_id, view=home_view(data))
