"""Logging that cannot leak secrets: tokens are masked in every record, whatever logged them."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub("xox*-REDACTED", message)
            record.args = ()
        return True


class _DropClientTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our WebClient (which carries the
    same token, plus our base URL and retry handlers) wins; that is intended."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
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
