"""`/feedback`, the reviewer's DM buttons, the structured modal, and the **Request feedback
on this** shortcut.

Feedback text is never logged here, and only ever sent to its receiver's DM.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks import usage
from bot.blocks.feedback import (
    AS_WRITTEN,
    BLOCK_IDS,
    feedback_list,
    feedback_modal,
    request_modal,
    requested_text,
    requested_view,
    sent_view,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows import feedback as flow
from bot.flows.feedback import DmRef
from bot.payloads import private_metadata, team_of
from bot.services.feedback import (
    FIELDS,
    MAX_REVIEWERS,
    Draft,
    check_answer,
    check_person,
    decline_request,
    draft_errors,
    get_offer,
    give_feedback,
    labelling_errors,
    open_request,
    parse_feedback,
    plan_requests,
    received_feedback,
)
from bot.slack_api import permalink
from bot.work import stable_id
from handlers.forms import checked, field
from handlers.queue import Defer
from handlers.replies import with_usage
from handlers.routing import Routes

_FORM_BLOCKS = {**BLOCK_IDS, "people": ids.FEEDBACK_SITUATION_BLOCK}
_REQUEST_BLOCKS = {"people": ids.FEEDBACK_REVIEWERS_BLOCK, "topic": ids.FEEDBACK_TOPIC_BLOCK}


def register(app: Routes) -> None:
    app.command("/feedback")(ack=feedback_command, lazy=[feedback_from_command])
    app.shortcut(ids.FEEDBACK_SHORTCUT)(feedback_on_message)
    app.view(ids.FEEDBACK_REQUEST_MODAL)(ack=request_submitted, lazy=[ask_from_form])
    app.action(ids.FEEDBACK_GIVE_ACTION)(give_clicked)
    app.action(ids.FEEDBACK_DECLINE_ACTION)(decline_clicked, queued=True)
    app.action(ids.FEEDBACK_OFFER_ACTION)(offer_clicked)
    app.action(ids.FEEDBACK_OFFER_DISMISS_ACTION)(offer_dismissed, queued=True)
    app.view(ids.FEEDBACK_MODAL)(ack=feedback_submitted, lazy=[give_from_form])


def pressed_in(body: dict[str, Any]) -> DmRef | None:
    """The DM message a button was pressed in, so it can be updated afterwards."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return (str(channel), str(ts)) if channel and ts else None


def open_form(
    client: WebClient, trigger_id: str, receiver_id: str, metadata: dict[str, Any], **about: Any
) -> None:
    client.views_open(
        trigger_id=trigger_id,
        view=feedback_modal(
            receiver_id=receiver_id, private_metadata=json.dumps(metadata), **about
        ),
    )


# ----- /feedback -----------------------------------------------------------------------------
@with_usage(usage.FEEDBACK)
def feedback_command(
    ack: Ack, command: dict[str, Any], client: WebClient, deps: Deps, defer: Defer
) -> None:
    """The fast part: `give` opens the form at once (its trigger lasts 3 s); the rest is
    queued (committed) and done from the queue."""
    parsed = parse_feedback(command.get("text", ""))
    if parsed.action != "give":
        defer(feedback_from_command)
        ack()
        return
    ack()
    team_id, user_id = command["team_id"], command["user_id"]
    people = deps.directory.resolve(client, team_id, parsed.user_ids, parsed.names, field="people")
    if len(people) != 1:
        raise DomainError(
            "Name one person: `/feedback give @name`."
            if not people
            else "One person at a time, please — feedback is personal."
        )
    giver = deps.directory.profile(client, team_id, user_id)
    check_person(giver, people[0], verb="give feedback to")
    open_form(client, command["trigger_id"], people[0].id, {"to": people[0].id}, reader_id=user_id)


