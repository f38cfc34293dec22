"""The Slack side of the core: the one WebClient, the Bolt App, its inbox and error handler."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.deps import Deps
from bot.router import CommandRouter
from bot.services.inbox import admit_event
from bot.work_queue import QueuedLazyListenerRunner

log = logging.getLogger(__name__)

SORRY = "Sorry — something went wrong on our side and nothing was saved. Please try again."


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """Every Web API call goes through this client: it retries drops, 429s and 5xx."""
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )


def create_app(
    deps: Deps,
    *,
    listener_executor: Executor | None = None,
    work_queue: bool = False,
    queue_consumer: bool = False,
) -> App:
    """The Bolt app with every handler registered, its inbox and its one error handler.

    `work_queue`: lazy listeners are queued in the database (bot/work_queue.py) instead of
    run on this process's threads. `queue_consumer`: this app runs queued work; its requests
    come from our own database, so there is no signature to check.
    """
    from handlers import register_handlers

    settings = deps.settings
    if settings.slack_signing_secret is None:
        raise ValueError("SLACK_SIGNING_SECRET is required")
    app = App(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=deps.client,
        request_verification_enabled=not queue_consumer,
        # Bolt's default is 5 threads: slow work after ack() would then delay other acks.
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=32),
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt.App"),
    )

    if work_queue or queue_consumer:
        app.listener_runner.lazy_listener_runner = QueuedLazyListenerRunner(
            deps.sessions, deps.clock, app.logger
        )

    @app.middleware
    def inbox(request: BoltRequest, body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Write each event to the inbox before acting; a redelivery stops here."""
        if request.lazy_only or body.get("type") != "event_callback" or not body.get("event_id"):
            return next()  # type: ignore[no-any-return]
        try:
            fresh = admit_event(sessions=deps.sessions, body=body, now=deps.clock())
        except SQLAlchemyError:
            log.exception("could not write event to the inbox; asking Slack to retry")
            return BoltResponse(status=503, body="database unavailable; please retry")
        if not fresh:
            return BoltResponse(status=200, body="")
        return next()  # type: ignore[no-any-return]

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        """Log with the traceback (never the payload: it may hold feedback), tell the user."""
        kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
        log.error("unhandled %s error: %s", kind, type(error).__name__, exc_info=error)
        _tell_user_something_went_wrong(body, client)

    # Each app gets its own command router and message hooks (a process may build two).
    register_handlers(app, replace(deps, reciprocity=CommandRouter(), message_hooks=[]))
    return app


def _tell_user_something_went_wrong(body: dict[str, Any], client: WebClient) -> None:
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    try:
        if body.get("response_url"):
            from slack_sdk.webhook import WebhookClient

            WebhookClient(body["response_url"]).send(text=SORRY, response_type="ephemeral")
        elif user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=SORRY)
    except (SlackApiError, OSError):
        log.warning("could not tell the user about the error")


def permalink(client: WebClient, channel_id: str, ts: str | None) -> str | None:
    """A link to a message, or None when Slack can't give one (it is only ever a nicety)."""
    if not channel_id or not ts:
        return None
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("no permalink for a message: %s", exc.response.get("error"))
        return None
