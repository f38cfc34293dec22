"""Feedback workflows: asking reviewers by DM, delivering an answer privately, and the offer
to send feedback after help is resolved or a mentoring session is logged.

Feedback text is never logged here, and only ever sent to its receiver's DM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.blocks.feedback import (
    declined_dm,
    delivery_dm,
    offer_closed_dm,
    offer_dm,
    request_closed_dm,
    request_dm,
)
from bot.deps import Deps
from bot.flows.nudges import Delivery, deliver_nudge
from bot.flows.outbox import post_once
from bot.services.feedback import (
    GivenFeedback,
    RequestView,
    attach_dm,
    offer_group,
    record_offer,
    request_feedback,
)
from bot.services.gate import Kind
from bot.services.people import Person
from bot.slack_api import open_dm, update_message

OFFER_EXPIRES = timedelta(days=7)

DmRef = tuple[str, str]
"""(channel, ts) of a DM the bot posted, so it can be updated once answered."""


def direct_message(client: WebClient, user_id: str, message: dict[str, Any]) -> DmRef:
    posted = client.chat_postMessage(channel=user_id, **message)
    return str(posted["channel"]), str(posted["ts"])


def offer_feedback(
    deps: Deps, client: WebClient, *, team_id: str, helped_id: str, helper_id: str, about: str
) -> Delivery | None:
    """`offer_feedback_to` for one helper (a mentoring session)."""
    return offer_feedback_to(
        deps, client, team_id=team_id, helped_id=helped_id, helper_ids=[helper_id], about=about
    )


def offer_feedback_to(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    helped_id: str,
    helper_ids: Sequence[str],
    about: str,
) -> Delivery | None:
    """Invite the person helped to send private feedback to those who helped: one offer per
    (helped, helper, about), all of this occasion's in one invitation.

    The invitation is a nudge the bot starts on its own, so it goes through the gate: sent now
    within the person's working hours, else queued for their next allowed moment (the reminders
    job sends it), dropped if they opted out of prompts or it is still waiting after 7 days.
    Returns what the delivery did, or None when no offer was due.
    """
    helped = deps.directory.get(client, team_id, helped_id)
    if helped is None or helped.is_bot or helped.deleted:
        return None
    names: dict[str, str] = {}
    for uid in dict.fromkeys(helper_ids):
        person = deps.directory.get(client, team_id, uid)
        if person is not None and not person.is_bot and not person.deleted:
            names[uid] = person.label
    now = deps.clock()
    offers = []
    with deps.sessions.begin() as session:
        for uid in names:
            offer = record_offer(
                session=session,
                team_id=team_id,
                helped_id=helped_id,
                helper_id=uid,
                about=about,
                now=now,
            )
            if offer is not None:
                offers.append(offer)
    if not offers:
        return None
    return deliver_nudge(
        deps,
        client,
        team_id=team_id,
        user_id=helped_id,
        kind=Kind.PROMPT,
        key=f"feedback-offer:{offers[0].id}",  # the first's id names the occasion
        message=offer_dm(offers, names),
        now=now,
        expires_at=now + OFFER_EXPIRES,
    )


def ask_reviewers(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    requester: Person,
    reviewers: list[Person],
    topic: str | None,
    link: str | None,
) -> list[RequestView]:
    """Record one request per reviewer, then DM each of them the invitation."""
    with deps.sessions.begin() as session:
        requests = request_feedback(
            session=session,
            team_id=team_id,
            requester=requester,
            reviewers=reviewers,
            topic=topic,
            message_link=link,
            now=deps.clock(),
        )
    for request in requests:
        channel, ts = post_once(
            deps,
            client,
            team_id=team_id,
            key=f"feedback-request:{request.id}",
            channel=request.reviewer_id,
            message=request_dm(request),
        )
        with deps.sessions.begin() as session:
            attach_dm(
                session=session,
                team_id=request.team_id,
                request_id=request.id,
                channel=channel,
                ts=ts,
            )
    return requests


def tell_declined(
    deps: Deps, client: WebClient, request: RequestView, pressed_in: DmRef | None
) -> None:
    """The reviewer's invitation loses its buttons; the requester hears it kindly (once)."""
    if pressed_in:
        update_message(client, *pressed_in, request_closed_dm(request))
    else:  # declined on App Home: no DM to update, so confirm by DM
        post_once(
            deps,
            client,
            team_id=request.team_id,
            key=f"feedback-declined-confirm:{request.id}",
            channel=request.reviewer_id,
            message=request_closed_dm(request),
        )
    post_once(
        deps,
        client,
        team_id=request.team_id,
        key=f"feedback-declined:{request.id}",
        channel=request.requester_id,
        message=declined_dm(request),
    )


def deliver_feedback(
    deps: Deps,
    client: WebClient,
    given: GivenFeedback,
    *,
    team_id: str,
    offer: bool,
    pressed_in: DmRef | None,
) -> None:
    """To the receiver's DM only (once, however often this runs); then the giver's invitation
    loses its buttons — if `pressed_in` really is the giver's DM with the bot (it came back
    from a form's private_metadata, so it is checked, never trusted)."""
    post_once(
        deps,
        client,
        team_id=team_id,
        key=f"feedback:{given.id}",
        channel=given.receiver_id,
        message=delivery_dm(given),
    )
    pressed_in = own_dm(client, given.giver_id, pressed_in)
    if given.request_id is not None:
        closed = RequestView(
            id=given.request_id,
            team_id="",
            requester_id=given.receiver_id,
            reviewer_id=given.giver_id,
            topic=given.topic,
            message_link=given.message_link,
            status="given",
            requested_at=given.created_at,
        )
        stored = (given.dm_channel, given.dm_ts)
        if stored[0] and stored[1] and stored != pressed_in:
            update_message(client, stored[0], stored[1], request_closed_dm(closed))
        if pressed_in:
            update_message(client, *pressed_in, request_closed_dm(closed))
    elif offer and pressed_in and given.offer_id is not None:
        with deps.sessions() as session:
            still, sent = offer_group(session=session, team_id=team_id, offer_id=given.offer_id)
        if still:  # the others who helped keep their buttons
            names = {}
            for o in still:
                person = deps.directory.get(client, team_id, o.helper_id)
                names[o.helper_id] = person.label if person else o.helper_id
            update_message(client, *pressed_in, offer_dm(still, names, sent_to=sent))
        else:
            update_message(client, *pressed_in, offer_closed_dm(given.receiver_id, sent=True))


def own_dm(client: WebClient, user_id: str, ref: DmRef | None) -> DmRef | None:
    """`ref`, if it is a message in the bot's DM with this person; else None."""
    if ref is None or not ref[0].startswith("D"):
        return None
    return ref if open_dm(client, [user_id]) == ref[0] else None


def close_offer(client: WebClient, pressed_in: DmRef | None) -> None:
    """ "Not now" on an offer: its buttons go away, nothing else happens."""
    if pressed_in:
        update_message(client, *pressed_in, offer_closed_dm("", sent=False))
