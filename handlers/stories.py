"""**Share this story** (a message shortcut), its form, and each named person's answer."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.stories import (
    GONE_TEXT,
    REFUSED_TEXT,
    agreed_text,
    nominated_text,
    story_modal,
)
from bot.deps import Deps
from bot.flows.stories import nominate_story, withdraw_asks
from bot.payloads import private_metadata, team_of
from bot.services import stories as service
from bot.text import from_slack, truncate
from handlers.forms import checked, field
from handlers.queue import Defer
from handlers.replies import tell_privately
from handlers.routing import Routes

METADATA_TEXT = 1500  # of the message's text carried in the form (private_metadata ≤ 3,000)


def register(app: Routes) -> None:
    app.shortcut(ids.STORY_SHORTCUT)(story_shortcut)
    app.view(ids.STORY_MODAL)(ack=story_submitted, lazy=[nominate_from_form])
    app.action(ids.STORY_YES_ACTION)(yes_clicked, queued=True)
    app.action(ids.STORY_NO_ACTION)(no_clicked, queued=True)


def story_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    """The form asking why it mattered, at once (its trigger lasts 3 s)."""
    ack()
    message = shortcut.get("message") or {}
    text = str(message.get("text") or "")
    metadata = {
        "channel_id": (shortcut.get("channel") or {}).get("id", ""),
        "ts": message.get("ts") or shortcut.get("message_ts"),
        "user": message.get("user"),
        "bot_id": message.get("bot_id"),
        "text": truncate(text, METADATA_TEXT),
        "response_url": shortcut.get("response_url"),
    }
    client.views_open(
        trigger_id=shortcut["trigger_id"],
        view=story_modal(private_metadata=json.dumps(metadata), preview=from_slack(text)),
    )


def _why(view: dict[str, Any]) -> str:
    return str(field(view, ids.STORY_WHY_BLOCK, ids.STORY_WHY_ACTION).get("value") or "")


def story_submitted(ack: Ack, view: dict[str, Any], defer: Defer) -> None:
    if (
        checked(
            ack,
            lambda: service.check_why(_why(view)),
            blocks={"why": ids.STORY_WHY_BLOCK},
            default=ids.STORY_WHY_BLOCK,
        )
        is None
    ):
        return
    defer(nominate_from_form)
    ack()


def nominate_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """From the queue: record the story and ask everyone in it."""
    metadata = private_metadata(view)
    nominated = nominate_story(
        deps,
        client,
        team_id=team_of(body),
        sharer_id=body["user"]["id"],
        channel_id=str(metadata.get("channel_id") or ""),
        message={
            "ts": metadata.get("ts"),
            "user": metadata.get("user"),
            "bot_id": metadata.get("bot_id"),
            "text": metadata.get("text") or "",
        },
        why=_why(view),
    )
    tell_privately(body, client, nominated_text(len(nominated.asked)))


def yes_clicked(body: dict[str, Any], action: dict[str, Any], respond: Respond, deps: Deps) -> None:
    with deps.sessions.begin() as session:
        status = service.agree(
            session=session,
            team_id=team_of(body),
            key=str(action.get("value") or ""),
            user_id=body["user"]["id"],
            now=deps.clock(),
        )
    text = GONE_TEXT if status is None else agreed_text(status == service.AGREED)
    respond(text=text, replace_original=True)


def no_clicked(
    body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    with deps.sessions.begin() as session:
        sent = service.refuse(
            session=session,
            team_id=team_of(body),
            key=str(action.get("value") or ""),
            user_id=body["user"]["id"],
        )
    if sent:
        withdraw_asks(deps, client, sent)
    respond(text=REFUSED_TEXT if sent is not None else GONE_TEXT, replace_original=True)
