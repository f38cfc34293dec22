"""Feedback: requests to up to five reviewers, structured answers delivered only to the
person they are for, declines, the one-time offer after help or mentoring, and the numbers
(cycles per person and month) the insights need. Feedback text is stored for its receiver
and never leaves this module except to be shown to them.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.feedback_language import find_labels, labelling_hint
from bot.services.people import Person, remember_member, zone
from bot.text import clean, from_slack
from models.feedback import Feedback, FeedbackOffer, FeedbackRequest

MAX_REVIEWERS = 5
MAX_TOPIC = 300
MAX_FIELD = 1000
REMINDER_AFTER_WORKING_DAYS = 5

PENDING, GIVEN, DECLINED = "pending", "given", "declined"
FIELDS = ("situation", "behaviour", "impact", "suggestion", "went_well")
REQUIRED = ("situation", "behaviour", "impact", "suggestion")

_LEADING_PERSON = re.compile(r"^\s*(?:<@([UW][A-Z0-9]+)>|@([\w.\-]+))[\s,;]*")
_ABOUT = re.compile(r"^\s*(?:about|on|re:?)\s+", re.IGNORECASE)


# ----- parsing `/feedback …` ---------------------------------------------------------------
@dataclass(frozen=True)
class ParsedFeedback:
    """`/feedback request @a @b about X`, `/feedback give @a`, `/feedback list`, or help."""

    action: str
    user_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    topic: str | None = None


def parse_feedback(text: str) -> ParsedFeedback:
    """Split the command text; the people come first, then an optional `about <topic>`."""
    plain = from_slack(text or "")
    head, _, rest = plain.partition(" ")
    action = head.strip().lower()
    if action not in ("request", "ask", "give", "list", "received"):
        return ParsedFeedback(action="help" if not action or action == "help" else "unknown")
    action = {"ask": "request", "received": "list"}.get(action, action)
    user_ids: list[str] = []
    names: list[str] = []
    while True:
        match = _LEADING_PERSON.match(rest)
        if not match:
            break
        uid, name = match.groups()
        if uid and uid not in user_ids:
            user_ids.append(uid)
        elif name and name.lower() not in ("here", "channel", "everyone") and name not in names:
            names.append(name)
        rest = rest[match.end() :]
    topic = _ABOUT.sub("", rest, count=1).strip() or None
    return ParsedFeedback(action=action, user_ids=user_ids, names=names, topic=topic)


# ----- the rules -----------------------------------------------------------------------------
def check_topic(topic: str | None) -> str | None:
    topic = clean(topic or "") or None
    if topic is not None and len(topic) > MAX_TOPIC:
        raise DomainError(
            f"That topic is {len(topic):,} characters; please keep it under {MAX_TOPIC} — "
            "a short line is enough, the details can go in a conversation.",
            field="topic",
        )
    return topic


def check_person(asker: Person, person: Person, *, verb: str) -> None:
    """The one person rule for requests and unsolicited feedback alike."""
    if person.id == asker.id:
        raise DomainError(
            f"You can't {verb} yourself — pick a colleague who saw your work.", field="people"
        )
    if person.is_bot or person.id == "USLACKBOT":
        raise DomainError(f"<@{person.id}> is a bot; feedback is between people.", field="people")
    if person.deleted:
        raise DomainError(f"{person.label} is no longer in this workspace.", field="people")


def check_reviewers(requester: Person, reviewers: list[Person]) -> None:
    if not reviewers:
        raise DomainError(
            "Who should I ask? Mention them: `/feedback request @name about the launch plan`.",
            field="people",
        )
    if len(reviewers) > MAX_REVIEWERS:
        raise DomainError(
            f"You named {len(reviewers)} people; please ask at most {MAX_REVIEWERS} at a time, "
            "so each answer gets the attention it deserves.",
            field="people",
        )
    for person in reviewers:
        check_person(requester, person, verb="ask feedback from")


# ----- requests ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestView:
    """One reviewer's request, as the edge needs it (no feedback text)."""

    id: int
    team_id: str
    requester_id: str
    reviewer_id: str
    topic: str | None
    message_link: str | None
    status: str
    requested_at: datetime
    reminded_at: datetime | None = None
    dm_channel: str | None = None
    dm_ts: str | None = None


