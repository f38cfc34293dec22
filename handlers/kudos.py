"""`/kudos`, its modal and the **Give kudos for this** message shortcut."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.kudos import also_given_text, kudos_modal
from bot.deps import Deps
from bot.errors import DomainError
from bot.flows.kudos import confirm, give_and_post
from bot.payloads import private_metadata, team_of
from bot.services.kudos import (
    also_post_id,
    check_kudos,
    kudos_post,
    mentions_in,
    parse_kudos,
)
from bot.services.people import Person
from bot.services.workspaces import get_workspace
from bot.slack_api import permalink
from bot.text import clean
from handlers.forms import checked, field
from handlers.queue import Defer
from handlers.routing import Routes

_FORM_BLOCKS = {"receivers": ids.KUDOS_RECEIVERS_BLOCK, "value": ids.KUDOS_VALUE_BLOCK}


def register(app: Routes) -> None:
    app.command("/kudos", matchers=[has_text])(give_from_command, queued=True)
    app.command("/kudos")(open_form_from_command)
    app.shortcut(ids.KUDOS_SHORTCUT)(open_form_for_message)
    app.view(ids.KUDOS_MODAL)(ack=form_submitted, lazy=[give_from_form])
    app.action(ids.KUDOS_ALSO_ACTION)(also_clicked, queued=True)


# ----- /kudos ----------------------------------------------------------------------------------
def has_text(command: dict[str, Any]) -> bool:
    return bool(str(command.get("text") or "").strip())


def open_form_from_command(
    ack: Ack, command: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """`/kudos` alone: the form, at once (its trigger lasts 3 s)."""
    ack()
    metadata = {"channel_id": command["channel_id"], "response_url": command.get("response_url")}
    open_form(deps, client, command["trigger_id"], command["team_id"], metadata)
    deps.directory.sync_roster(client, command["team_id"])  # so the answer needs no network


def give_from_command(command: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """`/kudos @someone for …`, from the queue once acknowledged: check, record, post, and
    tell the giver what they should know."""
    team_id = command["team_id"]
    # The workspace's values matter only to a `#tag`: without one, no read (and on SQLite no
    # transaction) for them.
    values = workspace_values(deps, team_id) if "#" in command["text"] else []
    parsed = parse_kudos(
        command["text"],
        values=values,
        is_name=lambda name: bool(deps.directory.named(client, team_id, name)),
    )
    receivers = deps.directory.resolve(
        client, team_id, parsed.user_ids, parsed.names, field="receivers"
    )
    offers = mentioned(deps, client, team_id, parsed.mentioned_ids, parsed.mentioned_names)
    response_url = command.get("response_url")
    posted = give_and_post(
        deps,
        client,
        team_id=team_id,
        giver_id=command["user_id"],
        receivers=receivers,
        reason=parsed.reason,
        value=parsed.value,
        channel_id=command["channel_id"],
        source_link=None,
        response_url=response_url,
    )
    confirm(
        client,
        posted,
        response_url=response_url,
        offers=offers,
        unknown_tag=parsed.unknown_tag,
        values=values,
    )


def workspace_values(deps: Deps, team_id: str) -> list[str]:
    with deps.sessions.begin() as session:
        workspace = get_workspace(
            session=session, team_id=team_id, defaults=deps.defaults, now=deps.clock()
        )
        return list(workspace.kudos_values)


def mentioned(
    deps: Deps, client: WebClient, team_id: str, user_ids: list[str], names: list[str]
) -> list[Person]:
    """The people a reason mentions, as far as they are certain (an unknown or ambiguous
    name is left alone: it only decides whether to offer a button)."""
    people: dict[str, Person] = {}
    for uid in user_ids:
        person = deps.directory.get(client, team_id, uid)
        if person is not None:
            people.setdefault(person.id, person)
    for name in names:
        named = deps.directory.find_by_name(client, team_id, name)
        if named is not None:
            people.setdefault(named.id, named)
    return list(people.values())


# ----- "Also give kudos to @dave?" -------------------------------------------------------------
def also_clicked(
    body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
) -> None:
    """From the queue: the same kudos, given by the same person, to one more."""
    team_id, clicker = team_of(body), body["user"]["id"]
    try:
        asked = json.loads(str(action.get("value") or ""))
        post_id, receiver_id = str(asked["post"]), str(asked["to"])
    except (ValueError, KeyError, TypeError):
        raise DomainError("This button has expired — give the kudos with `/kudos`.") from None
    with deps.sessions() as session:
        original = kudos_post(session=session, team_id=team_id, post_id=post_id)
    if original is None or original.giver_id != clicker:
        raise DomainError("This button belongs to someone else's kudos.")
    if receiver_id in original.receiver_ids:
        respond(
            text=f"<@{receiver_id}> has these kudos already ✓",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    receivers = deps.directory.resolve(client, team_id, [receiver_id], [])
    posted = give_and_post(
        deps,
        client,
        team_id=team_id,
        giver_id=clicker,
        receivers=receivers,
        reason=original.reason,
        value=original.value,
        channel_id=original.channel_id,
        source_link=original.source_link,
        response_url=None,
        post_id=also_post_id(post_id, receiver_id),
    )
    respond(
        text=also_given_text(receiver_id, posted.elsewhere),
        response_type="ephemeral",
        replace_original=False,
    )


# ----- the shortcut ----------------------------------------------------------------------------
def open_form_for_message(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    ack()
    message = shortcut.get("message") or {}
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    link = permalink(client, channel_id, message.get("ts"))
    author = message.get("user")
    team_id = team_of(shortcut)
    open_form(
        deps,
        client,
        shortcut["trigger_id"],
        team_id,
        {
            "channel_id": channel_id,
            "response_url": shortcut.get("response_url"),
            "source_link": link,
        },
        initial_users=[author] if author and author != shortcut["user"]["id"] else None,
        source_link=link,
    )
    deps.directory.sync_roster(client, team_id)


def open_form(
    deps: Deps,
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


# ----- the form --------------------------------------------------------------------------------
@dataclass(frozen=True)
class KudosForm:
    user_ids: list[str]
    reason: str
    value: str | None
    channel_id: str
    source_link: str | None
    response_url: str | None


def read_form(deps: Deps, team_id: str, giver_id: str, view: dict[str, Any]) -> KudosForm:
    """The form's answers, checked by every rule from stored data (no network)."""
    form = form_of(view)
    receivers = deps.directory.picked(team_id, form.user_ids, field="receivers")
    giver = deps.directory.stored(team_id, giver_id)
    with deps.sessions.begin() as session:
        check_kudos(
            session=session,
            team_id=team_id,
            giver=giver,
            receivers=receivers,
            reason=form.reason,
            value=form.value,
            defaults=deps.defaults,
            now=deps.clock(),
        )
    return form


