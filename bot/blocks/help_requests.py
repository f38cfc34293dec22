"""Block Kit for help requests: the card, the ask modal, the resolve modal, the thread notes."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.blocks.kit import button
from bot.services.help_requests import (
    MAX_DETAILS,
    MAX_HELPERS,
    MAX_NOTE,
    MAX_QUESTION,
    RESOLVED,
    STALE,
    URGENCIES,
    HelpCard,
    HelpDraft,
    Suggestion,
)
from bot.text import join_people, mrkdwn, quote, truncate

MAX_SHOWN_PEOPLE = 20
MAX_TAGS_INPUT = 300
_URGENCY_ICON = {"today": ":rotating_light:", "week": ":calendar:", "none": ":seedling:"}


def _people(user_ids: tuple[str, ...]) -> str:
    shown = list(user_ids[:MAX_SHOWN_PEOPLE])
    more = len(user_ids) - len(shown)
    text = join_people(shown)
    return f"{text} and {more} more" if more > 0 else text


def _suggestion(s: Suggestion) -> str:
    return f"<@{s.user_id}>" if s.mention else f"*{mrkdwn(truncate(s.label, 80))}*"


def help_card(card: HelpCard) -> dict[str, Any]:
    """The request in the channel: who asks, what, how urgent, tags, who's helping, buttons."""
    headline = {
        RESOLVED: f":white_check_mark: <@{card.requester_id}> asked for help — resolved",
        STALE: f":hourglass: <@{card.requester_id}> asked for help — this went quiet",
    }.get(card.status, f":raising_hand: <@{card.requester_id}> is asking for help")
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": truncate(f"{headline}\n{quote(card.question)}", 3000),
            },
        }
    ]
    if card.details:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate(mrkdwn(card.details), 3000)},
            }
        )
    context = []
    if card.urgency in URGENCIES:  # none when the asker gave none
        context.append(f"{_URGENCY_ICON[card.urgency]} {URGENCIES[card.urgency]}")
    if card.tags:
        context.append(" ".join(f"`#{mrkdwn(tag)}`" for tag in card.tags))
    if card.source_link:
        context.append(f"<{card.source_link}|from this message>")
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(context)}]}
        )
    if card.status == RESOLVED:
        if card.thanked_ids:
            text = f":tada: Helped by {_people(card.thanked_ids)} — thank you!"
        else:
            text = ":tada: Sorted."
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    else:
        if card.helper_ids:
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f":handshake: Helping: {_people(card.helper_ids)}",
                    },
                }
            )
        helping = set(card.helper_ids)  # who offered is on the card as helping already
        still = [s for s in card.suggestions if s.user_id not in helping]
        if still and card.status != STALE:
            names = ", ".join(_suggestion(s) for s in still)
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": f":bulb: Might know about this: {names}"}
                    ],
                }
            )
    if card.status == STALE:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "No one marked this resolved for a while, so I've marked it stale. "
                    f"<@{card.requester_id}>, still stuck? Reopen it.",
                },
            }
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.HELP_ACTIONS_BLOCK,
                "elements": [button("Reopen", ids.HELP_REOPEN_ACTION, card.key)],
            }
        )
    elif card.status != RESOLVED:
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.HELP_ACTIONS_BLOCK,
                "elements": [
                    button("I can help", ids.HELP_OFFER_ACTION, card.key, style="primary"),
                    button("Mark resolved", ids.HELP_RESOLVE_ACTION, card.key),
                ],
            }
        )
    state = {RESOLVED: " (resolved)", STALE: " (stale)"}.get(card.status, "")
    fallback = f"<@{card.requester_id}> asked for help{state}: {mrkdwn(card.question)}"
    return {"text": truncate(fallback, 3000), "blocks": blocks, "unfurl_links": False}


def _urgency_option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": URGENCIES[value]}, "value": value}


