"""Two workspaces side by side on one database (issue 12, Isolation).

Both are installed through the OAuth flow and use the same user ids (UALICE, UBOB, … — as
people of an Enterprise Grid org or a forger would), so only the workspace tells records
apart. Each plays the same day: a kudos, help requests (one resolved, one open), feedback
(one given, one pending), mentoring, topics, settings, a channel's digest, App Home, /me.
Everything each workspace wrote carries its marker (ALPHA or BETA).

Then every button, select and form the other workspace was shown is replayed from this
one, with the same values, `private_metadata` and view ids: forged clicks pointing at the
other workspace's records. Not one row of the other workspace may change, nothing this
workspace is shown may carry the other's marker, and every Web API call is made with this
workspace's own token. The jobs, the export and the insights are checked the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.services import export
from bot.services.insights.compute import compute_insights
from models import Base
from models.help_requests import HelpRequest
from scheduler.jobs import JOBS, run_job
from tests.conftest import Bot, FakeClock, Pauses
from tests.oauth import TEAM_ONE, TEAM_TWO, TeamSender, install, running_oauth_bot
from tests.slack_double import SlackDouble, dm_channel
from tests.slack_requests import checkboxes_value, text_value, users_value

MARK = {TEAM_ONE: "ALPHA", TEAM_TWO: "BETA"}
CHANNEL = {TEAM_ONE: "C0ONE", TEAM_TWO: "C0TWO"}
OTHER = {TEAM_ONE: TEAM_TWO, TEAM_TWO: TEAM_ONE}
NOT_A_WORKSPACES_RECORD = {"work_items", "posted_messages", "job_claims"}
"""The queue and the outbox's bookkeeping (which request ran, which post went out)."""


@pytest.fixture
def two(
    database_url: str,
    slack: SlackDouble,
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    pauses: Pauses,
) -> Iterator[Bot]:
    with running_oauth_bot(database_url, slack, engine, clock, pauses) as bot:
        for team in (TEAM_ONE, TEAM_TWO):
            page, _ = install(bot, slack, team)
            assert page.status == 200
        yield bot


# ----- what a workspace was shown ------------------------------------------------------------
@dataclass
class Shown:
    """Everything the bot showed one workspace over a stretch of the test."""

    calls: list[Any] = field(default_factory=list)  # Web API calls (with their token)
    responses: list[dict[str, Any]] = field(default_factory=list)  # response_url posts
    submissions: list[tuple[dict[str, Any], dict[str, Any], str]] = field(default_factory=list)

    def text(self) -> str:
        return json.dumps([c.params for c in self.calls] + self.responses, ensure_ascii=False)

    def views(self) -> list[dict[str, Any]]:
        found = []
        for call in self.calls:
            view = call.params.get("view")
            if isinstance(view, dict):
                found.append({"id": f"V{len(found)}{call.method}", **view})
        return found

    def elements(self) -> list[tuple[dict[str, Any], dict[str, Any] | None, str | None]]:
        """Every interactive element shown: (element, the view it was in, its message ts)."""
        found: list[tuple[dict[str, Any], dict[str, Any] | None, str | None]] = []

        def walk(node: Any, view: dict[str, Any] | None, ts: str | None) -> None:
            if isinstance(node, list):
                for item in node:
                    walk(item, view, ts)
            elif isinstance(node, dict):
                if "action_id" in node and node.get("type") != "plain_text_input":
                    found.append((node, view, ts))
                for value in node.values():
                    walk(value, view, ts)

        for call in self.calls:
            if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                walk(call.params.get("blocks") or [], None, call.params.get("ts"))
        for view in self.views():
            walk(view.get("blocks") or [], view, None)
        for response in self.responses:
            walk(response.get("blocks") or [], None, None)
        return found


class Watch:
    """What the double saw from here on."""

    def __init__(self, slack: SlackDouble) -> None:
        self.slack = slack
        self.calls = len(slack.calls)
        self.responses = len(slack.responses)

    def shown(self) -> Shown:
        calls = [c for c in self.slack.calls[self.calls :] if c.method != "auth.test"]
        return Shown(calls, list(self.slack.responses[self.responses :]))


# ----- one workspace's day -------------------------------------------------------------------
def requests_of(sessions: sessionmaker[Session], team: str) -> list[HelpRequest]:
    with sessions() as session:
        return list(
            session.scalars(
                select(HelpRequest).where(HelpRequest.team_id == team).order_by(HelpRequest.id)
            )
        )


def last_view(slack: SlackDouble) -> dict[str, Any]:
    call = [c for c in slack.calls if c.method == "views.open"][-1]
    return {"id": f"VOPENED{len(slack.calls)}", **call.params["view"]}


def element(shown: Shown, action_id: str) -> dict[str, Any]:
    return next(e for e, _, _ in shown.elements() if e["action_id"] == action_id)


