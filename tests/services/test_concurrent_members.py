"""Two people new to the bot (no `members` rows yet) thanking each other at the same moment.

Each round, two threads with their own sessions meet at a barrier and then record, at once, A's
thank-you to B and B's to A (emoji thanks), or A's kudos to B and C and B's to A and C. Both
transactions create the same new member rows; unless every transaction creates and locks them
in one order, PostgreSQL detects a deadlock and aborts one of them, and its thank-you is lost.
The last test is the same for kudos between members who exist but whose profiles changed
(each transaction rewrites one row and locks the other, the giver's, for the budget).

On PostgreSQL this is the real test. On SQLite it proves less: every transaction takes the
database's write lock at BEGIN IMMEDIATE (bot/db.py), so the two never interleave; there it
only shows that nothing is lost or refused when they queue behind each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.kudos import give_kudos
from bot.services.people import Person, remember_member
from bot.services.thanks import Reaction, record_thanks
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from models import Kudos, Member, Thanks

TEAM = "T0TEAM"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ROUNDS = 40


def person(user_id: str) -> Person:
    """Someone as the directory reads them from Slack: a full profile."""
    return Person(
        id=user_id, team_id=TEAM, name=user_id.lower(), real_name=user_id.title(), known=True
    )


def at_once(sessions: sessionmaker[Session], *work: Callable[[Session], object]) -> None:
    """Run each piece of work in its own thread and transaction, all starting together.

    The barrier is passed inside `sessions.begin()`, before the first statement (which is
    when the database transaction begins, BEGIN IMMEDIATE on SQLite), so on PostgreSQL the
    transactions overlap from their first statement. An error in any of them (a deadlock,
    say) is re-raised here.
    """
    barrier = threading.Barrier(len(work), timeout=30)

    def run(job: Callable[[Session], object]) -> None:
        with sessions.begin() as session:
            barrier.wait()
            job(session)

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        for future in [pool.submit(run, job) for job in work]:
            future.result()


def thank(reactor: Person, author: Person) -> Callable[[Session], object]:
    reaction = Reaction(
        team_id=TEAM,
        reactor_id=reactor.id,
        author_id=author.id,
        channel_id="CGENERAL",
        message_ts=f"1700000000.{author.id}",  # the author's message
        emoji="pray",
    )
    return lambda session: record_thanks(
        session=session, reaction=reaction, reactor=reactor, author=author, now=NOW
    )


def test_new_members_thanking_each_other_at_once_lose_nothing(
    sessions: sessionmaker[Session],
) -> None:
    errors: list[BaseException] = []
    for n in range(ROUNDS):
        # New people each round; the one with the larger id reacts first, as in the report.
        a, b = person(f"UB{n:03d}"), person(f"UA{n:03d}")
        try:
            at_once(sessions, thank(a, b), thank(b, a))
        except Exception as exc:  # count every lost round, then fail
            errors.append(exc)
    with sessions() as session:
        recorded = session.scalar(select(func.count(Thanks.id)))
        members = session.scalar(select(func.count()).select_from(Member))
    assert not errors, f"{len(errors)} of {ROUNDS} rounds failed, first: {errors[0]!r}"
    assert recorded == 2 * ROUNDS
    assert members == 2 * ROUNDS


def test_new_members_giving_each_other_kudos_at_once_lose_nothing(
    sessions: sessionmaker[Session],
) -> None:
    defaults = WorkspaceDefaults(kudos_daily_budget=100)
    with sessions.begin() as session:  # the workspace row exists, as after the first event
        get_workspace(session=session, team_id=TEAM, defaults=defaults, now=NOW)

    def kudos(giver: Person, *receivers: Person) -> Callable[[Session], object]:
        return lambda session: give_kudos(
            session=session,
            team_id=TEAM,
            giver=giver,
            receivers=list(receivers),
            reason="thank you",
            value=None,
            channel_id="CGENERAL",
            defaults=defaults,
            now=NOW,
        )

    errors: list[BaseException] = []
    for n in range(ROUNDS):
        a, b, c = person(f"UB{n:03d}"), person(f"UA{n:03d}"), person(f"UC{n:03d}")
        try:
            at_once(sessions, kudos(a, c, b), kudos(b, c, a))
        except Exception as exc:  # count every lost round, then fail
            errors.append(exc)
    with sessions() as session:
        recorded = session.scalar(select(func.count(Kudos.id)))
        members = session.scalar(select(func.count()).select_from(Member))
    assert not errors, f"{len(errors)} of {ROUNDS} rounds failed, first: {errors[0]!r}"
    assert recorded == 4 * ROUNDS
    assert members == 3 * ROUNDS


def test_members_whose_profiles_changed_giving_each_other_kudos_at_once_lose_nothing(
    sessions: sessionmaker[Session],
) -> None:
    """Not new, but each side read the other's new Slack profile: each transaction rewrites
    the other person's row and locks its own giver's row (the budget), so the rows it locks
    must come in the same order as everyone else's. (Which profile ends up stored is the last
    writer's; that is not what this checks.)"""
    defaults = WorkspaceDefaults(kudos_daily_budget=100)
    pairs = [(person(f"UB{n:03d}"), person(f"UA{n:03d}")) for n in range(ROUNDS)]
    with sessions.begin() as session:
        get_workspace(session=session, team_id=TEAM, defaults=defaults, now=NOW)
        for a, b in pairs:
            remember_member(session=session, person=a, now=NOW)
            remember_member(session=session, person=b, now=NOW)

    def kudos(giver: Person, receiver: Person) -> Callable[[Session], object]:
        renamed = replace(receiver, display_name=f"{receiver.id} (new)")
        return lambda session: give_kudos(
            session=session,
            team_id=TEAM,
            giver=giver,
            receivers=[renamed],
            reason="thank you",
            value=None,
            channel_id="CGENERAL",
            defaults=defaults,
            now=NOW,
        )

    errors: list[BaseException] = []
    for a, b in pairs:
        try:
            at_once(sessions, kudos(a, b), kudos(b, a))
        except Exception as exc:  # count every lost round, then fail
            errors.append(exc)
    with sessions() as session:
        recorded = session.scalar(select(func.count(Kudos.id)))
    assert not errors, f"{len(errors)} of {ROUNDS} rounds failed, first: {errors[0]!r}"
    assert recorded == 2 * ROUNDS
