"""Who a help request suggests: a pure, deterministic rule that spreads the asking fairly.

Eligible: a person whose topics match a tag, who is not the requester, not a bot, still in
the workspace, not opted out of suggestions, and inside their working hours now. Among them,
prefer whoever helped least recently in the last 30 days, then whoever was suggested least
often and least recently in those 30 days, so the same people are not asked every time; ties
fall to a hash of the request, so the order of the input never matters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(days=30)
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Candidate:
    """What the rule knows of one person in the channel, gathered by the caller."""

    user_id: str
    topics: frozenset[str] = field(default_factory=frozenset)
    last_helped_at: datetime | None = None
    last_suggested_at: datetime | None = None
    times_suggested: int = 0  # in the last 30 days
    available: bool = True  # within their working hours and days now, and not paused
    opted_out: bool = False
    is_bot: bool = False
    deleted: bool = False


def normalize_tag(tag: str) -> str:
    return tag.strip().lstrip("#").casefold()


def is_eligible(candidate: Candidate, *, tags: Collection[str], requester_id: str) -> bool:
    wanted = {normalize_tag(t) for t in tags}
    return (
        candidate.user_id != requester_id
        and not candidate.is_bot
        and not candidate.deleted
        and not candidate.opted_out
        and candidate.available
        and bool(wanted & {normalize_tag(t) for t in candidate.topics})
    )


def _recent(moment: datetime | None, now: datetime) -> datetime | None:
    """Only the last 30 days count; a future timestamp (clock skew) counts as now."""
    if moment is None or moment < now - WINDOW:
        return None
    return min(moment, now)


def _tiebreak(seed: str, user_id: str) -> str:
    return hashlib.sha256(f"{seed}\x00{user_id}".encode()).hexdigest()


def choose_helpers(
    candidates: Iterable[Candidate],
    *,
    tags: Collection[str],
    requester_id: str,
    now: datetime,
    seed: str,
    limit: int = MAX_SUGGESTIONS,
) -> list[str]:
    """Up to `limit` user ids, most deserving of the ask first; [] when nobody fits."""
    if limit <= 0 or not tags:
        return []
    eligible: dict[str, Candidate] = {}
    for candidate in candidates:
        if not is_eligible(candidate, tags=tags, requester_id=requester_id):
            continue
        known = eligible.get(candidate.user_id)
        # The same person listed twice: keep their most recent activity, whatever the order.
        if known is None or _activity(candidate, now) > _activity(known, now):
            eligible[candidate.user_id] = candidate

    def order(candidate: Candidate) -> tuple[int, datetime, int, int, datetime, str]:
        helped = _recent(candidate.last_helped_at, now)
        suggested = _recent(candidate.last_suggested_at, now)
        return (
            0 if helped is None else 1,
            helped or now,
            max(candidate.times_suggested, 0) if suggested is not None else 0,
            0 if suggested is None else 1,
            suggested or now,
            _tiebreak(seed, candidate.user_id),
        )

    ranked = sorted(eligible.values(), key=order)
    return [candidate.user_id for candidate in ranked[:limit]]


def _activity(candidate: Candidate, now: datetime) -> tuple[datetime, datetime, int]:
    floor = now - WINDOW - timedelta(days=1)
    return (
        _recent(candidate.last_helped_at, now) or floor,
        _recent(candidate.last_suggested_at, now) or floor,
        candidate.times_suggested,
    )
