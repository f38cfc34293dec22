"""Answers only the person who acted sees, wherever the request came from."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.blocks.notices import not_saved_modal
from bot.errors import DomainError, NotSaved, NotSure
from bot.payloads import private_metadata

log = logging.getLogger(__name__)  # every unhandled error is logged here (tests watch it)

SORRY = "Sorry — something went wrong on our side and this didn't finish. Please try again."
DB_DOWN = (
    "Reciprocity can't reach its database right now — nothing was saved; "
    "please try again in a minute."
)
DB_SLOW = (
    "Reciprocity's database is very slow right now, so I can't tell yet whether this was "
    "saved. If it hasn't appeared in a couple of minutes, please try again."
)


def is_database_down(error: BaseException) -> bool:
    """The database could not be reached (or answer in time): nothing of this was written."""
    return isinstance(error, NotSaved | OperationalError | InterfaceError | TimeoutError)


Listener = TypeVar("Listener", bound=Callable[..., None])


def with_usage(usage: str) -> Callable[[Listener], Listener]:
    """A command listener whose mistakes are shown with the command's usage under them."""

    def decorate(listener: Listener) -> Listener:
        @functools.wraps(listener)
        def wrapped(*args: Any, **kwargs: Any) -> None:
            try:
                listener(*args, **kwargs)
            except DomainError as error:  # @app.error gives the answer; this adds the usage
                raise error.with_usage(usage) from None

        return wrapped  # type: ignore[return-value]

    return decorate


def answer_failure(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    """The one place a failure becomes words: a DomainError (an expected mistake) is the
    person's private answer; anything else is logged with its traceback (never the payload:
    it may hold feedback) and the person is told something went wrong."""
    if isinstance(error, DomainError):
        tell_privately(body, client, error.text)
        return
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    if is_database_down(error):
        log.warning("%s: the database is unreachable (%s)", kind, type(error).__name__)
        tell_privately(body, client, DB_SLOW if isinstance(error, NotSure) else DB_DOWN)
        return
    log.error(
        "unhandled %s error: %s",
        kind,
        type(error).__name__,
        exc_info=error,
        extra={"unhandled": True},
    )
    tell_privately(body, client, SORRY)


def answer_database_down(
    ack: Ack, body: dict[str, Any], client: WebClient, error: BaseException
) -> None:
    """Nothing was saved (or, if the commit was under way, nobody knows yet), said as the
    request allows: a command's ephemeral answer, a notice pushed over a form (its answers
    stay behind it, for another try), else a private message."""
    text = DB_SLOW if isinstance(error, NotSure) else DB_DOWN
    log.warning("the database is unreachable: %s (%s)", body.get("type") or "command", text[:40])
    if "command" in body:
        ack(text=text, response_type="ephemeral")
    elif body.get("type") == "view_submission":
        ack(response_action="push", view=not_saved_modal(text))
    else:
        ack()
        tell_privately(body, client, text)


def tell_privately(body: dict[str, Any], client: WebClient, text: str) -> None:
    """An answer only the person sees: ephemeral where the request came with a response_url
    (commands, buttons on messages, shortcuts), else in the channel they were in, else by DM."""
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    response_url = body.get("response_url") or private_metadata(view or {}).get("response_url")
    try:
        if isinstance(response_url, str) and response_url:
            WebhookClient(response_url).send(
                text=text, response_type="ephemeral", replace_original=False
            )
        elif user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        elif user:
            client.chat_postMessage(channel=user, text=text)
    except (SlackApiError, OSError):
        log.warning("could not tell the person what happened")
