"""Who mentors whom, and who coaches together: pure, deterministic functions.

`pair_mentees` is a maximum matching of mentees to mentor slots (so everyone who can be
paired is paired) found with augmenting paths, with the preferences as tie-breakers:

1. never someone on either person's confidential avoid list, never yourself (hard rules);
2. never a mentor's capacity exceeded (hard rule);
3. never the same pair twice in a row while another free mentor would do;
4. topic overlap first, then different departments, then the mentor with most room;
5. when there are not enough mentors, new members (never paired before) go first, then
   whoever joined the program earliest.

`form_circles` splits peers into circles of 3–5 with the same hard rules, spreading
people who were together last time and mixing departments.

Same input, same output: every input is sorted by user id before anything is decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

CIRCLE_MIN = 3
CIRCLE_MAX = 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """Someone who wants a pair or a circle, as the pairing rules see them."""

    user_id: str
    topics: frozenset[str] = frozenset()
    department: str | None = None
    joined_at: datetime = _EPOCH
    is_new: bool = False  # never been in a pair or a circle
    capacity: int = 1  # for mentors: how many more mentees they can take now


@dataclass(frozen=True)
class Pairing:
    mentor_id: str
    mentee_id: str
    topic: str | None  # a topic they share, for the suggested first conversation


@dataclass(frozen=True)
class Circle:
    user_ids: tuple[str, ...]
    topic: str | None


@dataclass(frozen=True)
class Constraints:
    """`avoid`: (person, someone they won't be paired with). `previous`: pairs of people who
    were together in their most recent pair or circle."""

    avoid: frozenset[tuple[str, str]] = frozenset()
    previous: frozenset[frozenset[str]] = field(default_factory=frozenset)

    def allowed(self, a: str, b: str) -> bool:
        return a != b and (a, b) not in self.avoid and (b, a) not in self.avoid

    def repeat(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.previous


def _priority(person: Candidate) -> tuple[bool, datetime, str]:
    return (not person.is_new, person.joined_at, person.user_id)


def _shared_topic(a: Candidate, b: Candidate) -> str | None:
    shared = sorted(a.topics & b.topics)
    return shared[0] if shared else None


def _different_departments(a: Candidate, b: Candidate) -> bool:
    return bool(a.department and b.department and a.department != b.department)


def _unique(people: Iterable[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for person in sorted(people, key=lambda p: p.user_id):
        seen.setdefault(person.user_id, person)
    return list(seen.values())


def pair_mentees(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    constraints: Constraints = Constraints(),
) -> list[Pairing]:
    """Match mentees to mentors (each mentor up to `capacity`), as described above."""
    mentor_list = [m for m in _unique(mentors) if m.capacity > 0]
    mentee_list = sorted(_unique(mentees), key=_priority)
    by_id = {m.user_id: m for m in mentor_list}

    def preference(mentee: Candidate, mentor: Candidate) -> tuple[object, ...]:
        return (
            constraints.repeat(mentee.user_id, mentor.user_id),
            -len(mentee.topics & mentor.topics),
            not _different_departments(mentee, mentor),
            -mentor.capacity,
            mentor.user_id,
        )

    options: dict[str, list[str]] = {}
    for mentee in mentee_list:
        fits = [m for m in mentor_list if constraints.allowed(mentee.user_id, m.user_id)]
        options[mentee.user_id] = [
            m.user_id for m in sorted(fits, key=lambda m: preference(mentee, m))
        ]

    def fit(mentee_id: str, mentor_id: str) -> tuple[object, ...]:
        return preference(mentee_by_id[mentee_id], by_id[mentor_id])[:3]

    def room(mentor_id: str) -> int:
        return by_id[mentor_id].capacity - len(load[mentor_id])

    mentee_by_id = {m.user_id: m for m in mentee_list}
    assigned: dict[str, str] = {}  # mentee -> mentor
    load: dict[str, list[str]] = {m.user_id: [] for m in mentor_list}

    def augment(mentee_id: str, seen: set[str], allow_repeats: bool) -> bool:
        usable = [
            m
            for m in options[mentee_id]
            if m not in seen and (allow_repeats or not constraints.repeat(mentee_id, m))
        ]
        # A mentor with room first (the best fit, then the one with most room left); moving
        # someone already paired only when there is none.
        free = [m for m in usable if len(load[m]) < by_id[m].capacity]
        if free:
            rank = {m: i for i, m in enumerate(usable)}
            mentor_id = min(free, key=lambda m: (fit(mentee_id, m), -room(m), rank[m]))
            seen.add(mentor_id)
            _move(mentee_id, mentor_id)
            return True
        for mentor_id in usable:
            if mentor_id in seen:
                continue
            seen.add(mentor_id)
            for other in list(load[mentor_id]):
                if augment(other, seen, allow_repeats):
                    _move(mentee_id, mentor_id)
                    return True
        return False

    def _move(mentee_id: str, mentor_id: str) -> None:
        old = assigned.get(mentee_id)
        if old is not None:
            load[old].remove(mentee_id)
        assigned[mentee_id] = mentor_id
        load[mentor_id].append(mentee_id)

    # A maximum matching without repeated pairs first; repeats only to pair someone left over.
    for allow_repeats in (False, True):
        for mentee in mentee_list:
            if mentee.user_id not in assigned:
                augment(mentee.user_id, set(), allow_repeats)

    # Then undo any repeat that a mentor with room left could replace.
    changed = True
    while changed:
        changed = False
        for mentee_id, mentor_id in sorted(assigned.items()):
            if not constraints.repeat(mentee_id, mentor_id):
                continue
            for other in options[mentee_id]:
                free = len(load[other]) < by_id[other].capacity
                if free and not constraints.repeat(mentee_id, other):
                    _move(mentee_id, other)
                    changed = True
                    break

    pairs = [
        Pairing(
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            topic=_shared_topic(mentee_by_id[mentee_id], by_id[mentor_id]),
        )
        for mentee_id, mentor_id in assigned.items()
    ]
    return sorted(pairs, key=lambda p: (p.mentor_id, p.mentee_id))


def circle_sizes(count: int) -> list[int]:
    """Balanced sizes between 3 and 5 that add up to `count` (empty below 3)."""
    if count < CIRCLE_MIN:
        return []
    circles = -(-count // CIRCLE_MAX)
    base, extra = divmod(count, circles)
    return [base + 1 if i < extra else base for i in range(circles)]


def form_circles(
    peers: Sequence[Candidate], constraints: Constraints = Constraints()
) -> list[Circle]:
    """Split peers into circles of 3–5, never with someone on an avoid list, mixing people."""
    people = sorted(_unique(peers), key=_priority)
    sizes = circle_sizes(len(people))
    circles: list[list[Candidate]] = [[] for _ in sizes]

    def cost(person: Candidate, circle: list[Candidate]) -> tuple[int, int, int, int]:
        return (
            sum(constraints.repeat(person.user_id, other.user_id) for other in circle),
            -sum(len(person.topics & other.topics) > 0 for other in circle),
            sum(
                person.department is not None and person.department == o.department for o in circle
            ),
            len(circle),
        )

    def fits(person: Candidate, circle: list[Candidate], limit: int) -> bool:
        return len(circle) < limit and all(
            constraints.allowed(person.user_id, other.user_id) for other in circle
        )

    left_over: list[Candidate] = []
    for person in people:
        choices = [i for i, c in enumerate(circles) if fits(person, c, sizes[i])]
        if not choices:
            choices = [i for i, c in enumerate(circles) if fits(person, c, CIRCLE_MAX)]
        if not choices:
            left_over.append(person)
            continue
        best = min(choices, key=lambda i: (cost(person, circles[i]), i))
        circles[best].append(person)

    # Circles too small to run dissolve; their people try the others once more.
    kept = [c for c in circles if len(c) >= CIRCLE_MIN]
    for circle in circles:
        if len(circle) < CIRCLE_MIN:
            left_over.extend(circle)
    for person in sorted(left_over, key=_priority):
        choices = [i for i, c in enumerate(kept) if fits(person, c, CIRCLE_MAX)]
        if choices:
            kept[min(choices, key=lambda i: (cost(person, kept[i]), i))].append(person)

    result = []
    for circle in kept:
        counts: dict[str, int] = {}
        for person in circle:
            for topic in person.topics:
                counts[topic] = counts.get(topic, 0) + 1
        shared = sorted((-n, t) for t, n in counts.items() if n > 1)
        result.append(
            Circle(
                user_ids=tuple(sorted(p.user_id for p in circle)),
                topic=shared[0][1] if shared else None,
            )
        )
    return sorted(result, key=lambda c: c.user_ids)
