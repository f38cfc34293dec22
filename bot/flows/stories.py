"""Stories worth retelling: nominating one (asking everyone in it, through the gate), their
answers, and the monthly post of the agreed ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.blocks.stories import GONE_TEXT, consent_dm, monthly_post
from bot.deps import Deps
from bot.flows.nudges import deliver_nudge
from bot.flows.outbox import post_once
from bot.services import stories as service
from bot.services.gate import Kind, mention
from bot.services.preferences import load_preferences
from bot.slack_api import permalink, update_message
from bot.text import USER_MENTION, from_slack
from bot.work import stable_id
from models.work import PostedMessage

ASK_EXPIRES = timedelta(days=14)


def nominate_story(
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    sharer_id: str,
    channel_id: str,
    message: dict[str, Any],
    why: str,
) -> service.Nominated:
    """Record the story and ask each person in it (not bots, not the sharer) privately."""
    now = deps.clock()
    text = from_slack(str(message.get("text") or ""))
    author = message.get("user") if not message.get("bot_id") else None
    named: list[str] = []
    for uid in service.people_named(author_id=author, text=text):
        person = deps.directory.get(client, team_id, uid)
        if person is not None and not person.is_bot and not person.deleted:
            named.append(uid)
    ts = str(message.get("ts") or "")
    with deps.sessions.begin() as session:
        nominated = service.nominate(
            session=session,
            team_id=team_id,
            key=stable_id("story"),
            sharer_id=sharer_id,
            author_id=author if author in named else None,
            channel_id=channel_id,
            message_ts=ts,
            link=None,
            message_text=text,
            why=why,
            named=named,
            now=now,
        )
    if nominated.created:
        link = permalink(client, channel_id, ts)
        if link:
            with deps.sessions.begin() as session:
                service.set_link(session=session, story_id=nominated.story_id, link=link)
    ask = consent_dm(key=nominated.key, sharer_id=sharer_id, text=text, why=why)
    for uid in nominated.asked:
        deliver_nudge(
            deps,
            client,
            team_id=team_id,
            user_id=uid,
            kind=Kind.PROMPT,
            key=service.nudge_key(nominated.key),
            message=ask,
            now=now,
            expires_at=now + ASK_EXPIRES,
        )
    return nominated


def withdraw_asks(deps: Deps, client: WebClient, nudge_ids: Sequence[int]) -> None:
    """Take a refused story's text out of the asks already delivered (nobody is told why)."""
    for nudge_id in nudge_ids:
        with deps.sessions() as session:
            posted = session.get(PostedMessage, f"nudge:{nudge_id}")
            where = (posted.channel_id, posted.ts) if posted is not None else None
        if where is not None:
            update_message(client, where[0], where[1], {"text": GONE_TEXT, "blocks": []})


def post_month(
    deps: Deps, client: WebClient, *, team_id: str, channel_id: str, due: service.MonthDue
) -> bool:
    """The month before's agreed stories in the channel, once; False when there were none."""
    with deps.sessions() as session:
        stories = service.stories_between(
            session=session, team_id=team_id, start=due.start, end=due.end
        )
        if not stories:
            return False
        people = sorted({uid for s in stories for uid in (*s.people, *_mentions(s.why))})
        prefs = load_preferences(session=session, team_id=team_id, user_ids=people)
    shown: dict[str, str] = {}
    for uid in people:
        person = deps.directory.get(client, team_id, uid)
        label = person.label if person is not None and person.label != uid else ""
        rendering = mention(prefs[uid], uid, label)
        shown[uid] = rendering or ""  # "" (opted out, or no name known): "a teammate"
    post_once(
        deps,
        client,
        team_id=team_id,
        key=f"stories:{team_id}:{channel_id}:{due.period}",
        channel=channel_id,
        message=monthly_post(stories, shown, due.stories_month),
    )
    return True


def _mentions(text: str) -> list[str]:
    return [m.group(1) for m in USER_MENTION.finditer(text)]
