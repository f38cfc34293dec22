"""Block Kit for the reminders the bot sends on its own (help requests; the others live with
their features: bot/blocks/feedback.py::reminder_dm, bot/blocks/mentoring.py::quiet_pair_nudge).

A link is `<url|label>` with the label escaped and never holding another control sequence
(Slack does not render a `<#C…>` inside a link's label): the channel is named beside it."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.blocks.kit import button, section
from bot.text import mrkdwn, quote, truncate


def labelled_link(url: str | None, label: str) -> str:
    """`<url|label>`, the label escaped; just the label when there is no URL."""
    shown = mrkdwn(label).replace("|", "¦")
    if not url:
        return shown
    return f"<{url.replace('>', '%3E').replace('|', '%7C')}|{shown}>"


def _where(channel_id: str, url: str | None) -> str:
    where = f"in <#{channel_id}>"
    return f"{where} ({labelled_link(url, 'open the request')})" if url else where


def open_button(url: str | None) -> list[dict[str, Any]]:
    """**Open the request**, a URL button (none without a link)."""
    if not url:
        return []
    return [
        {
            "type": "button",
            "action_id": ids.HELP_REMINDER_OPEN_ACTION,
            "text": {"type": "plain_text", "text": "Open the request"},
            "url": url[:3000],
        }
    ]


def help_surface_dm(
    *,
    request_key: str,
    requester_id: str,
    channel_id: str,
    question: str,
    tags: list[str],
    link: str | None,
) -> dict[str, Any]:
    """To a likely helper: a request nobody has picked up yet, matching their topics; with
    **I can help**, **Open the request** and **Not this time**."""
    topics = ", ".join(f"#{mrkdwn(t)}" for t in tags[:5])
    text = (
        f":wave: <@{requester_id}> asked for help {_where(channel_id, link)} a few hours ago "
        f"and nobody has picked it up yet. It matches your topics ({topics}):\n"
        f"{quote(truncate(question, 500))}\n"
        "If you can spare a moment, press *I can help*. If not, no worries."
    )
    return {
        "text": f"<@{requester_id}> could use your help with: {mrkdwn(truncate(question, 200))}",
        "blocks": [
            section(text),
            {
                "type": "actions",
                "block_id": ids.HELP_REMINDER_ACTIONS_BLOCK,
                "elements": [
                    button("I can help", ids.HELP_REMINDER_OFFER_ACTION, request_key, "primary"),
                    *open_button(link),
                    button("Not this time", ids.HELP_REMINDER_DECLINE_ACTION, request_key),
                ],
            },
        ],
        "unfurl_links": False,
    }


def help_surface_answered_dm(
    *, requester_id: str, channel_id: str, link: str | None, helping: bool
) -> dict[str, Any]:
    """The reminder once its helper answered it: its buttons go, what happened stays."""
    if helping:
        text = (
            f":handshake: Thank you! You're on <@{requester_id}>'s request as helping "
            f"{_where(channel_id, link)} — the thread is the place to get going."
        )
    else:
        text = (
            f"No problem — I won't remind you about <@{requester_id}>'s request "
            f"{_where(channel_id, link)} again."
        )
    blocks: list[dict[str, Any]] = [section(text)]
    if helping and link:
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.HELP_REMINDER_ACTIONS_BLOCK,
                "elements": open_button(link),
            }
        )
    return {"text": truncate(text, 3000), "blocks": blocks, "unfurl_links": False}


def help_resolve_dm(
    *, channel_id: str, question: str, helper_ids: list[str], link: str | None
) -> dict[str, Any]:
    """To a requester who got offers: close the loop and thank the people who helped."""
    helpers = ", ".join(f"<@{uid}>" for uid in helper_ids[:10]) or "people"
    text = (
        f":sparkles: {helpers} offered to help with your request {_where(channel_id, link)}:\n"
        f"{quote(truncate(question, 500))}\n"
        "If it's sorted, press *Mark resolved* on the request and pick who helped — they'll "
        "get your thanks. Still open? Nothing to do; I won't ask again."
    )
    blocks: list[dict[str, Any]] = [section(text)]
    if link:
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.HELP_REMINDER_ACTIONS_BLOCK,
                "elements": open_button(link),
            }
        )
    return {
        "text": f"Did your request get sorted? {helpers} offered to help.",
        "blocks": blocks,
        "unfurl_links": False,
    }
