"""Block Kit for channel enrolment and `/reciprocity channel`."""

from __future__ import annotations

from typing import Any

_LABELS = {
    "digest": "Weekly digest",
    "prompt": "Share-and-solve prompt",
    "kudos": "Kudos from this channel",
    "timezone": "Time zone",
    "leaderboard": "Leaderboard in the digest",
    "quiet-week": "A line in quiet weeks",
}


def welcome_message(settings: dict[str, str]) -> dict[str, Any]:
    """What the bot says when it is added to a channel."""
    text = (
        ":wave: Hi! I'm Reciprocity. I help this channel notice the help, kudos and thanks "
        "that flow here.\n"
        f"• Every week I'll post a short digest that celebrates it ({settings['digest']}, "
        f"{settings['timezone']}); no rankings.\n"
        "• Give kudos with `/kudos @name why`, ask for help with `/askhelp`, "
        "or react with :pray: to thank someone.\n"
        "Admins can change this with `/reciprocity channel` (`show` lists the settings)."
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
