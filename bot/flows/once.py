"""Claim → do → complete, or release so a later tick tries again: the one way jobs do a
piece of work exactly once (a unique claim row in the database, bot/services/claims.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics import SCHEDULER_CLAIMS
from bot.services import claims
from bot.slack_api import error_of, gives_up
from bot.work import running

log = logging.getLogger(__name__)


class Once(StrEnum):
    DONE = "done"  # claimed and done here
    TAKEN = "taken"  # done before, or another process is doing it right now
    GAVE_UP = "gave up"  # Slack said no retry will help: marked done without it
    RETRY = "retry"  # Slack failed: released, so a later tick tries again


def run_once(
    sessions: sessionmaker[Session],
    *,
    team_id: str,
    job: str,
    key: str,
    now: datetime,
    work: Callable[[], object],
) -> Once:
    """Do `work` unless (job, key) was claimed already (see `_run_once`); counted by outcome."""
    try:
        outcome = _run_once(sessions, team_id=team_id, job=job, key=key, now=now, work=work)
    except BaseException:
        SCHEDULER_CLAIMS.labels(job, "failed").inc()
        raise
    SCHEDULER_CLAIMS.labels(job, outcome.value).inc()
    return outcome


def _run_once(
    sessions: sessionmaker[Session],
    *,
    team_id: str,
    job: str,
    key: str,
    now: datetime,
    work: Callable[[], object],
) -> Once:
    """Do `work` unless (job, key) was claimed already. Anything but a Slack error releases
    the claim and propagates."""
    attempt = claims.claim(sessions=sessions, team_id=team_id, job=job, key=key, now=now)
    if not attempt:
        return Once.TAKEN
    try:
        # A takeover looks for what the first run may have posted, since well before its lease.
        with running(f"{job}:{key}", attempt, since=now - 3 * claims.LEASE):
            work()
    except SlackApiError as exc:
        if gives_up(exc):
            log.info("%s %s: Slack said %s; not retrying", job, key, error_of(exc))
            claims.complete(sessions=sessions, job=job, key=key, now=now)
            return Once.GAVE_UP
        log.warning("%s %s failed (%s); retrying on a later tick", job, key, error_of(exc))
        claims.release(sessions=sessions, job=job, key=key)
        return Once.RETRY
    except BaseException:
        claims.release(sessions=sessions, job=job, key=key)
        raise
    claims.complete(sessions=sessions, job=job, key=key, now=now)
    return Once.DONE