@with_usage(usage.FEEDBACK)
def feedback_from_command(
    command: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    team_id, user_id = command["team_id"], command["user_id"]
    parsed = parse_feedback(command.get("text", ""))
    if parsed.action == "request":
        if len(parsed.user_ids) + len(parsed.names) > MAX_REVIEWERS:
            raise DomainError(
                f"Please ask at most {MAX_REVIEWERS} people at a time, so each answer "
                "gets the attention it deserves."
            )
        reviewers = deps.directory.resolve(
            client, team_id, parsed.user_ids, parsed.names, field="people"
        )
        requests = flow.ask_reviewers(
            deps,
            client,
            team_id=team_id,
            requester=deps.directory.profile(client, team_id, user_id),
            reviewers=reviewers,
            topic=parsed.topic,
            link=None,
        )
        respond(text=requested_text(requests), response_type="ephemeral")
    elif parsed.action == "list":
        with deps.sessions() as session:
            items = received_feedback(session=session, team_id=team_id, user_id=user_id)
        respond(**feedback_list(items), response_type="ephemeral")
    else:
        word = (command.get("text", "").split() or [""])[0]
        known = ("request", "give", "list")
        intro = usage.unknown_word(word, known) + "\n\n" if parsed.action == "unknown" else ""
        respond(text=intro + usage.FEEDBACK, response_type="ephemeral")


# ----- the shortcut: Request feedback on this ----------------------------------------------
def feedback_on_message(ack: Ack, shortcut: dict[str, Any], client: WebClient, deps: Deps) -> None:
    ack()
    message = shortcut.get("message") or {}
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    link = permalink(client, channel_id, message.get("ts"))
    client.views_open(
        trigger_id=shortcut["trigger_id"],
        view=request_modal(private_metadata=json.dumps({"link": link}), message_link=link),
    )
    deps.directory.sync_roster(client, team_of(shortcut))  # so the form's answer needs no network


def _request_form(view: dict[str, Any]) -> tuple[list[str], str | None, str | None]:
    picked = field(view, ids.FEEDBACK_REVIEWERS_BLOCK, ids.FEEDBACK_REVIEWERS_ACTION)
    topic = field(view, ids.FEEDBACK_TOPIC_BLOCK, ids.FEEDBACK_TOPIC_ACTION).get("value")
    link = private_metadata(view).get("link")
    return (
        list(picked.get("selected_users") or []),
        topic,
        link if isinstance(link, str) else None,
    )


def request_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps, defer: Defer
) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    user_ids, topic, link = _request_form(view)
    planned = checked(
        ack,
        lambda: plan_requests(
            requester=deps.directory.stored(team_id, user_id),
            reviewers=deps.directory.picked(team_id, user_ids, field="people"),
            topic=topic,
            message_link=link,
        ),
        blocks=_REQUEST_BLOCKS,
        default=ids.FEEDBACK_REVIEWERS_BLOCK,
    )
    if planned is None:
        return
    defer(ask_from_form)
    ack(response_action="update", view=requested_view(planned))


def ask_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    team_id, user_id = team_of(body), body["user"]["id"]
    user_ids, topic, link = _request_form(view)
    flow.ask_reviewers(
        deps,
        client,
        team_id=team_id,
        requester=deps.directory.profile(client, team_id, user_id),
        reviewers=deps.directory.resolve(client, team_id, user_ids, [], field="people"),
        topic=topic,
        link=link,
    )


# ----- the reviewer's buttons ---------------------------------------------------------------
def give_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    ack()
    with deps.sessions() as session:
        request = open_request(
            session=session,
            team_id=team_of(body),
            request_id=action.get("value"),
            reviewer_id=body["user"]["id"],
        )
    open_form(
        client,
        body["trigger_id"],
        request.requester_id,
        {"request_id": request.id, "to": request.requester_id, "dm": pressed_in(body)},
        topic=request.topic,
        message_link=request.message_link,
        reader_id=body["user"]["id"],
    )


def decline_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    ack()
    with deps.sessions.begin() as session:
        request = decline_request(
            session=session,
            team_id=team_of(body),
            request_id=action.get("value"),
            reviewer_id=body["user"]["id"],
            now=deps.clock(),
        )
    flow.tell_declined(deps, client, request, pressed_in(body))


