"""Block Kit for kudos: the public message and the modal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot import ids
from bot.services.kudos import MAX_REASON, KudosResult
from bot.services.people import Person
from bot.text import join_people, mrkdwn, quote, truncate

MAX_OFFERS = 5


def kudos_message(result: KudosResult, *, from_channel: str | None = None) -> dict[str, Any]:
    """The public kudos post: who, from whom, the reason quoted, the value and source, and
    the channel it was given in when it is posted in another (`from_channel`)."""
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
    if from_channel:
        context.append(f"given in <#{from_channel}>")
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(context)}]}
        )
    # The notification's text is mrkdwn too: escaped like the blocks, or a reason could ping
    # a channel or dress a link up as something else.
    fallback = f"{people} got kudos from <@{result.giver_id}>: “{mrkdwn(result.reason)}”"
    return {"text": truncate(fallback, 3000), "blocks": blocks, "unfurl_links": False}


def kudos_confirmation(
    *,
    post_id: str,
    posted_in: str | None = None,
    remaining: int | None = None,
    offers: Sequence[Person] = (),
    unknown_tag: str | None = None,
    values: Sequence[str] = (),
) -> dict[str, Any] | None:
    """What only the giver sees after a kudos, or None when there is nothing to say: where it
    was posted (another channel), what is left of today's budget, a `#word` that is none of
    the values, and for each person the reason mentions a button to give them the same."""
    lines: list[str] = []
    if posted_in:
        lines.append(f"Posted in <#{posted_in}> ✓")
    if unknown_tag:
        listed = ", ".join(f"`#{mrkdwn(v)}`" for v in values[:20])
        lines.append(
            f"`#{mrkdwn(unknown_tag[:80])}` isn't one of our values ({listed}), "
            "so it stayed in the reason."
        )
    if remaining is not None and remaining <= 1:
        left = "no kudos" if remaining == 0 else "one kudos"
        lines.append(f"Sent! You have {left} left for today.")
    offered = list(offers)[:MAX_OFFERS]
    if not lines and not offered:
        return None
    text = "\n".join(lines)
    blocks: list[dict[str, Any]] = []
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}})
    for person in offered:
        label = truncate(person.name or person.label, 40)
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"Your reason mentions <@{person.id}>. Also give them kudos for it?",
                },
                "accessory": {
                    "type": "button",
                    "action_id": ids.KUDOS_ALSO_ACTION,
                    "text": {"type": "plain_text", "text": f"Also give kudos to @{label}"},
                    "value": json.dumps({"post": post_id, "to": person.id}),
                },
            }
        )
    if offered:
        names = join_people([p.id for p in offered])
        text = (text + "\n" if text else "") + f"Also give kudos to {names}?"
    return {"text": truncate(text, 3000), "blocks": blocks}


def also_given_text(receiver_id: str, posted_in: str | None) -> str:
    where = f" (posted in <#{posted_in}>)" if posted_in else ""
    return f"Kudos to <@{receiver_id}> too ✓{where}"


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
