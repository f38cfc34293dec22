"""Block Kit for the weekly digest and the share-and-solve prompt."""

from __future__ import annotations

from typing import Any

from bot.services.digest import DigestData, Section
from bot.text import USER_MENTION, from_slack, join_people, mrkdwn, quote, truncate

MAX_BLOCKS = 50
SECTION_CHARS = 3000
REASON_CHARS = 300
LEADERBOARD_TITLE = "Thanked most often this week"
_FALLBACK_LABELS = {"kudos": "kudos", "help": "help requests", "thanks": "thank-yous"}
TITLES = {
    "kudos": ":sparkles: *Kudos*",
    "help": ":handshake: *Help*",
    "share": ":bulb: *Share and solve*",
    "thanks": ":pray: *Thanks*",
    "mentoring": ":seedling: *Mentoring*",
}


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def section_summary(section: Section) -> str:
    """The line under a section's title."""
    if section.key == "kudos":
        return f"{_plural(section.items, 'kudos post')} this week."
    if section.key == "help":
        parts = []
        if section.resolved_count:
            parts.append(_plural(section.resolved_count, "request") + " resolved")
        if section.open_count:
            parts.append(f"{_plural(section.open_count, 'request')} could use a hand")
        return "; ".join(parts) + "." if parts else ""
    if section.key == "share":
        return f"{_plural(section.shared, 'challenge')} shared, {section.answered} answered."
    if section.key == "thanks":
        return f"{_plural(section.items, 'thank-you')} for messages here this week."
    if section.key == "mentoring":
        started = []
        if section.pairs:
            started.append(_plural(section.pairs, "new mentoring pair"))
        if section.circles:
            started.append(_plural(section.circles, "new peer circle"))
        return " and ".join(started) + " started this week. Welcome aboard!"
    return ""


def section_lines(section: Section, texts: dict[str, str] | None = None) -> list[str]:
    """The section's stories, one mrkdwn line each (people as `<@U…>`, user text escaped);
    `texts`: the thanked messages' text, where the bot knows it."""
    lines: list[str] = []
    for thanked in section.thanked:
        text = (texts or {}).get(thanked.message_ts, "")
        said = mrkdwn(truncate(" ".join(from_slack(text).split()), 150)).replace("*", "\u2217")
        what = f" for *{said}*" if said else " for a message"
        lines.append(f":pray: <@{thanked.receiver_id}> was thanked {_times(thanked.count)}{what}")
    for story in section.stories:
        tag = f"  _#{mrkdwn(story.value)}_" if story.value else ""
        reason = quote(truncate(story.reason, REASON_CHARS))
        lines.append(
            f"{join_people(list(story.receiver_ids))}, from <@{story.giver_id}>{tag}\n{reason}"
        )
    for help in section.resolved:
        by = f" — helped by {join_people(list(help.helper_ids))}" if help.helper_ids else ""
        question = mrkdwn(truncate(help.question, 150))
        lines.append(f":white_check_mark: <@{help.requester_id}>: “{question}”{by}")
    for asked in section.still_open:
        text = mrkdwn(truncate(asked.question, 150))
        if asked.link:
            text = f"<{asked.link}|{text}>"
        lines.append(f":raising_hand: Still open, from <@{asked.requester_id}>: {text}")
    if section.more_open:
        lines.append("…and more open requests in the channel — maybe you can help?")
    return lines


def unmention(text: str, plain_names: dict[str, str]) -> str:
    """Replace mentions of people who are not to be pinged with their names (or "a teammate")."""
    if not plain_names:
        return text
    return USER_MENTION.sub(
        lambda m: mrkdwn(plain_names[m.group(1)]) if m.group(1) in plain_names else m.group(0),
        text,
    )


def _section_blocks(
    section: Section, plain_names: dict[str, str], texts: dict[str, str]
) -> list[dict[str, Any]]:
    """The section's title, summary and lines as section blocks of at most 3,000 characters."""
    summary = section_summary(section)
    head = TITLES.get(section.key, "") + (f"\n{summary}" if summary else "")
    lines = [unmention(line, plain_names) for line in section_lines(section, texts)]
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
        blocks.extend(_section_blocks(section, data.plain_names, data.message_texts))
    if data.leaderboard:
        names = " · ".join(
            unmention(f"<@{uid}> ({n})", data.plain_names) for uid, n in data.leaderboard
        )
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f":trophy: *{LEADERBOARD_TITLE}*\n{names}"},
            }
        )
    people = data.participants
    footer = (
        f":busts_in_silhouette: {people} {'person' if people == 1 else 'different people'} "
        "gave or received this week. Thank you all!"
        if people
        else ":seedling: Thank you all for a good week together!"
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
    took_part = f" {people} {'person' if people == 1 else 'people'} took part." if people else ""
    fallback = f"This week in <#{channel}>: {summary or 'a good week'}.{took_part}"
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
