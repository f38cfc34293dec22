"""Logging that cannot leak secrets or what people wrote: tokens are masked in every record,
whatever logged them, and a traceback shows where an error happened and its type, never its
message (a database error's message quotes the failing row: feedback text, a kudos reason).

`LOG_FORMAT=json` writes one JSON object per line: time, level, logger, message, and where
known the workspace, the request's kind, the event id and the job (`log_context`, set by the
Bolt middleware, the queue's worker and the scheduler's tick), plus the traceback as above.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any

_SECRET = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
# OAuth: a code, a client secret or a token named in a request or an answer, and HTTP Basic
# credentials (the client id and secret), whatever their format.
_NAMED_SECRET = re.compile(
    r"""(?P<name>\b(?:code|client_secret|refresh_token|access_token|token)"""
    r"""['"]?\s*[:=]\s*\[?['"]?)"""
    r"""[^'"&\s,;}]{8,}"""
    r"""|(?P<basic>Basic\s+)[A-Za-z0-9+/=]{8,}"""
)


def _redact_named(match: re.Match[str]) -> str:
    return (match.group("name") or match.group("basic")) + "REDACTED"


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message) or _NAMED_SECRET.search(message):
            record.msg = _NAMED_SECRET.sub(_redact_named, _SECRET.sub("xox*-REDACTED", message))
            record.args = ()
        return True


class _DropClientTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our WebClient (which carries the
    same token, plus our base URL and retry handlers) wins; that is intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class Formatter(logging.Formatter):
    """Tracebacks with every frame, and each exception (and its causes) by type only."""

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        error = ei[1]
        if error is None:
            return ""
        lines: list[str] = []
        seen: set[int] = set()
        chain: list[BaseException] = []
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            chain.append(error)
            error = error.__cause__ or error.__context__
        for number, link in enumerate(reversed(chain)):
            if number:
                lines.append("\nDuring handling of the above, another error happened:\n")
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(link.__traceback__))
            lines.append(f"{type(link).__module__}.{type(link).__qualname__} (message withheld)\n")
        return "".join(lines).rstrip("\n")


CONTEXT_FIELDS = ("team_id", "request_kind", "event_id", "job")
"""What a log line may say about where it comes from: ids and names, never text."""

_context: ContextVar[dict[str, str]] = ContextVar("reciprocity_log_context", default={})  # noqa: B039


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Every line logged inside (in this thread, and in what it hands over with its context)
    carries these fields; empty ones are left out."""
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a log context field: {sorted(unknown)}")
    token = _context.set({**_context.get(), **{k: str(v) for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get())


class AddContext(logging.Filter):
    """Copies the log context onto each record (as attributes the formatters read)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(Formatter):
    """One JSON object per record; its traceback (if any) as `Formatter` writes it."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value:
                line[key] = str(value)
        if record.exc_info and record.exc_info[1] is not None:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: str, log_format: str = "text", *, stream: IO[str] | None = None
) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else Formatter(TEXT))
    handler.addFilter(RedactSecrets())
    handler.addFilter(AddContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Bolt and the SDK log whole payloads (feedback text included) at DEBUG: never below INFO.
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # SQL parameters would include user text: statements are never logged.
    for name in ("sqlalchemy.engine", "alembic.runtime.plugins", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("slack_bolt.App").addFilter(_DropClientTokenWarning())
