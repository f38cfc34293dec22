"""`/askhelp`, its modal, the **Ask for help with this** shortcut, the card's buttons, the
Resolved modal, reopening, thread replies as help, and `/reciprocity topics`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import ids
from bot.blocks.help_request import (
    ask_modal,
    help_card,
    not_in_channel_text,
    offer_thread_message,
    resolve_modal,
    resolved_thread_message,
    topics_text,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.payloads import private_metadata, team_of
from bot.services.help import (
    MAX_QUESTION,
    HelpCard,
    HelpDraft,
    Resolution,
    Suggestion,
    check_draft,
    check_resolver,
    create_request,
    draft_card,
    new_key,
    offer_help,
    parse_help,
    parse_tags,
    parse_urgency,
    record_thread_help,
    reopen_request,
    resolve_request,
    suggest_helpers,
)
from bot.services.people import Person, remember_member
from bot.services.topics import add_topics, list_topics, parse_topics, remove_topics, topics_of
from bot.slack import permalink
from bot.text import clean, from_slack, truncate
from handlers.feedback import offer_feedback

log = logging.getLogger(__name__)

CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
MAX_CHANNEL_MEMBERS = 5000
TOPICS_USAGE = (
    "`/reciprocity topics add|remove|list [topic …]` — the topics you can help with; "
    "help requests with matching tags may suggest you"
)
_DRAFT_BLOCKS = {
    "question": ids.HELP_QUESTION_BLOCK,
    "details": ids.HELP_DETAILS_BLOCK,
    "urgency": ids.HELP_URGENCY_BLOCK,
    "tags": ids.HELP_TAGS_BLOCK,
}
_RESOLVE_BLOCKS = {"helpers": ids.HELP_HELPERS_BLOCK, "note": ids.HELP_NOTE_BLOCK}

Tell = Callable[[str], object]


def is_direct_message(channel_id: str) -> bool:
    return not channel_id or channel_id.startswith("D")


def register(app: App, deps: Deps) -> None:
    # ----- helpers that talk to Slack ---------------------------------------------------------
    def person(client: WebClient, team_id: str, user_id: str) -> Person:
        return deps.directory.get(client, team_id, user_id) or Person(id=user_id, team_id=team_id)

    def teller(client: WebClient, user_id: str, response_url: str | None) -> Tell:
        """An ephemeral answer after the ack: through the response_url, else the app's DM."""

        def tell(text: str) -> None:
            if response_url:
                WebhookClient(response_url).send(
                    text=text, response_type="ephemeral", replace_original=False
                )
            else:
                client.chat_postMessage(channel=user_id, text=text)

        return tell

    def bot_is_in(client: WebClient, channel_id: str) -> bool:
        """Before a modal: is the bot in this channel? Unsure (an API hiccup) counts as yes,
        since posting the card answers the question for certain anyway."""
        if is_direct_message(channel_id):
            return False
        try:
            info = client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            return exc.response.get("error") not in CANNOT_POST
        return bool((info.get("channel") or {}).get("is_member", True))

    def channel_members(client: WebClient, channel_id: str) -> list[str]:
        members: list[str] = []
        try:
            for page in client.conversations_members(channel=channel_id, limit=1000):
                members.extend(page.get("members") or [])
                if len(members) >= MAX_CHANNEL_MEMBERS:
                    break
        except SlackApiError as exc:
            log.info("no member list for suggestions: %s", exc.response.get("error"))
            return []
        return members[:MAX_CHANNEL_MEMBERS]

    def find_suggestions(
        client: WebClient,
        team_id: str,
        requester_id: str,
        channel_id: str,
        tags: tuple[str, ...],
        seed: str,
    ) -> tuple[list[Suggestion], list[Person]]:
        if not tags:
            return [], []
        members = channel_members(client, channel_id)
        with deps.sessions.begin() as session:
            topics = topics_of(session=session, team_id=team_id, user_ids=members, tags=tags)
        people = [
            p
            for uid in sorted(topics)
            if uid != requester_id and (p := deps.directory.get(client, team_id, uid)) is not None
        ]
        with deps.sessions.begin() as session:
            suggestions = suggest_helpers(
                session=session,
                team_id=team_id,
                requester_id=requester_id,
                tags=tags,
                people=people,
                topics=topics,
                now=deps.clock(),
                seed=seed,
            )
        chosen = {s.user_id for s in suggestions}
        return suggestions, [p for p in people if p.id in chosen]

    def publish(
        client: WebClient,
        *,
        team_id: str,
        user_id: str,
        channel_id: str,
        draft: HelpDraft,
        tell: Tell,
    ) -> None:
        """Post the card, then store the request; a channel the bot can't post in stores nothing."""
        if is_direct_message(channel_id):
            tell(not_in_channel_text())
            return
        requester = person(client, team_id, user_id)
        key = new_key()
        suggestions, suggested = find_suggestions(
            client, team_id, user_id, channel_id, draft.tags, key
        )
        card = draft_card(
            key=key,
            requester_id=user_id,
            channel_id=channel_id,
            draft=draft,
            suggestions=suggestions,
        )
        try:
            posted = client.chat_postMessage(channel=channel_id, **help_card(card))
        except SlackApiError as exc:
            if exc.response.get("error") not in CANNOT_POST:
                raise
            tell(not_in_channel_text())
            return
        with deps.sessions.begin() as session:
            create_request(
                session=session,
                team_id=team_id,
                key=key,
                requester=requester,
                channel_id=channel_id,
                draft=draft,
                suggestions=suggestions,
                suggested_people=suggested,
                message_ts=posted["ts"],
                now=deps.clock(),
            )

    def update_card(client: WebClient, card: HelpCard) -> None:
        if not card.message_ts:
            return
        message = help_card(card)
        try:
            client.chat_update(
                channel=card.channel_id,
                ts=card.message_ts,
                text=message["text"],
                blocks=message["blocks"],
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in ("message_not_found", *CANNOT_POST):
                raise
            log.info("help card could not be updated: %s", exc.response.get("error"))

    def post_in_thread(client: WebClient, card: HelpCard, message: dict[str, Any]) -> None:
        if not card.message_ts:
            return
        try:
            client.chat_postMessage(channel=card.channel_id, thread_ts=card.message_ts, **message)
        except SlackApiError as exc:
            if exc.response.get("error") not in CANNOT_POST:
                raise
            log.info("could not post in the help card's thread: %s", exc.response.get("error"))

    def after_resolved(client: WebClient, resolution: Resolution, *, team_id: str) -> None:
        """Card, thread thank-you, then one private offer to send each helper feedback."""
        card = resolution.card
        update_card(client, card)
        post_in_thread(
            client,
            card,
            resolved_thread_message(
                requester_id=card.requester_id,
                thanked_ids=resolution.thanked_ids,
                note=resolution.note,
            ),
        )
        about = f"your help request “{truncate(card.question, 80)}”"
        for helper_id in resolution.thanked_ids:
            offer_feedback(
                client,
                deps,
                team_id=team_id,
                helped_id=card.requester_id,
                helper_id=helper_id,
                about=about,
            )

    def say_privately(respond: Respond, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    def open_ask_modal(
        client: WebClient, trigger_id: str, metadata: dict[str, Any], draft: HelpDraft | None = None
    ) -> None:
        client.views_open(
            trigger_id=trigger_id,
            view=ask_modal(private_metadata=json.dumps(metadata), draft=draft),
        )

    # ----- /askhelp ---------------------------------------------------------------------------
    @app.command("/askhelp")
    def askhelp_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        channel_id = command.get("channel_id", "")
        if is_direct_message(channel_id):
            respond(text=not_in_channel_text(), response_type="ephemeral")
            return
        if not (command.get("text") or "").strip():
            if not bot_is_in(client, channel_id):
                respond(text=not_in_channel_text(), response_type="ephemeral")
                return
            open_ask_modal(
                client,
                command["trigger_id"],
                {"channel_id": channel_id, "response_url": command.get("response_url")},
            )
            return
        try:
            draft = parse_help(command["text"])
        except DomainError as error:
            respond(text=error.message, response_type="ephemeral")
            return
        publish(
            client,
            team_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=channel_id,
            draft=draft,
            tell=lambda text: respond(text=text, response_type="ephemeral"),
        )

    @app.shortcut(ids.HELP_SHORTCUT)
    def help_with_message(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message") or {}
        channel_id = (shortcut.get("channel") or {}).get("id", "")
        user_id = shortcut["user"]["id"]
        response_url = shortcut.get("response_url")
        if not bot_is_in(client, channel_id):
            teller(client, user_id, response_url)(not_in_channel_text())
            return
        link = permalink(client, channel_id, message.get("ts"))
        text = from_slack(message.get("text") or "")
        try:
            tags = parse_tags(" ".join(w for w in text.split() if w.startswith("#")))
        except DomainError:
            tags = ()
        draft = HelpDraft(question=truncate(text, MAX_QUESTION), tags=tags, source_link=link)
        open_ask_modal(
            client,
            shortcut["trigger_id"],
            {"channel_id": channel_id, "response_url": response_url, "source_link": link},
            draft,
        )

    @app.view(ids.HELP_MODAL)
    def ask_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = team_of(body)
        user_id = body["user"]["id"]
        metadata = private_metadata(view)
        state = view["state"]["values"]

        def value(block: str, action: str) -> dict[str, Any]:
            return dict((state.get(block) or {}).get(action) or {})

        urgency = (
            value(ids.HELP_URGENCY_BLOCK, ids.HELP_URGENCY_ACTION).get("selected_option") or {}
        ).get("value")
        try:
            draft = check_draft(
                HelpDraft(
                    question=clean(
                        value(ids.HELP_QUESTION_BLOCK, ids.HELP_QUESTION_ACTION).get("value") or ""
                    ),
                    details=value(ids.HELP_DETAILS_BLOCK, ids.HELP_DETAILS_ACTION).get("value"),
                    urgency=parse_urgency(urgency),
                    tags=parse_tags(
                        value(ids.HELP_TAGS_BLOCK, ids.HELP_TAGS_ACTION).get("value") or ""
                    ),
                    source_link=metadata.get("source_link"),
                )
            )
        except DomainError as error:
            block = _DRAFT_BLOCKS.get(error.field or "", ids.HELP_QUESTION_BLOCK)
            ack(response_action="errors", errors={block: error.message})
            return
        ack()
        publish(
            client,
            team_id=team_id,
            user_id=user_id,
            channel_id=str(metadata.get("channel_id") or ""),
            draft=draft,
            tell=teller(client, user_id, metadata.get("response_url")),
        )

    # ----- the card's buttons -----------------------------------------------------------------
    @app.action(ids.HELP_OFFER_ACTION)
    def offer_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        team_id = team_of(body)
        helper = person(client, team_id, body["user"]["id"])
        try:
            with deps.sessions.begin() as session:
                result = offer_help(
                    session=session,
                    team_id=team_id,
                    key=str(action.get("value") or ""),
                    helper=helper,
                    now=deps.clock(),
                )
        except DomainError as error:
            say_privately(respond, error.message)
            return
        card = result.card
        if not result.added:
            say_privately(
                respond,
                f"You've already offered — <@{card.requester_id}> can see you on the card. "
                "The thread is the place to get going.",
            )
            return
        update_card(client, card)
        post_in_thread(
            client, card, offer_thread_message(requester_id=card.requester_id, helper_id=helper.id)
        )

    @app.action(ids.HELP_RESOLVE_ACTION)
    def resolve_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        key = str(action.get("value") or "")
        try:
            with deps.sessions.begin() as session:
                card = check_resolver(
                    session=session, team_id=team_of(body), key=key, user_id=body["user"]["id"]
                )
        except DomainError as error:
            say_privately(respond, error.message)
            return
        client.views_open(
            trigger_id=body["trigger_id"],
            view=resolve_modal(card=card, private_metadata=json.dumps({"key": key})),
        )

    @app.view(ids.HELP_RESOLVE_MODAL)
    def resolve_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = team_of(body)
        metadata = private_metadata(view)
        state = view["state"]["values"]
        user_ids = list(
            ((state.get(ids.HELP_HELPERS_BLOCK) or {}).get(ids.HELP_HELPERS_ACTION) or {}).get(
                "selected_users"
            )
            or []
        )
        note = ((state.get(ids.HELP_NOTE_BLOCK) or {}).get(ids.HELP_NOTE_ACTION) or {}).get("value")
        try:
            helpers: list[Person] = []
            for uid in dict.fromkeys(user_ids):
                found = deps.directory.get(client, team_id, uid)
                if found is None:
                    raise DomainError(
                        f"I couldn't find <@{uid}> in this workspace.", field="helpers"
                    )
                helpers.append(found)
            with deps.sessions.begin() as session:
                resolution = resolve_request(
                    session=session,
                    team_id=team_id,
                    key=str(metadata.get("key") or ""),
                    resolver_id=body["user"]["id"],
                    helpers=helpers,
                    note=note,
                    now=deps.clock(),
                )
        except DomainError as error:
            block = _RESOLVE_BLOCKS.get(error.field or "", ids.HELP_HELPERS_BLOCK)
            ack(response_action="errors", errors={block: error.message})
            return
        ack()
        after_resolved(client, resolution, team_id=team_id)

    @app.action(ids.HELP_REOPEN_ACTION)
    def reopen_clicked(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        try:
            with deps.sessions.begin() as session:
                card = reopen_request(
                    session=session,
                    team_id=team_of(body),
                    key=str(action.get("value") or ""),
                    user_id=body["user"]["id"],
                    now=deps.clock(),
                )
        except DomainError as error:
            say_privately(respond, error.message)
            return
        update_card(client, card)

    # ----- help in the thread -----------------------------------------------------------------
    def on_thread_reply(event: dict[str, Any], team_id: str, client: WebClient) -> None:
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or not event.get("user"):
            return
        with deps.sessions.begin() as session:
            card = record_thread_help(
                session=session,
                team_id=team_id,
                channel_id=str(event.get("channel") or ""),
                thread_ts=str(thread_ts),
                user_id=str(event["user"]),
                now=deps.clock(),
            )
        if card is None:
            return
        helper = deps.directory.get(client, team_id, str(event["user"]))
        if helper is not None:  # their profile, so who helped whom across departments adds up
            with deps.sessions.begin() as session:
                remember_member(session=session, person=helper, now=deps.clock())
        update_card(client, card)

    deps.message_hooks.append(on_thread_reply)

    # ----- /reciprocity topics ----------------------------------------------------------------
    def topics_command(
        command: dict[str, Any], args: str, respond: Respond, client: WebClient
    ) -> None:
        verb, _, rest = args.partition(" ")
        verb = verb.casefold()
        team_id, user_id = command["team_id"], command["user_id"]
        with deps.sessions.begin() as session:
            if verb in ("", "list"):
                topics, changed = (
                    list_topics(session=session, team_id=team_id, user_id=user_id),
                    None,
                )
            elif verb == "add":
                topics = add_topics(
                    session=session,
                    team_id=team_id,
                    user_id=user_id,
                    topics=parse_topics(from_slack(rest)),
                    now=deps.clock(),
                )
                changed = "Got it."
            elif verb in ("remove", "rm", "delete"):
                topics = remove_topics(
                    session=session,
                    team_id=team_id,
                    user_id=user_id,
                    topics=parse_topics(from_slack(rest)),
                )
                changed = "Done."
            else:
                raise DomainError(f"I know `add`, `remove` and `list`, not `{verb[:20]}`.")
        respond(text=topics_text(topics, changed), response_type="ephemeral")

    deps.reciprocity.add("topics", topics_command, TOPICS_USAGE)