@dataclass(frozen=True)
class PlannedRequest:
    """A request that passed the checks and is about to be made."""

    reviewer_id: str
    topic: str | None
    message_link: str | None


def plan_requests(
    *, requester: Person, reviewers: list[Person], topic: str | None, message_link: str | None
) -> list[PlannedRequest]:
    """The requests `request_feedback` would make, checked by its rules, writing nothing."""
    topic = check_topic(topic)
    check_reviewers(requester, reviewers)
    return [PlannedRequest(p.id, topic, message_link) for p in reviewers]


def _view(row: FeedbackRequest) -> RequestView:
    return RequestView(
        id=row.id,
        team_id=row.team_id,
        requester_id=row.requester_id,
        reviewer_id=row.reviewer_id,
        topic=row.topic,
        message_link=row.message_link,
        status=row.status,
        requested_at=row.requested_at,
        reminded_at=row.reminded_at,
        dm_channel=row.dm_channel,
        dm_ts=row.dm_ts,
    )


def request_feedback(
    *,
    session: Session,
    team_id: str,
    requester: Person,
    reviewers: list[Person],
    topic: str | None,
    now: datetime,
    message_link: str | None = None,
) -> list[RequestView]:
    """Record one pending request per reviewer; all or nothing."""
    topic = check_topic(topic)
    check_reviewers(requester, reviewers)
    for person in [requester, *reviewers]:
        remember_member(session=session, person=person, now=now)
    batch_id = str(uuid.uuid4())
    rows = [
        FeedbackRequest(
            team_id=team_id,
            batch_id=batch_id,
            requester_id=requester.id,
            reviewer_id=person.id,
            topic=topic,
            message_link=(message_link or None) and message_link[:500],
            status=PENDING,
            requested_at=now,
        )
        for person in reviewers
    ]
    session.add_all(rows)
    session.flush()
    return [_view(row) for row in rows]


def attach_dm(*, session: Session, team_id: str, request_id: int, channel: str, ts: str) -> None:
    """Remember the reviewer's DM, so it can be updated once they answer or decline."""
    session.execute(
        update(FeedbackRequest)
        .where(FeedbackRequest.team_id == team_id, FeedbackRequest.id == request_id)
        .values(dm_channel=channel, dm_ts=ts)
    )


def _request_id(raw: object) -> int:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise DomainError("That feedback request doesn't exist any more.") from None


def open_request(
    *, session: Session, team_id: str, request_id: object, reviewer_id: str
) -> RequestView:
    """The pending request this reviewer is about to answer, or a clear reason why not."""
    row = session.scalars(
        select(FeedbackRequest).where(
            FeedbackRequest.team_id == team_id, FeedbackRequest.id == _request_id(request_id)
        )
    ).first()
    if row is None or row.reviewer_id != reviewer_id:
        raise DomainError("That feedback request isn't addressed to you.")
    if row.status == GIVEN:
        raise DomainError("You've already sent this feedback — thank you!")
    if row.status == DECLINED:
        raise DomainError("You declined this request; nothing more to do.")
    return _view(row)


