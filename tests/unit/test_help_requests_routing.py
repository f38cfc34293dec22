"""The fair helper-selection rule: properties over many generated channels and requests."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.routing import MAX_SUGGESTIONS, WINDOW, Candidate, choose_helpers, is_eligible

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TOPICS = ["python", "sql", "design", "k8s"]

moments = st.one_of(
    st.none(),
    st.integers(min_value=-60 * 24 * 45, max_value=60).map(lambda m: NOW + timedelta(minutes=m)),
)
candidates = st.builds(
    Candidate,
    user_id=st.sampled_from([f"U{i:02d}" for i in range(15)]),
    topics=st.frozensets(st.sampled_from(TOPICS), max_size=3),
    last_helped_at=moments,
    last_suggested_at=moments,
    times_suggested=st.integers(min_value=0, max_value=5),
    available=st.booleans(),
    opted_out=st.booleans(),
    is_bot=st.booleans(),
    deleted=st.booleans(),
)
tag_sets = st.lists(st.sampled_from(TOPICS), min_size=1, max_size=3, unique=True)


@given(
    people=st.lists(candidates, max_size=20),
    tags=tag_sets,
    requester=st.sampled_from(["U00", "U01", "UX"]),
    seed=st.text(max_size=8),
)
def test_nobody_ineligible_is_ever_picked(people, tags, requester, seed) -> None:
    chosen = choose_helpers(people, tags=tags, requester_id=requester, now=NOW, seed=seed)
    eligible_ids = {p.user_id for p in people if is_eligible(p, tags=tags, requester_id=requester)}
    assert set(chosen) <= eligible_ids
    assert requester not in chosen
    assert len(chosen) == len(set(chosen)) == min(MAX_SUGGESTIONS, len(eligible_ids))
    for uid in chosen:
        # Whoever is picked has at least one listing that is eligible.
        assert any(
            p.user_id == uid and is_eligible(p, tags=tags, requester_id=requester) for p in people
        )


@given(
    people=st.lists(candidates, max_size=20),
    tags=tag_sets,
    seed=st.text(max_size=8),
    shuffle_seed=st.integers(),
)
def test_same_inputs_same_answer_whatever_the_order(people, tags, seed, shuffle_seed) -> None:
    first = choose_helpers(people, tags=tags, requester_id="U00", now=NOW, seed=seed)
    again = choose_helpers(list(people), tags=tags, requester_id="U00", now=NOW, seed=seed)
    shuffled = list(people)
    random.Random(shuffle_seed).shuffle(shuffled)
    reordered = choose_helpers(shuffled, tags=tags, requester_id="U00", now=NOW, seed=seed)
    assert first == again == reordered


@settings(max_examples=60)
@given(
    size=st.integers(min_value=1, max_value=12),
    rounds=st.integers(min_value=1, max_value=40),
    limit=st.integers(min_value=1, max_value=MAX_SUGGESTIONS),
)
def test_over_many_requests_the_asking_spreads_across_everyone_eligible(
    size, rounds, limit
) -> None:
    """Each request suggests whoever was asked least often, then least recently: nobody is
    asked twice before everyone eligible has been asked once, so counts differ by one at most."""
    people = {
        f"U{i:02d}": Candidate(user_id=f"U{i:02d}", topics=frozenset({"python"}))
        for i in range(size)
    }
    blocked = Candidate(user_id="UOUT", topics=frozenset({"python"}), opted_out=True)
    asked: Counter[str] = Counter()
    now = NOW
    for number in range(rounds):
        chosen = choose_helpers(
            [*people.values(), blocked],
            tags=["python"],
            requester_id="UREQ",
            now=now,
            seed=f"request-{number}",
            limit=limit,
        )
        assert "UOUT" not in chosen
        for uid in chosen:
            asked[uid] += 1
            before = people[uid]
            people[uid] = replace(
                before, last_suggested_at=now, times_suggested=before.times_suggested + 1
            )
        now += timedelta(hours=1)
    counts = [asked[uid] for uid in people]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == rounds * min(limit, size)


@given(
    helped_minutes_ago=st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 29)),
        min_size=4,
        max_size=8,
    ),
    seed=st.text(max_size=8),
)
def test_those_who_helped_least_recently_come_first(helped_minutes_ago, seed) -> None:
    people = [
        Candidate(
            user_id=f"U{i}",
            topics=frozenset({"sql"}),
            last_helped_at=None if m is None else NOW - timedelta(minutes=m),
        )
        for i, m in enumerate(helped_minutes_ago)
    ]
    chosen = choose_helpers(people, tags=["sql"], requester_id="UREQ", now=NOW, seed=seed)

    def rank(c: Candidate) -> float:
        # Never helped (or long ago) ranks best; otherwise the older the help, the better.
        return float("-inf") if c.last_helped_at is None else c.last_helped_at.timestamp()

    by_id = {c.user_id: c for c in people}
    chosen_ranks = [rank(by_id[uid]) for uid in chosen]
    assert chosen_ranks == sorted(chosen_ranks)
    left_out = [rank(c) for c in people if c.user_id not in chosen]
    assert all(r <= min(left_out, default=float("inf")) for r in chosen_ranks)


def test_help_older_than_thirty_days_no_longer_counts() -> None:
    old = Candidate("UOLD", frozenset({"sql"}), last_helped_at=NOW - WINDOW - timedelta(hours=1))
    fresh = Candidate("UNEW", frozenset({"sql"}), last_helped_at=NOW - timedelta(days=1))
    never = Candidate("UNEVER", frozenset({"sql"}))
    chosen = choose_helpers([fresh, old, never], tags=["sql"], requester_id="U", now=NOW, seed="")
    assert chosen[2] == "UNEW"
    assert set(chosen[:2]) == {"UOLD", "UNEVER"}


def test_no_tags_or_no_match_suggests_nobody() -> None:
    person = Candidate("UA", frozenset({"sql"}))
    assert choose_helpers([person], tags=[], requester_id="U", now=NOW, seed="") == []
    assert choose_helpers([person], tags=["design"], requester_id="U", now=NOW, seed="") == []
    assert choose_helpers([person], tags=["#SQL"], requester_id="U", now=NOW, seed="") == ["UA"]
