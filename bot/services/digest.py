"""The weekly digest's content: what happened in a channel over the 7 days up to now.

The digest is a list of sections. Each section is one function `(session, window) -> Section
| None` in SECTIONS, one or two indexed queries each; adding a kind of record to the digest is
adding one function. Lines are mrkdwn with people as `<@U…>`; when the digest is rendered
each person is shown the way the boundary gate says (`gate.mention`): pinged only if they
allowed mentions, otherwise by their plain name, and not named at all ("a teammate") if they
opted out of digest mentions. It celebrates and ranks nobody: the only ordering of people is
the opt-in leaderboard, which leaves out whoever opted out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.services.gate import mention
from bot.services.mentoring import pairs_started_between
from bot.services.preferences import Preferences, load_preferences
from bot.text import USER_MENTION, join_people, mrkdwn, quote, truncate
from models import Kudos, Member, Thanks
from models.help_requests import HelpRequest, HelpThanks
from models.rhythm import ShareReply

WEEK = timedelta(days=7)
MAX_STORIES = 10
MAX_OPEN = 5
MAX_RESOLVED = 8
REASON_CHARS = 300
TEAMMATE = "a teammate"  # how the digest refers to someone who opted out of being named


@dataclass(frozen=True)
class Window:
    team_id: str
    channel_id: str
    start: datetime
    end: datetime


@dataclass
class Section:
    """One part of the digest, ready to render. `items` 0 means nothing to say."""

    key: str
    title: str
    items: int
    summary: str = ""
    lines: list[str] = field(default_factory=list)
    more: int = 0
    people: set[str] = field(default_factory=set)  # who gave or received
    received: Counter[str] = field(default_factory=Counter)  # for the opt-in leaderboard


@dataclass
class DigestData:
    window: Window
    sections: list[Section]
    participants: int
    plain_names: dict[str, str]  # people not to ping: user id -> what to write instead
    leaderboard: list[tuple[str, int]] | None = None
    unnamed: list[str] = field(default_factory=list)  # not to ping, no name known here yet

    def name(self, user_id: str, label: str | None) -> None:
        """Fill in a plain name the edge looked up (Slack's profile) for someone in `unnamed`."""
        self.plain_names[user_id] = label or TEAMMATE

    @property
    def empty(self) -> bool:
        return not any(section.items for section in self.sections)


SectionBuilder = Callable[[Session, Window], Section | None]


def kudos_section(session: Session, window: Window) -> Section | None:
    """Kudos stories, newest first: who thanked whom and why (one row per receiver)."""
    rows = session.execute(
        select(Kudos.post_id, Kudos.giver_id, Kudos.receiver_id, Kudos.reason, Kudos.value)
        .where(
            Kudos.team_id == window.team_id,
            Kudos.channel_id == window.channel_id,
            Kudos.created_at >= window.start,
            Kudos.created_at < window.end,
        )
        .order_by(Kudos.created_at.desc(), Kudos.id)
    ).all()
    if not rows:
        return None
    stories: dict[str, tuple[str, list[str], str, str | None]] = {}
    section = Section(key="kudos", title=":sparkles: *Kudos*", items=0)
    for post_id, giver, receiver, reason, value in rows:
        story = stories.setdefault(post_id, (giver, [], reason, value))
        story[1].append(receiver)
        section.people.update((giver, receiver))
        section.received[receiver] += 1
    section.items = len(stories)
    for giver, receivers, reason, value in list(stories.values())[:MAX_STORIES]:
        tag = f"  _#{mrkdwn(value)}_" if value else ""
        reason_text = quote(truncate(reason, REASON_CHARS))
        section.lines.append(f"{join_people(receivers)}, from <@{giver}>{tag}\n{reason_text}")
    section.more = max(len(stories) - MAX_STORIES, 0)
    plural = "" if len(stories) == 1 else "s"
    section.summary = f"{len(stories)} kudos post{plural} this week."
    return section


def help_section(session: Session, window: Window) -> Section | None:
    """Help requests resolved this week and who helped, and those still open (with links)."""
    resolved = session.execute(
        select(HelpRequest.id, HelpRequest.requester_id, HelpRequest.question)
        .where(
            HelpRequest.team_id == window.team_id,
            HelpRequest.channel_id == window.channel_id,
            HelpRequest.resolved_at >= window.start,
            HelpRequest.resolved_at < window.end,
        )
        .order_by(HelpRequest.resolved_at.desc(), HelpRequest.id)
    ).all()
    still_open = session.execute(
        select(HelpRequest.requester_id, HelpRequest.question, HelpRequest.message_ts)
        .where(
            HelpRequest.team_id == window.team_id,
            HelpRequest.status == "open",
            HelpRequest.channel_id == window.channel_id,
            HelpRequest.created_at < window.end,
        )
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id)
        .limit(MAX_OPEN + 1)
    ).all()
    if not resolved and not still_open:
        return None
    helpers: dict[int, list[str]] = {}
    if resolved:
        for request_id, receiver in session.execute(
            select(HelpThanks.request_id, HelpThanks.receiver_id)
            .where(
                HelpThanks.team_id == window.team_id,
                HelpThanks.request_id.in_([r.id for r in resolved]),
            )
            .order_by(HelpThanks.id)
        ):
            helpers.setdefault(request_id, []).append(receiver)
    section = Section(key="help", title=":handshake: *Help*", items=len(resolved) + len(still_open))
    for request_id, requester, question in resolved[:MAX_RESOLVED]:
        who = helpers.get(request_id, [])
        by = f" — helped by {join_people(who)}" if who else ""
        section.lines.append(
            f":white_check_mark: <@{requester}>: “{mrkdwn(truncate(question, 150))}”{by}"
        )
        section.people.add(requester)
        section.people.update(who)
        section.received.update(who)
    for request_id, _requester, _question in resolved[MAX_RESOLVED:]:
        section.people.update(helpers.get(request_id, []))
    section.more = max(len(resolved) - MAX_RESOLVED, 0)
    for requester, question, message_ts in still_open[:MAX_OPEN]:
        text = mrkdwn(truncate(question, 150))
        if message_ts:
            link = f"https://slack.com/archives/{window.channel_id}/p{message_ts.replace('.', '')}"
            text = f"<{link}|{text}>"
        section.lines.append(f":raising_hand: Still open, from <@{requester}>: {text}")
    if len(still_open) > MAX_OPEN:
        section.lines.append("…and more open requests in the channel — maybe you can help?")
    done = f"{len(resolved)} request{'' if len(resolved) == 1 else 's'} resolved"
    section.summary = f"{done}." if not still_open else f"{done}; some still need a hand."
    return section


