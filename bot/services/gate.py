"""The one gate every DM or mention the bot starts on its own goes through.

`decide` is a pure function: given a person's preferences, their Slack profile's time zone,
the nudges already sent to them this week and their do-not-disturb state, it says whether a
nudge may go now, when it may go next, or that it should be dropped. It never allows a nudge
outside the member's working hours and days (in their zone, across DST changes), over their
weekly cap, while they are paused or in do-not-disturb, or of a kind they opted out of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from bot.services.people import zone
from bot.services.preferences import Preferences

WEEK = timedelta(days=7)
DND_RECHECK = timedelta(minutes=30)  # DND on with no end Slack told us: look again then
_SEARCH_DAYS = 9  # a working window, if there is one, starts within a week (+ DST slack)


class Kind(StrEnum):
    """What a nudge is, so each person's opt-outs apply to the right ones."""

    PROMPT = "prompt"  # share-and-solve and other invitations to take part
    REMINDER = "reminder"  # reminders about one's own open requests and pending feedback
    PAIRING = "pairing"  # mentoring introductions and nudges
    SUGGESTION = "suggestion"  # "you could help with this request"
    DIGEST_MENTION = "digest_mention"  # being @-mentioned in a channel digest
    INSIGHTS = "insights"  # the monthly insights summary (its own opt-in: no opt-out field)


_OPT_OUT = {
    Kind.PROMPT: "opt_out_prompts",
    Kind.REMINDER: "opt_out_reminders",
    Kind.PAIRING: "opt_out_pairing",
    Kind.SUGGESTION: "opt_out_suggestions",
    Kind.DIGEST_MENTION: "opt_out_digest_mentions",
}


class Verdict(StrEnum):
    SEND = "send"
    DEFER = "defer"
    DROP = "drop"


@dataclass(frozen=True)
class Decision:
    """SEND now; DEFER until `at`; or DROP (`reason` says why, for logs and tests)."""

    verdict: Verdict
    reason: str
    at: datetime | None = None


@dataclass(frozen=True)
class Dnd:
    """Slack do-not-disturb as of now: on or off, and until when if Slack said."""

    active: bool = False
    until: datetime | None = None


def dnd_from_slack(info: dict[str, Any], now: datetime) -> Dnd:
    """Read a `dnd.info` answer: a snooze, or being inside the scheduled DND window."""
    if info.get("snooze_enabled"):
        end = info.get("snooze_endtime")
        until = datetime.fromtimestamp(end, UTC) if end else None
        if until is None or until > now:
            return Dnd(active=True, until=until)
    if info.get("dnd_enabled"):
        start, end = info.get("next_dnd_start_ts"), info.get("next_dnd_end_ts")
        if start and end:
            starts = datetime.fromtimestamp(start, UTC)
            ends = datetime.fromtimestamp(end, UTC)
            if starts <= now < ends:
                return Dnd(active=True, until=ends)
    return Dnd()


def opted_out(prefs: Preferences, kind: Kind | str) -> bool:
    field = _OPT_OUT.get(Kind(kind))
    return field is not None and bool(getattr(prefs, field))


def cap_free_at(prefs: Preferences, sent: Sequence[datetime], now: datetime) -> datetime | None:
    """The first moment from `now` on when fewer than the cap were sent in the past 7 days.

    None when the cap is 0 (this person wants no nudges at all).
    """
    cap = prefs.weekly_nudge_cap
    if cap <= 0:
        return None
    recent = sorted(s for s in sent if now - WEEK < s <= now)
    if len(recent) < cap:
        return now
    return recent[len(recent) - cap] + WEEK


def _local_moments(day: date, minute: int, tz_name: str) -> list[datetime]:
    """`day` at `minute` past local midnight, in UTC: both readings when clocks go back."""
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone(tz_name))
    return sorted({wall.astimezone(UTC), wall.replace(fold=1).astimezone(UTC)})


