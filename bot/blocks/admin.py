"""What `/reciprocity admin …` answers: workspace settings, for the people who may change them."""

from __future__ import annotations

from models import Workspace

NOT_ALLOWED = (
    "Only workspace admins and owners, and the people they list, can see or change "
    "Reciprocity's workspace settings."
)


def values_text(values: list[str]) -> str:
    if not values:
        return "Values cleared: any `#word` can tag a kudos."
    return "Kudos values are now " + ", ".join(f"`#{v}`" for v in values) + "."


def budget_text(budget: int) -> str:
    return f"Everyone can now give {budget} kudos a day."


def emoji_text(names: list[str]) -> str:
    return "Thanks emoji are now " + " ".join(f":{n}:" for n in names) + "."


def no_custom_emoji_text(names: list[str]) -> str:
    """The app was installed without `emoji:read`, so custom emoji can't be checked."""
    listed = ", ".join(f"`{n}`" for n in names)
    return (
        f"{listed} {'is' if len(names) == 1 else 'are'} not standard emoji, and I can't check "
        "this workspace's custom emoji: Reciprocity doesn't have the `emoji:read` permission. "
        "Ask whoever installed it to reinstall it from its manifest (which asks for it), or "
        "pick standard emoji like `pray` or `clap`. Nothing changed."
    )


def admin_added_text(user_id: str, changed: bool) -> str:
    if changed:
        return f"<@{user_id}> can now change Reciprocity's settings."
    return f"<@{user_id}> could already change settings."


def admin_removed_text(user_id: str, changed: bool) -> str:
    return (
        f"<@{user_id}> is no longer on the list."
        if changed
        else f"<@{user_id}> wasn't on the list."
    )


def settings_text(workspace: Workspace) -> str:
    values = ", ".join(f"`#{v}`" for v in workspace.kudos_values) or "any `#word`"
    admins = (
        ", ".join(f"<@{u}>" for u in workspace.admin_user_ids) or "only Slack admins and owners"
    )
    return "\n".join(
        [
            "*Reciprocity settings for this workspace*",
            f"• Daily kudos budget: {workspace.kudos_daily_budget} per person",
            f"• Kudos values: {values}",
            "• Thanks emoji: " + " ".join(f":{e}:" for e in workspace.thanks_emoji),
            f"• Can change settings: {admins}",
        ]
    )
