"""Giving kudos: record them within the giver's budget, then post them where the channel
sends its kudos (or, where the bot isn't, answer in the channel through the response_url)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks.kudos import kudos_message
from bot.deps import Deps
from bot.flows.outbox import post_once
from bot.services.channels import kudos_destination
from bot.services.kudos import KudosResult, attach_message, give_kudos
from bot.services.people import Person
from bot.slack_api import gives_up
from bot.work import stable_uuid


def give_and_post(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    giver_id: str,
    receivers: list[Person],
    reason: str,
    value: str | None,
    channel_id: str,
    source_link: str | None,
    response_url: str | None,
) -> KudosResult:
    """Record the kudos (a DomainError when a rule says no), then post it."""
    giver = deps.directory.profile(client, team_id, giver_id)
    with deps.sessions.begin() as session:
        result = give_kudos(
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
            post_id=stable_uuid("kudos"),
        )
    post(deps, client, result, team_id=team_id, response_url=response_url)
    return result


def post(
    deps: Deps, client: WebClient, result: KudosResult, *, team_id: str, response_url: str | None
) -> None:
    """Post in the channel; if the bot isn't in it, answer there through the response_url."""
    message = kudos_message(result)
    with deps.sessions() as session:
        destination = kudos_destination(
            session=session, team_id=team_id, channel_id=result.channel_id
        )
    try:
        _, ts = post_once(
            deps,
            client,
            team_id=team_id,
            key=f"kudos:{result.post_id}",
            channel=destination,
            message=message,
        )
    except SlackApiError as exc:
        if not gives_up(exc) or not response_url:
            raise
        WebhookClient(response_url).send(response_type="in_channel", **message)
        return
    with deps.sessions.begin() as session:
        attach_message(session=session, team_id=team_id, post_id=result.post_id, ts=ts)
