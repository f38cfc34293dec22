"""`/kudos`, its modal and its shortcut through the real app: signed requests in, Web API
calls out to the Slack double, rows in the real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from handlers.queue import run_pending
from models import Kudos, WorkItem, Workspace
from tests.conftest import Bot
from tests.slack_requests import select_value, text_value, users_value


def kudos_rows(sessions: sessionmaker[Session]) -> list[Kudos]:
    with sessions() as session:
        return list(session.scalars(select(Kudos).order_by(Kudos.receiver_id)))


def kudos_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count(Kudos.id))) or 0)


def last_ephemeral(bot: Bot) -> str:
    assert bot.slack.responses, "the user got no answer"
    reply = bot.slack.responses[-1]
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    return str(reply["text"])


def set_workspace(sessions: sessionmaker[Session], **values: object) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, "T0TEAM")
        assert workspace is not None
        for key, value in values.items():
            setattr(workspace, key, value)


def set_values(sessions: sessionmaker[Session], values: list[str]) -> None:
    """The workspace's company values (the workspace made with its defaults if need be)."""
    with sessions.begin() as session:
        workspace = get_workspace(
            session=session, team_id="T0TEAM", defaults=WorkspaceDefaults(), now=datetime.now(UTC)
        )
        workspace.kudos_values = values


def test_kudos_posts_in_the_channel_and_stores_one_row_per_receiver(bot: Bot, sessions) -> None:
    set_values(sessions, ["Teamwork"])
    reply = bot.command(
        "/kudos", "<@UBOB|bob> <@UCAROL|carol> for untangling the release #teamwork"
    )
    assert reply.status == 200
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0]["channel"] == "CGENERAL"
    assert "<@UBOB> and <@UCAROL>" in posts[0]["text"]
    section = posts[0]["blocks"][0]["text"]["text"]
    assert "<@UALICE>" in section and "> for untangling the release" in section
    assert "#Teamwork" in json.dumps(posts[0]["blocks"])
    rows = kudos_rows(sessions)
    assert [(r.giver_id, r.receiver_id, r.value) for r in rows] == [
        ("UALICE", "UBOB", "Teamwork"),
        ("UALICE", "UCAROL", "Teamwork"),
    ]
    assert rows[0].reason == "for untangling the release"
    assert rows[0].post_id == rows[1].post_id
    assert ("CGENERAL", rows[0].message_ts) in bot.slack.messages


def test_a_plain_at_name_is_resolved_through_the_member_list(bot: Bot, sessions) -> None:
    bot.command("/kudos", "@bob thanks for the late-night review")
    assert [r.receiver_id for r in kudos_rows(sessions)] == ["UBOB"]
    assert bot.slack.calls_to("users.list"), "plain names are looked up in the member list"


def test_an_unknown_plain_name_gets_a_clear_answer(bot: Bot, sessions) -> None:
    bot.command("/kudos", "@nobody-here thanks!")
    assert "@nobody-here" in last_ephemeral(bot)
    assert kudos_count(sessions) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@UALICE|alice> for being me", "yourself"),
        ("<@UROBOT|robot> beep boop", "bot"),
        ("<@UGONE|gone> for everything", "no longer"),
        ("<@UNOSUCH|ghost> for haunting", "couldn't find"),
        ("<@UBOB|bob>", "why"),
        ("thanks everyone", "Who is it for"),
        ("<@UBOB|bob> " + "x" * 10_000, "characters"),
    ],
)
def test_refusals_answer_ephemerally_and_store_nothing(bot: Bot, sessions, text, expected) -> None:
    bot.command("/kudos", text)
    assert expected in last_ephemeral(bot)
    assert bot.slack.calls_to("chat.postMessage") == []
    assert kudos_count(sessions) == 0


def test_a_value_alone_is_no_reason(bot: Bot, sessions) -> None:
    set_values(sessions, ["Teamwork"])
    bot.command("/kudos", "<@UBOB|bob>   #teamwork")
    assert "why" in last_ephemeral(bot)
    assert kudos_count(sessions) == 0


