"""`/reciprocity topics add|remove|list …`: the topics you can help with."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks.help_requests import topics_text
from bot.deps import Deps
from bot.errors import DomainError
from bot.services.topics import add_topics, list_topics, parse_topics, remove_topics
from bot.text import from_slack


def topics_command(
    deps: Deps, command: dict[str, Any], args: str, respond: Respond, client: WebClient
) -> None:
    verb, _, rest = args.partition(" ")
    verb = verb.casefold()
    team_id, user_id = command["team_id"], command["user_id"]
    changed: str | None = None
    with deps.sessions.begin() as session:
        if verb in ("", "list"):
            topics = list_topics(session=session, team_id=team_id, user_id=user_id)
        elif verb == "add":
            topics = add_topics(
                session=session,
                team_id=team_id,
                user_id=user_id,
                topics=parse_topics(from_slack(rest)),
                now=deps.clock(),
            )
            changed = "Got it."
        elif verb in ("remove", "rm", "delete"):
            topics = remove_topics(
                session=session,
                team_id=team_id,
                user_id=user_id,
                topics=parse_topics(from_slack(rest)),
            )
            changed = "Done."
        else:
            raise DomainError(f"I know `add`, `remove` and `list`, not `{verb[:20]}`.")
    respond(text=topics_text(topics, changed), response_type="ephemeral")
