"""The offer to send feedback after help is resolved or a mentoring session is logged:
one per (helped, helper, occasion)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.feedback.requests import MAX_TOPIC, parse_request_id
from bot.text import clean
from models.feedback import Feedback, FeedbackOffer


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
            FeedbackOffer.team_id == team_id, FeedbackOffer.id == parse_request_id(offer_id)
        )
    ).first()
    if row is None or row.helped_id != helped_id:
        raise DomainError("That invitation isn't addressed to you.")
    answered = session.scalars(select(Feedback.id).where(Feedback.offer_id == row.id)).first()
    if answered is not None:
        raise DomainError("You've already sent this feedback — thank you!")
    return Offer(id=row.id, helped_id=row.helped_id, helper_id=row.helper_id, about=row.about)


def offer_group(*, session: Session, team_id: str, offer_id: int) -> tuple[list[Offer], list[str]]:
    """The offers made on the same occasion as this one (one invitation lists them all):
    those still open, and the helpers feedback already went to from it."""
    row = session.get(FeedbackOffer, offer_id)
    if row is None or row.team_id != team_id:
        return [], []
    rows = session.execute(
        select(FeedbackOffer, Feedback.id)
        .outerjoin(Feedback, Feedback.offer_id == FeedbackOffer.id)
        .where(
            FeedbackOffer.team_id == team_id,
            FeedbackOffer.helped_id == row.helped_id,
            FeedbackOffer.about == row.about,
            FeedbackOffer.offered_at == row.offered_at,
        )
        .order_by(FeedbackOffer.id)
    ).all()
    still = [
        Offer(id=o.id, helped_id=o.helped_id, helper_id=o.helper_id, about=o.about)
        for o, answered in rows
        if answered is None
    ]
    sent = [o.helper_id for o, answered in rows if answered is not None]
    return still, sent
