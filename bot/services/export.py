"""`app.py export`: every record type, one flat schema (PRODUCT.md §3); never feedback text."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Kudos, Thanks
from models.feedback import Feedback
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.mentoring import MentoringGroup, MentoringSession


# ----- one mapper per record type --------------------------------------------------------------
def export_mentoring_sessions(
    *, session: Session, since: datetime | None
) -> Iterator[dict[str, object]]:
    """One record per logged session; the notes are private and never exported."""
    stmt = (
        select(MentoringSession, MentoringGroup.channel_id)
        .outerjoin(MentoringGroup, MentoringGroup.id == MentoringSession.group_id)
        .order_by(MentoringSession.created_at, MentoringSession.id)
    )
    if since is not None:
        stmt = stmt.where(MentoringSession.created_at >= since)
    for row, channel_id in session.execute(stmt).yield_per(1000):
        yield {
            "type": "mentoring_session",
            "team_id": row.team_id,
            "from_user": row.logged_by,
            "to_user": row.with_user,
            "channel_id": channel_id or "",
            "created_at": row.created_at,
            "text": "",
        }


def export_thanks(*, session: Session, since: datetime | None) -> Iterator[dict[str, object]]:
    """Emoji thanks still standing, then the thank-yous of resolved help requests."""
    emoji = select(Thanks).where(Thanks.retracted_at.is_(None))
    help_thanks = select(HelpThanks)
    if since is not None:
        emoji = emoji.where(Thanks.created_at >= since)
        help_thanks = help_thanks.where(HelpThanks.created_at >= since)
    for stmt in (
        emoji.order_by(Thanks.created_at, Thanks.id),
        help_thanks.order_by(HelpThanks.created_at, HelpThanks.id),
    ):
        for row in session.scalars(stmt).yield_per(1000):
            yield {
                "type": "thanks",
                "team_id": row.team_id,
                "from_user": row.giver_id,
                "to_user": row.receiver_id,
                "channel_id": row.channel_id,
                "created_at": row.created_at,
                "text": "",
            }


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


def export_kudos(*, session: Session, since: datetime | None) -> Iterator[dict[str, object]]:
    stmt = select(Kudos).order_by(Kudos.created_at, Kudos.id)
    if since is not None:
        stmt = stmt.where(Kudos.created_at >= since)
    for row in session.scalars(stmt).yield_per(1000):
        yield {
            "type": "kudos",
            "team_id": row.team_id,
            "from_user": row.giver_id,
            "to_user": row.receiver_id,
            "channel_id": row.channel_id,
            "created_at": row.created_at,
            "text": row.reason,
        }


def export_help_requests(
    *, session: Session, since: datetime | None
) -> Iterator[dict[str, object]]:
    stmt = select(HelpRequest).order_by(HelpRequest.created_at, HelpRequest.id)
    if since is not None:
        stmt = stmt.where(HelpRequest.created_at >= since)
    for row in session.scalars(stmt).yield_per(1000):
        yield {
            "type": "help_request",
            "team_id": row.team_id,
            "from_user": row.requester_id,
            "to_user": "",
            "channel_id": row.channel_id,
            "created_at": row.created_at,
            "text": row.question,
        }


def export_help_offers(*, session: Session, since: datetime | None) -> Iterator[dict[str, object]]:
    stmt = (
        select(HelpOffer, HelpRequest.requester_id, HelpRequest.channel_id)
        .join(
            HelpRequest,
            (HelpRequest.id == HelpOffer.request_id) & (HelpRequest.team_id == HelpOffer.team_id),
        )
        .order_by(HelpOffer.created_at, HelpOffer.id)
    )
    if since is not None:
        stmt = stmt.where(HelpOffer.created_at >= since)
    for offer, requester_id, channel_id in session.execute(stmt).yield_per(1000):
        yield {
            "type": "help_offer",
            "team_id": offer.team_id,
            "from_user": offer.helper_id,
            "to_user": requester_id,
            "channel_id": channel_id,
            "created_at": offer.created_at,
            "text": "",
        }


FIELDS = ("type", "team_id", "from_user", "to_user", "channel_id", "created_at", "text")

Exporter = Callable[..., Iterator[dict[str, object]]]

# One entry per record type; each feature adds its own exporter here.
EXPORTERS: dict[str, Exporter] = {
    "kudos": export_kudos,
    "thanks": export_thanks,
    "help_request": export_help_requests,
    "help_offer": export_help_offers,
    "feedback": export_feedback,
    "mentoring_session": export_mentoring_sessions,
}


def records(
    *, session: Session, types: Iterable[str] | None = None, since: datetime | None = None
) -> Iterator[dict[str, str]]:
    for kind in types or EXPORTERS:
        for record in EXPORTERS[kind](session=session, since=since):
            yield _flatten(record)


def _flatten(record: dict[str, object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in FIELDS:
        value = record.get(name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        out[name] = "" if value is None else str(value)
    return out


def write(rows: Iterable[dict[str, str]], out: IO[str], fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
        return count
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
