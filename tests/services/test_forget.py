"""Forgetting a person: their id appears nowhere afterwards, and everyone else's data stays."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import JSON, String, Text, func, select
from sqlalchemy.orm import Session

from bot.services import mentoring
from bot.services.events import natural_key
from bot.services.forget import TOMBSTONE, forget_user
from bot.services.kudos import give_kudos
from bot.services.nudges import enqueue
from bot.services.people import Person
from bot.services.preferences import save_preferences
from bot.services.thanks import Reaction, record_thanks
from bot.services.topics import add_topics
from bot.services.workspaces import WorkspaceDefaults, add_admin, get_workspace
from models import Base, JobClaim, Kudos, Member, Thanks, WorkItem, Workspace
from models.feedback import Feedback, FeedbackOffer, FeedbackRequest
from models.help_requests import HelpOffer, HelpRequest, HelpSuggestion, HelpThanks
from models.mentoring import MentoringGroup, MentoringGroupMember, MentoringSession
from models.nudges import Nudge
from models.rhythm import ChannelSettings, SharePrompt, ShareReply
from tests.app.test_cli import ROOT

TEAM, OTHER_TEAM = "T0TEAM", "T0OTHER"
ME = "UFORGETME"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def person(user_id: str, team_id: str = TEAM) -> Person:
    return Person(id=user_id, team_id=team_id, name=user_id.lower()[1:], tz="Europe/Berlin")


ME_P, BOB, CAROL, DAVE = person(ME), person("UBOB"), person("UCAROL"), person("UDAVE")


def _help(session: Session, key: str, requester: str, status: str, question: str) -> HelpRequest:
    request = HelpRequest(
        key=key,
        team_id=TEAM,
        requester_id=requester,
        channel_id="CHELP",
        message_ts=f"5.{key}",
        question=question,
        details=f"details of {key}",
        urgency="week",
        tags=["python"],
        source_link="https://x.slack.com/archives/CHELP/p1",
        status=status,
        created_at=NOW,
        resolution_note="thanks all" if status == "resolved" else None,
    )
    session.add(request)
    session.flush()
    return request


def seed(session: Session) -> dict[str, Any]:
    """Data for the person and for others in every table, mostly through the services."""
    defaults = WorkspaceDefaults()
    workspace = get_workspace(session=session, team_id=TEAM, defaults=defaults, now=NOW)
    add_admin(workspace=workspace, user_id="UBOB")
    add_admin(workspace=workspace, user_id=ME)
    session.flush()

    give_kudos(
        session=session,
        team_id=TEAM,
        giver=ME_P,
        receivers=[BOB],
        reason="for pairing with <@UCAROL> on the release",
        value=None,
        channel_id="CGENERAL",
        defaults=defaults,
        now=NOW,
        source_link="https://x.slack.com/archives/CGENERAL/p2",
    )
    give_kudos(
        session=session,
        team_id=TEAM,
        giver=BOB,
        receivers=[ME_P, CAROL],
        reason=f"<@{ME}|forgetme> and carol fixed the build",
        value=None,
        channel_id="CGENERAL",
        defaults=defaults,
        now=NOW,
    )
    give_kudos(
        session=session,
        team_id=TEAM,
        giver=CAROL,
        receivers=[DAVE],
        reason="for the calm incident call",
        value=None,
        channel_id="CGENERAL",
        defaults=defaults,
        now=NOW,
    )
    for reactor, author, ts in ((BOB, ME_P, "1.1"), (ME_P, BOB, "1.2"), (CAROL, DAVE, "1.3")):
        reaction = Reaction(TEAM, reactor.id, author.id, "CGENERAL", ts, "pray")
        record_thanks(session=session, reaction=reaction, reactor=reactor, author=author, now=NOW)
    # A thank-you the tombstone already gave on the same message: the new one would duplicate it.
    session.add(
        Thanks(
            team_id=TEAM,
            giver_id=TOMBSTONE,
            receiver_id="UBOB",
            channel_id="CGENERAL",
            message_ts="1.2",
            emoji="pray",
            created_at=NOW,
        )
    )

    save_preferences(session=session, team_id=TEAM, user_id=ME, now=NOW, weekly_nudge_cap=1)
    save_preferences(session=session, team_id=TEAM, user_id="UBOB", now=NOW, weekly_nudge_cap=2)
    add_topics(session=session, team_id=TEAM, user_id=ME, topics=["python"], now=NOW)
    add_topics(session=session, team_id=TEAM, user_id="UBOB", topics=["sql"], now=NOW)

    mine_open = _help(session, "mineopen", ME, "open", "how do I rotate keys?")
    mine_done = _help(session, "minedone", ME, "resolved", "where is the runbook?")
    bobs = _help(session, "bobs", "UBOB", "resolved", f"who knows <@{ME}>'s script?")
    for request, helper in ((mine_open, "UBOB"), (mine_done, "UBOB"), (bobs, ME), (bobs, "UCAROL")):
        session.add(
            HelpOffer(
                team_id=TEAM,
                request_id=request.id,
                helper_id=helper,
                offered_at=NOW,
                created_at=NOW,
            )
        )
    for request, user in ((mine_open, "UCAROL"), (bobs, ME), (bobs, "UDAVE")):
        session.add(
            HelpSuggestion(team_id=TEAM, request_id=request.id, user_id=user, created_at=NOW)
        )
    for request, giver, receiver in (
        (mine_done, ME, "UBOB"),
        (bobs, "UBOB", ME),
        (bobs, "UBOB", "UCAROL"),
    ):
        session.add(
            HelpThanks(
                team_id=TEAM,
                request_id=request.id,
                giver_id=giver,
                receiver_id=receiver,
                channel_id="CHELP",
                created_at=NOW,
            )
        )

    for requester, reviewer, batch in (
        (ME, "UBOB", "b1"),
        ("UBOB", ME, "b2"),
        ("UBOB", "UCAROL", "b3"),
    ):
        session.add(
            FeedbackRequest(
                team_id=TEAM,
                batch_id=batch,
                requester_id=requester,
                reviewer_id=reviewer,
                topic="the launch",
                status="given",
                dm_channel=f"D{reviewer}",
                requested_at=NOW,
            )
        )
    session.flush()
    requests = {r.batch_id: r.id for r in session.scalars(select(FeedbackRequest))}
    session.add(
        FeedbackOffer(team_id=TEAM, helped_id=ME, helper_id="UBOB", about="help:1", offered_at=NOW)
    )
    for giver, receiver, batch in (
        ("UBOB", ME, "b1"),
        (ME, "UBOB", "b2"),
        ("UCAROL", "UBOB", "b3"),
    ):
        session.add(
            Feedback(
                team_id=TEAM,
                giver_id=giver,
                receiver_id=receiver,
                request_id=requests[batch],
                situation=f"in the review with <@{ME}>" if batch == "b3" else "in the review",
                behaviour="you asked good questions",
                impact="we shipped",
                suggestion="keep going",
                created_at=NOW,
            )
        )

    for who, role in ((ME_P, "mentee"), (BOB, "mentor"), (CAROL, "mentee"), (DAVE, "circle")):
        mentoring.join(session=session, person=who, role=role, topics=("python",), now=NOW)
    mentoring.avoid(session=session, team_id=TEAM, user_id=ME, other=DAVE, now=NOW)
    mentoring.avoid(session=session, team_id=TEAM, user_id="UCAROL", other=ME_P, now=NOW)
    mentoring.avoid(session=session, team_id=TEAM, user_id="UCAROL", other=DAVE, now=NOW)
    groups = {}
    for name, kind, members in (
        ("mine", "pair", [("UBOB", "mentor"), (ME, "mentee")]),
        ("theirs", "pair", [("UBOB", "mentor"), ("UCAROL", "mentee")]),
        ("circle", "circle", [(ME, "peer"), ("UCAROL", "peer"), ("UDAVE", "peer")]),
    ):
        group = MentoringGroup(
            team_id=TEAM,
            kind=kind,
            topic="python",
            round_key="2026-W47",
            channel_id=f"G{name.upper()}",
            started_at=NOW - timedelta(days=3),
            ends_at=NOW + timedelta(weeks=6),
        )
        session.add(group)
        session.flush()
        groups[name] = group.id
        for uid, role in members:
            session.add(
                MentoringGroupMember(group_id=group.id, team_id=TEAM, user_id=uid, role=role)
            )
    session.flush()
    mentoring.log_session(
        session=session,
        team_id=TEAM,
        logger=BOB,
        other=ME_P,
        notes="talked about her goals",
        now=NOW,
    )
    mentoring.log_session(
        session=session, team_id=TEAM, logger=BOB, other=CAROL, notes=f"like <@{ME}> said", now=NOW
    )

    for user, kind, key in (
        (ME, "reminder", "help-resolve:1"),
        ("UBOB", "suggestion", "help-surface:9"),
    ):
        enqueue(
            session=session,
            team_id=TEAM,
            user_id=user,
            kind=kind,
            key=key,
            message={"text": f"<@{ME}> asked for help", "blocks": [{"type": "section"}]},
            now=NOW,
        )
    enqueue(
        session=session,
        team_id=TEAM,
        user_id="UCAROL",
        kind="suggestion",
        key="help-surface:10",
        message={"text": "<@UBOB> asked for help"},
        now=NOW,
    )

    for channel, by in (("CGENERAL", ME), ("CHELP", "UBOB")):
        session.add(
            ChannelSettings(
                team_id=TEAM,
                channel_id=channel,
                digest_since=NOW,
                prompt_since=NOW,
                enrolled_at=NOW,
                updated_at=NOW,
                updated_by=by,
            )
        )
    prompt = SharePrompt(
        team_id=TEAM, channel_id="CGENERAL", period="2026-W47", message_ts="7.0", posted_at=NOW
    )
    session.add(prompt)
    session.flush()
    for user, ts, kind, helped in (
        (ME, "7.1", "challenge", None),
        ("UBOB", "7.2", "help", ME),
        ("UCAROL", "7.3", "challenge", None),
        ("UDAVE", "7.4", "help", "UCAROL"),
    ):
        session.add(
            ShareReply(
                team_id=TEAM,
                channel_id="CGENERAL",
                prompt_id=prompt.id,
                user_id=user,
                message_ts=ts,
                kind=kind,
                helped_user_id=helped,
                created_at=NOW,
            )
        )

    for job, key in (
        ("reminders", f"{TEAM}:help-resolve:1:{ME}"),
        ("reminders", f"{TEAM}:help-resolve:2:UBOB"),
        ("digest", f"{TEAM}:CGENERAL:2026-W47"),
    ):
        session.add(JobClaim(team_id=TEAM, job=job, key=key, claimed_at=NOW, done_at=NOW))
    for event_id, user in (("Ev1", ME), ("Ev2", "UBOB")):
        event = {"type": "reaction_added", "user": user, "reaction": "pray", "event_ts": "1.5"}
        session.add(
            WorkItem(
                key=f"event:{event_id}",
                natural_key=natural_key(TEAM, event),
                kind="reaction_added",
                team_id=TEAM,
                function="",
                body=None,
                headers={},
                status="done",
                enqueued_at=NOW,
                available_at=NOW,
                finished_at=NOW,
            )
        )
    for number, body in enumerate(
        (
            f"token=x&team_id={TEAM}&user_id={ME}&command=%2Fkudos&text=%3C%40UCAROL%3E",
            "payload=" + quote(json.dumps({"type": "block_actions", "user": {"id": ME}})),
            f"token=x&team_id={TEAM}&user_id=UBOB&command=%2Fkudos&text=%3C%40UCAROL%3E",
        )
    ):
        session.add(
            WorkItem(
                key=f"request:{number}",
                kind="command /kudos",
                team_id=TEAM,
                function="kudos",
                body=body,
                headers={"content-type": ["application/x-www-form-urlencoded"]},
                enqueued_at=NOW,
                available_at=NOW,
            )
        )

    # The same person in another workspace, and a bystander there.
    give_kudos(
        session=session,
        team_id=OTHER_TEAM,
        giver=person("UBOB", OTHER_TEAM),
        receivers=[person(ME, OTHER_TEAM)],
        reason="elsewhere too",
        value=None,
        channel_id="COTHER",
        defaults=defaults,
        now=NOW,
    )
    session.flush()
    return {"mine_open": mine_open.id, "my_pair": groups["mine"]}


def text_values(session: Session, team_id: str | None = None) -> list[tuple[str, str, str]]:
    """(table, column, value) for every string, text and JSON value in the database."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        stmt = select(*columns)
        if team_id is not None and "team_id" in table.c:
            stmt = stmt.where(table.c.team_id == team_id)
        for row in session.execute(stmt):
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    shown = value if isinstance(value, str) else json.dumps(value)
                    found.append((table.name, column.name, shown))
    return found


