"""Your own numbers, for `/reciprocity me` and App Home: what you gave and what you received.

Each source is one query with conditional counts (all time and the recent window at once),
filtered by team and by the person, so the whole picture costs a handful of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from bot.services.help_requests import OPEN, RESOLVED
from bot.services.mentoring import session_count
from models.feedback import Feedback
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.recognition import Kudos, Thanks

MAX_CHANNELS_CHECKED = 10


@dataclass(frozen=True)
class Numbers:
    """One person's giving and receiving over one period."""

    kudos_given: int = 0
    kudos_received: int = 0
    thanks_given: int = 0  # emoji thanks (not retracted) and help thank-yous
    thanks_received: int = 0
    help_given: int = 0  # requests they offered on, helped in the thread of, or were thanked for
    help_received: int = 0  # their own requests that were resolved
    feedback_given: int = 0
    feedback_received: int = 0
    feedback_cycles: int = 0  # feedback they asked for and got
    mentoring_sessions: int = 0

    @property
    def given(self) -> int:
        return self.kudos_given + self.thanks_given + self.help_given + self.feedback_given

    @property
    def received(self) -> int:
        return (
            self.kudos_received + self.thanks_received + self.help_received + self.feedback_received
        )

    @property
    def empty(self) -> bool:
        return self.given == 0 and self.received == 0 and self.mentoring_sessions == 0


@dataclass(frozen=True)
class MyNumbers:
    user_id: str
    all_time: Numbers
    recent: Numbers
    days: int


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def my_numbers(
    *, session: Session, team_id: str, user_id: str, now: datetime, days: int = 30
) -> MyNumbers:
    """All-time and last-`days` numbers for one person in one workspace."""
    since = now - timedelta(days=days)
    totals: dict[str, list[int]] = {}  # name → [all time, recent]

    def tally(name: str, row: Any) -> None:
        totals[name] = [int(row[0] or 0), int(row[1] or 0)]

    def both(condition: ColumnElement[bool], created: Any) -> list[Any]:
        return [_count(condition), _count(and_(condition, created >= since))]

    kudos = session.execute(
        select(
            *both(Kudos.giver_id == user_id, Kudos.created_at),
            *both(Kudos.receiver_id == user_id, Kudos.created_at),
        ).where(
            Kudos.team_id == team_id,
            or_(Kudos.giver_id == user_id, Kudos.receiver_id == user_id),
        )
    ).one()
    tally("kudos_given", kudos[0:2])
    tally("kudos_received", kudos[2:4])

    emoji = session.execute(
        select(
            *both(Thanks.giver_id == user_id, Thanks.created_at),
            *both(Thanks.receiver_id == user_id, Thanks.created_at),
        ).where(
            Thanks.team_id == team_id,
            Thanks.retracted_at.is_(None),
            or_(Thanks.giver_id == user_id, Thanks.receiver_id == user_id),
        )
    ).one()
    helped = session.execute(
        select(
            *both(HelpThanks.giver_id == user_id, HelpThanks.created_at),
            *both(HelpThanks.receiver_id == user_id, HelpThanks.created_at),
        ).where(
            HelpThanks.team_id == team_id,
            or_(HelpThanks.giver_id == user_id, HelpThanks.receiver_id == user_id),
        )
    ).one()
    tally("thanks_given", (emoji[0] + helped[0], emoji[1] + helped[1]))
    tally("thanks_received", (emoji[2] + helped[2], emoji[3] + helped[3]))

    # Help given: each request once, dated by the first sign of it (offer, reply or thanks).
    touched = union_all(
        select(HelpOffer.request_id.label("request_id"), HelpOffer.created_at.label("at")).where(
            HelpOffer.team_id == team_id, HelpOffer.helper_id == user_id
        ),
        select(HelpThanks.request_id, HelpThanks.created_at).where(
            HelpThanks.team_id == team_id, HelpThanks.receiver_id == user_id
        ),
    ).subquery()
    firsts = (
        select(touched.c.request_id, func.min(touched.c.at).label("first"))
        .group_by(touched.c.request_id)
        .subquery()
    )
    given = session.execute(
        select(func.count(), _count(firsts.c.first >= since)).select_from(firsts)
    ).one()
    tally("help_given", given)

    received = session.execute(
        select(func.count(), _count(HelpRequest.resolved_at >= since)).where(
            HelpRequest.team_id == team_id,
            HelpRequest.requester_id == user_id,
            HelpRequest.status == RESOLVED,
        )
    ).one()
    tally("help_received", received)

    feedback = session.execute(
        select(
            *both(Feedback.giver_id == user_id, Feedback.created_at),
            *both(Feedback.receiver_id == user_id, Feedback.created_at),
            *both(
                and_(Feedback.receiver_id == user_id, Feedback.request_id.is_not(None)),
                Feedback.created_at,
            ),
        ).where(
            Feedback.team_id == team_id,
            or_(Feedback.giver_id == user_id, Feedback.receiver_id == user_id),
        )
    ).one()
    tally("feedback_given", feedback[0:2])
    tally("feedback_received", feedback[2:4])
    tally("feedback_cycles", feedback[4:6])

    totals["mentoring_sessions"] = [
        session_count(session=session, team_id=team_id, user_id=user_id),
        session_count(session=session, team_id=team_id, user_id=user_id, since=since),
    ]
    return MyNumbers(
        user_id=user_id,
        all_time=Numbers(**{name: pair[0] for name, pair in totals.items()}),
        recent=Numbers(**{name: pair[1] for name, pair in totals.items()}),
        days=days,
    )


def balance_line(given: int, received: int) -> str:
    """How giving and receiving compare, said kindly: it celebrates both and never ranks."""
    given, received = max(given, 0), max(received, 0)
    if given == 0 and received == 0:
        return (
            "Your story here is just beginning. A `/kudos` for someone who helped you, "
            "or an `/askhelp` when you're stuck, is a lovely first step."
        )
    if received == 0:
        return (
            f"You've been giving generously — {_times(given)}. Asking is a gift too: "
            "people enjoy helping, so try `/askhelp` next time you're stuck."
        )
    if given == 0:
        return (
            f"People have been there for you {_times(received)} — that's what this is for. "
            "When you're ready, a `/kudos` or a hand on an open request passes it on."
        )
    if given >= 2 * received:
        return (
            f"You've given {_times(given)} and received {_times(received)} — thank you for "
            "all that generosity! Leaning on others is welcome here as well."
        )
    if received >= 2 * given:
        return (
            f"You've received support {_times(received)} and given {_times(given)}. "
            "Help flows both ways over time; a kudos or a thanks emoji is an easy way to give."
        )
    return (
        f"Nicely balanced: you've given {_times(given)} and received {_times(received)}. "
        "That's reciprocity at work."
    )


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n:,} times"


def open_request_channels(
    *, session: Session, team_id: str, user_id: str, limit: int = MAX_CHANNELS_CHECKED
) -> list[str]:
    """Channels with open requests by someone else, most recently asked first, at most `limit`.

    A bot token can't list a person's channels, so App Home checks membership only in these.
    """
    latest = func.max(HelpRequest.created_at)
    stmt = (
        select(HelpRequest.channel_id)
        .where(
            HelpRequest.team_id == team_id,
            HelpRequest.status == OPEN,
            HelpRequest.requester_id != user_id,
        )
        .group_by(HelpRequest.channel_id)
        .order_by(latest.desc(), HelpRequest.channel_id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
