"""Exactly-once scheduled work: claim with a unique row, mark done, release on failure.

A claim whose worker died (not done, older than the lease) can be taken over, so work that
was claimed but never finished is retried on a later tick and never done twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.scheduling import JobClaim

LEASE = timedelta(minutes=10)


def claim(
    *, sessions: sessionmaker[Session], team_id: str, job: str, key: str, now: datetime
) -> int:
    """The attempt (1, or more for a takeover) if this caller now owns (job, key) and must do
    the work, else 0; commits at once."""
    try:
        with sessions.begin() as session:
            session.add(JobClaim(team_id=team_id, job=job, key=key, claimed_at=now, attempts=1))
        return 1
    except IntegrityError:
        pass
    with sessions.begin() as session:
        row = session.scalars(
            select(JobClaim).where(JobClaim.job == job, JobClaim.key == key)
        ).first()
        if row is None or row.done_at is not None or row.claimed_at > now - LEASE:
            return 0
        attempt = row.attempts + 1
        taken = session.execute(
            update(JobClaim)
            .where(
                JobClaim.id == row.id,
                JobClaim.claimed_at == row.claimed_at,
                JobClaim.done_at.is_(None),
            )
            .values(claimed_at=now, attempts=attempt)
        )
        return attempt if taken.rowcount else 0  # type: ignore[attr-defined]


def complete(*, sessions: sessionmaker[Session], job: str, key: str, now: datetime) -> None:
    with sessions.begin() as session:
        session.execute(
            update(JobClaim).where(JobClaim.job == job, JobClaim.key == key).values(done_at=now)
        )


def release(*, sessions: sessionmaker[Session], job: str, key: str) -> None:
    """The work failed: drop the claim so the next tick tries again."""
    with sessions.begin() as session:
        session.execute(
            delete(JobClaim).where(
                JobClaim.job == job, JobClaim.key == key, JobClaim.done_at.is_(None)
            )
        )


def is_done(*, session: Session, job: str, key: str) -> bool:
    stmt = select(JobClaim.done_at).where(JobClaim.job == job, JobClaim.key == key)
    return session.scalar(stmt) is not None