def mentions_me(row: tuple[Any, ...]) -> bool:
    return any(ME in (v if isinstance(v, str) else json.dumps(v, default=str)) for v in row)


def unrelated_rows(session: Session, skip: dict[str, set[Any]]) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table that doesn't mention the person (minus the known dependents)."""
    rows: dict[str, set[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        kept = set()
        for row in session.execute(select(table)):
            if mentions_me(tuple(row)):
                continue
            values = {**row._mapping, **{f"{table.name}.{k}": v for k, v in row._mapping.items()}}
            if any(values.get(column) in ids for column, ids in skip.items()):
                continue
            kept.add(tuple(json.dumps(v, default=str) for v in row))
        rows[table.name] = kept
    return rows


def test_forget_leaves_the_id_nowhere_and_others_intact(session: Session) -> None:
    ids = seed(session)
    assert any(ME in value for _, _, value in text_values(session))
    # Rows that don't name the person but hang on their open request or their pair go too.
    dependents = {
        "request_id": {ids["mine_open"]},
        "group_id": {ids["my_pair"]},
        "mentoring_groups.id": {ids["my_pair"]},
    }
    before = unrelated_rows(session, dependents)
    before_kudos_given = session.scalar(
        select(func.count()).select_from(Kudos).where(Kudos.giver_id == "UBOB")
    )

    summary = forget_user(session=session, user_id=ME.lower())

    leftovers = [(t, c, v) for t, c, v in text_values(session) if ME in v]
    assert leftovers == []
    after = unrelated_rows(session, {})
    for table, rows in before.items():
        assert rows <= after[table], f"{table} lost or changed rows it should keep"

    assert summary["members"] == 2 and summary["feedback"] == 3  # two deleted, one scrubbed
    assert all(n > 0 for n in summary.values())
    admins = session.scalar(select(Workspace.admin_user_ids).where(Workspace.team_id == TEAM))
    assert admins == ["UBOB"]
    # Bob still gave as many kudos; the one to the person now goes to the tombstone.
    assert (
        session.scalar(select(func.count()).select_from(Kudos).where(Kudos.giver_id == "UBOB"))
        == before_kudos_given
    )
    reason = session.scalar(
        select(Kudos.reason).where(Kudos.receiver_id == TOMBSTONE, Kudos.team_id == TEAM)
    )
    assert reason == "someone and carol fixed the build"
    mine = session.scalar(select(Kudos).where(Kudos.giver_id == TOMBSTONE))
    assert mine is not None and mine.receiver_id == "UBOB" and mine.source_link is None
    # The duplicate thank-you went; Bob's thanks to the person stays, pointing at no message.
    thanks = session.scalars(select(Thanks).where(Thanks.team_id == TEAM).order_by(Thanks.id)).all()
    assert [(t.giver_id, t.receiver_id) for t in thanks] == [
        ("UBOB", TOMBSTONE),
        ("UCAROL", "UDAVE"),
        (TOMBSTONE, "UBOB"),
    ]
    assert thanks[0].message_ts.startswith("forgotten:")
    # Their open request is gone; the resolved one keeps Bob's help, without their words.
    requests = {r.key: r for r in session.scalars(select(HelpRequest))}
    assert set(requests) == {"minedone", "bobs"}
    done = requests["minedone"]
    assert (done.requester_id, done.question, done.details, done.message_ts) == (
        TOMBSTONE,
        "(forgotten)",
        None,
        None,
    )
    assert requests["bobs"].question == "who knows someone's script?"
    helpers = session.scalars(
        select(HelpOffer.helper_id).where(HelpOffer.request_id == requests["bobs"].id)
    ).all()
    assert sorted(helpers) == sorted([TOMBSTONE, "UCAROL"])
    assert session.scalar(select(func.count()).select_from(HelpThanks)) == 3
    assert session.scalar(select(func.count()).select_from(HelpSuggestion)) == 1
    # Feedback between two others stays (their words about the person scrubbed).
    feedback = session.scalars(select(Feedback)).all()
    assert [(f.giver_id, f.situation) for f in feedback] == [
        ("UCAROL", "in the review with someone")
    ]
    assert session.scalar(select(func.count()).select_from(FeedbackRequest)) == 1
    assert session.scalar(select(func.count()).select_from(FeedbackOffer)) == 0
    # Their pair is gone; the circle goes on without them; sessions count, notes emptied.
    kinds = session.scalars(select(MentoringGroup.kind).order_by(MentoringGroup.id)).all()
    assert kinds == ["pair", "circle"]
    assert sorted(session.scalars(select(MentoringGroupMember.user_id))) == [
        "UBOB",
        "UCAROL",
        "UCAROL",
        "UDAVE",
    ]
    logged = session.execute(
        select(MentoringSession.with_user, MentoringSession.notes).order_by(MentoringSession.id)
    ).all()
    assert [tuple(r) for r in logged] == [(TOMBSTONE, ""), ("UCAROL", "like someone said")]
    nudges = session.execute(select(Nudge.user_id, Nudge.message).order_by(Nudge.id)).all()
    assert [n.user_id for n in nudges] == ["UBOB", "UCAROL"]
    assert nudges[0].message["text"] == "someone asked for help"
    replies = session.execute(
        select(ShareReply.user_id, ShareReply.helped_user_id).order_by(ShareReply.id)
    ).all()
    assert [tuple(r) for r in replies] == [
        (TOMBSTONE, None),
        ("UBOB", TOMBSTONE),
        ("UCAROL", None),
        ("UDAVE", "UCAROL"),
    ]
    updated_by = session.scalars(
        select(ChannelSettings.updated_by).order_by(ChannelSettings.channel_id)
    )
    assert list(updated_by) == [None, "UBOB"]
    assert session.scalar(select(func.count()).select_from(JobClaim)) == 2
    assert session.scalars(select(WorkItem.key).order_by(WorkItem.key)).all() == [
        "event:Ev2",
        "request:2",
    ]
    assert (
        session.scalar(select(func.count()).select_from(Member).where(Member.team_id == OTHER_TEAM))
        == 1
    )


def test_forget_in_one_workspace_leaves_the_others_alone(session: Session) -> None:
    seed(session)
    summary = forget_user(session=session, user_id=ME, team_id=OTHER_TEAM)
    assert summary == {"kudos": 1, "members": 1}
    assert not [v for _, _, v in text_values(session, OTHER_TEAM) if ME in v]
    assert any(ME in v for _, _, v in text_values(session, TEAM))


def test_forgetting_twice_or_someone_unknown_changes_nothing(session: Session) -> None:
    seed(session)
    forget_user(session=session, user_id=ME)
    assert forget_user(session=session, user_id=ME) == {}
    assert forget_user(session=session, user_id="UNOBODY") == {}


@pytest.mark.parametrize("bad", ["", "%", "U%", "bob", TOMBSTONE, "U" + "A" * 40, "UAB'; --"])
def test_a_malformed_user_id_is_refused_before_any_change(session: Session, bad: str) -> None:
    seed(session)
    before = text_values(session)
    with pytest.raises(ValueError):
        forget_user(session=session, user_id=bad)
    assert text_values(session) == before


# ----- the CLI (app.py forget, wired by the lead) -------------------------------------------
def run_forget(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "app.py", "forget", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,  # no terminal to confirm on
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_refuses_without_yes_and_erases_with_it(sessions, database_url) -> None:
    with sessions.begin() as session:
        seed(session)
    with sessions() as session:
        before = text_values(session)

    refused = run_forget("--user", ME, database_url=database_url)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    with sessions() as session:
        assert text_values(session) == before

    done = run_forget("--user", ME.lower(), "--yes", database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert "members: 2" in done.stdout and f"{ME} forgotten" in done.stdout
    with sessions() as session:
        assert [(t, c) for t, c, v in text_values(session) if ME in v] == []
        assert session.scalar(select(func.count()).select_from(Member)) > 0


def run_forget_on_a_terminal(answer: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """`app.py forget` with a terminal as stdin, on which the operator types `answer`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = database_url
    controller, terminal = pty.openpty()
    try:
        os.write(controller, f"{answer}\n".encode())
        return subprocess.run(
            [sys.executable, "app.py", "forget", "--user", ME],
            cwd=ROOT,
            env=env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)


def test_cli_asks_on_a_terminal_and_needs_the_exact_id(sessions, database_url) -> None:
    with sessions.begin() as session:
        seed(session)
    with sessions() as session:
        before = text_values(session)

    wrong = run_forget_on_a_terminal("UBOB", database_url)
    assert wrong.returncode == 2 and "not confirmed" in wrong.stderr
    assert "Type the user id to confirm" in wrong.stdout
    with sessions() as session:
        assert text_values(session) == before

    confirmed = run_forget_on_a_terminal(ME.lower(), database_url)
    assert confirmed.returncode == 0, confirmed.stderr
    with sessions() as session:
        assert [(t, c) for t, c, v in text_values(session) if ME in v] == []


def test_cli_refuses_a_malformed_id_with_a_clear_message(database_url, engine) -> None:
    from tests.app.test_cli import run_app

    result = run_app("forget", "--user", "U%", "--yes", env={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()
