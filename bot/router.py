"""`/reciprocity <sub> …`: one slash command, many features; each registers its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Subcommand:
    name: str
    run: Callable[..., None]  # called with (command, args, respond, client)
    usage: str


class CommandRouter:
    def __init__(self) -> None:
        self._subcommands: dict[str, Subcommand] = {}

    def add(self, name: str, run: Callable[..., None], usage: str) -> None:
        if name in self._subcommands:
            raise ValueError(f"/reciprocity {name} is registered twice")
        self._subcommands[name] = Subcommand(name, run, usage)

    def get(self, name: str) -> Subcommand | None:
        return self._subcommands.get(name.lower())

    def usages(self) -> list[str]:
        return [sub.usage for sub in self._subcommands.values()]


MessageHook = Callable[..., Any]
"""Called for each `message` event with (event, team_id, client); returns nothing."""
