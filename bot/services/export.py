"""`app.py export`: every record type, one flat schema (PRODUCT.md §3); never feedback text."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO

from sqlalchemy.orm import Session

from bot.services.feedback import export_feedback
from bot.services.help_requests import export_help_offers, export_help_requests
from bot.services.kudos import export_kudos
from bot.services.mentoring import export_mentoring_sessions
from bot.services.thanks import export_thanks

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