def share_section(session: Session, window: Window) -> Section | None:
    """Share-and-solve: challenges shared in the prompt threads this week, and how many answered."""
    rows = session.execute(
        select(
            ShareReply.prompt_id, ShareReply.user_id, ShareReply.kind, ShareReply.helped_user_id
        ).where(
            ShareReply.team_id == window.team_id,
            ShareReply.channel_id == window.channel_id,
            ShareReply.created_at >= window.start,
            ShareReply.created_at < window.end,
        )
    ).all()
    if not rows:
        return None
    challenges = {(r.prompt_id, r.user_id) for r in rows if r.kind == "challenge"}
    answered = {(r.prompt_id, r.helped_user_id) for r in rows if r.kind == "help"} & challenges
    section = Section(key="share", title=":bulb: *Share and solve*", items=len(rows))
    for row in rows:
        section.people.add(row.user_id)
        if row.kind == "help" and row.helped_user_id:
            section.people.add(row.helped_user_id)
            section.received[row.helped_user_id] += 1
    shared = len(challenges)
    section.summary = (
        f"{shared} challenge{'' if shared == 1 else 's'} shared, {len(answered)} answered."
    )
    return section


def thanks_section(session: Session, window: Window) -> Section | None:
    """Emoji thanks counted by emoji (retracted ones don't count)."""
    where = and_(
        Thanks.team_id == window.team_id,
        Thanks.channel_id == window.channel_id,
        Thanks.created_at >= window.start,
        Thanks.created_at < window.end,
        Thanks.retracted_at.is_(None),
    )
    rows = session.execute(select(Thanks.giver_id, Thanks.receiver_id, Thanks.emoji).where(where))
    counts: Counter[str] = Counter()
    section = Section(key="thanks", title=":pray: *Thanks*", items=0)
    for giver, receiver, emoji in rows:
        counts[emoji] += 1
        section.people.update((giver, receiver))
        section.received[receiver] += 1
    if not counts:
        return None
    section.items = sum(counts.values())
    parts = [f":{emoji}: × {n}" for emoji, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    section.summary = (
        f"{section.items} thank-you{'' if section.items == 1 else 's'}: " + " · ".join(parts)
    )
    return section


def mentoring_section(session: Session, window: Window) -> Section | None:
    """New mentoring pairs and circles this week, counted (who is paired is theirs to share)."""
    groups = pairs_started_between(
        session=session, team_id=window.team_id, start=window.start, end=window.end
    )
    if not groups:
        return None
    pairs = sum(1 for group in groups if group.kind == "pair")
    circles = len(groups) - pairs
    parts = []
    if pairs:
        parts.append(f"{pairs} new mentoring pair{'' if pairs == 1 else 's'}")
    if circles:
        parts.append(f"{circles} new peer circle{'' if circles == 1 else 's'}")
    return Section(
        key="mentoring",
        title=":seedling: *Mentoring*",
        items=len(groups),
        summary=" and ".join(parts) + " started this week. Welcome aboard!",
    )


SECTIONS: list[SectionBuilder] = [
    kudos_section,
    help_section,
    share_section,
    thanks_section,
    mentoring_section,
]


def build_digest(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    now: datetime,
    leaderboard: bool = False,
) -> DigestData:
    """Everything the channel's digest says, for the 7 days up to `now`."""
    window = Window(team_id=team_id, channel_id=channel_id, start=now - WEEK, end=now)
    sections = [s for s in (build(session, window) for build in SECTIONS) if s and s.items]
    people: set[str] = set()
    received: Counter[str] = Counter()
    mentioned: set[str] = set()
    for section in sections:
        people |= section.people
        received.update(section.received)
        for line in section.lines:
            mentioned.update(USER_MENTION.findall(line))
    asked = sorted(mentioned | (set(received) if leaderboard else set()))
    prefs = load_preferences(session=session, team_id=team_id, user_ids=asked)
    top = None
    if leaderboard and received:
        ranked = [(uid, n) for uid, n in received.most_common() if _named(prefs, uid)]
        top = ranked[:3] or None
        mentioned.update(uid for uid, _ in top or [])
    plain_names, unnamed = _renderings(session, team_id, prefs, mentioned)
    return DigestData(
        window=window,
        sections=sections,
        participants=len(people),
        plain_names=plain_names,
        leaderboard=top,
        unnamed=unnamed,
    )


def _named(prefs: dict[str, Preferences], user_id: str) -> bool:
    return not prefs[user_id].opt_out_digest_mentions


def _renderings(
    session: Session, team_id: str, prefs: dict[str, Preferences], user_ids: set[str]
) -> tuple[dict[str, str], list[str]]:
    """How to write each person the digest names, through the gate: a ping (left as it is),
    their plain name, or "a teammate". Also who needs a name the database doesn't know."""
    quiet = sorted(
        uid
        for uid in user_ids
        if prefs[uid].opt_out_digest_mentions or not prefs[uid].allow_mentions
    )
    if not quiet:
        return {}, []
    names = dict(
        session.execute(
            select(Member.user_id, Member.display_name).where(
                Member.team_id == team_id, Member.user_id.in_(quiet)
            )
        ).all()
    )
    plain: dict[str, str] = {}
    unnamed: list[str] = []
    for uid in quiet:
        shown = mention(prefs[uid], uid, names.get(uid) or "")
        plain[uid] = shown or TEAMMATE  # never a ping nobody allowed, even if no name is found
        if shown == "":
            unnamed.append(uid)
    return plain, unnamed


def unmention(text: str, plain_names: dict[str, str]) -> str:
    """Replace mentions of people who are not to be pinged with their names (or "a teammate")."""
    if not plain_names:
        return text
    return USER_MENTION.sub(
        lambda m: mrkdwn(plain_names[m.group(1)]) if m.group(1) in plain_names else m.group(0),
        text,
    )