def offer_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    ack()
    with deps.sessions() as session:
        offer = get_offer(
            session=session,
            team_id=team_of(body),
            offer_id=action.get("value"),
            helped_id=body["user"]["id"],
        )
    open_form(
        client,
        body["trigger_id"],
        offer.helper_id,
        {"offer_id": offer.id, "to": offer.helper_id, "dm": pressed_in(body)},
        topic=offer.about,
        reader_id=body["user"]["id"],
    )


def offer_dismissed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    flow.close_offer(client, pressed_in(body))


# ----- the structured modal -----------------------------------------------------------------
def _draft(view: dict[str, Any]) -> tuple[Draft, bool]:
    draft = Draft(
        **{
            name: str(field(view, BLOCK_IDS[name], ids.FEEDBACK_TEXT_ACTION).get("value") or "")
            for name in FIELDS
        }
    ).cleaned()
    ticked = field(view, ids.FEEDBACK_AS_WRITTEN_BLOCK, ids.FEEDBACK_AS_WRITTEN_ACTION)
    as_written = any(o.get("value") == AS_WRITTEN for o in ticked.get("selected_options") or [])
    return draft, as_written


def _receiver_id(metadata: dict[str, Any]) -> str:
    receiver_id = metadata.get("to")
    if not isinstance(receiver_id, str):
        raise DomainError("This form has expired — please start again from the message.")
    return receiver_id


def check_feedback_form(deps: Deps, team_id: str, giver_id: str, view: dict[str, Any]) -> str:
    """Every rule of the form, from stored data (no network); whom it is for."""
    metadata = private_metadata(view)
    draft, _ = _draft(view)
    (receiver,) = deps.directory.picked(team_id, [_receiver_id(metadata)], field="people")
    giver = deps.directory.stored(team_id, giver_id)
    with deps.sessions() as session:
        check_answer(
            session=session,
            team_id=team_id,
            giver=giver,
            receiver=receiver,
            draft=draft,
            request_id=metadata.get("request_id"),
            offer_id=metadata.get("offer_id"),
        )
    return receiver.id


def feedback_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps, defer: Defer
) -> None:
    """The fast part: every rule checked on the form; then the feedback is queued (committed)
    and the form says it is on its way."""
    team_id, giver_id = team_of(body), body["user"]["id"]
    draft, as_written = _draft(view)
    errors = draft_errors(draft) or ({} if as_written else labelling_errors(draft))
    if errors:
        ack(
            response_action="errors",
            errors={BLOCK_IDS[name]: message for name, message in errors.items()},
        )
        return
    receiver_id = checked(
        ack,
        lambda: check_feedback_form(deps, team_id, giver_id, view),
        blocks=_FORM_BLOCKS,
        default=ids.FEEDBACK_SITUATION_BLOCK,
    )
    if receiver_id is None:
        return
    defer(give_from_form)
    ack(response_action="update", view=sent_view(receiver_id))


def give_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """The slow part, from the queue: store it, deliver it to the receiver's DM, close the
    invitation. A failed delivery is retried by the queue (stored once: `origin`)."""
    team_id, giver_id = team_of(body), body["user"]["id"]
    metadata = private_metadata(view)
    draft, as_written = _draft(view)
    receiver_id = _receiver_id(metadata)
    giver = deps.directory.profile(client, team_id, giver_id)
    receiver = deps.directory.require(client, team_id, receiver_id, field="people")
    with deps.sessions.begin() as session:
        given = give_feedback(
            session=session,
            team_id=team_id,
            giver=giver,
            receiver=receiver,
            draft=draft,
            request_id=metadata.get("request_id"),
            offer_id=metadata.get("offer_id"),
            sent_as_written=as_written,
            now=deps.clock(),
            origin=stable_id("feedback"),
        )
    flow.deliver_feedback(
        deps,
        client,
        given,
        team_id=team_id,
        offer=metadata.get("offer_id") is not None,
        pressed_in=dm_in(metadata),
    )


def dm_in(metadata: dict[str, Any]) -> DmRef | None:
    """The (channel, ts) the form was opened from, if it has that shape (the flow checks it
    is the giver's DM before touching it)."""
    dm = metadata.get("dm")
    if isinstance(dm, list) and len(dm) == 2 and all(isinstance(part, str) for part in dm):
        return dm[0], dm[1]
    return None
