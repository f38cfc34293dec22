"""Giving feedback: the structured draft, its checks (labelling language included), and
private delivery to its receiver. Feedback text is never logged or exported."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.feedback.offers import Offer, get_offer
from bot.services.feedback.requests import (
    GIVEN,
    RequestView,
    check_person,
    check_topic,
    close_request,
    open_request,
)
from bot.services.feedback_language import find_labels, labelling_hint
from bot.services.people import Person, remember_members
from bot.text import clean
from models.feedback import Feedback, FeedbackRequest

MAX_FIELD = 1000


FIELDS = ("situation", "behaviour", "impact", "suggestion", "went_well")


REQUIRED = ("situation", "behaviour", "impact", "suggestion")


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
    offer_id: int | None = None


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
    origin: str | None = None,
) -> GivenFeedback:
    """Store feedback for its receiver; for a request, also close it (once).

    `origin` names the piece of work giving it: run again (a retry), it finds what the first
    run stored instead of refusing it as sent already."""
    if origin is not None:
        stored = session.scalars(select(Feedback).where(Feedback.origin == origin)).first()
        if stored is not None:
            return _given(session, stored, draft.cleaned())
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
        request = close_request(
            session=session,
            team_id=team_id,
            request_id=request.id,
            reviewer_id=giver.id,
            status=GIVEN,
            now=now,
        )
    remember_members(session=session, people=(giver, receiver), now=now)
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
        origin=origin,
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
        offer_id=offer.id if offer else None,
    )


def _given(session: Session, row: Feedback, draft: Draft) -> GivenFeedback:
    request = session.get(FeedbackRequest, row.request_id) if row.request_id else None
    return GivenFeedback(
        id=row.id,
        giver_id=row.giver_id,
        receiver_id=row.receiver_id,
        topic=row.topic,
        draft=draft,
        created_at=row.created_at,
        request_id=row.request_id,
        message_link=request.message_link if request else None,
        dm_channel=request.dm_channel if request else None,
        dm_ts=request.dm_ts if request else None,
        offer_id=row.offer_id,
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
