"""User text in and out of Slack: clean what arrives, escape what we send."""

from __future__ import annotations

import re
import unicodedata

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL_MENTION = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SAFE_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")


def clean(text: str) -> str:
    """Drop control and invisible format characters (NUL breaks PostgreSQL), keep newlines."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if char in "\n\t" or category not in ("Cc", "Cs", "Co"):
            kept.append(char)
    return "".join(kept).strip()


def from_slack(text: str) -> str:
    """Turn Slack-escaped command text into plain text, keeping user mentions as `<@U…>`.

    Channel names become `#name`, links their URL, and `@here`/`@channel` plain words, so a
    kudos or a help request can never ping a whole channel.
    """
    text = USER_MENTION.sub(lambda m: f"<@{m.group(1)}>", text)
    text = CHANNEL_MENTION.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = SPECIAL_MENTION.sub(lambda m: f"@{m.group(2) or m.group(1)}".replace("@@", "@"), text)
    text = LINK.sub(lambda m: m.group(1), text)
    text = text.replace("&lt;", "\u2039").replace("&gt;", "\u203a").replace("&amp;", "&")
    return clean(text)


def mrkdwn(text: str) -> str:
    """Escape plain text for mrkdwn, letting user mentions (`<@U…>`) through."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SAFE_MENTION.sub(lambda m: f"<@{m.group(1)}>", escaped)


def quote(text: str) -> str:
    """A block quote in mrkdwn, every line quoted."""
    return "\n".join("> " + line for line in mrkdwn(text).splitlines() or [""])


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def join_people(user_ids: list[str]) -> str:
    """`<@A>`, `<@A> and <@B>`, `<@A>, <@B> and <@C>`."""
    mentions = [f"<@{uid}>" for uid in user_ids]
    if len(mentions) <= 1:
        return "".join(mentions)
    return ", ".join(mentions[:-1]) + " and " + mentions[-1]
