"""App Home (a personal dashboard, refreshed on opening and on a button) and `/reciprocity me`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.home import MAX_REQUESTS, HomeData, home_view
from bot.blocks.me import me_message
from bot.deps import Deps
from bot.errors import DomainError
from bot.payloads import team_of
from bot.services.feedback import requests_awaiting
from bot.services.help import open_requests_for
from bot.services.me import my_numbers, open_request_channels
from bot.services.mentoring import status as mentoring_status
from bot.services.topics import list_topics

ME_USAGE = "`/reciprocity me` — your own numbers: what you gave and received (only you see them)"
WEEK_DAYS = 7
ME_DAYS = 30
# What conversations.members answers for a channel the bot can't see into.
_UNSEEN = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "method_not_supported_for_channel_type",
}


def _is_member(client: WebClient, channel_id: str, user_id: str) -> bool:
    """Whether the person is in the channel, page by page (a bot token can't list theirs)."""
    cursor: str | None = None
    while True:
        try:
            page = client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
        except SlackApiError as exc:
            if exc.response.get("error") in _UNSEEN:
                return False
            raise
        if user_id in (page.get("members") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return False


def register(app: App, deps: Deps) -> None:
    def publish_home(client: WebClient, team_id: str, user_id: str) -> None:
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
        mine = [c for c in channels if _is_member(client, c, user_id)]
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
            )
        client.views_publish(user_id=user_id, view=home_view(data))

    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        """Only the Home tab gets a view; opening the Messages tab is left alone."""
        user_id = event.get("user")
        if event.get("tab") != "home" or not isinstance(user_id, str) or not user_id:
            return
        team_id = team_of(body) or str((event.get("view") or {}).get("team_id") or "")
        if team_id:
            publish_home(client, team_id, user_id)

    @app.action(ids.HOME_REFRESH_ACTION)
    def home_refresh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = (body.get("user") or {}).get("id")
        team_id = team_of(body)
        if user_id and team_id:
            publish_home(client, team_id, user_id)

    def me_command(command: dict[str, Any], args: str, respond: Respond, client: WebClient) -> None:
        if args:
            raise DomainError("`me` takes nothing after it.")
        with deps.sessions() as session:
            numbers = my_numbers(
                session=session,
                team_id=command["team_id"],
                user_id=command["user_id"],
                now=deps.clock(),
                days=ME_DAYS,
            )
        respond(response_type="ephemeral", **me_message(numbers))

    deps.reciprocity.add("me", me_command, ME_USAGE)