def test_one_refused_receiver_refuses_the_whole_kudos(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UBOB|bob> <@UROBOT|robot> for the deploy")
    assert "bot" in last_ephemeral(bot)
    assert kudos_count(sessions) == 0


def test_the_daily_budget_counts_receivers_in_the_givers_time_zone(
    bot: Bot, sessions, clock
) -> None:
    # 22:30 UTC on Wednesday is already Thursday 00:30 for Alice in Berlin (UTC+1 in winter).
    clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))
    for who in ("UBOB", "UCAROL", "UDAVE"):
        bot.command("/kudos", f"<@{who}> for the demo")
    bot.command("/kudos", "<@UBOB> <@UCAROL> for the retro")
    assert kudos_count(sessions) == 5
    bot.command("/kudos", "<@UDAVE> one more")
    assert "budget used up (5 a day)" in last_ephemeral(bot)
    assert kudos_count(sessions) == 5
    clock.set(datetime(2026, 11, 25, 23, 30, tzinfo=UTC))  # 00:30 Thursday in Berlin
    bot.command("/kudos", "<@UDAVE> a new day")
    assert kudos_count(sessions) == 6


def test_naming_more_people_than_the_budget_left_is_refused_whole(bot: Bot, sessions) -> None:
    bot.command("/kudos", "<@UBOB> <@UCAROL> <@UDAVE> <@UADMIN> for the offsite")
    set_workspace(sessions, kudos_daily_budget=5)
    bot.command("/kudos", "<@UBOB> <@UCAROL> again")
    assert "1 kudos left" in last_ephemeral(bot)
    assert kudos_count(sessions) == 4


def test_a_value_is_only_a_configured_value_and_an_unknown_tag_stays_in_the_reason(
    bot: Bot, sessions
) -> None:
    set_values(sessions, ["Ownership", "Craft"])
    bot.command("/kudos", "<@UBOB> for the fix #speed")
    message = last_ephemeral(bot)
    assert "#speed" in message and "`#Ownership`" in message and "`#Craft`" in message
    rows = kudos_rows(sessions)
    assert [(r.reason, r.value) for r in rows] == [("for the fix #speed", None)]
    bot.command("/kudos", "<@UBOB> for the fix #craft")
    assert [r.value for r in kudos_rows(sessions)] == [None, "Craft"]
    assert kudos_rows(sessions)[-1].reason == "for the fix"


def test_a_channel_link_is_never_the_value(bot: Bot, sessions) -> None:
    set_values(sessions, ["craft"])
    bot.command("/kudos", "<@UBOB|bob> for shipping <#C0CRAFT|craft>")
    row = kudos_rows(sessions)[0]
    assert (row.value, row.reason) == (None, "for shipping #craft")


def test_odd_and_hostile_text_is_stored_as_text_and_never_pings_a_channel(
    bot: Bot, sessions
) -> None:
    text = (
        "<@UBOB> for '; DROP TABLE kudos; -- and <!channel> \u0000 \u202e zalgo z̷̢a̵l̶g̴o 🎉 &lt;b&gt;"
    )
    bot.command("/kudos", text)
    row = kudos_rows(sessions)[0]
    assert "DROP TABLE kudos" in row.reason and "\u0000" not in row.reason
    assert "🎉" in row.reason
    post = json.dumps(bot.slack.calls_to("chat.postMessage")[0])
    assert "<!channel>" not in post
    assert "<b>" not in post


def test_when_the_bot_is_not_in_the_channel_the_kudos_is_posted_through_response_url(
    bot: Bot, sessions
) -> None:
    bot.slack.channels_without_bot.add("CPRIVATE")
    bot.command("/kudos", "<@UBOB> for the pairing", channel="CPRIVATE")
    in_channel = [r for r in bot.slack.responses if r.get("response_type") == "in_channel"]
    assert len(in_channel) == 1 and "<@UBOB>" in in_channel[0]["text"]
    assert kudos_count(sessions) == 1


def test_kudos_with_no_text_opens_the_modal(bot: Bot, sessions) -> None:
    bot.command("/kudos", "")
    opened = bot.slack.calls_to("views.open")
    assert len(opened) == 1
    view = opened[0]["view"]
    assert view["callback_id"] == ids.KUDOS_MODAL
    block_ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.KUDOS_RECEIVERS_BLOCK in block_ids and ids.KUDOS_REASON_BLOCK in block_ids
    assert json.loads(view["private_metadata"])["channel_id"] == "CGENERAL"


