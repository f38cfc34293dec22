"""Kudos: parse what people type, apply the rules, record one row per receiver."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from bot.db import enterprise_of_team
from bot.errors import DomainError
from bot.services.people import Person, remember_members
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from bot.text import USER_MENTION, from_slack, mrkdwn
from models import Kudos

MAX_REASON = 1000
MAX_RECEIVERS = 10
_ID_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_PLAIN_NAME = re.compile(r"@([\w][\w.\-']*)")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_][\w.\-']*)")
_TAG = re.compile(r"#([\w\-]+)")
_SEPARATOR = re.compile(r"(?:[\s,;:]+|\s*(?:and|&amp;|&)\s+)*", re.IGNORECASE)
_ENTITY = re.compile(r"<[^>]*>")  # a Slack-escaped mention, channel link or link
_WORD_START = re.compile(r"(?<![\w&#/])#([\w\-]+)")
_LATER_NAME = re.compile(r"(?<![\w<])@([\w][\w.\-']*)")
_NOT_PEOPLE = frozenset({"here", "channel", "everyone"})
_EDGE = " \t\n,;:.!?-–—"


@dataclass(frozen=True)
class ParsedKudos:
    """What `/kudos` text says: who (ids or plain names, from the mentions at the start), why,
    the value, and who the reason mentions besides."""

    user_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    reason: str = ""
    value: str | None = None
    mentioned_ids: list[str] = field(default_factory=list)
    mentioned_names: list[str] = field(default_factory=list)
    unknown_tag: str | None = None  # a closing `#word` that is none of the configured values


def _no_names(_name: str) -> bool:
    return False


def parse_kudos(
    text: str,
    *,
    values: Sequence[str] = (),
    is_name: Callable[[str], bool] = _no_names,
) -> ParsedKudos:
    """Split `/kudos @a @b <why> #value` (Slack-escaped text) into its parts.

    Receivers are the mentions at the start (`@a @b`, `@a and @b`, `@a, @b`); a mention later
    in the reason stays in it. A plain `@Full Name` is one name when `is_name` knows it (a
    two-word name first). `#word` is the value only when it is one of `values` (any case,
    anywhere, never a channel link); with no values nothing is taken out of the reason.
    """
    raw = text or ""
    allowed = {v.lower(): v for v in values}
    user_ids: list[str] = []
    names: list[str] = []
    value: str | None = None
    at = 0
    while True:
        start = _SEPARATOR.match(raw, at)
        position = start.end() if start else at
        if position >= len(raw):
            at = position
            break
        mention = _ID_MENTION.match(raw, position)
        if mention:
            if mention.group(1) not in user_ids:
                user_ids.append(mention.group(1))
            at = mention.end()
            continue
        plain = _PLAIN_NAME.match(raw, position)
        if plain and plain.group(1).lower() not in _NOT_PEOPLE:
            name = plain.group(1).rstrip(".-'")
            end = plain.start(1) + len(name)
            second = _NEXT_WORD.match(raw, end)
            if second and is_name(f"{name} {second.group(1)}"):
                name, end = f"{name} {second.group(1)}", second.end()
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
            at = end
            continue
        tag = _TAG.match(raw, position)
        if tag and value is None and tag.group(1).lower() in allowed:
            value = allowed[tag.group(1).lower()]
            at = tag.end()
            continue
        break
    rest = raw[at:]
    unknown_tag = None
    if value is None:
        rest, value = _take_value(rest, allowed)
    if value is None and allowed:
        closing = _closing_tag(rest)
        unknown_tag = closing.group(1) if closing else None
    reason = from_slack(rest).strip(" \t\n,;:")
    mentioned_ids, mentioned_names = mentions_in(reason, user_ids=user_ids, names=names)
    return ParsedKudos(
        user_ids=user_ids,
        names=names,
        reason=reason,
        value=value,
        mentioned_ids=mentioned_ids,
        mentioned_names=mentioned_names,
        unknown_tag=unknown_tag,
    )


def mentions_in(
    reason: str, *, user_ids: Sequence[str] = (), names: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Who a reason mentions (`<@U…>` ids, plain `@names`), leaving out `user_ids`/`names`."""
    ids = [uid for uid in dict.fromkeys(USER_MENTION.findall(reason)) if uid not in user_ids]
    known = {n.casefold() for n in names}
    plain = [
        n.rstrip(".-'")
        for n in _LATER_NAME.findall(_ENTITY.sub(" ", reason))
        if n.lower() not in _NOT_PEOPLE
    ]
    return ids, [n for n in dict.fromkeys(plain) if n and n.casefold() not in known]


