"""Block Kit for stories worth retelling: the nomination form, the private ask to each person
in the story, and the monthly post."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot import ids
from bot.blocks.digest import unmention
from bot.blocks.kit import button, section
from bot.services.stories import MAX_WHY, AgreedStory
from bot.text import USER_MENTION, mrkdwn, quote, truncate

MAX_SHOWN = 600  # of the message's text, in a DM or the post
TEAMMATE = "a teammate"


def story_modal(*, private_metadata: str, preview: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.STORY_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Share this story"},
        "submit": {"type": "plain_text", "text": "Ask them"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(quote(truncate(preview, MAX_SHOWN)) if preview else "_(a message)_"),
            {
                "type": "input",
                "block_id": ids.STORY_WHY_BLOCK,
                "label": {"type": "plain_text", "text": "Why did it matter?"},
                "hint": {
                    "type": "plain_text",
                    "text": "One or two sentences. Everyone in the story is asked privately "
                    "first; it is retold only if they all agree.",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.STORY_WHY_ACTION,
                    "multiline": True,
                    "max_length": MAX_WHY,
                },
            },
        ],
    }


def nominated_text(asked: int) -> str:
    if asked == 0:
        return "Thank you — the story will be in next month's stories post ✓"
    people = "the person" if asked == 1 else f"the {asked} people"
    return (
        f"Thank you — I'm asking {people} in it privately. It will be retold only if "
        "everyone agrees."
    )


def consent_dm(*, key: str, sharer_id: str, text: str, why: str) -> dict[str, Any]:
    """The private ask: may this moment be retold? Nobody hears about a "Rather not"."""
    intro = (
        f"<@{sharer_id}> would like to retell a moment you're part of in this workspace's "
        "monthly stories post:"
    )
    blocks = [
        section(intro),
        section(quote(truncate(text, MAX_SHOWN)) if text else "_(a message)_"),
        section(f"*Why it mattered to them*\n{quote(truncate(why, MAX_WHY))}"),
        {
            "type": "actions",
            "block_id": ids.STORY_CONSENT_BLOCK,
            "elements": [
                button("Yes, share it", ids.STORY_YES_ACTION, key, style="primary"),
                button("Rather not", ids.STORY_NO_ACTION, key),
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "If you'd rather not, it isn't shared, and nobody is told.",
                }
            ],
        },
    ]
    return {"text": f"May a story you're in be retold? (asked by <@{sharer_id}>)", "blocks": blocks}


def agreed_text(all_agreed: bool) -> str:
    if all_agreed:
        return "Thank you — everyone agreed, so it will be in next month's stories post ✓"
    return "Thank you ✓ It will be retold once everyone in it has agreed."


REFUSED_TEXT = "Understood — it won't be shared, and nobody will be told. ✓"
GONE_TEXT = "This story isn't being collected any more — nothing more to do."


def monthly_post(
    stories: Sequence[AgreedStory], shown: Mapping[str, str], month: str
) -> dict[str, Any]:
    """The month's stories, newest first; each person as `shown` says (`<@U…>` only for those
    who allow a ping, else their plain name, else "a teammate"; anyone missing is a teammate)."""

    def person(uid: str) -> str:
        return mrkdwn(shown.get(uid) or TEAMMATE)

    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Stories worth retelling — {month}"},
        },
        section("Moments of help and thanks from last month, retold with everyone's blessing."),
    ]
    for story in stories:
        credited = ", ".join(person(uid) for uid in story.people)
        names = {uid: shown.get(uid) or TEAMMATE for uid in mentioned_in(story)}
        names |= {
            m.group(1): shown.get(m.group(1)) or TEAMMATE for m in USER_MENTION.finditer(story.why)
        }
        body = unmention(quote(truncate(story.message_text, MAX_SHOWN)), names)
        why = unmention(quote(truncate(story.why, MAX_WHY)), names)
        link = f" · <{story.link}|the original>" if story.link else ""
        blocks.append({"type": "divider"})
        blocks.append(section(f"{body}\n*Why it mattered*\n{why}"))
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": truncate(f"With {credited or TEAMMATE}{link}", 3000),
                    }
                ],
            }
        )
    text = f"Stories worth retelling — {month}: {len(stories)} from last month."
    return {"text": text, "blocks": blocks[:50]}


def mentioned_in(story: AgreedStory) -> list[str]:
    return [m.group(1) for m in USER_MENTION.finditer(story.message_text)]


def channel_set_text(channel_id: str | None) -> str:
    if channel_id is None:
        return "The monthly stories post is off."
    return (
        f"Agreed stories will be posted in <#{channel_id}> on the first working day of each "
        "month, at 10:00 in that channel's time zone ✓ (add me to the channel if I'm not in it)."
    )