def play_a_day(bot: Bot, slack: SlackDouble, team: str) -> Shown:
    """One workspace's ordinary use, everything it writes marked."""
    watch = Watch(slack)
    mark, channel = MARK[team], CHANNEL[team]
    send = TeamSender(bot, slack, team)
    submissions: list[tuple[dict[str, Any], dict[str, Any], str]] = []

    def submit(view: dict[str, Any], values: dict[str, Any], user: str) -> None:
        submissions.append((view, values, user))
        reply = send.view_submission(view, values, user=user)
        assert reply.status == 200, reply

    send.command("/reciprocity", "channel digest on", user="UADMIN", channel=channel)
    send.command("/kudos", f"<@UBOB|bob> for the {mark} release", channel=channel)
    send.command("/askhelp", f"Who knows the {mark} build? #{mark.lower()}", channel=channel)
    send.command("/askhelp", f"Where is the {mark} style guide?", channel=channel)
    first, second = requests_of(bot.deps.sessions, team)
    for request, action, user in (
        (first, ids.HELP_OFFER_ACTION, "UBOB"),
        (second, ids.HELP_OFFER_ACTION, "UCAROL"),
        (first, ids.HELP_RESOLVE_ACTION, "UALICE"),
    ):
        send.block_action(
            action,
            request.key,
            user=user,
            channel=channel,
            message={"ts": request.message_ts, "text": "card"},
        )
    submit(
        last_view(slack),
        {
            ids.HELP_HELPERS_BLOCK: {ids.HELP_HELPERS_ACTION: users_value(["UBOB"])},
            ids.HELP_NOTE_BLOCK: {ids.HELP_NOTE_ACTION: text_value(f"{mark} thanks")},
        },
        "UALICE",
    )
    send.command("/feedback", f"request <@UBOB|bob> about the {mark} plan", channel=channel)
    send.command("/feedback", f"request <@UCAROL|carol> about the {mark} roadmap")
    invite = [
        c
        for c in slack.calls[watch.calls :]
        if c.method == "chat.postMessage" and c.params.get("channel") == "UBOB"
    ][-1]
    give = next(
        e
        for block in invite.params["blocks"]
        for e in block.get("elements", [])
        if e.get("action_id") == ids.FEEDBACK_GIVE_ACTION
    )
    send.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        give["value"],
        user="UBOB",
        channel=dm_channel("UBOB"),
        message={"ts": invite.params.get("ts") or "1700000000.000001"},
        block_id=ids.FEEDBACK_ACTIONS_BLOCK,
    )
    submit(
        last_view(slack),
        {
            ids.FEEDBACK_SITUATION_BLOCK: {"text": text_value(f"The {mark} review")},
            ids.FEEDBACK_BEHAVIOUR_BLOCK: {"text": text_value(f"You ran the {mark} demo.")},
            ids.FEEDBACK_IMPACT_BLOCK: {"text": text_value("We shipped on time.")},
            ids.FEEDBACK_SUGGESTION_BLOCK: {"text": text_value("Record it next time.")},
            ids.FEEDBACK_WENT_WELL_BLOCK: {"text": text_value(None)},
            ids.FEEDBACK_AS_WRITTEN_BLOCK: {"as_written": checkboxes_value([])},
        },
        "UBOB",
    )
    send.command("/mentor", f"join mentor {mark.lower()}", user="UDAVE")
    send.command("/mentor", f"join mentee {mark.lower()}", user="UCAROL")
    send.command("/reciprocity", f"topics add {mark.lower()}", user="UCAROL")
    send.command("/reciprocity", "settings", user="UALICE")
    send.command("/reciprocity", "admin budget 7", user="UADMIN")
    send.event(
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1764075600.000100",
        }
    )
    send.command("/reciprocity", "me", user="UBOB")
    send.command("/feedback", "list", user="UALICE")
    send.command("/mentor", "status", user="UDAVE")
    shown = watch.shown()
    shown.submissions = submissions
    return shown


# ----- checks ----------------------------------------------------------------------------------
def rows_of(engine: Engine, team: str) -> dict[str, list[str]]:
    """Every row that belongs to the workspace, table by table."""
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if "team_id" not in table.c or table.name in NOT_A_WORKSPACES_RECORD:
                continue
            rows = conn.execute(select(table).where(table.c.team_id == team)).mappings()
            found[table.name] = sorted(json.dumps(dict(r), default=str) for r in rows)
    return found


def assert_only_its_own(shown: Shown, slack: SlackDouble, team: str) -> None:
    other = MARK[OTHER[team]]
    text = shown.text()
    at = text.find(other)
    assert at < 0, f"{team} was shown {other}'s records: …{text[max(0, at - 300) : at + 100]}…"
    for call in shown.calls:
        if call.token is not None and not call.token.startswith("Basic "):
            assert slack.token_team(call.token) == team, (call.method, team)


