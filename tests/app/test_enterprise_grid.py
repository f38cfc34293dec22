"""Enterprise Grid, org-wide install: payloads name the org (`enterprise_id`,
`is_enterprise_install: true`) and carry the workspace elsewhere — `team` is null in
interactions (the workspace is `user.team_id`, or `view.team_id` in a view), events'
`authorizations[0].team_id` is null (the workspace is the outer `team_id`, or the event's
own). Through the real app, each lands in the right workspace, and every row it writes
carries the org's id."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.payloads import workspace_of
from models import Base, Kudos, Member, Thanks, Workspace
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.work import WorkItem
from tests.conftest import Bot
from tests.slack_double import BOT_USER_ID
from tests.slack_requests import text_value, users_value

GRID, ORG = "TGRID01", "EORG01"


def org_authorizations() -> list[dict[str, Any]]:
    return [
        {
            "enterprise_id": ORG,
            "team_id": None,
            "user_id": BOT_USER_ID,
            "is_bot": True,
            "is_enterprise_install": True,
        }
    ]


def command(bot: Bot, name: str, text: str, *, user: str = "UALICE") -> None:
    fields = {
        "token": "deprecated-verification-token",
        "team_id": GRID,
        "team_domain": "grid-workspace",
        "enterprise_id": ORG,
        "enterprise_name": "Grid Org",
        "channel_id": "CGENERAL",
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": name,
        "text": text,
        "api_app_id": "AAPPID",
        "is_enterprise_install": "true",
        "response_url": bot.slack.response_url(),
        "trigger_id": f"{time.time_ns()}.trigger",
    }
    assert bot.send.form(fields).status == 200
    bot.wait()


def event(bot: Bot, inner: dict[str, Any], *, team_id: str | None = GRID) -> None:
    body: dict[str, Any] = {
        "token": "deprecated-verification-token",
        "enterprise_id": ORG,
        "api_app_id": "AAPPID",
        "event": inner,
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "authorizations": org_authorizations(),
        "is_ext_shared_channel": False,
    }
    if team_id is not None:
        body["team_id"] = team_id
    assert bot.send.post(json.dumps(body), "application/json").status == 200
    bot.wait()


def user(uid: str) -> dict[str, Any]:
    return {"id": uid, "username": uid.lower(), "name": uid.lower(), "team_id": GRID}


def interaction(bot: Bot, payload: dict[str, Any]) -> Any:
    payload = {
        "token": "deprecated-verification-token",
        "api_app_id": "AAPPID",
        "team": None,  # org-wide: the workspace is the user's
        "enterprise": {"id": ORG, "name": "Grid Org"},
        "is_enterprise_install": True,
        "trigger_id": f"{time.time_ns()}.trigger",
        **payload,
    }
    reply = bot.send.interactive(payload)
    bot.wait()
    return reply


def button(bot: Bot, action_id: str, request: HelpRequest, uid: str) -> None:
    interaction(
        bot,
        {
            "type": "block_actions",
            "user": user(uid),
            "container": {
                "type": "message",
                "message_ts": request.message_ts,
                "channel_id": request.channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": request.channel_id, "name": "general"},
            "message": {"type": "message", "user": BOT_USER_ID, "ts": request.message_ts},
            "state": {"values": {}},
            "response_url": bot.slack.response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "actions",
                    "value": request.key,
                    "text": {"type": "plain_text", "text": "Button"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        },
    )


def rows(sessions: sessionmaker[Session], model: Any) -> list[Any]:
    with sessions() as session:
        return list(session.scalars(select(model)))


def test_the_workspace_of_each_kind_of_org_wide_payload() -> None:
    assert workspace_of({"team": None, "user": user("UALICE"), "enterprise": {"id": ORG}}) == (
        GRID,
        ORG,
    )
    view = {"team": None, "user": {"id": "UALICE"}, "view": {"team_id": GRID}}
    assert workspace_of({**view, "enterprise": {"id": ORG}}) == (GRID, ORG)
    assert workspace_of(
        {"team_id": GRID, "enterprise_id": ORG, "authorizations": org_authorizations()}
    ) == (GRID, ORG)
    no_outer = {"enterprise_id": ORG, "event": {"type": "message", "team": GRID}}
    assert workspace_of(no_outer) == (GRID, ORG)
    assert workspace_of({"team_id": None, "enterprise_id": ORG, "event": {}}) == ("", ORG)
    assert workspace_of({"team_id": "T0TEAM", "event": {}}) == ("T0TEAM", None)


def test_a_command_from_an_org_wide_install_lands_in_its_workspace_with_the_org_stored(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    command(bot, "/kudos", "@bob thanks for the late-night review")

    (kudos,) = rows(sessions, Kudos)
    assert (kudos.team_id, kudos.enterprise_id, kudos.receiver_id) == (GRID, ORG, "UBOB")
    with sessions() as session:
        workspace = session.get(Workspace, GRID)
        assert workspace is not None and workspace.enterprise_id == ORG
        members = session.scalars(select(Member).where(Member.team_id == GRID)).all()
        assert members and {m.enterprise_id for m in members} == {ORG}
        items = session.scalars(select(WorkItem).where(WorkItem.kind == "command /kudos")).all()
        assert [(i.team_id, i.enterprise_id) for i in items] == [(GRID, ORG)]

    listed = bot.slack.calls_to("users.list")  # "@bob": found in that workspace's roster
    assert listed and {call.get("team_id") for call in listed} == {GRID}

    command(bot, "/reciprocity", "me", user="UBOB")
    assert "Kudos — gave 0 · received 1" in json.dumps(
        bot.slack.responses[-1]["blocks"], ensure_ascii=False
    )


def test_an_event_from_an_org_wide_install_lands_in_its_workspace(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    reaction = {
        "type": "reaction_added",
        "user": "UALICE",
        "reaction": "pray",
        "item": {"type": "message", "channel": "CGENERAL", "ts": "1700000000.000100"},
        "item_user": "UBOB",
        "event_ts": "1700000500.000001",
    }
    event(bot, reaction)
    (thanks,) = rows(sessions, Thanks)
    assert (thanks.team_id, thanks.enterprise_id) == (GRID, ORG)
    assert (thanks.giver_id, thanks.receiver_id) == ("UALICE", "UBOB")

    # No outer team_id at all: the event's own `team` names the workspace.
    event(bot, {**reaction, "user": "UCAROL", "team": GRID, "event_ts": "2.1"}, team_id=None)
    assert sorted((t.giver_id, t.team_id, t.enterprise_id) for t in rows(sessions, Thanks)) == [
        ("UALICE", GRID, ORG),
        ("UCAROL", GRID, ORG),
    ]


def test_buttons_and_views_from_an_org_wide_install_land_in_its_workspace(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    command(bot, "/askhelp", "How do I rotate the staging keys? #security")
    (request,) = rows(sessions, HelpRequest)
    assert (request.team_id, request.enterprise_id) == (GRID, ORG)

    button(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    (offer,) = rows(sessions, HelpOffer)
    assert (offer.team_id, offer.enterprise_id, offer.helper_id) == (GRID, ORG, "UBOB")

    button(bot, ids.HELP_RESOLVE_ACTION, request, "UALICE")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    submitted = {
        "id": "VGRID1",
        "team_id": GRID,  # a view names its workspace; the payload's `team` is null
        "type": "modal",
        "callback_id": view["callback_id"],
        "private_metadata": view.get("private_metadata", ""),
        "blocks": view.get("blocks", []),
        "state": {
            "values": {
                ids.HELP_HELPERS_BLOCK: {ids.HELP_HELPERS_ACTION: users_value(["UBOB"])},
                ids.HELP_NOTE_BLOCK: {ids.HELP_NOTE_ACTION: text_value("Thanks!")},
            }
        },
        "hash": "1700000000.hash",
        "app_id": "AAPPID",
        "bot_id": "BBOTSELF",
        "root_view_id": "VGRID1",
    }
    reply = interaction(
        bot,
        {"type": "view_submission", "user": user("UALICE"), "view": submitted, "response_urls": []},
    )
    assert reply.status == 200
    (thanks,) = rows(sessions, HelpThanks)
    assert (thanks.team_id, thanks.enterprise_id, thanks.receiver_id) == (GRID, ORG, "UBOB")
    with sessions() as session:
        assert session.get(HelpRequest, request.id).status == "resolved"  # type: ignore[union-attr]


def test_rows_written_before_the_org_was_known_get_it_when_it_is(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    """A workspace that joined an org (or whose first rows came from a job): the first
    payload naming its org records it on every row of it."""
    with sessions.begin() as session:
        session.add(
            Kudos(
                team_id=GRID,
                post_id="before",
                giver_id="UCAROL",
                receiver_id="UDAVE",
                channel_id="CGENERAL",
                reason="before the org was known",
                created_at=bot.deps.clock(),
            )
        )
    (before,) = rows(sessions, Kudos)
    assert before.enterprise_id is None
    command(bot, "/reciprocity", "me")
    (after,) = rows(sessions, Kudos)
    assert after.enterprise_id == ORG


def test_every_table_with_a_team_id_has_an_enterprise_id() -> None:
    missing = [
        t.name
        for t in Base.metadata.sorted_tables
        if "team_id" in t.c and "enterprise_id" not in t.c
    ]
    assert missing == []