def form_of(view: dict[str, Any]) -> KudosForm:
    """The form's answers as given."""
    metadata = private_metadata(view)
    if not metadata.get("channel_id"):
        raise DomainError("This form lost track of its channel — please start again with /kudos.")
    picked = field(view, ids.KUDOS_RECEIVERS_BLOCK, ids.KUDOS_RECEIVERS_ACTION)
    selected = field(view, ids.KUDOS_VALUE_BLOCK, ids.KUDOS_VALUE_ACTION).get("selected_option")
    form = KudosForm(
        user_ids=list(picked.get("selected_users") or []),
        reason=clean(
            field(view, ids.KUDOS_REASON_BLOCK, ids.KUDOS_REASON_ACTION).get("value") or ""
        ),
        value=selected["value"] if isinstance(selected, dict) else None,
        channel_id=str(metadata["channel_id"]),
        source_link=metadata.get("source_link"),
        response_url=metadata.get("response_url"),
    )
    return form


def form_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], deps: Deps, defer: Defer
) -> None:
    """The fast part: every rule checked on the form, then the kudos queued and the form closed."""
    team_id, giver_id = team_of(body), body["user"]["id"]
    form = checked(
        ack,
        lambda: read_form(deps, team_id, giver_id, view),
        blocks=_FORM_BLOCKS,
        default=ids.KUDOS_REASON_BLOCK,
    )
    if form is None:
        return
    defer(give_from_form)
    ack()


def give_from_form(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """The slow part, from the queue: record and post (recording checks the rules once more:
    the giver's budget may have changed meanwhile)."""
    team_id, giver_id = team_of(body), body["user"]["id"]
    form = form_of(view)
    receivers = deps.directory.resolve(client, team_id, form.user_ids, [], field="receivers")
    user_ids, names = mentions_in(form.reason)
    offers = mentioned(deps, client, team_id, user_ids, names)
    posted = give_and_post(
        deps,
        client,
        team_id=team_id,
        giver_id=giver_id,
        receivers=receivers,
        reason=form.reason,
        value=form.value,
        channel_id=form.channel_id,
        source_link=form.source_link,
        response_url=form.response_url,
    )
    confirm(client, posted, response_url=form.response_url, offers=offers)