def _plain_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` is plain (outside `<…>`: mentions, channel links and links)."""
    spans, at = [], 0
    for entity in _ENTITY.finditer(text):
        spans.append((at, entity.start()))
        at = entity.end()
    spans.append((at, len(text)))
    return spans


def _take_value(rest: str, allowed: dict[str, str]) -> tuple[str, str | None]:
    """The first `#word` that is a configured value: out of the reason where it stands at
    its start or end (a tag), and just its `#` where it is a word of the sentence."""
    for begin, end in _plain_spans(rest):
        for tag in _WORD_START.finditer(rest, begin, end):
            if tag.group(1).lower() not in allowed:
                continue
            value = allowed[tag.group(1).lower()]
            before, after = rest[: tag.start()], rest[tag.end() :]
            if not before.strip(_EDGE):
                return after.lstrip(_EDGE), value
            if not after.strip(_EDGE):
                return before.rstrip(_EDGE), value
            return before + tag.group(1) + after, value
    return rest, None


def _closing_tag(rest: str) -> re.Match[str] | None:
    """A `#word` closing the reason (outside any link), as a value would be written."""
    begin, end = _plain_spans(rest)[-1]
    tags = list(_WORD_START.finditer(rest, begin, end))
    if tags and not rest[tags[-1].end() :].strip(_EDGE):
        return tags[-1]
    return None


@dataclass(frozen=True)
class KudosResult:
    post_id: str
    giver_id: str
    receiver_ids: list[str]
    reason: str
    value: str | None
    channel_id: str
    source_link: str | None
    remaining: int
    given_now: bool = False  # recorded by this call (not found from an earlier run): unposted


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(
            "Please say why: `/kudos @name for untangling the release` — the reason is the gift.",
            field="reason",
        )
    if len(reason) > MAX_REASON:
        raise DomainError(
            f"That reason is {len(reason):,} characters; please keep it under {MAX_REASON:,}.",
            field="reason",
        )
    return reason


def check_receivers(giver: Person, receivers: list[Person]) -> None:
    if not receivers:
        raise DomainError(
            "Who is it for? Start with their mention: `/kudos @name thanks for the review`.",
            field="receivers",
        )
    if len(receivers) > MAX_RECEIVERS:
        raise DomainError(f"At most {MAX_RECEIVERS} people per kudos, please.", field="receivers")
    for person in receivers:
        if person.id == giver.id:
            raise DomainError(
                "Kudos are for others — you can't give them to yourself. "
                "(`/reciprocity me` shows what you've received.)",
                field="receivers",
            )
        if person.is_bot or person.id == "USLACKBOT":
            raise DomainError(f"<@{person.id}> is a bot; kudos are for people.", field="receivers")
        if person.deleted:
            raise DomainError(
                f"{mrkdwn(person.label)} is no longer in this workspace.", field="receivers"
            )


def day_start(now: datetime, person: Person) -> datetime:
    """Midnight today in the person's own time zone."""
    local = now.astimezone(person.zone)
    return datetime.combine(local.date(), time(0), tzinfo=person.zone)