def modal_values(users: list[str], reason: str | None, value: str | None = None) -> dict:
    values = {
        ids.KUDOS_RECEIVERS_BLOCK: {ids.KUDOS_RECEIVERS_ACTION: users_value(users)},
        ids.KUDOS_REASON_BLOCK: {ids.KUDOS_REASON_ACTION: text_value(reason)},
    }
    if value is not None:
        values[ids.KUDOS_VALUE_BLOCK] = {ids.KUDOS_VALUE_ACTION: select_value(value)}
    return values


def open_modal(bot: Bot) -> dict:
    bot.command("/kudos", "")
    return bot.slack.calls_to("views.open")[-1]["view"]


def test_the_modal_submission_posts_the_kudos(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    reply = bot.view_submission(view, modal_values(["UBOB", "UDAVE"], "Great <b>demo</b> & notes"))
    assert reply.status == 200 and reply.body == ""
    posts = bot.slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0]["channel"] == "CGENERAL"
    assert "&lt;b&gt;demo&lt;/b&gt; &amp; notes" in posts[0]["blocks"][0]["text"]["text"]
    assert sorted(r.receiver_id for r in kudos_rows(sessions)) == ["UBOB", "UDAVE"]


@pytest.mark.parametrize(
    ("users", "reason", "block"),
    [
        (["UALICE"], "me", ids.KUDOS_RECEIVERS_BLOCK),
        (["UROBOT"], "beep", ids.KUDOS_RECEIVERS_BLOCK),
        (["UBOB"], "   ", ids.KUDOS_REASON_BLOCK),
        ([], "nobody", ids.KUDOS_RECEIVERS_BLOCK),
    ],
)
def test_modal_mistakes_are_shown_on_the_fields(bot: Bot, sessions, users, reason, block) -> None:
    view = open_modal(bot)
    reply = bot.view_submission(view, modal_values(users, reason))
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert block in answer["errors"]
    assert kudos_count(sessions) == 0
    assert bot.slack.calls_to("chat.postMessage") == []


def test_the_modal_offers_the_configured_values_and_checks_them(bot: Bot, sessions) -> None:
    open_modal(bot)
    set_workspace(sessions, kudos_values=["Ownership", "Craft"])
    view = open_modal(bot)
    select = next(b for b in view["blocks"] if b.get("block_id") == ids.KUDOS_VALUE_BLOCK)
    assert [o["value"] for o in select["element"]["options"]] == ["Ownership", "Craft"]
    reply = bot.view_submission(view, modal_values(["UBOB"], "for owning it", "Ownership"))
    assert reply.body == ""
    assert kudos_rows(sessions)[0].value == "Ownership"


def test_the_message_shortcut_prefills_the_author_and_links_the_message(bot: Bot, sessions) -> None:
    message = {"ts": "1700000100.000200", "user": "UBOB", "text": "Here is the fix"}
    bot.message_shortcut(ids.KUDOS_SHORTCUT, message, user="UALICE", channel="CDEV")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    receivers = next(b for b in view["blocks"] if b.get("block_id") == ids.KUDOS_RECEIVERS_BLOCK)
    assert receivers["element"]["initial_users"] == ["UBOB"]
    link = "https://test.slack.com/archives/CDEV/p1700000100000200"
    assert link in json.dumps(view["blocks"])
    bot.view_submission(view, modal_values(["UBOB"], "for the fix"))
    row = kudos_rows(sessions)[0]
    assert (row.channel_id, row.source_link) == ("CDEV", link)
    assert link in json.dumps(bot.slack.calls_to("chat.postMessage")[0]["blocks"])


def test_the_shortcut_on_your_own_message_prefills_nobody(bot: Bot) -> None:
    message = {"ts": "1700000100.000300", "user": "UALICE", "text": "my own"}
    bot.message_shortcut(ids.KUDOS_SHORTCUT, message, user="UALICE")
    view = bot.slack.calls_to("views.open")[-1]["view"]
    receivers = next(b for b in view["blocks"] if b.get("block_id") == ids.KUDOS_RECEIVERS_BLOCK)
    assert "initial_users" not in receivers["element"]


def test_a_channel_can_send_its_kudos_to_another_channel(bot: Bot, sessions) -> None:
    bot.command("/reciprocity", "channel kudos <#CKUDOS|kudos>", user="UADMIN")
    bot.command("/kudos", "<@UBOB> for the calm incident call")
    kudos_posts = [p for p in bot.slack.calls_to("chat.postMessage") if "got kudos" in p["text"]]
    assert [p["channel"] for p in kudos_posts] == ["CKUDOS"]
    row = kudos_rows(sessions)[0]
    assert row.channel_id == "CGENERAL"  # it still belongs to the channel it was given in
    assert ("CKUDOS", row.message_ts) in bot.slack.messages


