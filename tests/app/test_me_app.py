"""`/reciprocity me`: your own numbers, over all time and the last 30 days, only for you.

Data is seeded through the features' own services; the numbers are read back through the
service and through the real app (a signed slash command, the answer on the response_url).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.services import feedback, help_requests, kudos, mentoring, thanks
from bot.services.me import Numbers, balance_line, my_numbers
from bot.services.people import Person
from bot.services.workspaces import WorkspaceDefaults
from tests.conftest import Bot

T = "T0TEAM"
OTHER = "T0OTHER"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # the FakeClock's start
LONG_AGO = NOW - timedelta(days=60)


def person(uid: str, team: str = T) -> Person:
    return Person(id=uid, team_id=team, name=uid[1:].lower(), tz="Europe/Berlin")


ALICE, BOB, CAROL, DAVE = (person(u) for u in ("UALICE", "UBOB", "UCAROL", "UDAVE"))
DRAFT = feedback.Draft(
    situation="In Tuesday's planning meeting",
    behaviour="You summarised each open question before moving on",
    impact="Everyone left knowing who owns what",
    suggestion="Write the summary in the channel too",
)


def give_kudos(session: Session, giver: Person, receiver: Person, at: datetime) -> None:
    kudos.give_kudos(
        session=session,
        team_id=giver.team_id,
        giver=giver,
        receivers=[receiver],
        reason="for the careful review",
        value=None,
        channel_id="CGENERAL",
        defaults=WorkspaceDefaults(),
        now=at,
    )


def react(session: Session, giver: Person, author: Person, at: datetime, ts: str) -> Any:
    reaction = thanks.Reaction(
        team_id=giver.team_id,
        reactor_id=giver.id,
        author_id=author.id,
        channel_id="CGENERAL",
        message_ts=ts,
        emoji="pray",
    )
    thanks.record_thanks(session=session, reaction=reaction, reactor=giver, author=author, now=at)
    return reaction


def ask(
    session: Session,
    requester: Person,
    at: datetime,
    name: str,
    tags: tuple[str, ...] = ("python",),
    channel: str = "CGENERAL",
) -> str:
    """A help request "How do I <name>?"; returns its key."""
    key = help_requests.new_key()
    help_requests.create_request(
        session=session,
        team_id=requester.team_id,
        key=key,
        requester=requester,
        channel_id=channel,
        draft=help_requests.HelpDraft(question=f"How do I {name}?", tags=tags),
        suggestions=[],
        message_ts=f"{at.timestamp():.6f}",
        now=at,
    )
    return key


def seed(session: Session) -> None:
    """Alice's story, with a little of everyone else's around it."""
    # kudos: Alice gave one today; got one long ago and one today
    give_kudos(session, ALICE, BOB, NOW)
    give_kudos(session, BOB, ALICE, LONG_AGO)
    give_kudos(session, CAROL, ALICE, NOW)
    # emoji thanks: Alice thanked Dave today; Bob's thanks to her was retracted; Carol's is old
    react(session, ALICE, DAVE, NOW, "1.1")
    retracted = react(session, BOB, ALICE, NOW, "1.2")
    thanks.retract_thanks(session=session, reaction=retracted, now=NOW)
    react(session, CAROL, ALICE, LONG_AGO, "1.3")
    # help: Bob helped Alice long ago (she thanked him); Alice helped Bob today (he thanked her)
    alice_ask = ask(session, ALICE, LONG_AGO, "alice-ask")
    help_requests.offer_help(session=session, team_id=T, key=alice_ask, helper=BOB, now=LONG_AGO)
    help_requests.resolve_request(
        session=session,
        team_id=T,
        key=alice_ask,
        resolver_id="UALICE",
        helpers=[BOB],
        note=None,
        now=LONG_AGO,
    )
    bob_ask = ask(session, BOB, NOW - timedelta(hours=3), "bob-ask")
    help_requests.offer_help(session=session, team_id=T, key=bob_ask, helper=ALICE, now=NOW)
    help_requests.resolve_request(
        session=session,
        team_id=T,
        key=bob_ask,
        resolver_id="UBOB",
        helpers=[ALICE],
        note=None,
        now=NOW,
    )
    # …and she offered on Dave's open request
    dave_ask = ask(session, DAVE, NOW - timedelta(hours=2), "dave-ask")
    help_requests.offer_help(session=session, team_id=T, key=dave_ask, helper=ALICE, now=NOW)
    # feedback: Alice asked Bob and got it; she gave Carol some unasked
    (request,) = feedback.request_feedback(
        session=session,
        team_id=T,
        requester=ALICE,
        reviewers=[BOB],
        topic="my demo",
        now=NOW - timedelta(days=10),
    )
    feedback.give_feedback(
        session=session,
        team_id=T,
        giver=BOB,
        receiver=ALICE,
        draft=DRAFT,
        now=NOW - timedelta(days=9),
        request_id=request.id,
    )
    feedback.give_feedback(
        session=session, team_id=T, giver=ALICE, receiver=CAROL, draft=DRAFT, now=NOW
    )
    # mentoring: Bob mentors Alice; they logged one session
    mentoring.join(session=session, person=BOB, role="mentor", topics=("python",), now=LONG_AGO)
    mentoring.join(session=session, person=ALICE, role="mentee", topics=("python",), now=LONG_AGO)
    mentoring.run_round(
        session=session, team_id=T, now=NOW - timedelta(days=7), horizon_weeks=6, capacity=2
    )
    mentoring.log_session(
        session=session, team_id=T, logger=ALICE, other=BOB, notes="roadmap", now=NOW
    )
    # another workspace, same user ids: never counted
    give_kudos(session, person("UBOB", OTHER), person("UALICE", OTHER), NOW)
    react(session, person("UALICE", OTHER), person("UBOB", OTHER), NOW, "9.9")


ALL_TIME = Numbers(
    kudos_given=1,
    kudos_received=2,
    thanks_given=2,  # emoji to Dave, help thank-you to Bob
    thanks_received=2,  # Carol's old emoji, Bob's help thank-you
    help_given=2,
    help_received=1,
    feedback_given=1,
    feedback_received=1,
    feedback_cycles=1,
    mentoring_sessions=1,
)
LAST_30_DAYS = Numbers(
    kudos_given=1,
    kudos_received=1,
    thanks_given=1,
    thanks_received=1,
    help_given=2,
    help_received=0,
    feedback_given=1,
    feedback_received=1,
    feedback_cycles=1,
    mentoring_sessions=1,
)


# ----- the service --------------------------------------------------------------------------
def test_numbers_all_time_and_last_30_days(session: Session) -> None:
    seed(session)
    numbers = my_numbers(session=session, team_id=T, user_id="UALICE", now=NOW)
    assert numbers.all_time == ALL_TIME
    assert numbers.recent == LAST_30_DAYS
    assert numbers.days == 30
    assert (numbers.all_time.given, numbers.all_time.received) == (6, 6)


def test_the_other_side_of_the_same_story(session: Session) -> None:
    seed(session)
    bob = my_numbers(session=session, team_id=T, user_id="UBOB", now=NOW).all_time
    assert (bob.kudos_given, bob.kudos_received) == (1, 1)
    assert (bob.help_given, bob.help_received) == (1, 1)
    assert (bob.thanks_given, bob.thanks_received) == (1, 1)  # the retracted emoji is gone
    assert (bob.feedback_given, bob.feedback_received, bob.feedback_cycles) == (1, 0, 0)
    assert bob.mentoring_sessions == 1


def test_another_workspace_is_never_counted(session: Session) -> None:
    seed(session)
    other = my_numbers(session=session, team_id=OTHER, user_id="UALICE", now=NOW).all_time
    assert (other.kudos_received, other.thanks_given, other.given) == (1, 1, 1)


def test_someone_new_has_all_zeros(session: Session) -> None:
    numbers = my_numbers(session=session, team_id=T, user_id="UNEW", now=NOW)
    assert numbers.all_time == Numbers() == numbers.recent
    assert numbers.all_time.empty


def test_a_handful_of_queries_however_much_data(session: Session) -> None:
    seed(session)
    for i in range(20):
        key = ask(session, BOB, NOW - timedelta(hours=1), f"more-{i}")
        help_requests.offer_help(session=session, team_id=T, key=key, helper=ALICE, now=NOW)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        numbers = my_numbers(session=session, team_id=T, user_id="UALICE", now=NOW)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert numbers.all_time.help_given == 22
    assert len(statements) <= 8
    assert all("team_id" in sql for sql in statements)


# ----- the balance line ---------------------------------------------------------------------
SHAMING = re.compile(
    r"\b(only|not enough|should|behind|low|lower|fewer|less than|rank\w*|top|worst|lazy)\b"
)


def said(n: int) -> tuple[str, ...]:
    return ("once",) if n == 1 else ("twice",) if n == 2 else (f"{n:,}",)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_the_balance_is_always_kind_and_never_ranks(given_: int, received: int) -> None:
    line = balance_line(given_, received)
    assert line.strip() and len(line) < 3000
    assert not SHAMING.search(line.lower()), line
    for n in (given_, received):
        if n:
            assert any(word in line for word in said(n)), line


def test_balance_lines_for_each_shape() -> None:
    assert "just beginning" in balance_line(0, 0)
    assert "Asking is a gift" in balance_line(5, 0)
    assert "passes it on" in balance_line(0, 3)
    assert "Nicely balanced" in balance_line(4, 3)
    assert "generosity" in balance_line(10, 2)
    assert "both ways" in balance_line(1, 9)


# ----- through the app ----------------------------------------------------------------------
def answer(bot: Bot) -> dict[str, Any]:
    assert bot.slack.responses, "the user got no answer"
    reply = bot.slack.responses[-1]
    assert reply.get("response_type") == "ephemeral"
    return reply


def test_reciprocity_me_answers_privately_with_both_periods(
    bot: Bot, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        seed(session)
    reply = bot.command("/reciprocity", "me")
    assert reply.status == 200
    message = answer(bot)
    blocks = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Last 30 days" in blocks and "All time" in blocks
    assert "Kudos — gave 1 · received 2" in blocks  # all time
    assert "Kudos — gave 1 · received 1" in blocks  # last 30 days
    assert "helped on 2 requests" in blocks
    assert "1 you asked for" in blocks
    assert "Mentoring sessions — 1" in blocks
    assert "Nicely balanced" in blocks
    assert "gave 6, received 6" in message["text"]
    assert not bot.slack.calls_to("chat.postMessage"), "nothing is posted in the channel"


def test_reciprocity_me_for_someone_new_is_warm(bot: Bot) -> None:
    bot.command("/reciprocity", "me", user="UDAVE")
    message = answer(bot)
    assert "just beginning" in message["text"]
    assert "Kudos — gave 0 · received 0" in json.dumps(message["blocks"], ensure_ascii=False)


def test_reciprocity_me_with_extra_words_explains_itself(bot: Bot) -> None:
    bot.command("/reciprocity", "me <@UBOB>")
    message = answer(bot)
    assert "takes nothing after it" in message["text"]
    assert "/reciprocity me" in message["text"]


def test_the_usage_text_lists_me(bot: Bot) -> None:
    bot.command("/reciprocity", "help")
    assert "/reciprocity me" in answer(bot)["text"]
