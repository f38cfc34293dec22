"""Posted once: every message the bot posts from queued or scheduled work goes out under a
key, so that running the work again (a retry, or a takeover after its worker died) never
posts it twice.

The key is recorded with the posted `ts` in `posted_messages`. A run that may follow one that
died between Slack's answer and that record (a retry or a takeover, `bot.work`) first looks
for the key in the channel's history since the work began — Slack's message `metadata`
carries it — where the bot's scopes allow (channels; a DM's history would need wider scopes,
so there the window is only the moment between Slack's answer and our commit).

So in a channel, a post from queued work is recorded in the transaction that completes the
item (`bot.work.Work.finishing`, handlers/queue.py), costing no commit of its own; a DM's is
recorded at once, keeping its window as small as it can be.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.services import work as work_queue
from bot.slack_api import error_of
from bot.work import current

log = logging.getLogger(__name__)

EVENT_TYPE = "reciprocity_post"
HISTORY_PAGE = 200  # Slack's recommended page size for conversations.history
HISTORY_PAGES = 25  # 5,000 messages since the work began: far more than a lease's worth


def post_once(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    key: str,
    channel: str,
    message: dict[str, Any],
    and_record: Callable[[Session, str, str], None] | None = None,
    unposted: bool = False,
    **options: Any,
) -> tuple[str, str]:
    """Post `message` to `channel` unless it went out under `key` before; (channel, ts) of
    the one post. Slack errors propagate (the caller's work is retried, or gives up).
    `and_record(session, channel, ts)`: the caller's own note of the post (a card's ts),
    written in the transaction that records it, so it costs no commit of its own.
    `unposted`: the caller has just committed, for the first time, what the post is about
    (a kudos' rows), so no run can have posted it yet: nothing to look for."""
    key = key[:200]
    work = current()
    if work is not None and work.finishing is not None and key in work.finishing.posts:
        return work.finishing.posts[key]  # posted earlier in this run, noted with its finish
    if not unposted:
        with deps.sessions() as session:
            posted = work_queue.find_post(session, key)
            if posted is not None:
                return posted
        if work is not None and not work.first_run:
            found = find_posted(client, channel, key, since=work.since)
            if found is not None:
                record(deps, team_id=team_id, key=key, channel=channel, ts=found, also=and_record)
                return channel, found
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": key}}
    answer = client.chat_postMessage(channel=channel, metadata=metadata, **message, **options)
    where, ts = str(answer["channel"]), str(answer["ts"])
    if work is not None and work.finishing is not None and has_history(where):
        # A takeover finds this post in the channel's history: record it with the item.
        work.finishing.posts[key] = (where, ts)
        work.finishing.writes.append(
            partial(
                _record,
                team_id=team_id,
                key=key,
                channel=where,
                ts=ts,
                now=deps.clock(),
                also=and_record,
            )
        )
    else:
        record(deps, team_id=team_id, key=key, channel=where, ts=ts, also=and_record)
    return where, ts


def has_history(channel: str) -> bool:
    """Whether the bot may read the conversation's history (channels, not DMs)."""
    return channel.startswith(("C", "G"))


def record(
    deps: Deps,
    *,
    team_id: str,
    key: str,
    channel: str,
    ts: str,
    also: Callable[[Session, str, str], None] | None = None,
) -> None:
    with deps.sessions.begin() as session:
        _record(
            session, team_id=team_id, key=key, channel=channel, ts=ts, now=deps.clock(), also=also
        )


def _record(
    session: Session,
    *,
    team_id: str,
    key: str,
    channel: str,
    ts: str,
    now: datetime,
    also: Callable[[Session, str, str], None] | None,
) -> None:
    if also is not None:
        also(session, channel, ts)
    work_queue.remember_post(session, key=key, team_id=team_id, channel=channel, ts=ts, now=now)


def find_posted(
    client: WebClient, channel: str, key: str, *, since: datetime | None = None
) -> str | None:
    """The ts of the bot's message carrying `key` in the channel since the work began, if
    any: page by page, newest first."""
    if not has_history(channel):
        return None  # DMs: no history scope (see the module's docstring)
    oldest = f"{since.timestamp() - 60:.6f}" if since is not None else None
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        try:
            history = client.conversations_history(
                channel=channel,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                oldest=oldest,
                cursor=cursor,
            )
        except SlackApiError as exc:
            log.info("could not look for an earlier post: %s", error_of(exc))
            return None
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                return str(message.get("ts"))
        cursor = (history.get("response_metadata") or {}).get("next_cursor") or None
        if not history.get("has_more") or not cursor:
            return None
    log.warning("gave up looking for an earlier post after %s pages", HISTORY_PAGES)
    return None