def test_a_modal_with_unreadable_metadata_is_refused_without_a_500(bot: Bot, sessions) -> None:
    view = open_modal(bot)
    view["private_metadata"] = "{not json"
    reply = bot.view_submission(view, modal_values(["UBOB"], "for the fix"))
    assert reply.status == 200
    assert "start again" in reply.json()["errors"][ids.KUDOS_REASON_BLOCK]
    assert kudos_count(sessions) == 0


def test_the_shortcut_works_for_an_org_wide_install_where_team_is_null(bot: Bot) -> None:
    message = {"ts": "1700000100.000400", "user": "UBOB", "text": "shipped"}
    payload_team = bot.send.team_id
    reply = bot.send.interactive(
        {
            "type": "message_action",
            "callback_id": ids.KUDOS_SHORTCUT,
            "team": None,
            "user": {"id": "UALICE", "username": "alice", "team_id": payload_team},
            "channel": {"id": "CGENERAL", "name": "general"},
            "trigger_id": "1.2.org",
            "response_url": bot.slack.response_url(),
            "message_ts": message["ts"],
            "message": {"type": "message", **message},
            "enterprise": {"id": "E0ORG", "name": "Org"},
            "is_enterprise_install": True,
        }
    )
    bot.wait()
    assert reply.status == 200
    assert len(bot.slack.calls_to("views.open")) == 1


def _transactions_running(bot: Bot, sessions, limit: int) -> tuple[int, int]:
    """Run `limit` queued items; (how many ran, how many transactions that took)."""
    ran, begun, _statements = _running(bot, sessions, limit)
    return ran, begun


def _running(bot: Bot, sessions, limit: int) -> tuple[int, int, list[str]]:
    """Run `limit` queued items; (how many ran, how many transactions that took, the SQL
    statements they ran, on one line each)."""
    begun: list[str] = []
    statements: list[str] = []

    def count(connection: Any) -> None:
        begun.append("begin")

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(bot.deps.engine, "begin", count)
    event.listen(bot.deps.engine, "before_cursor_execute", note)
    bot.executor.wait_idle()
    try:
        ran = run_pending(
            bot.consumer, sessions=sessions, clock=bot.deps.clock, limit=limit, worker="tests"
        )
    finally:
        event.remove(bot.deps.engine, "begin", count)
        event.remove(bot.deps.engine, "before_cursor_execute", note)
    return ran, len(begun), statements


def test_a_queued_kudos_takes_three_transactions_after_its_ack(bot: Bot, sessions) -> None:
    """The worker's cost per kudos is mostly its transactions: lease; record the kudos;
    finish, with the note of the post riding on it. No lookup of an earlier post for rows it
    has just created, and no read of the workspace's values for a reason without a `#tag`.
    (It took six.)"""
    bot.command("/kudos", "<@UBOB|bob> for the warm-up")  # members and workspace exist now
    bot.send.command("/kudos", "<@UBOB|bob> for untangling the release")
    ran, begun = _transactions_running(bot, sessions, limit=1)
    assert ran == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 2
    assert begun == 3  # take; give; finish, with the note of the post
    assert bot.wait() == 0


def test_a_queued_kudos_first_run_reads_each_row_once(bot: Bot, sessions) -> None:
    """The first run of a queued kudos doesn't look for kudos an earlier run gave (there was
    none), and reads the giver's and receiver's rows once: on SQLite that read is already
    under the write lock; PostgreSQL locks the giver's row with a second read. (A retry
    still looks: tests/app/test_work_queue.py.)"""
    bot.command("/kudos", "<@UBOB|bob> for the warm-up")  # members and workspace exist now
    bot.send.command("/kudos", "<@UBOB|bob> for untangling the release")
    ran, _begun, statements = _running(bot, sessions, limit=1)
    assert ran == 1 and len(bot.slack.calls_to("chat.postMessage")) == 2
    from_kudos = [s for s in statements if s.startswith("SELECT") and " FROM kudos " in s]
    assert [s for s in from_kudos if "kudos.post_id" in s] == []  # no lookup of earlier kudos
    from_members = [s for s in statements if s.startswith("SELECT") and " FROM members " in s]
    locking = bot.deps.engine.dialect.name == "postgresql"
    assert len(from_members) == (2 if locking else 1), from_members
    assert [s for s in from_members if s.endswith("FOR UPDATE")] == (
        from_members[1:] if locking else []
    )
    assert bot.wait() == 0


