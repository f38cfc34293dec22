"""`/askhelp`, its modal, the **Ask for help with this** shortcut, the card's buttons, the
Resolved modal, reopening, and thread replies as help."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.help_requests import ask_modal, not_in_channel_text, resolve_modal
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows import help_requests as flow
from bot.payloads import private_metadata, team_of
from bot.services.help_requests import (
    MAX_QUESTION,
    HelpDraft,
    OfferResult,
    check_draft,
    check_resolution,
    check_resolver,
    decline_reminders,
    offer_help,
    parse_help,
    parse_tags,
    parse_urgency,
    reopen_request,
    resolve_request,
)
from bot.slack_api import bot_is_in, is_direct_message, permalink
from bot.text import clean, from_slack, truncate
from handlers.forms import checked, field
from handlers.queue import Defer
from handlers.replies import tell_privately
from handlers.routing import Routes

_DRAFT_BLOCKS = {
    "question": ids.HELP_QUESTION_BLOCK,
    "details": ids.HELP_DETAILS_BLOCK,
    "urgency": ids.HELP_URGENCY_BLOCK,
    "tags": ids.HELP_TAGS_BLOCK,
}
_RESOLVE_BLOCKS = {"helpers": ids.HELP_HELPERS_BLOCK, "note": ids.HELP_NOTE_BLOCK}


def register(app: Routes) -> None:
    app.command("/askhelp")(ack=askhelp_command, lazy=[ask_from_command])
    app.shortcut(ids.HELP_SHORTCUT)(help_with_message)
    app.view(ids.HELP_MODAL)(ack=ask_submitted, lazy=[ask_from_form])
    app.action(ids.HELP_OFFER_ACTION)(offer_clicked, queued=True)
    app.action(ids.HELP_RESOLVE_ACTION)(resolve_clicked)
    app.view(ids.HELP_RESOLVE_MODAL)(ack=resolve_submitted, lazy=[resolve_from_form])
    app.action(ids.HELP_REOPEN_ACTION)(reopen_clicked, queued=True)
    app.action(ids.HELP_REMINDER_OFFER_ACTION)(reminder_offer_clicked, queued=True)
    app.action(ids.HELP_REMINDER_OPEN_ACTION)(reminder_open_clicked)
    app.action(ids.HELP_REMINDER_DECLINE_ACTION)(reminder_declined, queued=True)


def say_privately(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def open_ask_modal(
    client: WebClient, trigger_id: str, metadata: dict[str, Any], draft: HelpDraft | None = None
) -> None:
    client.views_open(
        trigger_id=trigger_id, view=ask_modal(private_metadata=json.dumps(metadata), draft=draft)
    )


# ----- asking ------------------------------------------------------------------------------------
def askhelp_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, defer: Defer
) -> None:
    """The fast part: with a question, queue it (committed) and ack; without, open the form."""
    channel_id = command.get("channel_id", "")
    if (command.get("text") or "").strip() and not is_direct_message(channel_id):
        defer(ask_from_command)
        ack()
        return
    ack()
    if is_direct_message(channel_id):
        say_privately(respond, not_in_channel_text())
        return
    if not bot_is_in(client, channel_id):
        say_privately(respond, not_in_channel_text())
        return
    metadata = {"channel_id": channel_id, "response_url": command.get("response_url")}
    open_ask_modal(client, command["trigger_id"], metadata)


def ask_from_command(command: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The slow part, from the queue: post the card and store the request."""
    channel_id = command.get("channel_id", "")
    flow.publish_request(
        deps,
        client,
        team_id=command["team_id"],
        user_id=command["user_id"],
        channel_id=channel_id,
        draft=parse_help(command["text"]),
        tell=partial(tell_privately, command, client),
    )


def help_with_message(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    ack()
    message = shortcut.get("message") or {}
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    if not bot_is_in(client, channel_id):
        tell_privately(shortcut, client, not_in_channel_text())
        return
    link = permalink(client, channel_id, message.get("ts"))
    text = from_slack(message.get("text") or "")
    try:  # tags are a nicety here: the form lets them fix what isn't one
        tags = parse_tags(" ".join(w for w in text.split() if w.startswith("#")))
    except DomainError:
        tags = ()
    draft = HelpDraft(question=truncate(text, MAX_QUESTION), tags=tags, source_link=link)
    metadata = {
        "channel_id": channel_id,
        "response_url": shortcut.get("response_url"),
        "source_link": link,
    }
    open_ask_modal(client, shortcut["trigger_id"], metadata, draft)


def read_draft(view: dict[str, Any]) -> HelpDraft:
    """The ask form's answers, checked (pure rules only)."""
    urgency = field(view, ids.HELP_URGENCY_BLOCK, ids.HELP_URGENCY_ACTION).get("selected_option")
    return check_draft(
        HelpDraft(
            question=clean(
                field(view, ids.HELP_QUESTION_BLOCK, ids.HELP_QUESTION_ACTION).get("value") or ""
            ),
            details=field(view, ids.HELP_DETAILS_BLOCK, ids.HELP_DETAILS_ACTION).get("value"),
            urgency=parse_urgency((urgency or {}).get("value")),
            tags=parse_tags(
                field(view, ids.HELP_TAGS_BLOCK, ids.HELP_TAGS_ACTION).get("value") or ""
            ),
            source_link=private_metadata(view).get("source_link"),
        )
    )


def ask_submitted(ack: Ack, view: dict[str, Any], defer: Defer) -> None:
    draft = checked(
        ack, lambda: read_draft(view), blocks=_DRAFT_BLOCKS, default=ids.HELP_QUESTION_BLOCK
    )
    if draft is None:
        return
    defer(ask_from_form)
    ack()


def ask_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    draft = read_draft(view)
    chosen = field(view, ids.HELP_CHANNEL_BLOCK, ids.HELP_CHANNEL_ACTION).get(
        "selected_conversation"
    )
    flow.publish_request(
        deps,
        client,
        team_id=team_of(body),
        user_id=body["user"]["id"],
        channel_id=str(private_metadata(view).get("channel_id") or chosen or ""),
        draft=draft,
        tell=partial(tell_privately, body, client),
    )


# ----- the card's buttons -------------------------------------------------------------------
def offer_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    deps: Deps,
) -> None:
    ack()
    result = record_offer(body, action, client, deps)
    if not result.added:
        say_privately(
            respond,
            f"You've already offered — <@{result.card.requester_id}> can see you on the card. "
            "The thread is the place to get going.",
        )


