"""Block Kit for the weekly digest and the share-and-solve prompt."""

from __future__ import annotations

from typing import Any

from bot.services.digest import DigestData, Section, unmention
from bot.text import truncate

MAX_BLOCKS = 50
SECTION_CHARS = 3000
_FALLBACK_LABELS = {"kudos": "kudos", "help": "help requests", "thanks": "thank-yous"}


def _section_blocks(section: Section, plain_names: dict[str, str]) -> list[dict[str, Any]]:
    """The section's title, summary and lines as section blocks of at most 3,000 characters."""
    head = section.title + (f"\n{section.summary}" if section.summary else "")
    lines = [unmention(line, plain_names) for line in section.lines]
    if section.more:
        lines.append(f"…and {section.more} more.")
    chunks: list[str] = []
    current = head
    for line in lines:
        line = truncate(line, SECTION_CHARS - 2)
        if len(current) + 2 + len(line) > SECTION_CHARS:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n\n{line}" if current else line
    chunks.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]


def digest_message(data: DigestData) -> dict[str, Any]:
    """The weekly digest: a header, one part per section, the week's participation."""
    channel = data.window.channel_id
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "This week, together"}}
    ]
    for section in data.sections:
        blocks.append({"type": "divider"})
        blocks.extend(_section_blocks(section, data.plain_names))
    if data.leaderboard:
        names = " · ".join(
            unmention(f"<@{uid}> ({n})", data.plain_names) for uid, n in data.leaderboard
        )
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f":trophy: *Most appreciated*\n{names}"},
            }
        )
    people = data.participants
    footer = (
        f":busts_in_silhouette: {people} {'person' if people == 1 else 'different people'} "
        "gave or received this week. Thank you all!"
    )
    if len(blocks) >= MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 2]
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "…more than fits here — a big week!"}],
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    summary = ", ".join(
        f"{s.items} {_FALLBACK_LABELS[s.key]}" for s in data.sections if s.key in _FALLBACK_LABELS
    )
    fallback = f"This week in <#{channel}>: {summary or 'a good week'}. {people} people took part."
    return {"text": fallback, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def empty_week_message() -> dict[str, Any]:
    """The one gentle line for a quiet week (only where the channel turned it on)."""
    text = (
        ":seedling: A quiet week here. Know someone who made a difference? "
        "`/kudos @name what they did` — be the first this week."
    )
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def share_prompt_message() -> dict[str, Any]:
    """The weekly share-and-solve prompt; its thread is where challenges go."""
    text = (
        ":bulb: *Share and solve* — what are you stuck on this week?\n"
        "Reply in this thread with one current challenge, big or small. "
        "If you can help with someone's, reply in the thread and mention them."
    )
    return {
        "text": "Share and solve: what are you stuck on this week? Reply in the thread.",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