_KUDOS = cast(Table, Kudos.__table__)
# Statements every kudos runs, built once (building one cost more than running it).
_GIVEN_SINCE = select(func.count(_KUDOS.c.id)).where(
    _KUDOS.c.team_id == bindparam("p_team"),
    _KUDOS.c.giver_id == bindparam("p_giver"),
    _KUDOS.c.created_at >= bindparam("p_since", type_=_KUDOS.c.created_at.type),
)
_INSERT_KUDOS = insert(_KUDOS).values(
    team_id=bindparam("p_team", type_=_KUDOS.c.team_id.type),
    enterprise_id=enterprise_of_team(bindparam("p_team", type_=_KUDOS.c.team_id.type)),
    post_id=bindparam("p_post", type_=_KUDOS.c.post_id.type),
    giver_id=bindparam("p_giver", type_=_KUDOS.c.giver_id.type),
    receiver_id=bindparam("p_receiver", type_=_KUDOS.c.receiver_id.type),
    channel_id=bindparam("p_channel", type_=_KUDOS.c.channel_id.type),
    reason=bindparam("p_reason", type_=_KUDOS.c.reason.type),
    value=bindparam("p_value", type_=_KUDOS.c.value.type),
    source_link=bindparam("p_link", type_=_KUDOS.c.source_link.type),
    created_at=bindparam("p_now", type_=_KUDOS.c.created_at.type),
)


def kudos_given_today(*, session: Session, team_id: str, giver: Person, now: datetime) -> int:
    since = day_start(now, giver)
    found = session.scalar(_GIVEN_SINCE, {"p_team": team_id, "p_giver": giver.id, "p_since": since})
    return int(found or 0)


@dataclass(frozen=True)
class KudosCheck:
    """A kudos that passed every rule: the cleaned reason and value, and the budget."""

    reason: str
    value: str | None
    budget: int
    used: int


def check_kudos(
    *,
    session: Session,
    team_id: str,
    giver: Person,
    receivers: list[Person],
    reason: str,
    value: str | None,
    defaults: WorkspaceDefaults,
    now: datetime,
) -> KudosCheck:
    """Every rule of a kudos, writing nothing: a form can be answered with it before the ack."""
    reason = check_reason(reason)
    check_receivers(giver, receivers)
    workspace = get_workspace(session=session, team_id=team_id, defaults=defaults, now=now)
    if value is not None:
        value = value.strip().lstrip("#")
        allowed = {v.lower(): v for v in workspace.kudos_values}
        if allowed:
            if value.lower() not in allowed:
                listed = ", ".join(f"`#{mrkdwn(v)}`" for v in workspace.kudos_values)
                raise DomainError(
                    f"`#{mrkdwn(value[:80])}` isn't one of our values: {listed}.", field="value"
                )
            value = allowed[value.lower()]
        value = value[:80] or None
    used = kudos_given_today(session=session, team_id=team_id, giver=giver, now=now)
    budget = workspace.kudos_daily_budget
    if used + len(receivers) > budget:
        left = max(budget - used, 0)
        if left == 0:
            message = (
                f"That's today's kudos budget used up ({budget} a day) — thank you for being "
                "generous! It refills at midnight your time."
            )
        else:
            message = (
                f"You have {left} kudos left today but named {len(receivers)} people. "
                "Pick fewer, or send the rest tomorrow."
            )
        raise DomainError(message, field="receivers")
    return KudosCheck(reason=reason, value=value, budget=budget, used=used)


