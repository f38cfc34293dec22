"""Choosing a buddy, as properties: never over capacity, the least loaded first, never across
an avoid list, never a guest, bot or deactivated account; then another department and
overlapping hours among equals."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.onboarding import (
    Newcomer,
    Volunteer,
    choose_buddy,
    eligible,
    match_all,
    weekly_overlap_minutes,
)
from bot.services.preferences import Preferences
from tests.properties import examples

IDS = [f"U{i}" for i in range(10)]
DEPARTMENTS = [None, "eng", "sales", "ops"]


@st.composite
def volunteers(draw: st.DrawFn) -> list[Volunteer]:
    ids = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=8))
    found = []
    for uid in ids:
        capacity = draw(st.integers(1, 3))
        found.append(
            Volunteer(
                user_id=uid,
                capacity=capacity,
                load=draw(st.integers(0, capacity)),
                department=draw(st.sampled_from(DEPARTMENTS)),
                is_bot=draw(st.booleans()),
                is_guest=draw(st.booleans()),
                deleted=draw(st.integers(0, 4)) == 0,
                avoids=frozenset(draw(st.sets(st.sampled_from([*IDS, "UNEW"]), max_size=2))),
            )
        )
    return found


newcomers = st.builds(
    Newcomer,
    user_id=st.sampled_from(["UNEW", "U0"]),
    department=st.sampled_from(DEPARTMENTS),
    avoids=st.frozensets(st.sampled_from(IDS), max_size=3),
)
overlaps = st.dictionaries(st.sampled_from(IDS), st.integers(0, 2400), max_size=10)


@settings(max_examples=examples(300))
@given(newcomers, volunteers(), overlaps)
def test_the_buddy_is_eligible_and_among_the_least_loaded(
    hire: Newcomer, pool: list[Volunteer], overlap: dict[str, int]
) -> None:
    buddy = choose_buddy(hire, pool, overlap)
    free = [v for v in pool if eligible(hire, v)]
    if buddy is None:
        assert free == []  # nobody is left without a buddy while someone is free
        return
    assert buddy in free
    assert buddy.load < buddy.capacity
    assert not (buddy.is_bot or buddy.is_guest or buddy.deleted)
    assert buddy.user_id != hire.user_id
    assert hire.user_id not in buddy.avoids and buddy.user_id not in hire.avoids
    assert buddy.load == min(v.load for v in free)


@settings(max_examples=examples(300))
@given(newcomers, volunteers(), overlaps)
def test_among_equals_another_department_then_shared_hours(
    hire: Newcomer, pool: list[Volunteer], overlap: dict[str, int]
) -> None:
    buddy = choose_buddy(hire, pool, overlap)
    if buddy is None:
        return
    equals = [v for v in pool if eligible(hire, v) and v.load == buddy.load]

    def other(v: Volunteer) -> bool:
        return bool(hire.department and v.department and hire.department != v.department)

    if any(other(v) for v in equals):
        assert other(buddy)
        equals = [v for v in equals if other(v)]
    if any(overlap.get(v.user_id, 0) > 0 for v in equals):
        assert overlap.get(buddy.user_id, 0) == max(overlap.get(v.user_id, 0) for v in equals)


@settings(max_examples=examples(200))
@given(
    st.lists(st.sampled_from([f"UN{i}" for i in range(12)]), unique=True, max_size=12),
    volunteers(),
)
def test_many_hires_never_exceed_capacity_and_spread_evenly(
    hires: list[str], pool: list[Volunteer]
) -> None:
    chosen = match_all([Newcomer(user_id=h) for h in hires], pool)
    by_id = {v.user_id: v for v in pool}
    given_to: dict[str, int] = {}
    for hire in hires:
        buddy = chosen[hire]
        if buddy is not None:
            given_to[buddy] = given_to.get(buddy, 0) + 1
    for uid, extra in given_to.items():
        volunteer = by_id[uid]
        assert volunteer.load + extra <= volunteer.capacity
        assert not (volunteer.is_bot or volunteer.is_guest or volunteer.deleted)
    # Someone went without a buddy only when every eligible volunteer was full.
    if any(chosen[h] is None for h in hires):
        for v in pool:
            if eligible(Newcomer(user_id="UNX"), Volunteer(**{**v.__dict__, "load": 0})):
                assert v.load + given_to.get(v.user_id, 0) >= v.capacity
    # Load balance: a volunteer is given a second new hire only once no one free has fewer.
    final = {v.user_id: v.load + given_to.get(v.user_id, 0) for v in pool}
    for uid in given_to:
        for v in pool:
            if v.user_id == uid or not eligible(Newcomer(user_id="UNX"), v):
                continue
            # v was free at the end: it never had fewer than the load uid was given at
            if final[v.user_id] < v.capacity:
                assert final[v.user_id] >= final[uid] - 1


def test_a_guest_a_bot_and_an_avoided_volunteer_are_never_chosen() -> None:
    hire = Newcomer(user_id="UNEW", avoids=frozenset({"UAVOIDED"}))
    pool = [
        Volunteer(user_id="UGUEST", is_guest=True),
        Volunteer(user_id="UBOT", is_bot=True),
        Volunteer(user_id="UAVOIDED"),
        Volunteer(user_id="UAVOIDS", avoids=frozenset({"UNEW"})),
        Volunteer(user_id="UFULL", capacity=1, load=1),
    ]
    assert choose_buddy(hire, pool) is None
    pool.append(Volunteer(user_id="UOK", capacity=2, load=1))
    buddy = choose_buddy(hire, pool)
    assert buddy is not None and buddy.user_id == "UOK"


def test_another_department_and_shared_hours_break_ties() -> None:
    hire = Newcomer(user_id="UNEW", department="eng")
    same = Volunteer(user_id="USAME", department="eng")
    other = Volunteer(user_id="UOTHER", department="sales")
    far = Volunteer(user_id="UFAR", department="ops")
    assert choose_buddy(hire, [same, other]) == other
    assert choose_buddy(hire, [other, far], {"UOTHER": 0, "UFAR": 600}) == far
    busy = Volunteer(user_id="UBUSY", department="sales", capacity=3, load=1)
    assert choose_buddy(hire, [busy, same]) == same  # least load comes first


def test_weekly_overlap_of_working_hours_across_zones() -> None:
    monday = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    nine_to_five = Preferences()
    # Berlin (UTC+1) and London (UTC+0): 7 shared hours a day, 5 days.
    assert (
        weekly_overlap_minutes(nine_to_five, "Europe/Berlin", nine_to_five, "Europe/London", monday)
        == 5 * 7 * 60
    )
    # Berlin and Tokyo (UTC+9): 09:00–17:00 Tokyo is 01:00–09:00 Berlin: nothing shared.
    assert (
        weekly_overlap_minutes(nine_to_five, "Europe/Berlin", nine_to_five, "Asia/Tokyo", monday)
        == 0
    )
