"""Feedback requests: parsing `/feedback`, the rules about who may be asked, and a
request's life from asked to answered or declined."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.people import Person, remember_members
from bot.text import clean, from_slack
from models.feedback import FeedbackRequest

MAX_REVIEWERS = 5


MAX_TOPIC = 300


PENDING, GIVEN, DECLINED = "pending", "given", "declined"


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


def request_view(row: FeedbackRequest) -> RequestView:
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
    remember_members(session=session, people=[requester, *reviewers], now=now)
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
    return [request_view(row) for row in rows]


def attach_dm(*, session: Session, team_id: str, request_id: int, channel: str, ts: str) -> None:
    """Remember the reviewer's DM, so it can be updated once they answer or decline."""
    session.execute(
        update(FeedbackRequest)
        .where(FeedbackRequest.team_id == team_id, FeedbackRequest.id == request_id)
        .values(dm_channel=channel, dm_ts=ts)
    )


def parse_request_id(raw: object) -> int:
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
            FeedbackRequest.team_id == team_id, FeedbackRequest.id == parse_request_id(request_id)
        )
    ).first()
    if row is None or row.reviewer_id != reviewer_id:
        raise DomainError("That feedback request isn't addressed to you.")
    if row.status == GIVEN:
        raise DomainError("You've already sent this feedback — thank you!")
    if row.status == DECLINED:
        raise DomainError("You declined this request; nothing more to do.")
    return request_view(row)


def close_request(
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
    return close_request(
        session=session,
        team_id=team_id,
        request_id=parse_request_id(request_id),
        reviewer_id=reviewer_id,
        status=DECLINED,
        now=now,
    )


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
    return [request_view(row) for row in session.scalars(stmt)]
