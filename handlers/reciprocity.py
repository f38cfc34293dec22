"""`/reciprocity <sub> …`: one slash command, many features; help for the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.usage import usage_text
from bot.deps import Deps
from bot.errors import DomainError
from handlers.routing import Routes

SubcommandRun = Callable[..., None]
"""Called with (deps=, command=, args=, respond=, client=)."""


@dataclass(frozen=True)
class Subcommand:
    run: SubcommandRun
    usage: str


def register(app: Routes, subcommands: Mapping[str, Subcommand]) -> None:
    def reciprocity_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
    ) -> None:
        ack()
        name, _, args = (command.get("text") or "").strip().partition(" ")
        sub = subcommands.get(name.lower()) if name else None
        if sub is None:
            intro = "" if name.lower() in ("", "help") else f"I don't know `{name[:40]}`. "
            usages = [s.usage for s in subcommands.values()]
            respond(text=intro + usage_text(usages), response_type="ephemeral")
            return
        try:
            sub.run(deps=deps, command=command, args=args.strip(), respond=respond, client=client)
        except DomainError as error:  # the one ephemeral reply is @app.error's; add the usage
            raise error.with_usage(f"Usage: {sub.usage}") from None

    app.command("/reciprocity")(reciprocity_command)
