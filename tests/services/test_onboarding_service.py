"""The onboarding records against a real database: a new hire joins once, buddy loads, the
contribution a buddy gets at the horizon, and forgetting a buddy or a new hire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import onboarding
from bot.services.forget import TOMBSTONE, forget_user
from bot.services.onboarding import Newcomer, Volunteer
from bot.services.people import Person
from models.onboarding import BuddyVolunteer, OnboardingHire

TEAM = "T0TEAM"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def person(user_id: str) -> Person:
    return Person(id=user_id, team_id=TEAM, name=user_id.lower(), tz="Europe/Berlin", known=True)


def start(session: Session) -> None:
    onboarding.set_programme(
        session=session, team_id=TEAM, user_id="UADMIN", enabled=True, horizon=30, now=NOW
    )


def match(session: Session, hire_id: int, user_id: str) -> str | None:
    found, newcomer = onboarding.candidates(session=session, team_id=TEAM, hire_id=user_id)
    volunteers = [
        Volunteer(user_id=c.user_id, capacity=c.capacity, load=c.load, avoids=c.avoids)
        for c in found
    ]
    return onboarding.assign_buddy(
        session=session,
        team_id=TEAM,
        hire_id=hire_id,
        volunteers=volunteers,
        hire=newcomer,
        overlap={},
        now=NOW,
    )


def test_a_hire_joins_once_and_the_load_counts(session: Session) -> None:
    assert onboarding.enroll_hire(session=session, person=person("UNEW"), now=NOW) is None
    start(session)
    first = onboarding.enroll_hire(session=session, person=person("UNEW"), now=NOW)
    again = onboarding.enroll_hire(session=session, person=person("UNEW"), now=NOW)
    assert first is not None and again is not None and first.id == again.id
    assert first.horizon_at == NOW + timedelta(days=30)
    onboarding.volunteer(session=session, person=person("UBUDDY"), topics=(), capacity=1, now=NOW)
    assert match(session, first.id, "UNEW") == "UBUDDY"
    assert onboarding.buddy_loads(session=session, team_id=TEAM) == {"UBUDDY": 1}
    second = onboarding.enroll_hire(session=session, person=person("UNEW2"), now=NOW)
    assert second is not None
    assert match(session, second.id, "UNEW2") is None  # the only volunteer is full
    assert onboarding.volunteers_needed(session=session, team_id=TEAM, now=NOW) == ["UADMIN"]
    assert onboarding.volunteers_needed(session=session, team_id=TEAM, now=NOW) == []  # once
    onboarding.finish(session=session, hire_id=first.id, thanked=True, now=NOW)
    assert onboarding.buddy_loads(session=session, team_id=TEAM) == {}
    [done] = onboarding.buddy_contributions(session=session, team_id=TEAM, user_id="UBUDDY")
    assert done.hire_id == "UNEW" and done.thanked_at == NOW
    assert match(session, second.id, "UNEW2") == "UBUDDY"


def test_choose_buddy_is_what_assign_buddy_uses(session: Session) -> None:
    start(session)
    hire = onboarding.enroll_hire(session=session, person=person("UNEW"), now=NOW)
    assert hire is not None
    for uid in ("UA", "UB"):
        onboarding.volunteer(session=session, person=person(uid), topics=(), capacity=1, now=NOW)
    pool = [Volunteer(user_id="UA", is_guest=True), Volunteer(user_id="UB")]
    assert onboarding.choose_buddy(Newcomer(user_id="UNEW"), pool) == pool[1]


def test_forgetting_a_buddy_frees_their_new_hire_and_keeps_past_ones(session: Session) -> None:
    start(session)
    onboarding.volunteer(session=session, person=person("UBUDDY"), topics=(), capacity=2, now=NOW)
    past = onboarding.enroll_hire(session=session, person=person("UPAST"), now=NOW)
    now_ = onboarding.enroll_hire(session=session, person=person("UNOW"), now=NOW)
    assert past is not None and now_ is not None
    match(session, past.id, "UPAST")
    match(session, now_.id, "UNOW")
    onboarding.finish(session=session, hire_id=past.id, thanked=True, now=NOW)
    forget_user(session=session, user_id="UBUDDY", team_id=TEAM)
    rows = {r.user_id: r for r in session.scalars(select(OnboardingHire))}
    assert rows["UPAST"].buddy_id == TOMBSTONE and rows["UPAST"].thanked_at is not None
    assert rows["UNOW"].buddy_id is None and rows["UNOW"].matched_at is None
    assert session.scalars(select(BuddyVolunteer)).all() == []
    forget_user(session=session, user_id="UNOW", team_id=TEAM)
    assert [r.user_id for r in session.scalars(select(OnboardingHire))] == ["UPAST"]
