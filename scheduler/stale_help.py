"""The "stale-help" job: requests open longer than HELP_STALE_DAYS are marked stale, and their
cards say so with a Reopen button.

Each request is claimed for (request, when it was opened), so two processes never both update
it; the card is updated before the row, so a failed update is simply tried on a later tick.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks.help_request import help_card
from bot.deps import Deps
from bot.services.claims import claim, complete, release
from bot.services.help import mark_stale, stale_card, stale_due

log = logging.getLogger(__name__)

JOB = "stale-help"
_GONE = {"message_not_found", "channel_not_found", "is_archived", "not_in_channel"}


def stale_help(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
    stale_after = timedelta(days=deps.settings.help_stale_days)
    with deps.sessions.begin() as session:
        due = stale_due(session=session, now=now, stale_after=stale_after, channel_id=channel)
    marked = failed = 0
    for team_id, key, claim_key in due:
        if not claim(sessions=deps.sessions, team_id=team_id, job=JOB, key=claim_key, now=now):
            continue
        with deps.sessions.begin() as session:
            card = stale_card(session=session, team_id=team_id, key=key)
        if card is not None and card.message_ts:
            message = help_card(card)
            try:
                deps.client.chat_update(
                    channel=card.channel_id,
                    ts=card.message_ts,
                    text=message["text"],
                    blocks=message["blocks"],
                )
            except SlackApiError as exc:
                if exc.response.get("error") not in _GONE:
                    log.warning(
                        "stale help card not updated (%s); retrying later",
                        exc.response.get("error"),
                    )
                    release(sessions=deps.sessions, job=JOB, key=claim_key)
                    failed += 1
                    continue
        with deps.sessions.begin() as session:
            if mark_stale(session=session, team_id=team_id, key=key, now=now):
                marked += 1
        complete(sessions=deps.sessions, job=JOB, key=claim_key, now=now)
    summary = f"stale-help: {marked} request(s) marked stale"
    return summary + (f", {failed} to retry" if failed else "")
