"""The pairing and circle rules as properties: they hold for any input hypothesis can find."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.pairing import (
    CIRCLE_MAX,
    CIRCLE_MIN,
    Candidate,
    Constraints,
    circle_sizes,
    form_circles,
    pair_mentees,
)
from tests.properties import examples

IDS = [f"U{i}" for i in range(9)]
TOPICS = ["python", "design", "sql", "career"]
DEPARTMENTS = [None, "eng", "sales", "ops"]
START = datetime(2026, 1, 5, tzinfo=UTC)

people_ids = st.sampled_from(IDS)


@st.composite
def candidates(draw: st.DrawFn, *, max_size: int, mentors: bool = False) -> list[Candidate]:
    ids = draw(st.lists(people_ids, unique=True, max_size=max_size))
    return [
        Candidate(
            user_id=uid,
            topics=frozenset(draw(st.sets(st.sampled_from(TOPICS), max_size=2))),
            department=draw(st.sampled_from(DEPARTMENTS)),
            joined_at=START + timedelta(days=draw(st.integers(0, 30))),
            is_new=draw(st.booleans()),
            capacity=draw(st.integers(0, 3)) if mentors else 1,
        )
        for uid in ids
    ]


person_pairs = st.tuples(people_ids, people_ids)
constraints = st.builds(
    lambda avoid, previous: Constraints(
        avoid=frozenset(avoid), previous=frozenset(frozenset(p) for p in previous if p[0] != p[1])
    ),
    st.sets(person_pairs, max_size=6),
    st.sets(person_pairs, max_size=6),
)


def most_pairs(mentors: list[Candidate], mentees: list[Candidate], rules: Constraints) -> int:
    """The largest number of pairs any assignment can make, by trying them all."""
    room = {m.user_id: m.capacity for m in mentors}

    def best(index: int) -> int:
        if index == len(mentees):
            return 0
        result = best(index + 1)  # leave this mentee out
        for mentor_id in room:
            if room[mentor_id] > 0 and rules.allowed(mentees[index].user_id, mentor_id):
                room[mentor_id] -= 1
                result = max(result, 1 + best(index + 1))
                room[mentor_id] += 1
        return result

    return best(0)


@settings(max_examples=examples(300), deadline=None)
@given(candidates(max_size=4, mentors=True), candidates(max_size=6), constraints)
def test_pairs_respect_capacity_avoid_lists_and_pair_everyone_who_can_be(
    mentors: list[Candidate], mentees: list[Candidate], rules: Constraints
) -> None:
    pairs = pair_mentees(mentors, mentees, rules)
    capacity = {m.user_id: m.capacity for m in mentors}
    load: dict[str, int] = {}
    for pair in pairs:
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
        assert rules.allowed(pair.mentor_id, pair.mentee_id)  # avoid lists, not yourself
    assert all(load[m] <= capacity[m] for m in load), "a mentor over capacity"
    mentee_ids = [p.mentee_id for p in pairs]
    assert len(mentee_ids) == len(set(mentee_ids)), "a mentee paired twice"
    assert set(mentee_ids) <= {m.user_id for m in mentees}
    assert len(pairs) == most_pairs(mentors, mentees, rules), "someone pairable was left out"


@settings(max_examples=examples(300), deadline=None)
@given(candidates(max_size=4, mentors=True), candidates(max_size=6), constraints)
def test_no_repeated_pair_while_a_free_mentor_would_do(
    mentors: list[Candidate], mentees: list[Candidate], rules: Constraints
) -> None:
    pairs = pair_mentees(mentors, mentees, rules)
    load = {m.user_id: 0 for m in mentors}
    for pair in pairs:
        load[pair.mentor_id] += 1
    for pair in pairs:
        if not rules.repeat(pair.mentor_id, pair.mentee_id):
            continue
        alternatives = [
            m.user_id
            for m in mentors
            if load[m.user_id] < m.capacity
            and rules.allowed(pair.mentee_id, m.user_id)
            and not rules.repeat(pair.mentee_id, m.user_id)
        ]
        assert alternatives == [], f"{pair} repeats although {alternatives} had room"


@settings(max_examples=examples(200), deadline=None)
@given(candidates(max_size=4, mentors=True), candidates(max_size=6), constraints, st.randoms())
def test_pairing_is_deterministic(
    mentors: list[Candidate], mentees: list[Candidate], rules: Constraints, rnd: random.Random
) -> None:
    first = pair_mentees(mentors, mentees, rules)
    rnd.shuffle(mentors)
    rnd.shuffle(mentees)
    assert pair_mentees(mentors, mentees, rules) == first


def test_repeats_are_a_last_resort_not_a_reason_to_leave_someone_out() -> None:
    rules = Constraints(previous=frozenset({frozenset({"UMENTEE", "UMENTOR"})}))
    pairs = pair_mentees([Candidate("UMENTOR")], [Candidate("UMENTEE")], rules)
    assert [(p.mentor_id, p.mentee_id) for p in pairs] == [("UMENTOR", "UMENTEE")]


def test_topic_overlap_then_other_departments_then_new_members_first() -> None:
    mentee = Candidate("UM", topics=frozenset({"sql"}), department="eng")
    mentors = [
        Candidate("UA", topics=frozenset({"design"}), department="sales"),
        Candidate("UB", topics=frozenset({"sql"}), department="eng"),
    ]
    assert pair_mentees(mentors, [mentee])[0].mentor_id == "UB"  # topic beats department
    mentors = [Candidate("UA", department="eng"), Candidate("UB", department="sales")]
    assert pair_mentees(mentors, [mentee])[0].mentor_id == "UB"  # then a different department
    veteran = Candidate("UOLD", joined_at=START)
    newcomer = Candidate("UNEW", joined_at=START + timedelta(days=9), is_new=True)
    pairs = pair_mentees([Candidate("UX")], [veteran, newcomer])
    assert [p.mentee_id for p in pairs] == ["UNEW"]


def test_the_suggested_topic_is_one_they_share() -> None:
    pairs = pair_mentees(
        [Candidate("UA", topics=frozenset({"sql", "career"}))],
        [Candidate("UB", topics=frozenset({"career", "python"}))],
    )
    assert pairs[0].topic == "career"


# ----- circles --------------------------------------------------------------------------------
@settings(max_examples=examples(300), deadline=None)
@given(candidates(max_size=9), constraints)
def test_circles_have_three_to_five_people_none_twice_none_with_someone_they_avoid(
    peers: list[Candidate], rules: Constraints
) -> None:
    circles = form_circles(peers, rules)
    placed = [uid for circle in circles for uid in circle.user_ids]
    assert len(placed) == len(set(placed))
    assert set(placed) <= {p.user_id for p in peers}
    for circle in circles:
        assert CIRCLE_MIN <= len(circle.user_ids) <= CIRCLE_MAX
        for a in circle.user_ids:
            for b in circle.user_ids:
                assert a == b or rules.allowed(a, b)


@settings(max_examples=examples(200), deadline=None)
@given(candidates(max_size=9), st.randoms())
def test_without_avoid_lists_everyone_is_in_a_circle(
    peers: list[Candidate], rnd: random.Random
) -> None:
    circles = form_circles(peers)
    placed = sorted(uid for circle in circles for uid in circle.user_ids)
    expected = sorted(p.user_id for p in peers) if len(peers) >= CIRCLE_MIN else []
    assert placed == expected
    rnd.shuffle(peers)
    assert form_circles(peers) == circles


@given(st.integers(0, 200))
def test_circle_sizes_add_up_and_stay_between_three_and_five(count: int) -> None:
    sizes = circle_sizes(count)
    if count < CIRCLE_MIN:
        assert sizes == []
    else:
        assert sum(sizes) == count
        assert all(CIRCLE_MIN <= s <= CIRCLE_MAX for s in sizes)
        assert max(sizes) - min(sizes) <= 1


def test_circles_mix_people_who_were_together_last_time() -> None:
    last = [("UA", "UB", "UC"), ("UD", "UE", "UF")]
    previous = frozenset(frozenset((a, b)) for group in last for a in group for b in group if a < b)
    circles = form_circles(
        [Candidate(uid) for group in last for uid in group], Constraints(previous=previous)
    )
    assert len(circles) == 2
    for circle in circles:
        assert set(circle.user_ids) not in [set(group) for group in last]
