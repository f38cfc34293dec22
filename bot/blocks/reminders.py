"""Block Kit for the reminders the bot sends on its own (help requests; the others live with
their features: bot/blocks/feedback.py::reminder_dm, bot/blocks/mentoring.py::quiet_pair_nudge)."""

from __future__ import annotations

from typing import Any

from bot.text import mrkdwn, quote, truncate


def _where(channel_id: str, link: str | None) -> str:
    return f"<{link}|in <#{channel_id}>>" if link else f"in <#{channel_id}>"


def help_surface_dm(
    *, requester_id: str, channel_id: str, question: str, tags: list[str], link: str | None
) -> dict[str, Any]:
    """To a likely helper: a request nobody has picked up yet, matching their topics."""
    topics = ", ".join(f"#{mrkdwn(t)}" for t in tags[:5])
    text = (
        f":wave: <@{requester_id}> asked for help {_where(channel_id, link)} a few hours ago "
        f"and nobody has picked it up yet. It matches your topics ({topics}):\n"
        f"{quote(truncate(question, 500))}\n"
        "If you can spare a moment, press *I can help* on the request. If not, no worries."
    )
    return {
        "text": f"<@{requester_id}> could use your help with: {mrkdwn(truncate(question, 200))}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
        "unfurl_links": False,
    }


def help_resolve_dm(
    *, channel_id: str, question: str, helper_ids: list[str], link: str | None
) -> dict[str, Any]:
    """To a requester who got offers: close the loop and thank the people who helped."""
    helpers = ", ".join(f"<@{uid}>" for uid in helper_ids[:10]) or "people"
    text = (
        f":sparkles: {helpers} offered to help with your request {_where(channel_id, link)}:\n"
        f"{quote(truncate(question, 500))}\n"
        "If it's sorted, press *Resolved* on the request and pick who helped — they'll get "
        "your thanks. Still open? Nothing to do; I won't ask again."
    )
    return {
        "text": f"Did your request get sorted? {helpers} offered to help.",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
        "unfurl_links": False,
    }
