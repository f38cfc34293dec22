"""The Web API gateway: the one WebClient, and the few Slack utilities every layer shares.

Nothing here knows Bolt. Every call the bot makes goes through a client from `make_client`,
which retries dropped connections, HTTP 429 (honouring Retry-After) and 5xx, and counts every
attempt by method and status (bot/metrics.py). `GIVE_UP` is the
one list of Slack errors that no retry can fix: the callers stop, record why, and move on.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.handler import default_interval_calculator

from bot.config import Settings
from bot.metrics import CountSlackCalls
from bot.services.gate import Dnd, dnd_from_slack

log = logging.getLogger(__name__)

MAX_CHANNEL_MEMBERS = 5000
"""How many members of one channel the bot reads (suggestions, reminders): the first pages."""

GIVE_UP = frozenset(
    {
        # the conversation is gone or closed to the bot
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "method_not_supported_for_channel_type",
        # the message is gone or can't be edited
        "message_not_found",
        "cant_update_message",
        # the person is gone or can't be written to
        "user_not_found",
        "user_not_visible",
        "users_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
    }
)
"""Slack errors that retrying cannot fix."""


class RateLimitRetry(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler (waits Retry-After plus up to a second), with the wait injectable."""

    def __init__(self, *, max_retry_count: int, pause: Callable[[float], None]) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pause = pause

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("no response to a rate-limited call")
        state.next_attempt_requested = True
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        try:
            seconds = float(header[0] if isinstance(header, list) else header or 1)
        except ValueError:
            seconds = 1.0
        self.pause(seconds + random.random())
        state.increment_current_attempt()


def make_client(
    settings: Settings, token: str | None = None, *, pause: Callable[[float], None] = time.sleep
) -> WebClient:
    """Every Web API call goes through this client: it retries drops, 429s and 5xx.

    `pause` is how it waits between attempts (tests pass one that doesn't sleep).
    """
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    immediate = pause is not time.sleep
    backoff = FixedValueRetryIntervalCalculator(0.0) if immediate else default_interval_calculator
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            CountSlackCalls(),  # first: it sees every attempt (bot/metrics.py)
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
            RateLimitRetry(max_retry_count=5, pause=pause),
            ServerErrorRetryHandler(max_retry_count=3, interval_calculator=backoff),
        ],
    )


def error_of(exc: SlackApiError) -> str:
    """Slack's error code for a failed call (`not_in_channel`, `ratelimited`, …)."""
    return str((exc.response or {}).get("error") or "unknown_error")


def gives_up(exc: BaseException) -> bool:
    """True when Slack said something no retry will change."""
    return isinstance(exc, SlackApiError) and error_of(exc) in GIVE_UP


def permalink(client: WebClient, channel_id: str, ts: str | None) -> str | None:
    """A link to a message, or None when Slack can't give one (it is only ever a nicety)."""
    if not channel_id or not ts:
        return None
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("no permalink for a message: %s", error_of(exc))
        return None


def _member_pages(client: WebClient, channel_id: str) -> Iterator[list[str]]:
    cursor: str | None = None
    while True:
        page = client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
        yield list(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def channel_members(
    client: WebClient, channel_id: str, *, limit: int = MAX_CHANNEL_MEMBERS
) -> list[str]:
    """The channel's members (the first `limit`); none where the bot can't see in."""
    members: list[str] = []
    try:
        for page in _member_pages(client, channel_id):
            members.extend(page)
            if len(members) >= limit:
                break
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        log.info("no member list for a channel: %s", error_of(exc))
        return []
    return members[:limit]


def is_channel_member(client: WebClient, channel_id: str, user_id: str) -> bool:
    """Whether the person is in the channel, page by page (a bot token can't list theirs)."""
    try:
        return any(user_id in page for page in _member_pages(client, channel_id))
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        return False


def is_direct_message(channel_id: str) -> bool:
    return not channel_id or channel_id.startswith("D")


def bot_is_in(client: WebClient, channel_id: str) -> bool:
    """Whether the bot is a member of the channel (it can only post where it is)."""
    if is_direct_message(channel_id):
        return False
    try:
        info = client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        return False
    return bool((info.get("channel") or {}).get("is_member"))


def member_dnd(client: WebClient, user_id: str, now: datetime) -> Dnd:
    """The member's Slack do-not-disturb as of now (`dnd.info`); off when Slack can't say."""
    try:
        data: dict[str, Any] = dict(client.dnd_info(user=user_id).data)  # type: ignore[arg-type]
    except SlackApiError as exc:  # e.g. the dnd:read scope is missing: don't block on it
        log.info("dnd.info unavailable (%s); treating as not in do-not-disturb", error_of(exc))
        return Dnd()
    return dnd_from_slack(data, now)


_UPDATABLE = ("text", "blocks", "attachments", "metadata")


def update_message(
    client: WebClient, channel_id: str | None, ts: str | None, message: dict[str, Any]
) -> bool:
    """Edit a message the bot posted, if it is still there; False when it is gone."""
    if not channel_id or not ts:
        return False
    fields = {key: message[key] for key in _UPDATABLE if key in message}
    try:
        client.chat_update(channel=channel_id, ts=ts, **fields)
    except SlackApiError as exc:
        if not gives_up(exc):
            raise
        log.info("message to update is gone: %s", error_of(exc))
        return False
    return True


def open_dm(client: WebClient, user_ids: list[str]) -> str:
    """The id of the DM (one person) or group DM (several) with these people."""
    opened = client.conversations_open(users=",".join(user_ids))
    return str(opened["channel"]["id"])
