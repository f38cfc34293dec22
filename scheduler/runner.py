"""Builds and starts the APScheduler instance (the weekly-rhythm issue fills this in)."""

from __future__ import annotations

from bot.deps import Deps


def start_scheduler(deps: Deps) -> None:
    raise NotImplementedError("the scheduler arrives with the weekly-rhythm issue")
