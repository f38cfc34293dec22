"""A person's own contribution record over a period: what they gave and what they received.

For `/reciprocity record`, its Download and Share buttons, App Home's "Your last quarter" and
`app.py record`. Everything is filtered by team and by the person. It holds no feedback text
(counts and dates only), no mentoring notes, and nothing of anyone's settings: only what the
person did, what was given to them in public (kudos, thanks), and public links.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.help_requests import RESOLVED
from bot.services.onboarding import buddy_contributions
from bot.services.people import zone
from models.feedback import Feedback
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.mentoring import MentoringSession
from models.recognition import Kudos, Thanks
from models.rhythm import ShareReply
from models.workspace import Member

DEFAULT_DAYS = 90
MAX_WEEKS = 104
_WEEKS = re.compile(r"^(\d{1,3})\s*(?:w|wk|wks|week|weeks)$")
_SINCE = re.compile(r"^since\s+(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str  # "the last 90 days", "this quarter (Q4 2026)", …
    spec: str  # what the person typed, normalised: carried by the buttons

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))


def parse_period(text: str, *, now: datetime, tz: str = "UTC") -> Period:
    """`this quarter`, `last quarter`, `N weeks`, `since 2026-09-01`, or nothing (90 days)."""
    spec = " ".join(text.lower().split())
    local = now.astimezone(zone(tz))
    if spec in ("", "90 days", "last 90 days"):
        return Period(now - timedelta(days=DEFAULT_DAYS), now, "the last 90 days", "")
    if spec in ("this quarter", "quarter"):
        start = _quarter_start(local.year, (local.month - 1) // 3)
        return Period(_midnight(start, tz), now, f"this quarter ({_q(start)})", "this quarter")
    if spec == "last quarter":
        this = _quarter_start(local.year, (local.month - 1) // 3)
        previous = _quarter_start(this.year - (this.month == 1), ((this.month - 1) // 3 - 1) % 4)
        end = min(now, _midnight(this, tz))
        return Period(_midnight(previous, tz), end, f"last quarter ({_q(previous)})", spec)
    weeks = _WEEKS.match(spec)
    if weeks:
        n = int(weeks.group(1))
        if not 1 <= n <= MAX_WEEKS:
            raise DomainError(f"Pick between 1 and {MAX_WEEKS} weeks, e.g. `record 12 weeks`.")
        label = "the last week" if n == 1 else f"the last {n} weeks"
        return Period(now - timedelta(weeks=n), now, label, f"{n} weeks")
    since = _SINCE.match(spec)
    if since:
        try:
            day = date.fromisoformat(since.group(1))
        except ValueError:
            raise DomainError(
                f"`{since.group(1)}` is not a date; write it as 2026-09-01."
            ) from None
        start = _midnight(day, tz)
        if start > now:
            raise DomainError("That date is in the future; pick one in the past.")
        return Period(start, now, f"since {day.isoformat()}", f"since {day.isoformat()}")
    raise DomainError(
        "Say `this quarter`, `last quarter`, `12 weeks` or `since 2026-09-01` "
        "(or nothing, for the last 90 days)."
    )


def _quarter_start(year: int, index: int) -> date:
    return date(year, index * 3 + 1, 1)


def _q(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)


def message_link(channel_id: str | None, ts: str | None) -> str | None:
    """A link to a message that Slack resolves for anyone signed in to the workspace."""
    if not channel_id or not ts:
        return None
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


@dataclass(frozen=True)
class HelpGiven:
    requester_id: str
    question: str
    link: str | None
    at: datetime


@dataclass(frozen=True)
class Resolved:
    question: str
    link: str | None
    at: datetime


@dataclass(frozen=True)
class Recognition:
    """A kudos or a thank-you to the person: who gave it, why (public text), where."""

    kind: str  # kudos | thanks | help_thanks
    giver_id: str
    reason: str  # the kudos' reason, the request helped with, or "" for an emoji
    value: str | None
    link: str | None
    at: datetime


@dataclass(frozen=True)
class Session_:
    with_user: str
    at: datetime


@dataclass
class Record:
    user_id: str
    team_id: str
    period: Period
    help_given: list[HelpGiven] = field(default_factory=list)
    people_helped: int = 0
    departments_helped: int = 0
    resolved: list[Resolved] = field(default_factory=list)
    recognition: list[Recognition] = field(default_factory=list)
    kudos_given: int = 0
    thanks_given: int = 0
    mentoring: list[Session_] = field(default_factory=list)
    buddying: list[Session_] = field(default_factory=list)  # new hires they saw to the horizon
    feedback_given: list[datetime] = field(default_factory=list)
    feedback_received: list[datetime] = field(default_factory=list)
    challenges_shared: int = 0
    share_help_replies: int = 0
    share_comments: int = 0

    @property
    def kudos_received(self) -> list[Recognition]:
        return [r for r in self.recognition if r.kind == "kudos"]

    @property
    def thanks_received(self) -> list[Recognition]:
        return [r for r in self.recognition if r.kind != "kudos"]

    @property
    def share_total(self) -> int:
        return self.challenges_shared + self.share_help_replies + self.share_comments

    @property
    def empty(self) -> bool:
        return not (
            self.help_given
            or self.resolved
            or self.recognition
            or self.kudos_given
            or self.thanks_given
            or self.mentoring
            or self.buddying
            or self.feedback_given
            or self.feedback_received
            or self.share_total
        )

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data["period"] = {
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "label": self.period.label,
        }
        data["feedback_given"] = {
            "count": len(self.feedback_given),
            "dates": data["feedback_given"],
        }
        data["feedback_received"] = {
            "count": len(self.feedback_received),
            "dates": data["feedback_received"],
        }
        return dict(data)


def contribution_record(*, session: Session, team_id: str, user_id: str, period: Period) -> Record:
    """Everything `user_id` gave and received in `team_id` within `period`."""
    start, end = period.start, period.end
    record = Record(user_id=user_id, team_id=team_id, period=period)

    # Help given: each request (of someone else) once, dated by the first sign of it.
    firsts: dict[int, datetime] = {}
    offers = session.execute(
        select(HelpOffer.request_id, HelpOffer.created_at).where(
            HelpOffer.team_id == team_id, HelpOffer.helper_id == user_id
        )
    ).all()
    thanked = session.execute(
        select(HelpThanks.request_id, HelpThanks.created_at).where(
            HelpThanks.team_id == team_id, HelpThanks.receiver_id == user_id
        )
    ).all()
    for request_id, at in [*offers, *thanked]:
        if request_id not in firsts or at < firsts[request_id]:
            firsts[request_id] = at
    in_period = {rid: at for rid, at in firsts.items() if start <= at < end}
    if in_period:
        requests = session.scalars(
            select(HelpRequest).where(
                HelpRequest.team_id == team_id,
                HelpRequest.id.in_(in_period),
                HelpRequest.requester_id != user_id,
            )
        ).all()
        record.help_given = sorted(
            (
                HelpGiven(
                    requester_id=r.requester_id,
                    question=r.question,
                    link=message_link(r.channel_id, r.message_ts) or r.source_link,
                    at=in_period[r.id],
                )
                for r in requests
            ),
            key=lambda h: h.at,
            reverse=True,
        )
    helped = sorted({h.requester_id for h in record.help_given})
    record.people_helped = len(helped)
    if helped:
        departments = session.scalars(
            select(Member.department).where(
                Member.team_id == team_id,
                Member.user_id.in_(helped),
                Member.department.is_not(None),
                Member.department != "",
            )
        ).all()
        record.departments_helped = len({d.strip().lower() for d in departments if d})

    record.resolved = [
        Resolved(
            question=r.question,
            link=message_link(r.channel_id, r.message_ts) or r.source_link,
            at=r.resolved_at or r.created_at,
        )
        for r in session.scalars(
            select(HelpRequest)
            .where(
                HelpRequest.team_id == team_id,
                HelpRequest.requester_id == user_id,
                HelpRequest.status == RESOLVED,
                HelpRequest.resolved_at >= start,
                HelpRequest.resolved_at < end,
            )
            .order_by(HelpRequest.resolved_at.desc())
        )
    ]

    recognition: list[Recognition] = []
    for k in session.scalars(
        select(Kudos).where(
            Kudos.team_id == team_id,
            Kudos.receiver_id == user_id,
            Kudos.created_at >= start,
            Kudos.created_at < end,
        )
    ):
        recognition.append(
            Recognition(
                kind="kudos",
                giver_id=k.giver_id,
                reason=k.reason,
                value=k.value,
                link=message_link(k.channel_id, k.message_ts) or k.source_link,
                at=k.created_at,
            )
        )
    for t in session.scalars(
        select(Thanks).where(
            Thanks.team_id == team_id,
            Thanks.receiver_id == user_id,
            Thanks.retracted_at.is_(None),
            Thanks.created_at >= start,
            Thanks.created_at < end,
        )
    ):
        recognition.append(
            Recognition(
                kind="thanks",
                giver_id=t.giver_id,
                reason="",
                value=None,
                link=message_link(t.channel_id, t.message_ts),
                at=t.created_at,
            )
        )
    for ht, request in session.execute(
        select(HelpThanks, HelpRequest)
        .join(HelpRequest, HelpRequest.id == HelpThanks.request_id)
        .where(
            HelpThanks.team_id == team_id,
            HelpThanks.receiver_id == user_id,
            HelpThanks.created_at >= start,
            HelpThanks.created_at < end,
        )
    ).all():
        recognition.append(
            Recognition(
                kind="help_thanks",
                giver_id=ht.giver_id,
                reason=request.question,
                value=None,
                link=message_link(request.channel_id, request.message_ts) or request.source_link,
                at=ht.created_at,
            )
        )
    record.recognition = sorted(recognition, key=lambda r: r.at, reverse=True)

    record.kudos_given = len(
        session.scalars(
            select(Kudos.id).where(
                Kudos.team_id == team_id,
                Kudos.giver_id == user_id,
                Kudos.created_at >= start,
                Kudos.created_at < end,
            )
        ).all()
    )
    emoji_given = session.scalars(
        select(Thanks.id).where(
            Thanks.team_id == team_id,
            Thanks.giver_id == user_id,
            Thanks.retracted_at.is_(None),
            Thanks.created_at >= start,
            Thanks.created_at < end,
        )
    ).all()
    help_thanks_given = session.scalars(
        select(HelpThanks.id).where(
            HelpThanks.team_id == team_id,
            HelpThanks.giver_id == user_id,
            HelpThanks.created_at >= start,
            HelpThanks.created_at < end,
        )
    ).all()
    record.thanks_given = len(emoji_given) + len(help_thanks_given)

    # Mentoring sessions: who with and when; never the notes (the other may have written them).
    record.mentoring = [
        Session_(with_user=s.with_user if s.logged_by == user_id else s.logged_by, at=s.created_at)
        for s in session.scalars(
            select(MentoringSession)
            .where(
                MentoringSession.team_id == team_id,
                or_(MentoringSession.logged_by == user_id, MentoringSession.with_user == user_id),
                MentoringSession.created_at >= start,
                MentoringSession.created_at < end,
            )
            .order_by(MentoringSession.created_at.desc())
        )
    ]

    # Onboarding buddies: each new hire they accompanied to the programme's horizon.
    record.buddying = [
        Session_(with_user=done.hire_id, at=done.thanked_at)
        for done in buddy_contributions(
            session=session, team_id=team_id, user_id=user_id, since=start, until=end
        )
    ]

    # Feedback: only the dates are read — never a column of its text.
    for giver_id, created_at in session.execute(
        select(Feedback.giver_id, Feedback.created_at)
        .where(
            Feedback.team_id == team_id,
            or_(Feedback.giver_id == user_id, Feedback.receiver_id == user_id),
            Feedback.created_at >= start,
            Feedback.created_at < end,
        )
        .order_by(Feedback.created_at.desc())
    ).all():
        (record.feedback_given if giver_id == user_id else record.feedback_received).append(
            created_at
        )

    for kind in session.scalars(
        select(ShareReply.kind).where(
            ShareReply.team_id == team_id,
            ShareReply.user_id == user_id,
            ShareReply.created_at >= start,
            ShareReply.created_at < end,
        )
    ):
        if kind == "challenge":
            record.challenges_shared += 1
        elif kind == "help":
            record.share_help_replies += 1
        else:
            record.share_comments += 1
    return record
