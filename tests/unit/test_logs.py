"""Tokens never reach the logs, and payload-level debug logging is never switched on."""

from __future__ import annotations

import logging

from bot.logs import RedactSecrets, configure_logging


def test_tokens_are_masked_in_any_record() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "token %s and %s",
        ("xoxb-1234-5678-abcdef", "xapp-1-A0-secret"),
        None,
    )
    RedactSecrets().filter(record)
    message = record.getMessage()
    assert "xoxb-1234" not in message and "xapp-1-A0" not in message
    assert "REDACTED" in message


def test_debug_level_does_not_turn_on_payload_or_sql_logging() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("slack_bolt").getEffectiveLevel() >= logging.INFO
        assert logging.getLogger("slack_sdk").getEffectiveLevel() >= logging.INFO
        assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING
    finally:
        root.handlers[:], _ = saved[0], None
        root.setLevel(saved[1])


def test_a_traceback_keeps_its_frames_and_types_but_never_a_message() -> None:
    from bot.logs import Formatter

    def store(text: str) -> None:
        try:
            raise KeyError(text)
        except KeyError as inner:
            raise ValueError(f"could not store {text!r}") from inner

    written = " ".join(["my", "honest", "feedback"])  # not in any source line the traceback shows
    try:
        store(written)
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    shown = Formatter("%(message)s").format(record)
    assert "in store" in shown and "builtins.ValueError" in shown and "builtins.KeyError" in shown
    assert written not in shown
