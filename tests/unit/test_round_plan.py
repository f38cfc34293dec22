"""`plan_round`, the weekly round decided from its inputs alone, as properties."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.mentoring import CIRCLE, MENTEE, MENTOR, PAIR, PEER, RoundInputs, plan_round
from bot.services.pairing import CIRCLE_MAX, CIRCLE_MIN
from tests.properties import examples
from tests.unit.test_pairing_properties import candidates, constraints

rounds = st.builds(
    RoundInputs,
    mentors=candidates(max_size=4, mentors=True),
    mentees=candidates(max_size=6),
    peers=candidates(max_size=9),
    constraints=constraints,
)


@settings(max_examples=examples(300), deadline=None)
@given(rounds)
def test_a_planned_round_keeps_every_rule(inputs: RoundInputs) -> None:
    planned = plan_round(inputs)
    mentors = {m.user_id: m.capacity for m in inputs.mentors}
    mentees = {m.user_id for m in inputs.mentees}
    peers = {p.user_id for p in inputs.peers}
    load: Counter[str] = Counter()
    paired: Counter[str] = Counter()
    circled: Counter[str] = Counter()
    for group in planned:
        assert group.topic.strip()
        people = [uid for uid, _ in group.members]
        for a in people:
            for b in people:
                if a != b:
                    assert inputs.constraints.allowed(a, b), (a, b)
        if group.kind == PAIR:
            ((mentor, role_a), (mentee, role_b)) = group.members
            assert (role_a, role_b) == (MENTOR, MENTEE)
            assert mentor in mentors and mentee in mentees
            load[mentor] += 1
            paired[mentee] += 1
        else:
            assert group.kind == CIRCLE
            assert CIRCLE_MIN <= len(people) <= CIRCLE_MAX
            assert {role for _, role in group.members} == {PEER}
            assert set(people) <= peers
            circled.update(people)
    assert all(load[m] <= capacity for m, capacity in mentors.items())
    assert all(n == 1 for n in paired.values())  # a mentee gets one pair at most
    assert all(n == 1 for n in circled.values())  # and a peer one circle


@settings(max_examples=examples(100), deadline=None)
@given(rounds)
def test_the_same_inputs_plan_the_same_round(inputs: RoundInputs) -> None:
    assert plan_round(inputs) == plan_round(inputs)
