"""The insights' pure definitions on known data: ratios, E–I, Gini, percentiles, the top 10%
share, and folding small departments with complementary suppression."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.services.insights import metrics as m
from tests.properties import examples


def test_percentages_and_rates_are_none_without_a_whole() -> None:
    assert m.pct(1, 3) == 33.3 and m.pct(0, 5) == 0.0 and m.pct(3, 0) is None
    assert m.per_member_month(2, 4, m.DAYS_PER_MONTH) == 0.5
    assert m.per_member_month(2, 0, 30) is None and m.per_member_month(2, 4, 0) is None


def test_ei_index_runs_from_all_within_to_all_across() -> None:
    assert m.ei_index(0, 5) == -1.0 and m.ei_index(5, 0) == 1.0 and m.ei_index(3, 1) == 0.5
    assert m.ei_index(0, 0) is None  # an empty period has no index, not a 0


def test_gini_of_known_populations() -> None:
    assert m.gini({3: 4}) == 0.0  # everyone the same
    assert m.gini({0: 3, 8: 1}) == 0.75  # one of four has everything: (n-1)/n
    assert m.gini({1: 1, 2: 1, 3: 1}) == round(2 / 9, 3)  # Σ|xi-xj| = 8, / (2·9·2)
    assert m.gini({}) is None and m.gini({0: 5}) is None  # empty, or nothing to share
    assert m.gini({4: 1}) == 0.0  # a single member


@given(st.lists(st.integers(0, 20), min_size=1, max_size=30))
@example([2, 2, 17, 19])  # exactly between two thousandths
def test_gini_from_a_histogram_is_the_pairwise_definition(values: list[int]) -> None:
    histogram: dict[int, int] = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    n, total = len(values), sum(values)
    if total == 0:
        assert m.gini(histogram) is None
        return
    pairwise = sum(abs(a - b) for a in values for b in values) / (2 * n * n * (total / n))
    # gini() rounds to 3 decimals: within half a thousandth of the exact value
    assert m.gini(histogram) == pytest.approx(pairwise, abs=5e-4 + 1e-9)


def test_percentiles_interpolate_between_ranks() -> None:
    assert m.percentile([(2.0, 1), (30.0, 1)], 0.5) == 16.0
    assert m.percentile([(2.0, 1), (30.0, 1)], 0.9) == 27.2
    assert m.percentile([(1.0, 3), (10.0, 1)], 0.5) == 1.0
    assert m.percentile([(5.0, 1)], 0.9) == 5.0  # a single value
    assert m.percentile([], 0.5) is None and m.percentile([(1.0, 0)], 0.5) is None


def test_the_top_tenth_of_helpers_share() -> None:
    assert m.top_share({10: 1, 1: 9}) == round(100 * 10 / 19, 1)  # 1 of 10 helpers
    assert m.top_share({1: 20}) == 10.0  # 2 of 20, all equal
    assert m.top_share({5: 1}) == 100.0  # a single helper is the top 10%
    assert m.top_share({}) is None and m.top_share({0: 4}) is None
    assert m.top_share({3: 11}) == round(100 * 6 / 33, 1)  # ceil(1.1) = 2 of 11


def test_small_departments_fold_into_other() -> None:
    f = m.fold({"eng": 9, "ops": 7, "a": 3, "b": 2}, 5)
    assert f.sizes == {"eng": 9, "ops": 7, "other": 5}
    assert f.groups == {"eng": "eng", "ops": "ops", "a": "other", "b": "other"}
    assert f.shown == ["eng", "ops", "other"] and f.folded == 2


def test_one_small_department_takes_the_next_smallest_with_it() -> None:
    f = m.fold({"eng": 9, "ops": 7, "sales": 6, "legal": 2}, 5)
    assert f.sizes == {"eng": 9, "ops": 7, "other": 8}  # legal alone would be derivable
    assert f.members_of("other") == {"legal", "sales"}


def test_other_under_the_minimum_takes_more_until_it_is_not() -> None:
    f = m.fold({"eng": 9, "ops": 5, "a": 1, "b": 1}, 5)
    assert f.sizes == {"eng": 9, "other": 7}


def test_when_everything_together_is_too_small_nothing_is_shown() -> None:
    f = m.fold({"a": 2, "b": 1}, 5)
    assert f.sizes == {} and set(f.groups.values()) == {None}
    assert m.fold({}, 5).sizes == {}
    assert m.fold({"solo": 1}, 5).sizes == {}  # a single member
    assert m.fold({"solo": 5}, 5).sizes == {"solo": 5}


def test_ei_of_a_folded_group_keeps_real_departments_apart() -> None:
    ties = {("a", "a"): 2, ("a", "b"): 1, ("b", "eng"): 1, ("eng", "eng"): 4}
    assert m.ei_of_group(ties, {"a", "b"}) == m.ei_index(2, 2)  # a→b is across departments
    assert m.ei_of_group(ties, {"eng"}) == m.ei_index(1, 4)
    assert m.ei_overall(ties) == m.ei_index(2, 6)
    assert m.ei_overall({}) is None


def test_the_matrix_folds_cells_and_leaves_hidden_ones_out() -> None:
    folding = m.fold({"eng": 9, "ops": 7, "a": 3, "b": 2}, 5)
    ties = {("eng", "a"): 2, ("b", "a"): 1, ("ops", "eng"): 4, ("eng", "eng"): 1}
    names, cells = m.folded_matrix(ties, folding)
    assert names == ["eng", "ops", "other"]
    assert cells == [[1, 0, 2], [4, 0, 0], [0, 0, 1]]
    assert m.fold({"eng": 9, "a": 1}, 5).sizes == {"other": 10}  # a takes eng with it
    hidden = m.fold({"eng": 3, "a": 1}, 5)  # even together too small: nothing to show
    assert m.folded_matrix({("eng", "a"): 3}, hidden) == ([], [])


@settings(max_examples=examples(300))
@given(
    st.dictionaries(st.text(min_size=1, max_size=8), st.integers(0, 40), max_size=12),
    st.integers(3, 10),
)
@example({"0": 1, "other": 2}, 3)  # a department really called "other"
def test_folding_never_shows_a_small_group_nor_one_hidden_alone(
    sizes: dict[str, int], min_group: int
) -> None:
    f = m.fold(sizes, min_group)
    assert all(n >= min_group for n in f.sizes.values())
    present = {d for d, n in sizes.items() if n > 0}
    assert set(f.groups) == present
    # folded away: into "other" (a department really called "other" counts, as it is merged)
    not_alone = [d for d, g in f.groups.items() if g != d or d == m.OTHER]
    if any(g != m.OTHER for g in f.sizes):  # one hidden beside shown ones could be worked out
        assert len(not_alone) != 1
    assert sum(f.sizes.values()) in (0, sum(sizes[d] for d in present))
    for d in present:
        if sizes[d] < min_group or d == m.OTHER:
            assert f.groups[d] in (m.OTHER, None)


def test_suppressed() -> None:
    assert m.suppressed(3.0, 4, 5) is None and m.suppressed(3.0, 5, 5) == 3.0