def next_working_moment(
    prefs: Preferences, profile_tz: str | None, start: datetime
) -> datetime | None:
    """The earliest moment at or after `start` within the working hours and days, or None."""
    if prefs.in_working_hours(start, profile_tz):
        return start
    if not prefs.work_days or prefs.work_start_minute >= prefs.work_end_minute:
        return None
    tz_name = prefs.zone_name(profile_tz)
    local_day = start.astimezone(zone(tz_name)).date()
    for offset in range(_SEARCH_DAYS):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in prefs.work_days:
            continue
        for candidate in _local_moments(day, prefs.work_start_minute, tz_name):
            if candidate < start or not prefs.in_working_hours(candidate, profile_tz):
                continue
            # When the start time fell into a DST gap the window really opens at the jump,
            # a little earlier than this reading of it: walk back to it.
            for _ in range(180):
                earlier = candidate - timedelta(minutes=1)
                if earlier < start or not prefs.in_working_hours(earlier, profile_tz):
                    break
                candidate = earlier
            return candidate
    return None


def allowed_at(
    *,
    kind: Kind | str,
    prefs: Preferences,
    profile_tz: str | None,
    moment: datetime,
    sent: Sequence[datetime],
    dnd: Dnd | None = None,
) -> bool:
    """Would a nudge be allowed at `moment`? The plain predicate `decide` must respect."""
    if opted_out(prefs, kind) or prefs.is_paused(moment):
        return False
    if dnd is not None and dnd.active and (dnd.until is None or moment < dnd.until):
        return False
    free = cap_free_at(prefs, [s for s in sent if s <= moment], moment)
    if free is None or free > moment:
        return False
    return prefs.in_working_hours(moment, profile_tz)


def decide(
    *,
    kind: Kind | str,
    prefs: Preferences,
    profile_tz: str | None,
    now: datetime,
    sent: Sequence[datetime] = (),
    dnd: Dnd | None = None,
    expires_at: datetime | None = None,
) -> Decision:
    """May this nudge go to this member now? If not, when, or never?

    `sent` are the times of nudges already sent to the member (any kind; only the last 7 days
    count), `dnd` their do-not-disturb state as of `now`, `expires_at` the moment after which
    the nudge is stale and is better dropped than sent.
    """
    if expires_at is not None and now > expires_at:
        return Decision(Verdict.DROP, "stale")
    if opted_out(prefs, kind):
        return Decision(Verdict.DROP, "opted_out")
    earliest = now
    reasons: list[tuple[datetime, str]] = []
    if prefs.is_paused(now):
        assert prefs.paused_until is not None
        reasons.append((prefs.paused_until, "paused"))
    if dnd is not None and dnd.active:
        reasons.append((dnd.until if dnd.until and dnd.until > now else now + DND_RECHECK, "dnd"))
    free = cap_free_at(prefs, sent, now)
    if free is None:
        return Decision(Verdict.DROP, "cap_zero")
    if free > now:
        reasons.append((free, "cap"))
    reason = "outside_hours"
    if reasons:
        earliest, reason = max(reasons, key=lambda pair: pair[0])
    moment = next_working_moment(prefs, profile_tz, earliest)
    if moment is None:
        return Decision(Verdict.DROP, "no_working_hours")
    if moment == now:
        return Decision(Verdict.SEND, "ok", now)
    if expires_at is not None and moment > expires_at:
        return Decision(Verdict.DROP, "stale")
    return Decision(Verdict.DEFER, reason, moment)


def mention(prefs: Preferences, user_id: str, label: str) -> str | None:
    """How a digest names someone: None if they opted out, a ping only if they allow it."""
    if prefs.opt_out_digest_mentions:
        return None
    return f"<@{user_id}>" if prefs.allow_mentions else label


def working_time_between(
    prefs: Preferences, profile_tz: str | None, start: datetime, end: datetime
) -> timedelta:
    """How much of [start, end) fell within this person's working hours, in their zone."""
    if end <= start or not prefs.work_days or prefs.work_start_minute >= prefs.work_end_minute:
        return timedelta(0)
    tz_name = prefs.zone_name(profile_tz)
    first = start.astimezone(zone(tz_name)).date()
    last = end.astimezone(zone(tz_name)).date()
    total = timedelta(0)
    day = first
    while day <= last and (day - first).days <= 366:
        if day.weekday() in prefs.work_days:
            opens = _local_moments(day, prefs.work_start_minute, tz_name)[0]
            closes = _local_moments(day, prefs.work_end_minute % (24 * 60), tz_name)[0]
            if prefs.work_end_minute >= 24 * 60:
                closes = _local_moments(day + timedelta(days=1), 0, tz_name)[0]
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total
