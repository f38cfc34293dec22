"""Stories worth retelling: nominated on a message, kept only when everyone named in it agreed.

A story names the message's author and the people mentioned in it (never bots); the person who
nominated it agrees by nominating. Each other person is asked privately; a "yes" from the last
of them makes the story `agreed`. A "Rather not" deletes the story, its consents and the
waiting asks — nothing of it is kept, and nobody is told. The monthly job posts the agreed
stories of the month before, in the channel an admin chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services import nudges as nudge_records
from bot.services.due import local_moment
from bot.services.people import zone
from bot.services.workspace_data import installed
from bot.text import USER_MENTION, clean
from models.nudges import Nudge
from models.stories import Story, StoryChannel, StoryConsent

PENDING, AGREED = "pending", "agreed"
ASKED, YES = "asked", "yes"
MAX_WHY = 500
MAX_TEXT = 4000
MONTHLY_MAX = 5
POST_MINUTE = 10 * 60
NUDGE_PREFIX = "story:"


def nudge_key(story_key: str) -> str:
    return f"{NUDGE_PREFIX}{story_key}"


def people_named(*, author_id: str | None, text: str) -> list[str]:
    """The author first, then everyone mentioned, each once."""
    named = [author_id] if author_id else []
    named += [m.group(1) for m in USER_MENTION.finditer(text or "")]
    return list(dict.fromkeys(named))


def check_why(why: str) -> str:
    why = clean(why)
    if not why:
        raise DomainError("Say in a sentence or two why it mattered.", field="why")
    if len(why) > MAX_WHY:
        raise DomainError(
            f"That's {len(why):,} characters; one or two sentences (under {MAX_WHY}) is plenty.",
            field="why",
        )
    return why


@dataclass(frozen=True)
class Nominated:
    story_id: int
    key: str
    status: str
    asked: tuple[str, ...]  # whom to ask (everyone named, but the sharer)
    created: bool


def nominate(
    *,
    session: Session,
    team_id: str,
    key: str,
    sharer_id: str,
    author_id: str | None,
    channel_id: str,
    message_ts: str,
    link: str | None,
    message_text: str,
    why: str,
    named: Sequence[str],
    now: datetime,
) -> Nominated:
    """Record the story (once per `key`) and whom to ask; agreed at once if nobody else is in it."""
    existing = session.scalar(select(Story).where(Story.key == key, Story.team_id == team_id))
    if existing is not None:
        asked = session.scalars(
            select(StoryConsent.user_id).where(StoryConsent.story_id == existing.id)
        ).all()
        return Nominated(existing.id, key, existing.status, tuple(asked), created=False)
    asked = tuple(uid for uid in dict.fromkeys(named) if uid != sharer_id)
    story = Story(
        key=key,
        team_id=team_id,
        sharer_id=sharer_id,
        author_id=author_id,
        channel_id=channel_id,
        message_ts=message_ts,
        link=link,
        message_text=clean(message_text)[:MAX_TEXT],
        why=check_why(why),
        status=PENDING if asked else AGREED,
        created_at=now,
        agreed_at=None if asked else now,
    )
    session.add(story)
    session.flush()
    for uid in asked:
        insert_once(
            session,
            StoryConsent(
                story_id=story.id, team_id=team_id, user_id=uid, answer=ASKED, asked_at=now
            ),
        )
    return Nominated(story.id, key, story.status, asked, created=True)


def set_link(*, session: Session, story_id: int, link: str) -> None:
    story = session.get(Story, story_id)
    if story is not None:
        story.link = link[:500]


def _asked(
    session: Session, team_id: str, key: str, user_id: str
) -> tuple[Story, StoryConsent] | None:
    story = session.scalar(select(Story).where(Story.team_id == team_id, Story.key == key))
    if story is None:
        return None
    consent = session.scalar(
        select(StoryConsent).where(
            StoryConsent.story_id == story.id, StoryConsent.user_id == user_id
        )
    )
    return (story, consent) if consent is not None else None


def agree(*, session: Session, team_id: str, key: str, user_id: str, now: datetime) -> str | None:
    """A "Yes, share it": the story's status afterwards, or None if it is gone (or they were
    never asked)."""
    found = _asked(session, team_id, key, user_id)
    if found is None:
        return None
    story, consent = found
    if consent.answer != YES:
        consent.answer, consent.answered_at = YES, now
        session.flush()
    waiting = session.scalar(
        select(StoryConsent.id)
        .where(StoryConsent.story_id == story.id, StoryConsent.answer != YES)
        .limit(1)
    )
    if waiting is None and story.status != AGREED:
        story.status, story.agreed_at = AGREED, now
    return story.status


def refuse(*, session: Session, team_id: str, key: str, user_id: str) -> list[int] | None:
    """A "Rather not": the story is deleted with its consents, and the asks still waiting are
    dropped (their text with them). The ids of the asks already sent, so the edge can take the
    story's text out of those DMs; None if the story is gone or they were never asked."""
    found = _asked(session, team_id, key, user_id)
    if found is None:
        return None
    story, _ = found
    sent: list[int] = []
    for nudge in session.scalars(
        select(Nudge).where(Nudge.team_id == team_id, Nudge.key == nudge_key(key))
    ):
        if nudge.status == nudge_records.PENDING:
            nudge_records.drop(nudge=nudge, reason="withdrawn")
        elif nudge.status == nudge_records.SENT and nudge.user_id != user_id:
            sent.append(nudge.id)
    session.execute(delete(StoryConsent).where(StoryConsent.story_id == story.id))
    session.delete(story)
    return sent


