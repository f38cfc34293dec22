"""Giving kudos: record them within the giver's budget, then post them where the channel
sends its kudos (or, where the bot isn't, answer in the channel through the response_url),
and tell the giver privately what they should know (where it went, who else the reason
mentions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks.kudos import kudos_confirmation, kudos_message
from bot.deps import Deps
from bot.flows.outbox import post_once
from bot.services.channels import kudos_destination
from bot.services.kudos import KudosResult, attach_message, give_kudos
from bot.services.people import Person
from bot.slack_api import gives_up
from bot.work import repeated, stable_uuid


@dataclass(frozen=True)
class Posted:
    result: KudosResult
    elsewhere: str | None  # the other channel it was posted in, if the channel chose one


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
    post_id: str | None = None,
) -> Posted:
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
            post_id=post_id or stable_uuid("kudos"),
            # a post id of the caller's may be given already (a button clicked twice); ours,
            # only by an earlier run of this work
            repeated=post_id is not None or repeated(),
        )
        destination = kudos_destination(
            session=session, team_id=team_id, channel_id=result.channel_id
        )
    elsewhere = post(
        deps, client, result, team_id=team_id, destination=destination, response_url=response_url
    )
    return Posted(result=result, elsewhere=elsewhere)


def post(
    deps: Deps,
    client: WebClient,
    result: KudosResult,
    *,
    team_id: str,
    destination: str,
    response_url: str | None,
) -> str | None:
    """Post in `destination`, where the channel sends its kudos (saying where it was given,
    when that is another channel); if the bot isn't there, answer in the channel through the
    response_url. The other channel it went to, or None."""
    elsewhere = destination if destination != result.channel_id else None
    message = kudos_message(result, from_channel=result.channel_id if elsewhere else None)
    try:
        post_once(
            deps,
            client,
            team_id=team_id,
            key=f"kudos:{result.post_id}",
            channel=destination,
            message=message,
            and_record=lambda session, _channel, ts: attach_message(
                session=session, team_id=team_id, post_id=result.post_id, ts=ts
            ),
            unposted=result.given_now,  # new rows: no run before could have posted them
        )
    except SlackApiError as exc:
        if not gives_up(exc) or not response_url:
            raise
        WebhookClient(response_url).send(response_type="in_channel", **kudos_message(result))
        return None
    return elsewhere


def confirm(
    client: WebClient,
    posted: Posted,
    *,
    response_url: str | None,
    offers: Sequence[Person] = (),
    unknown_tag: str | None = None,
    values: Sequence[str] = (),
) -> None:
    """The giver's private confirmation, when there is something to say."""
    result = posted.result
    offered = [
        p
        for p in offers
        if p.id not in result.receiver_ids
        and p.id != result.giver_id
        and not p.is_bot
        and not p.deleted
    ]
    message = kudos_confirmation(
        post_id=result.post_id,
        posted_in=posted.elsewhere,
        remaining=result.remaining,
        offers=offered,
        unknown_tag=unknown_tag,
        values=values,
    )
    if message is not None:
        tell_giver(client, result, message, response_url=response_url)


def tell_giver(
    client: WebClient, result: KudosResult, message: dict[str, Any], *, response_url: str | None
) -> None:
    """An ephemeral to the giver: through the response_url, else in the channel."""
    if response_url:
        WebhookClient(response_url).send(
            response_type="ephemeral", replace_original=False, **message
        )
        return
    client.chat_postEphemeral(channel=result.channel_id, user=result.giver_id, **message)
