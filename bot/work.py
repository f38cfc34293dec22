"""Which piece of queued work is running in this thread, for the core to make it repeatable.

The queue runs an item again after a failure or a takeover (its worker died), so what it
records and posts must come out the same the second time: ids derived from the work's key
(`stable_id`) make a second insert find the first, and a run after the first (`repeated`)
tells the outbox to look for a post an earlier run made (bot/flows/outbox.py).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class Finishing:
    """Writes for the transaction that completes the work, when its runner has one (the
    queue's finish): the outbox's note of a post, there, costs no commit of its own. `posts`:
    what those notes say (key → channel, ts), for a second post under a key in the same run."""

    writes: list[Callable[[Session], None]] = field(default_factory=list)
    posts: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Work:
    key: str
    attempt: int  # 1 the first time
    since: datetime | None = None  # when the work began: its first run posted after this
    finishing: Finishing | None = None  # None: the runner has no completing transaction
    first_run: bool = True  # no run of this work came before (one put back by hand did)


_current: ContextVar[Work | None] = ContextVar("reciprocity_work", default=None)


@contextmanager
def running(
    key: str,
    attempt: int,
    since: datetime | None = None,
    finishing: Finishing | None = None,
    first_run: bool | None = None,
) -> Iterator[Work]:
    """`first_run`: by default, whether this is the first attempt."""
    work = Work(
        key=key,
        attempt=attempt,
        since=since,
        finishing=finishing,
        first_run=attempt == 1 if first_run is None else first_run,
    )
    token = _current.set(work)
    try:
        yield work
    finally:
        _current.reset(token)


def current() -> Work | None:
    return _current.get()


def repeated() -> bool:
    """True when an earlier run of this work may have recorded or posted something."""
    work = _current.get()
    return work is not None and not work.first_run


def stable_id(purpose: str) -> str:
    """A 32-hex id: the same on every run of this piece of work, random outside one."""
    work = _current.get()
    if work is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{purpose}\0{work.key}".encode()).hexdigest()[:32]


def stable_uuid(purpose: str) -> str:
    return str(uuid.UUID(stable_id(purpose)))
