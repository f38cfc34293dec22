"""`/feedback`, the reviewer's DM buttons, the structured modal, the **Request feedback on
this** shortcut, and `offer_feedback` (called after help is resolved or a session is logged).

Feedback text is never logged here, and only ever sent to its receiver's DM.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.feedback import (
    AS_WRITTEN,
    BLOCK_IDS,
    declined_dm,
    delivery_dm,
    feedback_list,
    feedback_modal,
    offer_closed_dm,
    offer_dm,
    request_closed_dm,
    request_dm,
    request_modal,
    requested_text,
    sent_view,
    usage_text,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.payloads import private_metadata, team_of
from bot.services.feedback import (
    FIELDS,
    MAX_REVIEWERS,
    Draft,
    GivenFeedback,
    RequestView,
    attach_dm,
    check_person,
    check_topic,
    decline_request,
    draft_errors,
    get_offer,
    give_feedback,
    labelling_errors,
    open_request,
    parse_feedback,
    received_feedback,
    record_offer,
    request_feedback,
)
from bot.services.gate import Kind
from bot.services.people import Person
from bot.slack import permalink
from scheduler.reminders import QUEUED, deliver_nudge

log = logging.getLogger(__name__)


def _container(body: dict[str, Any]) -> list[str] | None:
    """The DM message a button was pressed in, so it can be updated afterwards."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    return [channel, ts] if channel and ts else None


def _dm(client: WebClient, user_id: str, message: dict[str, Any]) -> tuple[str, str]:
    posted = client.chat_postMessage(channel=user_id, **message)
    return str(posted["channel"]), str(posted["ts"])


def _replace(
    client: WebClient, where: list[str] | tuple[str, str] | None, message: dict[str, Any]
) -> None:
    """Update a DM in place (buttons gone); a vanished message is not worth an error."""
    if not where:
        return
    try:
        client.chat_update(channel=where[0], ts=where[1], **message)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("message_not_found", "cant_update_message"):
            raise
        log.info("feedback DM to update is gone")


