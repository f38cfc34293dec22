"""`/reciprocity <sub> …`: one slash command, many features; help for the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.usage import admin_usage_text, unknown_word, usage_text
from bot.deps import Deps
from bot.errors import DomainError
from bot.services.workspaces import get_workspace
from handlers.queue import Defer
from handlers.routing import Routes

SubcommandRun = Callable[..., None]
"""Called with (deps=, command=, args=, respond=, client=)."""


@dataclass(frozen=True)
class Subcommand:
    run: SubcommandRun
    usage: str
    opens_modal: bool = False  # runs in the fast part: a modal's trigger lasts 3 seconds


def register(app: Routes, subcommands: Mapping[str, Subcommand]) -> None:
    def chosen(command: dict[str, Any]) -> tuple[str, Subcommand | None, str]:
        name, _, args = (command.get("text") or "").strip().partition(" ")
        return name, subcommands.get(name.lower()) if name else None, args.strip()

    def run(sub: Subcommand, args: str, **kwargs: Any) -> None:
        try:
            sub.run(args=args, **kwargs)
        except DomainError as error:  # the one ephemeral reply is @app.error's; add the usage
            raise error.with_usage(f"Usage: {sub.usage}") from None

    def reciprocity_command(
        ack: Ack,
        command: dict[str, Any],
        respond: Respond,
        client: WebClient,
        deps: Deps,
        defer: Defer,
    ) -> None:
        """The fast part: help, or a modal, at once; any other subcommand is queued."""
        _, sub, args = chosen(command)
        if sub is None or not sub.opens_modal:  # help names the workspace's emoji: queued
            defer(reciprocity_subcommand)
            ack()
            return
        ack()
        run(sub, args, deps=deps, command=command, respond=respond, client=client)

    def reciprocity_subcommand(
        command: dict[str, Any], respond: Respond, client: WebClient, deps: Deps
    ) -> None:
        """The slow part, from the queue."""
        name, sub, args = chosen(command)
        if sub is not None:
            run(sub, args, deps=deps, command=command, respond=respond, client=client)
            return
        if name.lower() == "help" and args.lower() == "admin":
            respond(text=admin_usage_text(), response_type="ephemeral")
            return
        with deps.sessions.begin() as session:
            emoji = get_workspace(
                session=session,
                team_id=command["team_id"],
                defaults=deps.defaults,
                now=deps.clock(),
            ).thanks_emoji
        known = [*subcommands, "help"]
        intro = "" if name.lower() in ("", "help") else unknown_word(name, known) + "\n\n"
        respond(text=intro + usage_text(emoji or ()), response_type="ephemeral")

    app.command("/reciprocity")(ack=reciprocity_command, lazy=[reciprocity_subcommand])
