"""When an introduction (or the thanks at rotation) may go to a group: the one gate for
each member, with the overlap rule on top.

The round only writes rows; the pairing job delivers the introductions and the thanks
afterwards from `introduced_at`/`thanked_at`, so a Slack hiccup never loses a group and never
introduces one twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.gate import Decision, Dnd, Kind, Verdict, decide
from bot.services.preferences import Preferences


# ----- the outbox: introductions and thanks ----------
@dataclass(frozen=True)
class Availability:
    """One group member as the introduction rule sees them."""

    user_id: str
    prefs: Preferences
    tz: str | None  # their Slack profile's zone; `prefs.tz` overrides it
    sent: tuple[datetime, ...] = ()  # nudges already sent to them (for the weekly cap)
    dnd: Dnd | None = None  # Slack do-not-disturb as of now; None when not asked (yet)


INTRO_LOOKAHEAD = timedelta(days=7)


_INTRO_STEP = timedelta(minutes=15)


def pairing_decision(person: Availability, *, now: datetime) -> Decision:
    """The one gate's answer for a pairing message (introduction or thanks) to this member."""
    return decide(
        kind=Kind.PAIRING,
        prefs=person.prefs,
        profile_tz=person.tz,
        now=now,
        sent=person.sent,
        dnd=person.dnd,
    )


def good_moment_to_introduce(
    people: Sequence[Availability], *, now: datetime, anchor: str | None = None
) -> bool:
    """May a group DM (an introduction, or the thanks at rotation) go to these people now?

    Each member's part goes through the one gate (`gate.decide`, kind `pairing`: their working
    hours and days in their zone, pause, the pairing opt-out, do-not-disturb, the weekly cap),
    and the overlap rule sits on top:
    1. never while anyone in the group is paused;
    2. members the gate would never let a pairing message reach (they keep no working hours,
       their cap is 0, or they opted out of pairing after the group was formed) don't hold
       the others back; when that is everyone, it goes now;
    3. now, if the gate says SEND for every other member;
    4. otherwise only if the gate says SEND for someone, and for `anchor` (the mentee of a
       pair), and no moment in the coming week has more of them within their working hours
       at once than the gate lets through now — their windows never line up. So a member in
       do-not-disturb or at their weekly cap holds the message back until that ends (when
       their windows do line up), and an anchor in either always does.
    """
    if any(p.prefs.is_paused(now) for p in people):
        return False
    verdicts = {p.user_id: pairing_decision(p, now=now).verdict for p in people}
    counted = [p for p in people if verdicts[p.user_id] is not Verdict.DROP]
    ready = {p.user_id for p in counted if verdicts[p.user_id] is Verdict.SEND}
    if len(ready) == len(counted):
        return True
    if not ready or (anchor in {p.user_id for p in counted} and anchor not in ready):
        return False

    def at_work(moment: datetime) -> int:
        return sum(1 for p in counted if p.prefs.in_working_hours(moment, p.tz))

    moment = now + _INTRO_STEP
    while moment <= now + INTRO_LOOKAHEAD:
        if at_work(moment) > len(ready):
            return False
        moment += _INTRO_STEP
    return True
