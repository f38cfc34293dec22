"""`/reciprocity <sub> …`: routes to the subcommands features registered; help for the rest."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.help import usage_text
from bot.deps import Deps
from bot.errors import DomainError


def register(app: App, deps: Deps) -> None:
    @app.command("/reciprocity")
    def reciprocity_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        text = (command.get("text") or "").strip()
        name, _, args = text.partition(" ")
        sub = deps.reciprocity.get(name) if name else None
        if sub is None:
            intro = "" if name.lower() in ("", "help") else f"I don't know `{name[:40]}`. "
            respond(text=intro + usage_text(deps.reciprocity.usages()), response_type="ephemeral")
            return
        try:
            sub.run(command=command, args=args.strip(), respond=respond, client=client)
        except DomainError as error:
            respond(text=f"{error.message}\nUsage: {sub.usage}", response_type="ephemeral")