def test_a_worker_leases_the_next_item_in_the_transaction_that_finishes_one(
    bot: Bot, sessions
) -> None:
    """Two queued kudos in a row: take; give; finish and take the next; give; finish. (Each
    took its own lease before: six.)"""
    bot.command("/kudos", "<@UBOB|bob> for the warm-up")
    bot.send.command("/kudos", "<@UBOB|bob> for untangling the release")
    bot.send.command("/kudos", "<@UBOB|bob> for the review")
    ran, begun = _transactions_running(bot, sessions, limit=2)
    assert ran == 2
    assert len(bot.slack.calls_to("chat.postMessage")) == 3
    assert begun == 5
    with sessions() as session:
        pending = session.scalars(select(WorkItem).where(WorkItem.status != "done")).all()
    assert pending == []
    assert bot.wait() == 0


WORKSPACE_KUDOS = 3000  # kudos the workspace holds already, in the test below
MOST_ROWS = 50  # rows (PostgreSQL) a statement of one kudos may read, whatever the workspace
MOST_STEPS = 1000  # SQLite VM steps: reading the 3,000 kudos took 15,000; one kudos, under 100


def _cost(engine: Any, statement: str, parameters: Any) -> int:
    """How much a statement reads, run once more and rolled back: on PostgreSQL the rows its
    plan's scans returned or filtered away (EXPLAIN ANALYZE); on SQLite its VM steps."""
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0  # carry on

    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            if engine.dialect.name == "postgresql":
                (plan,) = conn.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
                ).scalar_one()
                return _rows_in(plan["Plan"])
            raw = conn.connection.dbapi_connection
            raw.set_progress_handler(step, 1)
            try:
                result = conn.exec_driver_sql(statement, parameters)
                if result.returns_rows:
                    result.fetchall()
            finally:
                raw.set_progress_handler(None, 1)
            return steps[0]
        finally:
            transaction.rollback()


def _rows_in(node: dict[str, Any]) -> int:
    here = 0
    if "Scan" in node["Node Type"]:
        loops = int(node.get("Actual Loops", 1))
        here = loops * int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
        here += int(node.get("Rows Removed by Index Recheck", 0))
    return here + sum(_rows_in(child) for child in node.get("Plans", []))


def test_a_kudos_reads_no_more_rows_as_the_workspace_grows(bot: Bot, sessions) -> None:
    """Every statement a `/kudos` runs, from its ack to its post, reads a handful of rows
    however many kudos the workspace holds. (Noting where the kudos was posted read all of the
    workspace's kudos — the lookup by post had no index: 1 ms a kudos on PostgreSQL at 4,000,
    and growing.)"""
    bot.command("/kudos", "<@UBOB|bob> for the warm-up")  # members and workspace exist now
    engine = bot.deps.engine
    now = bot.deps.clock()
    with sessions.begin() as session:
        session.execute(
            insert(Kudos),
            [
                {
                    "team_id": "T0TEAM",
                    "post_id": f"seed-{n}",
                    "giver_id": f"USEED{n % 40}",
                    "receiver_id": f"USEED{(n + 1) % 40}",
                    "channel_id": "CGENERAL",
                    "reason": "an earlier kudos",
                    "message_ts": f"1700000000.{n:06d}",
                    "created_at": now - timedelta(days=1 + n % 300),
                }
                for n in range(WORKSPACE_KUDOS)
            ],
        )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    ran: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert bot.send.command("/kudos", "<@UBOB|bob> for untangling the release").status == 200
        assert _running(bot, sessions, limit=1)[0] == 1
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(bot.slack.calls_to("chat.postMessage")) == 2
    assert any("kudos.post_id" in statement for statement, _ in ran)  # what this is about
    most = MOST_ROWS if engine.dialect.name == "postgresql" else MOST_STEPS
    costly = {
        " ".join(statement.split())[:120]: cost
        for statement, parameters in ran
        if (cost := _cost(engine, statement, parameters)) > most
    }
    assert costly == {}
    assert bot.wait() == 0