def record_offer(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> OfferResult:
    """The offer of the person who pressed an **I can help** (the card's, a reminder's,
    the Home's), and, when it is new, what follows it."""
    team_id = team_of(body)
    helper = deps.directory.profile(client, team_id, body["user"]["id"])
    with deps.sessions.begin() as session:
        result = offer_help(
            session=session,
            team_id=team_id,
            key=str(action.get("value") or ""),
            helper=helper,
            now=deps.clock(),
        )
    if result.added:
        flow.after_offer(deps, client, result.card, helper.id, team_id=team_id, first=result.first)
    return result


# ----- the reminder DM's buttons ------------------------------------------------------------
def pressed_in(body: dict[str, Any]) -> tuple[str, str] | None:
    """The message a button was pressed in (Slack's signed payload says it)."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return (str(channel), str(ts)) if channel and ts else None


def reminder_offer_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    deps: Deps,
) -> None:
    """**I can help** on a reminder DM: the offer, as on the card; then the DM says so."""
    ack()
    result = record_offer(body, action, client, deps)
    flow.answer_reminder(client, result.card, pressed_in(body), helping=True)


def reminder_open_clicked(ack: Ack) -> None:
    """**Open the request** is a link: Slack opens it and still tells us of the click."""
    ack()


def reminder_declined(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """**Not this time**: no more reminders about that request for that person."""
    ack()
    with deps.sessions.begin() as session:
        card = decline_reminders(
            session=session,
            team_id=team_of(body),
            key=str(action.get("value") or ""),
            user_id=body["user"]["id"],
        )
    flow.answer_reminder(client, card, pressed_in(body), helping=False)


def resolve_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    ack()
    key, team_id = str(action.get("value") or ""), team_of(body)
    with deps.sessions.begin() as session:
        card = check_resolver(session=session, team_id=team_id, key=key, user_id=body["user"]["id"])
    client.views_open(
        trigger_id=body["trigger_id"],
        view=resolve_modal(card=card, private_metadata=json.dumps({"key": key})),
    )
    deps.directory.sync_roster(client, team_id)  # so the form's answer needs no network


def _picked_helpers(view: dict[str, Any]) -> list[str]:
    picked = field(view, ids.HELP_HELPERS_BLOCK, ids.HELP_HELPERS_ACTION).get("selected_users")
    return list(dict.fromkeys(picked or []))


def _note(view: dict[str, Any]) -> str | None:
    value = field(view, ids.HELP_NOTE_BLOCK, ids.HELP_NOTE_ACTION).get("value")
    return str(value) if value is not None else None


def check_resolve_form(deps: Deps, team_id: str, user_id: str, view: dict[str, Any]) -> str:
    """Every rule of resolving, from stored data (no network); the request's key."""
    key = str(private_metadata(view).get("key") or "")
    helpers = deps.directory.picked(team_id, _picked_helpers(view), field="helpers")
    with deps.sessions() as session:
        check_resolution(
            session=session,
            team_id=team_id,
            key=key,
            resolver_id=user_id,
            helpers=helpers,
            note=_note(view),
        )
    return key


def resolve_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps, defer: Defer
) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    key = checked(
        ack,
        lambda: check_resolve_form(deps, team_id, user_id, view),
        blocks=_RESOLVE_BLOCKS,
        default=ids.HELP_HELPERS_BLOCK,
    )
    if key is None:
        return
    defer(resolve_from_form)
    ack()


def resolve_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    key = str(private_metadata(view).get("key") or "")
    helpers = [
        deps.directory.require(client, team_id, uid, field="helpers")
        for uid in _picked_helpers(view)
    ]
    with deps.sessions.begin() as session:
        resolution = resolve_request(
            session=session,
            team_id=team_id,
            key=key,
            resolver_id=user_id,
            helpers=helpers,
            note=_note(view),
            now=deps.clock(),
        )
    flow.after_resolved(deps, client, resolution, team_id=team_id)


def reopen_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    ack()
    with deps.sessions.begin() as session:
        card = reopen_request(
            session=session,
            team_id=team_of(body),
            key=str(action.get("value") or ""),
            user_id=body["user"]["id"],
            now=deps.clock(),
        )
    flow.update_card(client, card)


# ----- help in the thread -----------------------------------------------------------------------
def on_thread_reply(deps: Deps, client: WebClient, team_id: str, event: dict[str, Any]) -> None:
    """A message hook: a reply in a help card's thread by someone else is help given."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or not event.get("user"):
        return
    flow.thread_reply(
        deps,
        client,
        team_id=team_id,
        channel_id=str(event.get("channel") or ""),
        thread_ts=str(thread_ts),
        user_id=str(event["user"]),
    )