def give_kudos(
    *,
    session: Session,
    team_id: str,
    giver: Person,
    receivers: list[Person],
    reason: str,
    value: str | None,
    channel_id: str,
    defaults: WorkspaceDefaults,
    now: datetime,
    source_link: str | None = None,
    post_id: str | None = None,
    repeated: bool = True,
) -> KudosResult:
    """Record kudos from giver to each receiver, within the giver's daily budget.

    `post_id` (from the queued work that gives them) makes a second run find the first's
    kudos instead of giving them again; `repeated=False` says there was no run before (the
    work's first attempt), so there is nothing to look for."""
    if post_id is not None and repeated:
        given = _given(
            session=session,
            team_id=team_id,
            giver=giver,
            post_id=post_id,
            defaults=defaults,
            now=now,
        )
        if given is not None:
            return given
    check_reason(reason)
    check_receivers(giver, receivers)
    # Everyone in one call, which creates and locks rows in one global order (the giver's row
    # among them, locked so the budget can't race): two kudos between the same people never
    # wait on each other's rows in a cycle.
    remember_members(session=session, people=receivers, lock=[giver], now=now)
    checked = check_kudos(
        session=session,
        team_id=team_id,
        giver=giver,
        receivers=receivers,
        reason=reason,
        value=value,
        defaults=defaults,
        now=now,
    )
    reason, value, budget, used = checked.reason, checked.value, checked.budget, checked.used
    post_id = post_id or str(uuid.uuid4())
    session.execute(
        _INSERT_KUDOS,
        [
            {
                "p_team": team_id,
                "p_post": post_id,
                "p_giver": giver.id,
                "p_receiver": person.id,
                "p_channel": channel_id,
                "p_reason": reason,
                "p_value": value,
                "p_link": source_link,
                "p_now": now,
            }
            for person in receivers
        ],
    )
    return KudosResult(
        post_id=post_id,
        giver_id=giver.id,
        receiver_ids=[p.id for p in receivers],
        reason=reason,
        value=value,
        channel_id=channel_id,
        source_link=source_link,
        remaining=budget - used - len(receivers),
        given_now=True,
    )


def _given(
    *,
    session: Session,
    team_id: str,
    giver: Person,
    post_id: str,
    defaults: WorkspaceDefaults,
    now: datetime,
) -> KudosResult | None:
    given = kudos_post(session=session, team_id=team_id, post_id=post_id)
    if given is None:
        return None
    workspace = get_workspace(session=session, team_id=team_id, defaults=defaults, now=now)
    used = kudos_given_today(session=session, team_id=team_id, giver=giver, now=now)
    return replace(given, remaining=max(0, workspace.kudos_daily_budget - used))


_ATTACH_MESSAGE = (
    update(_KUDOS)
    .where(_KUDOS.c.team_id == bindparam("p_team"), _KUDOS.c.post_id == bindparam("p_post"))
    .values(message_ts=bindparam("p_ts", type_=_KUDOS.c.message_ts.type))
)


def attach_message(*, session: Session, team_id: str, post_id: str, ts: str) -> None:
    """Remember where the kudos was posted, so digests can link to it. (A statement built
    once: this runs for every kudos, and building it cost more than running it.)"""
    session.execute(_ATTACH_MESSAGE, {"p_team": team_id, "p_post": post_id, "p_ts": ts})


_KUDOS_POST = (
    select(
        _KUDOS.c.giver_id,
        _KUDOS.c.receiver_id,
        _KUDOS.c.reason,
        _KUDOS.c.value,
        _KUDOS.c.channel_id,
        _KUDOS.c.source_link,
    )
    .where(_KUDOS.c.team_id == bindparam("p_team"), _KUDOS.c.post_id == bindparam("p_post"))
    .order_by(_KUDOS.c.id)
)


def kudos_post(*, session: Session, team_id: str, post_id: str) -> KudosResult | None:
    """A kudos as it was given (every receiver of one post), or None when there is none."""
    rows = session.execute(_KUDOS_POST, {"p_team": team_id, "p_post": post_id}).all()
    if not rows:
        return None
    first = rows[0]
    return KudosResult(
        post_id=post_id,
        giver_id=first.giver_id,
        receiver_ids=[row.receiver_id for row in rows],
        reason=first.reason,
        value=first.value,
        channel_id=first.channel_id,
        source_link=first.source_link,
        remaining=0,
    )


def also_post_id(post_id: str, receiver_id: str) -> str:
    """The id of the same kudos given to one more person: the same on every click."""
    return str(uuid.uuid5(uuid.UUID(post_id), receiver_id))