PENDING_FOR = timedelta(days=15)
"""A story not agreed by then (an ask dropped by the gate, or never answered) is deleted:
only a story everyone in it agreed to is kept."""


def expire_pending(*, session: Session, now: datetime) -> int:
    """Delete stories still waiting after PENDING_FOR, with their consents and asks."""
    stale = list(
        session.scalars(
            select(Story).where(Story.status == PENDING, Story.created_at < now - PENDING_FOR)
        )
    )
    for story in stale:
        for nudge in session.scalars(
            select(Nudge).where(
                Nudge.team_id == story.team_id,
                Nudge.key == nudge_key(story.key),
                Nudge.status == nudge_records.PENDING,
            )
        ):
            nudge_records.drop(nudge=nudge, reason="expired")
        session.execute(delete(StoryConsent).where(StoryConsent.story_id == story.id))
        session.delete(story)
    return len(stale)


@dataclass(frozen=True)
class AgreedStory:
    key: str
    sharer_id: str
    author_id: str | None
    people: tuple[str, ...]  # everyone credited: the author and the people mentioned
    message_text: str
    why: str
    link: str | None
    agreed_at: datetime


def _agreed(session: Session, story: Story) -> AgreedStory:
    """Credited: the people named in it who agreed (bots were never asked), and the sharer if
    the story names them."""
    asked = set(
        session.scalars(select(StoryConsent.user_id).where(StoryConsent.story_id == story.id))
    )
    named = people_named(author_id=story.author_id, text=story.message_text)
    return AgreedStory(
        key=story.key,
        sharer_id=story.sharer_id,
        author_id=story.author_id,
        people=tuple(uid for uid in named if uid in asked or uid == story.sharer_id),
        message_text=story.message_text,
        why=story.why,
        link=story.link,
        agreed_at=story.agreed_at or story.created_at,
    )


def recent_stories(session: Session, team_id: str, limit: int = 3) -> list[AgreedStory]:
    """The workspace's last `limit` agreed stories, newest first (the onboarding welcome)."""
    rows = list(
        session.scalars(
            select(Story)
            .where(Story.team_id == team_id, Story.status == AGREED)
            .order_by(Story.agreed_at.desc(), Story.id.desc())
            .limit(limit)
        )
    )
    return [_agreed(session, story) for story in rows]


def stories_between(
    *, session: Session, team_id: str, start: datetime, end: datetime, limit: int = MONTHLY_MAX
) -> list[AgreedStory]:
    """Agreed stories whose last consent came in [start, end), newest first, at most `limit`."""
    rows = list(
        session.scalars(
            select(Story)
            .where(
                Story.team_id == team_id,
                Story.status == AGREED,
                Story.agreed_at >= start,
                Story.agreed_at < end,
            )
            .order_by(Story.agreed_at.desc(), Story.id.desc())
            .limit(limit)
        )
    )
    return [_agreed(session, story) for story in rows]


# ----- the channel, and when the monthly post is due -----------------------------------------
def set_story_channel(
    *, session: Session, team_id: str, channel_id: str | None, user_id: str, now: datetime
) -> StoryChannel | None:
    """Where the monthly post goes; None turns it off."""
    row = session.get(StoryChannel, team_id)
    if channel_id is None:
        if row is not None:
            session.delete(row)
        return None
    if row is None:
        row = StoryChannel(team_id=team_id, channel_id=channel_id, set_by=user_id, set_at=now)
        session.add(row)
    elif row.channel_id != channel_id:
        row.channel_id, row.set_by, row.set_at = channel_id, user_id, now
    return row


def story_channels(*, session: Session, channel_id: str | None = None) -> list[StoryChannel]:
    stmt = (
        select(StoryChannel)
        .where(installed(StoryChannel.team_id))  # not once the app left the workspace
        .order_by(StoryChannel.team_id)
    )
    if channel_id is not None:
        stmt = stmt.where(StoryChannel.channel_id == channel_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class MonthDue:
    period: str  # the month of the post, e.g. 2026-12
    moment: datetime  # its first working day at 10:00, local, in UTC
    due: bool
    start: datetime  # the month before (whose stories it posts), in UTC
    end: datetime
    stories_month: str  # that month's name, e.g. "November 2026"


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def month_due(now: datetime, tz: str = "UTC", *, active_since: datetime | None = None) -> MonthDue:
    """Due from the first working day (Monday–Friday) of the month at 10:00 in `tz` until the
    month ends, so a post missed during downtime is caught up within the month, once."""
    local = now.astimezone(zone(tz))
    first = first_working_day(local.year, local.month)
    moment = local_moment(first, POST_MINUTE, tz)
    this_month = local_moment(date(local.year, local.month, 1), 0, tz)
    previous = date(local.year - (local.month == 1), (local.month - 2) % 12 + 1, 1)
    due = moment <= now and (active_since is None or active_since <= moment)
    return MonthDue(
        period=f"{local.year}-{local.month:02d}",
        moment=moment,
        due=due,
        start=local_moment(previous, 0, tz),
        end=this_month,
        stories_month=f"{previous:%B %Y}",
    )