def _answer(body: dict[str, Any], respond: Respond, client: WebClient, text: str) -> None:
    """Tell the person who clicked: ephemerally where the click came from a message, and by
    DM where it came from a view (App Home), which has no `response_url` to answer to."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=body["user"]["id"], text=text)


OFFER_EXPIRES = timedelta(days=7)


def offer_feedback(
    client: WebClient, deps: Deps, *, team_id: str, helped_id: str, helper_id: str, about: str
) -> str | None:
    """Invite the person helped, once per (helped, helper, about), to send private feedback.

    The invitation is a nudge the bot starts on its own, so it goes through the gate: sent now
    within the person's working hours, else queued for their next allowed moment (the reminders
    job sends it), dropped if they opted out of prompts or it is still waiting after 7 days.
    Returns what `deliver_nudge` did, or None when no offer was due.
    """
    for uid in (helped_id, helper_id):
        person = deps.directory.get(client, team_id, uid)
        if person is None or person.is_bot or person.deleted:
            return None
    now = deps.clock()
    with deps.sessions.begin() as session:
        offer = record_offer(
            session=session,
            team_id=team_id,
            helped_id=helped_id,
            helper_id=helper_id,
            about=about,
            now=now,
        )
    if offer is None:
        return None
    try:
        return deliver_nudge(
            deps,
            team_id=team_id,
            user_id=helped_id,
            kind=Kind.PROMPT,
            key=f"feedback-offer:{offer.id}",
            message=offer_dm(offer),
            now=now,
            expires_at=now + OFFER_EXPIRES,
        )
    except SlackApiError as exc:  # the nudge stays pending; the reminders job retries it
        log.warning(
            "feedback offer not delivered now (%s); retried later", exc.response.get("error")
        )
        return QUEUED


def register(app: App, deps: Deps) -> None:
    def person(client: WebClient, team_id: str, user_id: str) -> Person:
        found = deps.directory.get(client, team_id, user_id)
        if found is None:
            raise DomainError(f"I couldn't find <@{user_id}> in this workspace.", field="people")
        return found

    def ask(
        client: WebClient,
        team_id: str,
        requester_id: str,
        reviewers: list[Person],
        topic: str | None,
        link: str | None,
    ) -> list[RequestView]:
        requester = deps.directory.get(client, team_id, requester_id) or Person(
            id=requester_id, team_id=team_id
        )
        with deps.sessions.begin() as session:
            return request_feedback(
                session=session,
                team_id=team_id,
                requester=requester,
                reviewers=reviewers,
                topic=topic,
                message_link=link,
                now=deps.clock(),
            )

    def notify_reviewers(client: WebClient, requests: list[RequestView]) -> None:
        for request in requests:
            channel, ts = _dm(client, request.reviewer_id, request_dm(request))
            with deps.sessions.begin() as session:
                attach_dm(
                    session=session,
                    team_id=request.team_id,
                    request_id=request.id,
                    channel=channel,
                    ts=ts,
                )

    def open_form(
        client: WebClient, trigger_id: str, receiver_id: str, metadata: dict[str, Any], **about: Any
    ) -> None:
        client.views_open(
            trigger_id=trigger_id,
            view=feedback_modal(
                receiver_id=receiver_id, private_metadata=json.dumps(metadata), **about
            ),
        )

    # ----- /feedback ------------------------------------------------------------------------
    @app.command("/feedback")
    def feedback_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        team_id, user_id = command["team_id"], command["user_id"]
        parsed = parse_feedback(command.get("text", ""))
        try:
            if parsed.action == "request":
                topic = check_topic(parsed.topic)
                if len(parsed.user_ids) + len(parsed.names) > MAX_REVIEWERS:
                    raise DomainError(
                        f"Please ask at most {MAX_REVIEWERS} people at a time, so each answer "
                        "gets the attention it deserves."
                    )
                reviewers = deps.directory.resolve(
                    client, team_id, parsed.user_ids, parsed.names, field="people"
                )
                requests = ask(client, team_id, user_id, reviewers, topic, None)
                notify_reviewers(client, requests)
                respond(text=requested_text(requests), response_type="ephemeral")
            elif parsed.action == "give":
                people = deps.directory.resolve(
                    client, team_id, parsed.user_ids, parsed.names, field="people"
                )
                if len(people) != 1:
                    raise DomainError(
                        "Name one person: `/feedback give @name`."
                        if not people
                        else "One person at a time, please — feedback is personal."
                    )
                giver = deps.directory.get(client, team_id, user_id) or Person(
                    id=user_id, team_id=team_id
                )
                check_person(giver, people[0], verb="give feedback to")
                open_form(client, command["trigger_id"], people[0].id, {"to": people[0].id})
            elif parsed.action == "list":
                with deps.sessions.begin() as session:
                    items = received_feedback(session=session, team_id=team_id, user_id=user_id)
                respond(**feedback_list(items), response_type="ephemeral")
            else:
                respond(text=usage_text(), response_type="ephemeral")
        except DomainError as error:
            respond(text=f"{error.message}\n\n{usage_text()}", response_type="ephemeral")

    # ----- the shortcut: Request feedback on this --------------------------------------------
    @app.shortcut(ids.FEEDBACK_SHORTCUT)
    def feedback_on_message(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message") or {}
        channel_id = (shortcut.get("channel") or {}).get("id", "")
        link = permalink(client, channel_id, message.get("ts"))
        client.views_open(
            trigger_id=shortcut["trigger_id"],
            view=request_modal(private_metadata=json.dumps({"link": link}), message_link=link),
        )

    @app.view(ids.FEEDBACK_REQUEST_MODAL)
    def request_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = team_of(body)
        state = view["state"]["values"]
        picked = (state.get(ids.FEEDBACK_REVIEWERS_BLOCK) or {}).get(
            ids.FEEDBACK_REVIEWERS_ACTION
        ) or {}
        topic = (state.get(ids.FEEDBACK_TOPIC_BLOCK) or {}).get(ids.FEEDBACK_TOPIC_ACTION) or {}
        link = private_metadata(view).get("link")
        try:
            reviewers = deps.directory.resolve(
                client, team_id, list(picked.get("selected_users") or []), [], field="people"
            )
            requests = ask(
                client,
                team_id,
                body["user"]["id"],
                reviewers,
                topic.get("value"),
                link if isinstance(link, str) else None,
            )
        except DomainError as error:
            block = ids.FEEDBACK_TOPIC_BLOCK if error.field == "topic" else None
            ack(
                response_action="errors",
                errors={block or ids.FEEDBACK_REVIEWERS_BLOCK: error.message},
            )
            return
        ack(
            response_action="update",
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "Request feedback"},
                "close": {"type": "plain_text", "text": "Done"},
                "blocks": [
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": requested_text(requests)},
                    }
                ],
            },
        )
        notify_reviewers(client, requests)

    # ----- the reviewer's buttons -------------------------------------------------------------
    @app.action(ids.FEEDBACK_GIVE_ACTION)
    def give_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        try:
            with deps.sessions.begin() as session:
                request = open_request(
                    session=session,
                    team_id=team_of(body),
                    request_id=action.get("value"),
                    reviewer_id=body["user"]["id"],
                )
        except DomainError as error:
            _answer(body, respond, client, error.message)
            return
        open_form(
            client,
            body["trigger_id"],
            request.requester_id,
            {"request_id": request.id, "to": request.requester_id, "dm": _container(body)},
            topic=request.topic,
            message_link=request.message_link,
        )

    @app.action(ids.FEEDBACK_DECLINE_ACTION)
    def decline_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        try:
            with deps.sessions.begin() as session:
                request = decline_request(
                    session=session,
                    team_id=team_of(body),
                    request_id=action.get("value"),
                    reviewer_id=body["user"]["id"],
                    now=deps.clock(),
                )
        except DomainError as error:
            _answer(body, respond, client, error.message)
            return
        where = _container(body)
        if where:
            _replace(client, where, request_closed_dm(request))
        else:  # clicked on App Home: no DM to update, so confirm by DM
            client.chat_postMessage(channel=body["user"]["id"], **request_closed_dm(request))
        _dm(client, request.requester_id, declined_dm(request))

    @app.action(ids.FEEDBACK_OFFER_ACTION)
    def offer_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        try:
            with deps.sessions.begin() as session:
                offer = get_offer(
                    session=session,
                    team_id=team_of(body),
                    offer_id=action.get("value"),
                    helped_id=body["user"]["id"],
                )
        except DomainError as error:
            _answer(body, respond, client, error.message)
            return
        open_form(
            client,
            body["trigger_id"],
            offer.helper_id,
            {"offer_id": offer.id, "to": offer.helper_id, "dm": _container(body)},
            topic=offer.about,
        )

    @app.action(ids.FEEDBACK_OFFER_DISMISS_ACTION)
    def offer_dismissed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _replace(client, _container(body), offer_closed_dm("", sent=False))

    # ----- the structured modal --------------------------------------------------------------
    @app.view(ids.FEEDBACK_MODAL)
    def feedback_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, giver_id = team_of(body), body["user"]["id"]
        metadata = private_metadata(view)
        state = view["state"]["values"]
        draft = Draft(
            **{
                name: str(
                    ((state.get(BLOCK_IDS[name]) or {}).get(ids.FEEDBACK_TEXT_ACTION) or {}).get(
                        "value"
                    )
                    or ""
                )
                for name in FIELDS
            }
        ).cleaned()
        ticked = (
            (state.get(ids.FEEDBACK_AS_WRITTEN_BLOCK) or {}).get(ids.FEEDBACK_AS_WRITTEN_ACTION)
            or {}
        ).get("selected_options") or []
        as_written = any(option.get("value") == AS_WRITTEN for option in ticked)
        errors = draft_errors(draft) or ({} if as_written else labelling_errors(draft))
        if errors:
            ack(
                response_action="errors",
                errors={BLOCK_IDS[name]: message for name, message in errors.items()},
            )
            return
        try:
            receiver_id = metadata.get("to")
            if not isinstance(receiver_id, str):
                raise DomainError("This form has expired — please start again from the message.")
            giver = deps.directory.get(client, team_id, giver_id) or Person(
                id=giver_id, team_id=team_id
            )
            receiver = person(client, team_id, receiver_id)
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
                )
        except DomainError as error:
            block = BLOCK_IDS.get(error.field or "", ids.FEEDBACK_SITUATION_BLOCK)
            ack(response_action="errors", errors={block: error.message})
            return
        ack(response_action="update", view=sent_view(receiver.id))
        deliver(client, given, metadata)

    def deliver(client: WebClient, given: GivenFeedback, metadata: dict[str, Any]) -> None:
        """To the receiver's DM only; then the giver's invitation loses its buttons."""
        _dm(client, given.receiver_id, delivery_dm(given))
        pressed_in = metadata.get("dm")
        where = pressed_in if isinstance(pressed_in, list) and len(pressed_in) == 2 else None
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
            if stored[0] and stored[1] and (not where or list(stored) != where):
                _replace(client, (str(stored[0]), str(stored[1])), request_closed_dm(closed))
            _replace(client, where, request_closed_dm(closed))
        elif metadata.get("offer_id") is not None:
            _replace(client, where, offer_closed_dm(given.receiver_id, sent=True))