def ask_modal(
    *, private_metadata: str, draft: HelpDraft | None = None, choose_channel: bool = False
) -> dict[str, Any]:
    """`/askhelp` with no text, or the shortcut: what, details, urgency, tags; and, opened
    from a DM (an onboarding check-in), the channel to ask in."""
    question: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.HELP_QUESTION_ACTION,
        "multiline": True,
        "max_length": MAX_QUESTION,
        "placeholder": {"type": "plain_text", "text": "What are you stuck on?"},
    }
    if draft and draft.question:
        question["initial_value"] = truncate(draft.question, MAX_QUESTION)
    urgency: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.HELP_URGENCY_ACTION,
        "options": [_urgency_option(v) for v in URGENCIES],
        "placeholder": {"type": "plain_text", "text": "Leave empty if it doesn't matter"},
    }
    if draft and draft.urgency in URGENCIES:
        urgency["initial_option"] = _urgency_option(draft.urgency)
    tags: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.HELP_TAGS_ACTION,
        "max_length": MAX_TAGS_INPUT,
        "placeholder": {"type": "plain_text", "text": "e.g. python, sql, onboarding"},
    }
    if draft and draft.tags:
        shown = list(draft.tags)
        while len(", ".join(shown)) > MAX_TAGS_INPUT:  # Slack refuses a longer initial value
            shown.pop()
        if shown:
            tags["initial_value"] = ", ".join(shown)
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": ids.HELP_QUESTION_BLOCK,
            "label": {"type": "plain_text", "text": "What do you need help with?"},
            "element": question,
        },
        {
            "type": "input",
            "block_id": ids.HELP_DETAILS_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Details"},
            "element": {
                "type": "plain_text_input",
                "action_id": ids.HELP_DETAILS_ACTION,
                "multiline": True,
                "max_length": MAX_DETAILS,
                "placeholder": {
                    "type": "plain_text",
                    "text": "What you've tried, links, error messages…",
                },
            },
        },
        {
            "type": "input",
            "block_id": ids.HELP_URGENCY_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "How soon?"},
            "element": urgency,
        },
        {
            "type": "input",
            "block_id": ids.HELP_TAGS_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Topics"},
            "hint": {
                "type": "plain_text",
                "text": "People who list these topics may be suggested on your request.",
            },
            "element": tags,
        },
    ]
    if choose_channel:
        blocks.insert(
            0,
            {
                "type": "input",
                "block_id": ids.HELP_CHANNEL_BLOCK,
                "label": {"type": "plain_text", "text": "Where should I ask?"},
                "hint": {"type": "plain_text", "text": "A channel I'm in, e.g. your team's."},
                "element": {
                    "type": "conversations_select",
                    "action_id": ids.HELP_CHANNEL_ACTION,
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                },
            },
        )
    if draft and draft.source_link:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"About <{draft.source_link}|this message>"}
                ],
            }
        )
    return {
        "type": "modal",
        "callback_id": ids.HELP_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Ask for help"},
        "submit": {"type": "plain_text", "text": "Ask"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def resolve_modal(*, card: HelpCard, private_metadata: str) -> dict[str, Any]:
    """Who helped (those who offered are already picked) and an optional thank-you note."""
    helpers: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": ids.HELP_HELPERS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Who helped you?"},
        "max_selected_items": MAX_HELPERS,
    }
    if card.helper_ids:
        helpers["initial_users"] = list(card.helper_ids[:MAX_HELPERS])
    return {
        "type": "modal",
        "callback_id": ids.HELP_RESOLVE_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Mark resolved"},
        "submit": {"type": "plain_text", "text": "Close request"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate(
                        f"Glad it's sorted! Your request:\n{quote(card.question)}", 3000
                    ),
                },
            },
            {
                "type": "input",
                "block_id": ids.HELP_HELPERS_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Who helped?"},
                "hint": {
                    "type": "plain_text",
                    "text": "Each person gets a thank-you from you, and I'll offer you a "
                    "private way to send them feedback. Leave it empty if you solved it yourself.",
                },
                "element": helpers,
            },
            {
                "type": "input",
                "block_id": ids.HELP_NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "A thank-you note"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.HELP_NOTE_ACTION,
                    "multiline": True,
                    "max_length": MAX_NOTE,
                    "placeholder": {
                        "type": "plain_text",
                        "text": "What made the difference? It's posted in the thread.",
                    },
                },
            },
        ],
    }


def resolved_thread_message(
    *, requester_id: str, thanked_ids: tuple[str, ...], note: str | None
) -> dict[str, Any]:
    """Posted in the card's thread when the request is resolved."""
    if thanked_ids:
        text = f":tada: Resolved! <@{requester_id}> says thank you to {_people(thanked_ids)}."
    else:
        text = f":tada: <@{requester_id}> marked this resolved."
    if note:
        text += "\n" + quote(note)
    return {
        "text": truncate(text, 3000),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
    }


def offer_thread_message(*, requester_id: str, helper_id: str) -> dict[str, Any]:
    text = f"<@{helper_id}> can help, <@{requester_id}> — pick it up here in the thread."
    return {"text": text}


def not_in_channel_text() -> str:
    return (
        "I can't post in this conversation yet. Help requests go in a channel I'm in: "
        "type `/invite @Reciprocity` in the channel (or add me from its details), then ask "
        "again. Direct messages can't hold a request — ask in a team channel."
    )


def topics_text(topics: list[str], changed: str | None = None) -> str:
    shown = ", ".join(f"`{mrkdwn(t)}`" for t in topics)
    lead = f"{changed} " if changed else ""
    if not topics:
        return lead + (
            "You haven't listed any topics yet. Add what you can help with: "
            "`/reciprocity topics add python sql`."
        )
    return (
        lead + f"Your topics: {shown}. Help requests tagged with these may suggest you "
        "(only in your working hours, and never if you opted out in `/reciprocity settings`)."
    )
