"""`/kudos`, its modal and the **Give kudos for this** message shortcut."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import ids
from bot.blocks.kudos import kudos_message, kudos_modal
from bot.deps import Deps
from bot.errors import DomainError
from bot.payloads import private_metadata, team_of
from bot.services.channels import kudos_destination
from bot.services.kudos import KudosResult, attach_message, give_kudos, parse_kudos
from bot.services.people import Person
from bot.services.workspaces import get_workspace
from bot.slack import permalink
from bot.text import clean

log = logging.getLogger(__name__)

_CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


def register(app: App, deps: Deps) -> None:
    def record(
        *,
        client: WebClient,
        team_id: str,
        giver_id: str,
        receivers: list[Person],
        reason: str,
        value: str | None,
        channel_id: str,
        source_link: str | None,
    ) -> KudosResult:
        giver = deps.directory.get(client, team_id, giver_id) or Person(
            id=giver_id, team_id=team_id
        )
        with deps.sessions.begin() as session:
            return give_kudos(
                session=session,
                team_id=team_id,
                giver=giver,
                receivers=receivers,
                reason=reason,
                value=value,
                channel_id=channel_id,
                source_link=source_link,
                defaults=deps.defaults,
                now=deps.clock(),
            )

    def publish(
        client: WebClient, result: KudosResult, team_id: str, response_url: str | None
    ) -> None:
        """Post in the channel; if the bot isn't in it, answer there through the response_url."""
        message = kudos_message(result)
        with deps.sessions() as session:
            destination = kudos_destination(
                session=session, team_id=team_id, channel_id=result.channel_id
            )
        try:
            posted = client.chat_postMessage(channel=destination, **message)
        except SlackApiError as exc:
            if exc.response.get("error") not in _CANNOT_POST or not response_url:
                raise
            WebhookClient(response_url).send(response_type="in_channel", **message)
            return
        with deps.sessions.begin() as session:
            attach_message(
                session=session, team_id=team_id, post_id=result.post_id, ts=posted["ts"]
            )

    def open_modal(
        client: WebClient,
        trigger_id: str,
        team_id: str,
        metadata: dict[str, Any],
        initial_users: list[str] | None = None,
        source_link: str | None = None,
    ) -> None:
        with deps.sessions.begin() as session:
            workspace = get_workspace(
                session=session, team_id=team_id, defaults=deps.defaults, now=deps.clock()
            )
            values = list(workspace.kudos_values)
        client.views_open(
            trigger_id=trigger_id,
            view=kudos_modal(
                values=values,
                private_metadata=json.dumps(metadata),
                initial_users=initial_users,
                source_link=source_link,
            ),
        )

    def kudos_ack(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """The fast part: ack, and open the modal at once (its trigger_id lasts 3 seconds)."""
        ack()
        if not command.get("text", "").strip():
            metadata = {
                "channel_id": command["channel_id"],
                "response_url": command.get("response_url"),
            }
            open_modal(client, command["trigger_id"], command["team_id"], metadata)

    def kudos_work(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """The slow part, after the ack: check, record, post."""
        if not command.get("text", "").strip():
            return
        team_id = command["team_id"]
        parsed = parse_kudos(command["text"])
        try:
            receivers = deps.directory.resolve(
                client, team_id, parsed.user_ids, parsed.names, field="receivers"
            )
            result = record(
                client=client,
                team_id=team_id,
                giver_id=command["user_id"],
                receivers=receivers,
                reason=parsed.reason,
                value=parsed.value,
                channel_id=command["channel_id"],
                source_link=None,
            )
        except DomainError as error:
            respond(text=error.message, response_type="ephemeral")
            return
        publish(client, result, team_id, command.get("response_url"))
        if result.remaining <= 1:
            left = "no kudos" if result.remaining == 0 else "one kudos"
            respond(text=f"Sent! You have {left} left for today.", response_type="ephemeral")

    app.command("/kudos")(ack=kudos_ack, lazy=[kudos_work])

    @app.shortcut(ids.KUDOS_SHORTCUT)
    def kudos_for_message(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message") or {}
        channel_id = (shortcut.get("channel") or {}).get("id", "")
        link = permalink(client, channel_id, message.get("ts"))
        author = message.get("user")
        open_modal(
            client,
            shortcut["trigger_id"],
            team_of(shortcut),
            {
                "channel_id": channel_id,
                "response_url": shortcut.get("response_url"),
                "source_link": link,
            },
            initial_users=[author] if author and author != shortcut["user"]["id"] else None,
            source_link=link,
        )

    @app.view(ids.KUDOS_MODAL)
    def kudos_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = team_of(body)
        metadata = private_metadata(view)
        if not metadata.get("channel_id"):
            expired = "This form lost track of its channel — please start again with /kudos."
            ack(response_action="errors", errors={ids.KUDOS_REASON_BLOCK: expired})
            return
        state = view["state"]["values"]
        user_ids = (
            state[ids.KUDOS_RECEIVERS_BLOCK][ids.KUDOS_RECEIVERS_ACTION].get("selected_users") or []
        )
        reason = state[ids.KUDOS_REASON_BLOCK][ids.KUDOS_REASON_ACTION].get("value") or ""
        selected = (state.get(ids.KUDOS_VALUE_BLOCK, {}).get(ids.KUDOS_VALUE_ACTION) or {}).get(
            "selected_option"
        )
        try:
            receivers = deps.directory.resolve(
                client, team_id, list(user_ids), [], field="receivers"
            )
            result = record(
                client=client,
                team_id=team_id,
                giver_id=body["user"]["id"],
                receivers=receivers,
                reason=clean(reason),
                value=selected["value"] if selected else None,
                channel_id=metadata.get("channel_id", ""),
                source_link=metadata.get("source_link"),
            )
        except DomainError as error:
            block = {
                "receivers": ids.KUDOS_RECEIVERS_BLOCK,
                "value": ids.KUDOS_VALUE_BLOCK,
            }.get(error.field or "", ids.KUDOS_REASON_BLOCK)
            ack(response_action="errors", errors={block: error.message})
            return
        ack()
        publish(client, result, team_id, metadata.get("response_url"))