def forge(bot: Bot, slack: SlackDouble, team: str, theirs: Shown) -> Shown:
    """Replay, from `team`, every button, select and form `theirs` was shown."""
    watch = Watch(slack)
    send = TeamSender(bot, slack, team)
    elements = theirs.elements()
    assert len(elements) >= 8, [e["action_id"] for e, _, _ in elements]
    for user in ("UALICE", "UBOB", "UCAROL"):
        for element_, view, ts in elements:
            action: dict[str, Any] = {
                "type": element_.get("type", "button"),
                "action_id": element_["action_id"],
                "block_id": element_.get("block_id", "actions"),
                "action_ts": "1700000000.000001",
            }
            if "value" in element_:
                action["value"] = element_["value"]
            if element_.get("options"):
                action["selected_option"] = element_["options"][0]
            if "url" in element_:
                action["value"] = action.get("value", "")
            send.block_action(
                element_["action_id"],
                user=user,
                channel=CHANNEL[team],  # pressed in its own channel
                message={"ts": ts or "1700000000.000001", "text": "theirs"},
                view=view,
                action=action,
            )
        for view, values, _ in theirs.submissions:
            send.view_submission(view, values, user=user)
        for view in theirs.views():
            if view.get("type") == "modal":
                send.view_submission(view, {}, user=user)
    # Events about their messages: a reply in their help card's thread, an emoji on their posts.
    posts = [
        (c.params.get("channel"), c.params.get("ts"))
        for c in theirs.calls
        if c.method in ("chat.postMessage", "chat.update") and c.params.get("ts")
    ]
    posts += [(r.channel_id, r.message_ts) for r in requests_of(bot.deps.sessions, OTHER[team])]
    assert posts
    for n, (channel, ts) in enumerate(posts):
        for where in (channel, CHANNEL[team]):
            send.event(
                {
                    "type": "message",
                    "user": "UDAVE",
                    "text": "here is how",
                    "channel": where,
                    "ts": f"1800000000.{n:06d}",
                    "thread_ts": ts,
                    "channel_type": "channel",
                }
            )
            send.event(
                {
                    "type": "reaction_added",
                    "user": "UDAVE",
                    "reaction": "pray",
                    "item_user": "UBOB",
                    "item": {"type": "message", "channel": where, "ts": ts},
                    "event_ts": f"1800000001.{n:06d}",
                }
            )
    return watch.shown()


@pytest.mark.expect_rejected  # forged clicks may ask Slack for what it refuses (old ts)
def test_two_workspaces_share_nothing_even_forged(
    two: Bot, slack: SlackDouble, engine: Engine, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    alpha = play_a_day(two, slack, TEAM_ONE)
    beta = play_a_day(two, slack, TEAM_TWO)
    for team, shown in ((TEAM_ONE, alpha), (TEAM_TWO, beta)):
        assert MARK[team] in shown.text()
        assert_only_its_own(shown, slack, team)
        rows = rows_of(engine, team)
        for table in ("kudos", "help_requests", "feedback", "feedback_requests", "members"):
            assert rows[table], f"{team} wrote no {table}"
        assert MARK[OTHER[team]] not in json.dumps(rows)

    # Forged: each workspace presses everything the other was shown.
    for team in (TEAM_TWO, TEAM_ONE):
        theirs = alpha if team == TEAM_TWO else beta
        before = rows_of(engine, OTHER[team])
        shown = forge(two, slack, team, theirs)
        assert rows_of(engine, OTHER[team]) == before, f"{team}'s forged clicks changed theirs"
        assert_only_its_own(shown, slack, team)

    # The jobs, a week on: each post in its own workspace, with its own token.
    watch = Watch(slack)
    for hours in range(0, 8 * 24, 6):
        for name in JOBS:
            run_job(name, two.deps, now=clock.now + timedelta(hours=hours))
    jobs = watch.shown()
    posts = [c for c in jobs.calls if c.method == "chat.postMessage"]
    for channel in CHANNEL.values():  # each channel's digest (or prompt) went out
        assert any(c.params.get("channel") == channel for c in posts), channel
    for call in jobs.calls:
        text = json.dumps(call.params, ensure_ascii=False)
        team = slack.token_team(call.token)
        assert team is not None, call.method
        assert MARK[OTHER[team]] not in text, (call.method, team)
        if call.params.get("channel") in CHANNEL.values():
            assert call.params["channel"] == CHANNEL[team]

    # The export carries each record's own workspace; the insights count one workspace.
    with sessions() as session:
        for record in export.records(session=session, types=None, since=None):
            text = json.dumps(record, default=str)
            for team, mark in MARK.items():
                if mark in text:
                    assert record["team_id"] == team, record
        for team in (TEAM_ONE, TEAM_TWO):
            report = compute_insights(session, team, now=clock.now)
            assert report.team_id == team
