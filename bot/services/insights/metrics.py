"""The pure half of insights: ratios, indices, percentiles and the folding of small groups.

Everything here works on aggregates the database already counted (counts, histograms, pairs of
departments), never on rows about a person, so each definition is tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

OTHER = "other"
UNASSIGNED = "unassigned"
DAYS_PER_MONTH = 30.4375  # 365.25 / 12


def pct(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, to one decimal; None when there is no whole."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def per_member_month(count: float, members: int, days: float) -> float | None:
    """`count` per member per month over `days`; None without members or time."""
    if members <= 0 or days <= 0:
        return None
    return round(count / members / (days / DAYS_PER_MONTH), 2)


def per_month(count: float, groups: int, days: float) -> float | None:
    """`count` per group per month over `days`; None without groups or time."""
    return per_member_month(count, groups, days)


def ei_index(external: int, internal: int) -> float | None:
    """Krackhardt and Stern's E–I index: (E − I)/(E + I), −1 all within, +1 all across."""
    total = external + internal
    if total <= 0:
        return None
    return round((external - internal) / total, 3)


def gini(histogram: Mapping[int, int]) -> float | None:
    """Gini coefficient Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ) of a population given as {value: how many}.

    None when nobody is in it or every value is 0 (there is nothing to share out)."""
    items = sorted((v, n) for v, n in histogram.items() if n > 0)
    people = sum(n for _, n in items)
    total = sum(v * n for v, n in items)
    if people == 0 or total <= 0:
        return None
    # G = 2 Σ rank·x / (n Σ x) − (n + 1)/n, ranks 1..n ascending; a run of n equal values at
    # ranks r+1..r+n contributes x · (n·r + n(n+1)/2).
    weighted = 0.0
    rank = 0
    for value, n in items:
        weighted += value * (n * rank + n * (n + 1) / 2)
        rank += n
    return round(2 * weighted / (people * total) - (people + 1) / people, 3)


def percentile(histogram: Iterable[tuple[float, int]], q: float) -> float | None:
    """The q-quantile (0..1) of values given as (value, how many), interpolated linearly
    between the two nearest ranks (as numpy's default does); None when empty."""
    items = sorted((v, n) for v, n in histogram if n > 0)
    count = sum(n for _, n in items)
    if count == 0:
        return None
    position = (count - 1) * q
    low_rank, fraction = math.floor(position), position - math.floor(position)

    def at(rank: int) -> float:
        seen = 0
        for value, n in items:
            seen += n
            if rank < seen:
                return value
        return items[-1][0]

    low = at(low_rank)
    high = at(low_rank + 1) if fraction > 0 else low
    return round(low + (high - low) * fraction, 2)


def top_share(histogram: Mapping[int, int], fraction: float = 0.1) -> float | None:
    """Share (%) of everything given that the top `fraction` of givers gave; the top is
    ceil(fraction × givers) people, the largest first. None when nothing was given."""
    items = sorted(((v, n) for v, n in histogram.items() if n > 0 and v > 0), reverse=True)
    givers = sum(n for _, n in items)
    total = sum(v * n for v, n in items)
    if givers == 0 or total <= 0:
        return None
    left = math.ceil(fraction * givers)
    top = 0
    for value, n in items:
        take = min(n, left)
        top += value * take
        left -= take
        if left == 0:
            break
    return pct(top, total)


@dataclass(frozen=True)
class Folding:
    """How departments are shown: each raw department's group (its own name, "other", or
    None when hidden), and the size of every shown group (each >= the minimum)."""

    groups: dict[str, str | None]
    sizes: dict[str, int]
    folded: int  # how many departments went into "other" (or were hidden)

    def members_of(self, group: str) -> set[str]:
        return {raw for raw, g in self.groups.items() if g == group}

    @property
    def shown(self) -> list[str]:
        """The shown groups by name, "other" last."""
        return sorted(self.sizes, key=lambda g: (g == OTHER, g))


def fold(sizes: Mapping[str, int], min_group: int) -> Folding:
    """Fold departments with fewer than `min_group` members into "other"; if that leaves
    exactly one folded, or "other" still under the minimum, fold the next-smallest too
    (complementary suppression: no hidden group can be worked out by subtraction). When
    even everything together is under the minimum, nothing is shown."""
    present = {d: n for d, n in sizes.items() if n > 0}
    by_size = sorted(present, key=lambda d: (present[d], d))
    folded = [d for d in by_size if present[d] < min_group or d == OTHER]
    rest = [d for d in by_size if d not in folded]

    def other_size() -> int:
        return sum(present[d] for d in folded)

    while folded and rest and (len(folded) == 1 or other_size() < min_group):
        folded.append(rest.pop(0))
    hidden = bool(folded) and other_size() < min_group
    groups: dict[str, str | None] = {d: d for d in rest}
    for d in folded:
        groups[d] = None if hidden else OTHER
    shown = {d: present[d] for d in rest}
    if folded and not hidden:
        shown[OTHER] = other_size()
    return Folding(groups=groups, sizes=shown, folded=len(folded))


Ties = Mapping[tuple[str, str], int]  # (giver's department, receiver's department) -> count


def ei_overall(ties: Ties) -> float | None:
    """E–I index of all ties, on the real departments (a tie inside one is internal)."""
    internal = sum(n for (a, b), n in ties.items() if a == b)
    external = sum(n for (a, b), n in ties.items() if a != b)
    return ei_index(external, internal)


def ei_of_group(ties: Ties, members: set[str]) -> float | None:
    """E–I index of a group of departments: the ties given or received by its members,
    internal when both ends are in the same real department."""
    internal = external = 0
    for (a, b), n in ties.items():
        if a not in members and b not in members:
            continue
        if a == b:
            internal += n
        else:
            external += n
    return ei_index(external, internal)


def folded_matrix(ties: Ties, folding: Folding) -> tuple[list[str], list[list[int | None]]]:
    """The department × department matrix of ties over the shown groups; ties of hidden
    departments are left out (counted in no cell)."""
    names = folding.shown
    index = {name: i for i, name in enumerate(names)}
    cells: list[list[int | None]] = [[0] * len(names) for _ in names]
    for (a, b), n in ties.items():
        ga, gb = folding.groups.get(a), folding.groups.get(b)
        if ga is None or gb is None:
            continue
        row = cells[index[ga]]
        row[index[gb]] = (row[index[gb]] or 0) + n
    return names, cells


def suppressed(value: float | None, members: int, min_group: int) -> float | None:
    """The value, or None when it describes fewer than `min_group` people."""
    return value if members >= min_group else None
