"""Many kudos at once, as the queue worker's threads give them: none lost, budgets kept."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.services.kudos import give_kudos
from bot.services.people import Person
from bot.services.workspaces import WorkspaceDefaults
from models import Kudos, Member

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_concurrent_kudos_to_a_new_person_all_succeed(sessions) -> None:
    receiver = Person(id="UNEWCOMER", team_id="T0TEAM", display_name="newcomer")
    givers = [Person(id=f"UGIVER{i:02d}", team_id="T0TEAM") for i in range(16)]

    def give(giver: Person) -> None:
        with sessions.begin() as session:
            give_kudos(
                session=session,
                team_id="T0TEAM",
                giver=giver,
                receivers=[receiver],
                reason="welcome aboard",
                value=None,
                channel_id="C1",
                defaults=WorkspaceDefaults(),
                now=NOW,
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(give, givers))  # re-raises the first error, if any
    with sessions() as session:
        assert session.scalar(select(func.count(Kudos.id))) == 16
        assert session.scalar(select(func.count()).select_from(Member)) == 17


def test_two_people_thanking_each_other_at_once_do_not_deadlock(sessions) -> None:
    alice = Person(id="UALICE", team_id="T0TEAM")
    bob = Person(id="UBOB", team_id="T0TEAM")

    def give(pair: tuple[Person, Person]) -> None:
        giver, receiver = pair
        with sessions.begin() as session:
            give_kudos(
                session=session,
                team_id="T0TEAM",
                giver=giver,
                receivers=[receiver],
                reason="thank you",
                value=None,
                channel_id="C1",
                defaults=WorkspaceDefaults(kudos_daily_budget=100),
                now=NOW,
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(give, [(alice, bob), (bob, alice)] * 20))
    with sessions() as session:
        assert session.scalar(select(func.count(Kudos.id))) == 40


def test_the_budget_holds_under_concurrent_kudos_from_one_giver(sessions) -> None:
    giver = Person(id="UGENEROUS", team_id="T0TEAM")
    with sessions.begin() as session:  # the giver is known, as after their first kudos
        from bot.services.people import remember_member

        remember_member(session=session, person=giver, now=NOW)
    receivers = [Person(id=f"URECV{i:02d}", team_id="T0TEAM") for i in range(12)]
    refused = []

    def give(receiver: Person) -> None:
        from bot.errors import DomainError

        try:
            with sessions.begin() as session:
                give_kudos(
                    session=session,
                    team_id="T0TEAM",
                    giver=giver,
                    receivers=[receiver],
                    reason="thanks",
                    value=None,
                    channel_id="C1",
                    defaults=WorkspaceDefaults(kudos_daily_budget=5),
                    now=NOW,
                )
        except DomainError:
            refused.append(receiver.id)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(give, receivers))
    with sessions() as session:
        assert session.scalar(select(func.count(Kudos.id))) == 5
    assert len(refused) == 7
