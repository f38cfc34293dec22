"""`/reciprocity record [period]`, and its Download and Share with… buttons (also on App Home).

Nothing leaves the owner's own view unless they press a button: Download puts the file in
their DM, Share with… sends one copy to the one person they pick.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.record import (
    download_confirmation,
    record_message,
    share_modal,
    shared_confirmation,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows.record import record_for, send_record_file, share_record
from bot.payloads import private_metadata, team_of
from bot.services.record import parse_period
from handlers.forms import checked, field
from handlers.queue import Defer
from handlers.replies import tell_privately
from handlers.routing import Routes


def register(app: Routes) -> None:
    app.action(ids.RECORD_DOWNLOAD_ACTION)(download_clicked, queued=True)
    app.action(ids.RECORD_SHARE_ACTION)(share_clicked)
    app.view(ids.RECORD_SHARE_MODAL)(ack=share_submitted, lazy=[share_from_form])


def record_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    record = record_for(
        deps, client, team_id=command["team_id"], user_id=command["user_id"], spec=args
    )
    respond(response_type="ephemeral", **record_message(record))


def _spec(value: Any) -> str:
    """The period a button or a form carries (as the owner typed it, normalised)."""
    try:
        spec = json.loads(str(value or "")).get("p", "")
    except (ValueError, AttributeError):
        raise DomainError(
            "This button has expired — ask again with `/reciprocity record`."
        ) from None
    return str(spec or "")


def download_clicked(
    body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    """From the queue: the record as a file in the presser's own DM."""
    send_record_file(
        deps,
        client,
        team_id=team_of(body),
        user_id=body["user"]["id"],
        spec=_spec(action.get("value")),
    )
    if body.get("response_url"):
        respond(text=download_confirmation(), response_type="ephemeral", replace_original=False)


def share_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """The modal to pick one person, at once (its trigger lasts 3 s)."""
    ack()
    spec = _spec(action.get("value"))
    metadata = {"p": spec, "response_url": body.get("response_url")}
    view = share_modal(spec)
    view["private_metadata"] = json.dumps(metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _picked(view: dict[str, Any]) -> str:
    user = field(view, ids.RECORD_SHARE_BLOCK, ids.RECORD_SHARE_USER_ACTION).get("selected_user")
    return str(user or "")


def check_share(deps: Deps, team_id: str, sharer_id: str, view: dict[str, Any]) -> str:
    """From local data only: someone picked, not the sharer, not a bot."""
    receiver_id = _picked(view)
    if not receiver_id:
        raise DomainError("Pick the person to send a copy to.")
    if receiver_id == sharer_id:
        raise DomainError("That's you — *Download* puts the record in your DM.")
    (person,) = deps.directory.picked(team_id, [receiver_id])
    if person.is_bot or person.deleted:
        raise DomainError("Pick a person (not a bot or a deactivated account).")
    parse_period(_spec(json.dumps(private_metadata(view))), now=deps.clock())
    return receiver_id


def share_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps, defer: Defer
) -> None:
    team_id, sharer_id = team_of(body), body["user"]["id"]
    receiver = checked(
        ack,
        lambda: check_share(deps, team_id, sharer_id, view),
        blocks={},
        default=ids.RECORD_SHARE_BLOCK,
    )
    if receiver is None:
        return
    defer(share_from_form)
    ack()


def share_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """From the queue: one copy to the one person picked, and a word to the owner."""
    team_id, sharer_id = team_of(body), body["user"]["id"]
    metadata = private_metadata(view)
    receiver_id = _picked(view)
    share_record(
        deps,
        client,
        team_id=team_id,
        sharer_id=sharer_id,
        receiver_id=receiver_id,
        spec=_spec(json.dumps(metadata)),
    )
    tell_privately(body, client, shared_confirmation(receiver_id))
