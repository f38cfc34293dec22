"""A database error about a row of feedback, as the bot's own log handler writes it: where it
happened and its type, never the SQL parameters or the failing row (PostgreSQL quotes it)."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.logs import Formatter
from models.feedback import Feedback


def test_a_failed_insert_of_feedback_is_logged_without_its_text(
    sessions: sessionmaker[Session],
) -> None:
    written = " ".join(["you", "interrupt", "people", "in", "meetings"])
    row = {
        "team_id": "T1",
        "giver_id": "UA",
        "receiver_id": None,  # NOT NULL: the insert fails
        "situation": written,
        "behaviour": written,
        "impact": written,
        "suggestion": written,
        "sent_as_written": False,
        "created_at": datetime(2026, 12, 1, tzinfo=UTC),
    }
    with pytest.raises(IntegrityError) as caught, sessions.begin() as session:
        session.execute(insert(Feedback).values(**row))
    assert written not in str(caught.value).split("[SQL:")[-1]  # hide_parameters
    record = logging.LogRecord(
        "handlers.queue",
        logging.ERROR,
        __file__,
        1,
        "work item failed",
        (),
        (type(caught.value), caught.value, caught.value.__traceback__),
    )
    shown = Formatter("%(message)s").format(record)
    assert "IntegrityError" in shown and written not in shown
    assert sys.exc_info() == (None, None, None)
