"""Block Kit for channel enrolment and `/reciprocity channel`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.usage import emoji_list

_LABELS = {
    "digest": "Weekly digest",
    "prompt": "Share-and-solve prompt",
    "kudos": "Kudos from this channel",
    "timezone": "Time zone",
    "leaderboard": "Leaderboard in the digest",
    "quiet-week": "A line in quiet weeks",
}


def welcome_message(
    settings: dict[str, str], *, emoji: str | Sequence[str] = ("pray",)
) -> dict[str, Any]:
    """What the bot says when it is added to a channel: what it does, how to change it; it
    names the workspace's own thanks emoji."""
    reactions = emoji_list([emoji] if isinstance(emoji, str) else list(emoji))
    off = settings["prompt"] == "off"
    prompt_hint = " (`/reciprocity channel prompt on` starts it)" if off else ""
    text = (
        ":wave: Hi! I'm Reciprocity. I help this channel notice the help, kudos and thanks "
        "that flow here.\n"
        f"• Every week I'll post a short digest that celebrates it ({settings['digest']}, "
        f"{settings['timezone']}); no rankings.\n"
        f"• The weekly share-and-solve prompt is {settings['prompt']}{prompt_hint}.\n"
        "• Give kudos with `/kudos @name &lt;why&gt;`, ask for help with `/askhelp`, "
        f"or react with {reactions} to thank someone.\n"
        "Workspace admins can change this with `/reciprocity channel` "
        "(`/reciprocity channel show` lists the settings for everyone)."
    )
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def settings_text(channel_id: str, settings: dict[str, str], *, can_change: bool) -> str:
    """`/reciprocity channel show`."""
    lines = [f"*Reciprocity in <#{channel_id}>*"]
    lines += [f"• {_LABELS[key]}: {value}" for key, value in settings.items()]
    if not can_change:
        lines.append("_Workspace admins and the people they list can change these._")
    return "\n".join(lines)


def changed_text(channel_id: str, setting: str, settings: dict[str, str]) -> str:
    return f"Done — {_LABELS[setting].lower()} in <#{channel_id}>: {settings[setting]}."


def not_allowed_text() -> str:
    return (
        "Sorry, only workspace admins and the people they list can change this channel's "
        "settings. `/reciprocity channel show` shows them to everyone."
    )


def not_here_text(channel_id: str) -> str:
    """`/reciprocity channel …` where the bot isn't a member: it can't post there."""
    return (
        f"I'm not in <#{channel_id}> yet, so there's no weekly digest or prompt here. "
        "Invite me with `/invite @Reciprocity` and I'll start a digest (Fridays at 15:00); "
        "then `/reciprocity channel` can change it."
    )
