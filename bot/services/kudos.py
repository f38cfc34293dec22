"""Kudos: parse what people type, apply the rules, record one row per receiver."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.people import Person, remember_members
from bot.services.workspaces import WorkspaceDefaults, get_workspace
from bot.text import USER_MENTION, from_slack
from models import Kudos

MAX_REASON = 1000
MAX_RECEIVERS = 10
_PLAIN_MENTION = re.compile(r"(?<![\w<])@([\w.\-]+)")
_VALUE = re.compile(r"(?:^|\s)#([\w\-]+)\s*$")


@dataclass(frozen=True)
class ParsedKudos:
    """What `/kudos` text says: who (ids or plain names), why, and the value."""

    user_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    reason: str = ""
    value: str | None = None


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


def parse_kudos(text: str) -> ParsedKudos:
    """Split `/kudos @a @b <why> #value` into its parts; mentions may also be plain `@name`."""
    plain = from_slack(text or "")
    value = None
    match = _VALUE.search(plain)
    if match:
        value = match.group(1)
        plain = plain[: match.start()].rstrip()
    user_ids: list[str] = []
    for uid in USER_MENTION.findall(plain):
        if uid not in user_ids:
            user_ids.append(uid)
    names: list[str] = []
    for name in _PLAIN_MENTION.findall(plain):
        if name.lower() not in ("here", "channel", "everyone") and name not in names:
            names.append(name)
    # The reason is the text after the leading mentions; mentions later in it stay in it.
    reason = plain
    leading = re.compile(r"^\s*(?:<@[UW][A-Z0-9]+>|@[\w.\-]+)[\s,:;]*")
    while True:
        stripped = leading.sub("", reason, count=1)
        if stripped == reason:
            break
        reason = stripped
    return ParsedKudos(user_ids=user_ids, names=names, reason=reason.strip(), value=value)


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
            "Who is it for? Mention them: `/kudos @name thanks for the review`.",
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
            raise DomainError(f"{person.label} is no longer in this workspace.", field="receivers")


def day_start(now: datetime, person: Person) -> datetime:
    """Midnight today in the person's own time zone."""
    local = now.astimezone(person.zone)
    return datetime.combine(local.date(), time(0), tzinfo=person.zone)


def kudos_given_today(*, session: Session, team_id: str, giver: Person, now: datetime) -> int:
    stmt = select(func.count(Kudos.id)).where(
        Kudos.team_id == team_id,
        Kudos.giver_id == giver.id,
        Kudos.created_at >= day_start(now, giver),
    )
    return int(session.scalar(stmt) or 0)


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
                listed = ", ".join(f"`#{v}`" for v in workspace.kudos_values)
                raise DomainError(f"`#{value}` isn't one of our values: {listed}.", field="value")
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
) -> KudosResult:
    """Record kudos from giver to each receiver, within the giver's daily budget.

    `post_id` (from the queued work that gives them) makes a second run find the first's
    kudos instead of giving them again."""
    if post_id is not None:
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
    for person in receivers:
        session.add(
            Kudos(
                team_id=team_id,
                post_id=post_id,
                giver_id=giver.id,
                receiver_id=person.id,
                channel_id=channel_id,
                reason=reason,
                value=value,
                source_link=source_link,
                created_at=now,
            )
        )
    session.flush()
    return KudosResult(
        post_id=post_id,
        giver_id=giver.id,
        receiver_ids=[p.id for p in receivers],
        reason=reason,
        value=value,
        channel_id=channel_id,
        source_link=source_link,
        remaining=budget - used - len(receivers),
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
    rows = session.scalars(
        select(Kudos).where(Kudos.team_id == team_id, Kudos.post_id == post_id).order_by(Kudos.id)
    ).all()
    if not rows:
        return None
    first = rows[0]
    workspace = get_workspace(session=session, team_id=team_id, defaults=defaults, now=now)
    used = kudos_given_today(session=session, team_id=team_id, giver=giver, now=now)
    return KudosResult(
        post_id=post_id,
        giver_id=first.giver_id,
        receiver_ids=[row.receiver_id for row in rows],
        reason=first.reason,
        value=first.value,
        channel_id=first.channel_id,
        source_link=first.source_link,
        remaining=max(0, workspace.kudos_daily_budget - used),
    )


def attach_message(*, session: Session, team_id: str, post_id: str, ts: str) -> None:
    """Remember where the kudos was posted, so digests can link to it."""
    session.execute(
        update(Kudos)
        .where(Kudos.team_id == team_id, Kudos.post_id == post_id)
        .values(message_ts=ts)
    )
