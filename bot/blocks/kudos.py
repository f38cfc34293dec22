"""Block Kit for kudos: the public message and the modal."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.services.kudos import MAX_REASON, KudosResult
from bot.text import join_people, mrkdwn, quote, truncate


def kudos_message(result: KudosResult) -> dict[str, Any]:
    """The public kudos post: who, from whom, the reason quoted, the value and source."""
    people = join_people(result.receiver_ids)
    headline = f":sparkles: {people} — kudos from <@{result.giver_id}>!"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            # Escaping can grow a 1,000-character reason past a section's 3,000.
            "text": {
                "type": "mrkdwn",
                "text": truncate(f"{headline}\n{quote(result.reason)}", 3000),
            },
        }
    ]
    context = []
    if result.value:
        context.append(f":gem: *#{mrkdwn(result.value)}*")
    if result.source_link:
        context.append(f"<{result.source_link}|about this message>")
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(context)}]}
        )
    fallback = f"{people} got kudos from <@{result.giver_id}>: “{result.reason}”"
    return {"text": fallback[:3000], "blocks": blocks, "unfurl_links": False}


def kudos_modal(
    *,
    values: list[str],
    private_metadata: str,
    initial_users: list[str] | None = None,
    source_link: str | None = None,
) -> dict[str, Any]:
    """The `/kudos` modal: people, why, and (if the workspace has them) a value."""
    receivers: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": ids.KUDOS_RECEIVERS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Who made a difference?"},
        "max_selected_items": 10,
    }
    if initial_users:
        receivers["initial_users"] = initial_users
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": ids.KUDOS_RECEIVERS_BLOCK,
            "label": {"type": "plain_text", "text": "Kudos to"},
            "element": receivers,
        },
        {
            "type": "input",
            "block_id": ids.KUDOS_REASON_BLOCK,
            "label": {"type": "plain_text", "text": "What did they do?"},
            "element": {
                "type": "plain_text_input",
                "action_id": ids.KUDOS_REASON_ACTION,
                "multiline": True,
                "max_length": MAX_REASON,
                "placeholder": {
                    "type": "plain_text",
                    "text": "Be specific: what they did and the difference it made.",
                },
            },
        },
    ]
    if values:
        blocks.append(
            {
                "type": "input",
                "block_id": ids.KUDOS_VALUE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Which of our values did it show?"},
                "element": {
                    "type": "static_select",
                    "action_id": ids.KUDOS_VALUE_ACTION,
                    "options": [
                        {"text": {"type": "plain_text", "text": v[:75]}, "value": v[:150]}
                        for v in values[:100]
                    ],
                },
            }
        )
    if source_link:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"For <{source_link}|this message>"}],
            }
        )
    return {
        "type": "modal",
        "callback_id": ids.KUDOS_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Give kudos"},
        "submit": {"type": "plain_text", "text": "Send kudos"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