def _close(
    *, session: Session, team_id: str, request_id: int, reviewer_id: str, status: str, now: datetime
) -> RequestView:
    """Move a pending request to `status`, exactly once even when two clicks race."""
    view = open_request(
        session=session, team_id=team_id, request_id=request_id, reviewer_id=reviewer_id
    )
    changed = session.execute(
        update(FeedbackRequest)
        .where(
            FeedbackRequest.team_id == team_id,
            FeedbackRequest.id == view.id,
            FeedbackRequest.status == PENDING,
        )
        .values(status=status, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise DomainError("This request was already answered.")
    return replace(view, status=status)


def decline_request(
    *, session: Session, team_id: str, request_id: object, reviewer_id: str, now: datetime
) -> RequestView:
    return _close(
        session=session,
        team_id=team_id,
        request_id=_request_id(request_id),
        reviewer_id=reviewer_id,
        status=DECLINED,
        now=now,
    )


# ----- the feedback itself -------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    situation: str = ""
    behaviour: str = ""
    impact: str = ""
    suggestion: str = ""
    went_well: str = ""

    def cleaned(self) -> Draft:
        return Draft(**{name: _visible(clean(getattr(self, name) or "")) for name in FIELDS})


def _visible(text: str) -> str:
    """Text that is only invisible characters (zero-width spaces and the like) is empty."""
    if any(unicodedata.category(char) not in ("Cf", "Zs", "Zl", "Zp", "Cc") for char in text):
        return text
    return ""


def draft_errors(draft: Draft) -> dict[str, str]:
    """Missing or over-long fields, by field name."""
    errors: dict[str, str] = {}
    for name in FIELDS:
        value = getattr(draft, name)
        if name in REQUIRED and not value:
            errors[name] = "Please fill this in — a sentence is enough."
        elif len(value) > MAX_FIELD:
            errors[name] = f"Please keep this under {MAX_FIELD:,} characters (it's {len(value):,})."
    return errors


def labelling_errors(draft: Draft) -> dict[str, str]:
    """Fields whose wording labels the person, with a gentle hint for each."""
    errors: dict[str, str] = {}
    for name in FIELDS:
        flags = find_labels(getattr(draft, name))
        if flags:
            errors[name] = labelling_hint(flags)
    return errors


@dataclass(frozen=True)
class GivenFeedback:
    id: int
    giver_id: str
    receiver_id: str
    topic: str | None
    draft: Draft
    created_at: datetime
    request_id: int | None = None
    message_link: str | None = None
    dm_channel: str | None = None
    dm_ts: str | None = None


@dataclass(frozen=True)
class Answering:
    """What a piece of feedback answers: a request, an offer, or nothing (unsolicited)."""

    request: RequestView | None
    offer: Offer | None
    topic: str | None


def check_answer(
    *,
    session: Session,
    team_id: str,
    giver: Person,
    receiver: Person,
    draft: Draft,
    request_id: object = None,
    offer_id: object = None,
    topic: str | None = None,
) -> Answering:
    """Every rule of giving feedback, writing nothing (a form is answered with it first)."""
    errors = draft_errors(draft.cleaned())
    if errors:
        name, message = next(iter(errors.items()))
        raise DomainError(message, field=name)
    check_person(giver, receiver, verb="give feedback to")
    request: RequestView | None = None
    offer: Offer | None = None
    if request_id is not None:
        request = open_request(
            session=session, team_id=team_id, request_id=request_id, reviewer_id=giver.id
        )
        if request.requester_id != receiver.id:
            raise DomainError("That feedback request is for someone else.")
        topic = request.topic
    elif offer_id is not None:
        offer = get_offer(session=session, team_id=team_id, offer_id=offer_id, helped_id=giver.id)
        if offer.helper_id != receiver.id:
            raise DomainError("That invitation is for feedback to someone else.")
        topic = offer.about
    return Answering(request=request, offer=offer, topic=check_topic(topic))


def give_feedback(
    *,
    session: Session,
    team_id: str,
    giver: Person,
    receiver: Person,
    draft: Draft,
    now: datetime,
    request_id: object = None,
    offer_id: object = None,
    topic: str | None = None,
    sent_as_written: bool = False,
) -> GivenFeedback:
    """Store feedback for its receiver; for a request, also close it (once)."""
    draft = draft.cleaned()
    answering = check_answer(
        session=session,
        team_id=team_id,
        giver=giver,
        receiver=receiver,
        draft=draft,
        request_id=request_id,
        offer_id=offer_id,
        topic=topic,
    )
    request, offer, topic = answering.request, answering.offer, answering.topic
    if request is not None:
        request = _close(
            session=session,
            team_id=team_id,
            request_id=request.id,
            reviewer_id=giver.id,
            status=GIVEN,
            now=now,
        )
    for person in sorted((giver, receiver), key=lambda p: p.id):
        remember_member(session=session, person=person, now=now)
    row = Feedback(
        team_id=team_id,
        giver_id=giver.id,
        receiver_id=receiver.id,
        request_id=request.id if request else None,
        offer_id=offer.id if offer else None,
        topic=topic,
        situation=draft.situation,
        behaviour=draft.behaviour,
        impact=draft.impact,
        suggestion=draft.suggestion,
        went_well=draft.went_well or None,
        sent_as_written=sent_as_written,
        created_at=now,
    )
    if not insert_once(session, row):
        raise DomainError("This feedback was already sent — thank you!")
    return GivenFeedback(
        id=row.id,
        giver_id=giver.id,
        receiver_id=receiver.id,
        topic=topic,
        draft=draft,
        created_at=now,
        request_id=request.id if request else None,
        message_link=request.message_link if request else None,
        dm_channel=request.dm_channel if request else None,
        dm_ts=request.dm_ts if request else None,
    )


def received_feedback(
    *, session: Session, team_id: str, user_id: str, limit: int = 5
) -> list[GivenFeedback]:
    """The newest feedback this person received, for their eyes only."""
    stmt = (
        select(Feedback, FeedbackRequest.message_link)
        .outerjoin(FeedbackRequest, FeedbackRequest.id == Feedback.request_id)
        .where(Feedback.team_id == team_id, Feedback.receiver_id == user_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    )
    return [
        GivenFeedback(
            id=row.id,
            giver_id=row.giver_id,
            receiver_id=row.receiver_id,
            topic=row.topic,
            draft=Draft(
                situation=row.situation,
                behaviour=row.behaviour,
                impact=row.impact,
                suggestion=row.suggestion,
                went_well=row.went_well or "",
            ),
            created_at=row.created_at,
            request_id=row.request_id,
            message_link=link,
        )
        for row, link in session.execute(stmt)
    ]


# ----- offers after help or mentoring ------------------------------------------------------
@dataclass(frozen=True)
class Offer:
    id: int
    helped_id: str
    helper_id: str
    about: str


def record_offer(
    *, session: Session, team_id: str, helped_id: str, helper_id: str, about: str, now: datetime
) -> Offer | None:
    """Claim the one offer per (helped, helper, about); None when it was already made."""
    about = clean(about)[:MAX_TOPIC] or "your work together"
    if helped_id == helper_id:
        return None
    existing = session.scalars(
        select(FeedbackOffer.id).where(
            FeedbackOffer.team_id == team_id,
            FeedbackOffer.helped_id == helped_id,
            FeedbackOffer.helper_id == helper_id,
            FeedbackOffer.about == about,
        )
    ).first()
    if existing is not None:
        return None
    row = FeedbackOffer(
        team_id=team_id, helped_id=helped_id, helper_id=helper_id, about=about, offered_at=now
    )
    if not insert_once(session, row):
        return None
    return Offer(id=row.id, helped_id=helped_id, helper_id=helper_id, about=about)


def get_offer(*, session: Session, team_id: str, offer_id: object, helped_id: str) -> Offer:
    """The offer this person may answer, or a clear reason why not."""
    row = session.scalars(
        select(FeedbackOffer).where(
            FeedbackOffer.team_id == team_id, FeedbackOffer.id == _request_id(offer_id)
        )
    ).first()
    if row is None or row.helped_id != helped_id:
        raise DomainError("That invitation isn't addressed to you.")
    answered = session.scalars(select(Feedback.id).where(Feedback.offer_id == row.id)).first()
    if answered is not None:
        raise DomainError("You've already sent this feedback — thank you!")
    return Offer(id=row.id, helped_id=row.helped_id, helper_id=row.helper_id, about=row.about)


# ----- reminders (the reminders job calls these) ---------------------------------------------
def feedback_teams(*, session: Session) -> list[str]:
    """Workspaces that ever asked for feedback (the reminders job looks at each)."""
    return sorted(set(session.scalars(select(FeedbackRequest.team_id).distinct())))


def pending_feedback_requests(
    *, session: Session, team_id: str, older_than: datetime
) -> list[RequestView]:
    """Requests still unanswered since before `older_than` and not yet reminded."""
    stmt = (
        select(FeedbackRequest)
        .where(
            FeedbackRequest.team_id == team_id,
            FeedbackRequest.status == PENDING,
            FeedbackRequest.reminded_at.is_(None),
            FeedbackRequest.requested_at <= older_than,
        )
        .order_by(FeedbackRequest.requested_at, FeedbackRequest.id)
    )
    return [_view(row) for row in session.scalars(stmt)]


def requests_awaiting(*, session: Session, team_id: str, reviewer_id: str) -> list[RequestView]:
    """What this person has been asked for and not yet answered (for App Home)."""
    stmt = (
        select(FeedbackRequest)
        .where(
            FeedbackRequest.team_id == team_id,
            FeedbackRequest.reviewer_id == reviewer_id,
            FeedbackRequest.status == PENDING,
        )
        .order_by(FeedbackRequest.requested_at, FeedbackRequest.id)
    )
    return [_view(row) for row in session.scalars(stmt)]


def mark_reminded(*, session: Session, team_id: str, request_id: int, now: datetime) -> bool:
    """Record the one reminder; False when it was already sent or the request is closed."""
    changed = session.execute(
        update(FeedbackRequest)
        .where(
            FeedbackRequest.team_id == team_id,
            FeedbackRequest.id == request_id,
            FeedbackRequest.status == PENDING,
            FeedbackRequest.reminded_at.is_(None),
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(changed == 1)


def working_days_between(
    start: datetime, end: datetime, *, tz: str | None, work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
) -> int:
    """Whole working days after `start`'s day up to and including `end`'s day, locally."""
    first = start.astimezone(zone(tz)).date()
    last = end.astimezone(zone(tz)).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += day.weekday() in work_days
    return count


def reminder_due(
    request: RequestView,
    now: datetime,
    *,
    tz: str | None,
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> bool:
    """Five of the reviewer's working days have passed without an answer or a reminder."""
    return (
        request.status == PENDING
        and request.reminded_at is None
        and working_days_between(request.requested_at, now, tz=tz, work_days=work_days)
        >= REMINDER_AFTER_WORKING_DAYS
    )


# ----- numbers for insights and `/reciprocity me` ------------------------------------------
@dataclass
class CycleCounts:
    """Completed cycles (request → feedback given) for one person."""

    requested: int = 0  # cycles they started that were answered
    given: int = 0  # requests they answered
    received_total: int = 0  # all feedback they received, asked for or not


def feedback_cycles(
    *, session: Session, team_id: str, start: datetime, end: datetime
) -> dict[str, CycleCounts]:
    """Per person, feedback cycles completed (answered) in [start, end)."""
    counts: dict[str, CycleCounts] = {}
    stmt = select(Feedback.giver_id, Feedback.receiver_id, Feedback.request_id).where(
        Feedback.team_id == team_id, Feedback.created_at >= start, Feedback.created_at < end
    )
    for giver_id, receiver_id, request_id in session.execute(stmt):
        counts.setdefault(receiver_id, CycleCounts()).received_total += 1
        if request_id is not None:
            counts[receiver_id].requested += 1
            counts.setdefault(giver_id, CycleCounts()).given += 1
    return counts


def cycles_by_month(
    *, session: Session, team_id: str, since: datetime
) -> Counter[tuple[str, date]]:
    """Completed request → feedback cycles per (requester, first day of the month, UTC)."""
    stmt = select(FeedbackRequest.requester_id, FeedbackRequest.answered_at).where(
        FeedbackRequest.team_id == team_id,
        FeedbackRequest.status == GIVEN,
        FeedbackRequest.answered_at >= since,
    )
    counts: Counter[tuple[str, date]] = Counter()
    for requester_id, answered_at in session.execute(stmt):
        if answered_at is not None:
            counts[(requester_id, answered_at.date().replace(day=1))] += 1
    return counts


# ----- export: who and when, never what -----------------------------------------------------
def export_feedback(*, session: Session, since: datetime | None) -> Iterator[dict[str, object]]:
    stmt = select(
        Feedback.id, Feedback.team_id, Feedback.giver_id, Feedback.receiver_id, Feedback.created_at
    ).order_by(Feedback.created_at, Feedback.id)
    if since is not None:
        stmt = stmt.where(Feedback.created_at >= since)
    for _, team_id, giver_id, receiver_id, created_at in session.execute(stmt):
        yield {
            "type": "feedback",
            "team_id": team_id,
            "from_user": giver_id,
            "to_user": receiver_id,
            "channel_id": "",
            "created_at": created_at,
            "text": "",
        }
