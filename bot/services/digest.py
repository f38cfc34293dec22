"""The weekly digest's content: what happened in a channel over the 7 days up to now.

The digest is a list of sections, as data; bot/blocks/digest.py words them. Each section is
one function `(session, window) -> Section | None` in SECTIONS, one or two indexed queries
each; adding a kind of record to the digest is adding one function (and its wording). When
the digest is rendered each person is shown the way the boundary gate says (`gate.mention`):
pinged only if they allowed mentions, otherwise by their plain name, and not named at all
("a teammate") if they opted out of digest mentions. It celebrates and ranks nobody: the only
ordering of people is the opt-in leaderboard, which leaves out whoever opted out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.services.gate import mention
from bot.services.mentoring import pairs_started_between
from bot.services.preferences import Preferences, load_preferences
from models import Kudos, Member, Thanks
from models.help_requests import HelpRequest, HelpThanks
from models.rhythm import ShareReply

WEEK = timedelta(days=7)
MAX_STORIES = 10
MAX_OPEN = 5
MAX_RESOLVED = 8
MIN_LEADERBOARD = 2  # a leaderboard of one singles someone out
TEAMMATE = "a teammate"  # how the digest refers to someone who opted out of being named


@dataclass(frozen=True)
class Window:
    team_id: str
    channel_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class KudosStory:
    giver_id: str
    receiver_ids: tuple[str, ...]
    reason: str
    value: str | None


@dataclass(frozen=True)
class ThanksStory:
    """Someone thanked (by emoji) for one message, by how many people."""

    receiver_id: str
    message_ts: str
    count: int


@dataclass(frozen=True)
class ResolvedHelp:
    requester_id: str
    question: str
    helper_ids: tuple[str, ...]


@dataclass(frozen=True)
class OpenHelp:
    requester_id: str
    question: str
    link: str | None


@dataclass
class Section:
    """One part of the digest, as data: the builder (bot/blocks/digest.py) words it.

    `items` 0 means nothing to say; `people` gave or received in it; `received` counts for
    the opt-in leaderboard; `more` is how many items were left out for length.
    """

    key: str
    items: int
    more: int = 0
    people: set[str] = field(default_factory=set)
    received: Counter[str] = field(default_factory=Counter)
    stories: list[KudosStory] = field(default_factory=list)  # kudos, newest first
    resolved: list[ResolvedHelp] = field(default_factory=list)  # help resolved this week
    resolved_count: int = 0
    still_open: list[OpenHelp] = field(default_factory=list)
    more_open: bool = False
    shared: int = 0  # share and solve: challenges shared
    answered: int = 0  # …and answered in the thread
    thanked: list[ThanksStory] = field(default_factory=list)  # emoji thanks, per message
    open_count: int = 0  # help requests still open in the channel
    pairs: int = 0  # mentoring pairs started
    circles: int = 0  # peer circles started
    groups: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (kind, members)

    def named(self) -> set[str]:
        """Everyone this section writes about by name."""
        people: set[str] = set()
        for story in self.stories:
            people.add(story.giver_id)
            people.update(story.receiver_ids)
        for help in self.resolved:
            people.add(help.requester_id)
            people.update(help.helper_ids)
        people.update(o.requester_id for o in self.still_open)
        people.update(t.receiver_id for t in self.thanked)
        return people


@dataclass
class DigestData:
    window: Window
    sections: list[Section]
    participants: int
    plain_names: dict[str, str]  # people not to ping: user id -> what to write instead
    leaderboard: list[tuple[str, int]] | None = None
    unnamed: list[str] = field(default_factory=list)  # not to ping, no name known here yet
    message_texts: dict[str, str] = field(default_factory=dict)  # thanked message ts -> text

    def keep_mentoring_among(self, members: set[str]) -> None:
        """Only the pairs and circles whose members are all in this channel are its news."""
        for section in list(self.sections):
            if section.key != "mentoring":
                continue
            section.groups = [g for g in section.groups if set(g[1]) <= members]
            section.pairs = sum(1 for kind, _ in section.groups if kind == "pair")
            section.circles = len(section.groups) - section.pairs
            section.items = len(section.groups)
            if not section.items:
                self.sections.remove(section)

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
    section = Section(key="kudos", items=0)
    for post_id, giver, receiver, reason, value in rows:
        story = stories.setdefault(post_id, (giver, [], reason, value))
        story[1].append(receiver)
        section.people.update((giver, receiver))
        section.received[receiver] += 1
    section.items = len(stories)
    section.stories = [
        KudosStory(giver, tuple(receivers), reason, value)
        for giver, receivers, reason, value in list(stories.values())[:MAX_STORIES]
    ]
    section.more = max(len(stories) - MAX_STORIES, 0)
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
    open_count = (
        len(still_open)
        if len(still_open) <= MAX_OPEN
        else session.scalar(
            select(func.count(HelpRequest.id)).where(
                HelpRequest.team_id == window.team_id,
                HelpRequest.status == "open",
                HelpRequest.channel_id == window.channel_id,
                HelpRequest.created_at < window.end,
            )
        )
        or 0
    )
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
    section = Section(key="help", items=len(resolved) + len(still_open))
    section.resolved_count = len(resolved)
    section.open_count = open_count
    for request_id, requester, question in resolved[:MAX_RESOLVED]:
        who = helpers.get(request_id, [])
        section.resolved.append(ResolvedHelp(requester, question, tuple(who)))
        section.people.add(requester)
        section.people.update(who)
        section.received.update(who)
    for request_id, _requester, _question in resolved[MAX_RESOLVED:]:
        section.people.update(helpers.get(request_id, []))
    section.more = max(len(resolved) - MAX_RESOLVED, 0)
    for requester, question, message_ts in still_open[:MAX_OPEN]:
        link = (
            f"https://slack.com/archives/{window.channel_id}/p{message_ts.replace('.', '')}"
            if message_ts
            else None
        )
        section.still_open.append(OpenHelp(requester, question, link))
    section.more_open = len(still_open) > MAX_OPEN
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
    section = Section(key="share", items=len(rows), shared=len(challenges), answered=len(answered))
    for row in rows:
        section.people.add(row.user_id)
        if row.kind == "help" and row.helped_user_id:
            section.people.add(row.helped_user_id)
            section.received[row.helped_user_id] += 1
    return section


def thanks_section(session: Session, window: Window) -> Section | None:
    """Emoji thanks as stories: who was thanked for which message, by how many people
    (retracted ones don't count; several emoji from one person count once)."""
    where = and_(
        Thanks.team_id == window.team_id,
        Thanks.channel_id == window.channel_id,
        Thanks.created_at >= window.start,
        Thanks.created_at < window.end,
        Thanks.retracted_at.is_(None),
    )
    rows = session.execute(
        select(Thanks.giver_id, Thanks.receiver_id, Thanks.message_ts).where(where)
    ).all()
    if not rows:
        return None
    givers: dict[tuple[str, str], set[str]] = {}
    section = Section(key="thanks", items=len(rows))
    for giver, receiver, ts in rows:
        givers.setdefault((receiver, ts), set()).add(giver)
        section.people.update((giver, receiver))
        section.received[receiver] += 1
    stories = sorted(
        (ThanksStory(receiver, ts, len(who)) for (receiver, ts), who in givers.items()),
        key=lambda t: (-t.count, t.message_ts, t.receiver_id),
    )
    section.thanked = stories[:MAX_STORIES]
    section.more = max(len(stories) - MAX_STORIES, 0)
    return section


def mentoring_section(session: Session, window: Window) -> Section | None:
    """New mentoring pairs and circles this week, counted (who is paired is theirs to share);
    the job keeps those whose members are all in the channel (`keep_mentoring_among`)."""
    groups = pairs_started_between(
        session=session, team_id=window.team_id, start=window.start, end=window.end
    )
    if not groups:
        return None
    pairs = sum(1 for group in groups if group.kind == "pair")
    return Section(
        key="mentoring",
        items=len(groups),
        pairs=pairs,
        circles=len(groups) - pairs,
        groups=[("pair" if g.kind == "pair" else "circle", tuple(g.user_ids)) for g in groups],
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
    received: Counter[str] = Counter()  # kudos received: what the leaderboard counts
    mentioned: set[str] = set()
    for section in sections:
        people |= section.people
        if section.key == "kudos":
            received.update(section.received)
        mentioned |= section.named()
    asked = sorted(mentioned | (set(received) if leaderboard else set()))
    prefs = load_preferences(session=session, team_id=team_id, user_ids=asked)
    top = None
    if leaderboard and received:
        ranked = [(uid, n) for uid, n in received.most_common() if _named(prefs, uid)]
        top = ranked[:3] if len(ranked) >= MIN_LEADERBOARD else None  # never one person alone
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
