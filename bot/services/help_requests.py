"""Help requests: parse the ask, record offers and thread help, resolve with thanks, go stale.

A request is posted as a card first and stored right after with the card's ts, so a request
in a channel the bot can't post in stores nothing. Every lookup is by the card's random key
*and* the team, so a click from another workspace finds nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import insert_once
from bot.errors import DomainError
from bot.services.people import Person, remember_member, remember_members
from bot.services.preferences import load_preferences
from bot.services.routing import MAX_SUGGESTIONS, WINDOW, Candidate, choose_helpers
from bot.services.workspace_data import installed
from bot.text import clean, from_slack
from models import Member, MemberTopic
from models.help_requests import HelpOffer, HelpRequest, HelpSuggestion, HelpThanks

MAX_QUESTION = 2000
MAX_DETAILS = 2000
MAX_NOTE = 1000
MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_HELPERS = 20

OPEN, RESOLVED, STALE = "open", "resolved", "stale"
URGENCIES = {"today": "Today", "week": "This week", "none": "No rush"}
UNSET = ""
"""The urgency of a request whose asker gave none: the card shows no label."""
_URGENCY_WORDS = {
    "today": "today",
    "urgent": "today",
    "asap": "today",
    "week": "week",
    "thisweek": "week",
    "norush": "none",
    "no-rush": "none",
    "later": "none",
}
_URGENCY = re.compile(r"(?<!\S)!([A-Za-z\-]+)(?!\S)")
_TAG = re.compile(r"(?<![\w#&/])#([^\W_][\w\-+.]*)")
_TRAILING = re.compile(r"(?:(?:^|\s+)(?:#[^\W_][\w\-+.]*|![A-Za-z\-]+))+\s*$")
NOT_FOUND = (
    "I can't find that help request any more — it may have been removed. "
    "Ask again with `/askhelp` if you still need a hand."
)


@dataclass(frozen=True)
class HelpDraft:
    """A request that passed the checks and is ready to be posted."""

    question: str
    details: str | None = None
    urgency: str = UNSET
    tags: tuple[str, ...] = ()
    source_link: str | None = None
    unknown_urgencies: tuple[str, ...] = ()
    """`!words` in the question that are no urgency (the asker is told which ones exist)."""


@dataclass(frozen=True)
class Suggestion:
    user_id: str
    label: str
    mention: bool


@dataclass(frozen=True)
class HelpCard:
    """Everything the card shows, whatever state the request is in."""

    key: str
    requester_id: str
    channel_id: str
    question: str
    details: str | None = None
    urgency: str = UNSET
    tags: tuple[str, ...] = ()
    source_link: str | None = None
    status: str = OPEN
    message_ts: str | None = None
    helper_ids: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    thanked_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferResult:
    card: HelpCard
    added: bool
    first: bool = False
    """The request's first offer through the button (the thread hears of that one only)."""


@dataclass(frozen=True)
class Resolution:
    card: HelpCard
    thanked_ids: tuple[str, ...]
    note: str | None


# ----- parsing and checks ---------------------------------------------------------------------
def parse_urgency(word: str | None) -> str:
    """A picked or typed urgency; none picked is UNSET (no label on the card)."""
    if not word:
        return UNSET
    value = _URGENCY_WORDS.get(word.strip().lstrip("!").casefold(), word.strip().casefold())
    if value not in URGENCIES:
        raise DomainError(
            f"`{word[:20]}` isn't an urgency I know: use `!today`, `!week` or leave it out.",
            field="urgency",
        )
    return value


def unknown_urgency_note(words: Sequence[str]) -> str:
    """The private note for `!words` that are no urgency: which ones exist."""
    shown = ", ".join(f"`!{w[:20]}`" for w in dict.fromkeys(words))
    known = ", ".join(f"`!{w}`" for w in _URGENCY_WORDS)
    return (
        f"Your request is posted, but {shown} isn't an urgency I know, so I didn't use it. "
        f"The ones that exist: {known} (or leave it out)."
    )


def parse_tags(text: str) -> tuple[str, ...]:
    """`python, #SQL k8s` or `#python #sql` → ("python", "sql", "k8s"), at most 10."""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", text or ""):
        tag = word.strip().lstrip("#").casefold().rstrip(".")
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH or not re.match(r"^[^\W_][\w\-+.]*$", tag):
            raise DomainError(
                f"`{tag[:MAX_TAG_LENGTH]}` isn't a tag I can use: one word, e.g. `python`.",
                field="tags",
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise DomainError(f"At most {MAX_TAGS} tags, please.", field="tags")
    return tuple(tags)


def parse_help(text: str) -> HelpDraft:
    """`/askhelp <question> [#tag …] [!today|!week]`: the tags stay in the question's words."""
    plain = from_slack(text or "")
    urgency = UNSET
    unknown: list[str] = []
    for word in _URGENCY.findall(plain):
        if word.casefold() in _URGENCY_WORDS:
            urgency = _URGENCY_WORDS[word.casefold()]
        else:
            unknown.append(word)
    tags = parse_tags(" ".join(m.casefold() for m in _TAG.findall(plain)))
    question = _TRAILING.sub("", plain)
    question = _URGENCY.sub(
        lambda m: "" if m.group(1).casefold() in _URGENCY_WORDS else m.group(0), question
    )
    question = re.sub(r"[ \t]{2,}", " ", question).strip()
    draft = check_draft(HelpDraft(question=question, urgency=urgency, tags=tags))
    return replace(draft, unknown_urgencies=tuple(unknown))


def check_draft(draft: HelpDraft) -> HelpDraft:
    question = clean(draft.question)
    if not question:
        raise DomainError(
            "What do you need help with? e.g. `/askhelp How do I rotate the staging keys? "
            "#security !week`",
            field="question",
        )
    if len(question) > MAX_QUESTION:
        raise DomainError(
            f"That question is {len(question):,} characters; please keep it under "
            f"{MAX_QUESTION:,} and put the rest in the thread.",
            field="question",
        )
    details = clean(draft.details or "") or None
    if details is not None and len(details) > MAX_DETAILS:
        raise DomainError(
            f"The details are {len(details):,} characters; please keep them under {MAX_DETAILS:,}.",
            field="details",
        )
    if draft.urgency != UNSET and draft.urgency not in URGENCIES:
        raise DomainError("Pick today, this week or no rush.", field="urgency")
    return HelpDraft(
        question=question,
        details=details,
        urgency=draft.urgency,
        tags=tuple(draft.tags[:MAX_TAGS]),
        source_link=draft.source_link,
    )


def check_note(note: str | None) -> str | None:
    note = clean(note or "") or None
    if note is not None and len(note) > MAX_NOTE:
        raise DomainError(
            f"That note is {len(note):,} characters; please keep it under {MAX_NOTE:,}.",
            field="note",
        )
    return note


def check_helpers(requester_id: str, helpers: list[Person]) -> None:
    if len(helpers) > MAX_HELPERS:
        raise DomainError(f"At most {MAX_HELPERS} people, please.", field="helpers")
    for person in helpers:
        if person.id == requester_id:
            raise DomainError(
                "You can't thank yourself for this one — pick the people who helped "
                "(or nobody, if you solved it on your own).",
                field="helpers",
            )
        if person.is_bot or person.id == "USLACKBOT":
            raise DomainError(
                f"<@{person.id}> is a bot; pick the people who helped.", field="helpers"
            )
        if person.deleted:
            raise DomainError(f"{person.label} is no longer in this workspace.", field="helpers")


def new_key() -> str:
    return uuid.uuid4().hex


# ----- suggestions ----------------------------------------------------------------------------
def suggest_helpers(
    *,
    session: Session,
    team_id: str,
    requester_id: str,
    tags: tuple[str, ...],
    people: list[Person],
    topics: dict[str, frozenset[str]],
    now: datetime,
    seed: str,
) -> list[Suggestion]:
    """Up to three people in the channel whose topics match, chosen by the fair rule."""
    if not tags or not people:
        return []
    ids = [p.id for p in people]
    prefs = load_preferences(session=session, team_id=team_id, user_ids=ids)
    since = now - WINDOW
    helped: dict[str, datetime] = {}
    for model, column in ((HelpOffer, HelpOffer.helper_id), (HelpThanks, HelpThanks.receiver_id)):
        rows = session.execute(
            select(column, func.max(model.created_at))
            .where(model.team_id == team_id, column.in_(ids), model.created_at >= since)
            .group_by(column)
        )
        for uid, moment in rows:
            if moment is not None and (uid not in helped or moment > helped[uid]):
                helped[uid] = _aware(moment)
    suggested = {
        uid: (_aware(moment), int(times))
        for uid, moment, times in session.execute(
            select(
                HelpSuggestion.user_id,
                func.max(HelpSuggestion.created_at),
                func.count(HelpSuggestion.id),
            )
            .where(
                HelpSuggestion.team_id == team_id,
                HelpSuggestion.user_id.in_(ids),
                HelpSuggestion.created_at >= since,
            )
            .group_by(HelpSuggestion.user_id)
        )
        if moment is not None
    }
    candidates = [
        Candidate(
            user_id=p.id,
            topics=topics.get(p.id, frozenset()),
            last_helped_at=helped.get(p.id),
            last_suggested_at=suggested[p.id][0] if p.id in suggested else None,
            times_suggested=suggested[p.id][1] if p.id in suggested else 0,
            available=prefs[p.id].in_working_hours(now, p.tz) and not prefs[p.id].is_paused(now),
            opted_out=prefs[p.id].opt_out_suggestions,
            is_bot=p.is_bot,
            deleted=p.deleted,
        )
        for p in people
    ]
    chosen = choose_helpers(candidates, tags=tags, requester_id=requester_id, now=now, seed=seed)
    by_id = {p.id: p for p in people}
    return [
        Suggestion(user_id=uid, label=by_id[uid].label, mention=prefs[uid].allow_mentions)
        for uid in chosen
    ]


def _aware(moment: datetime) -> datetime:
    """func.max() skips the column type's conversion on SQLite, so restore the UTC zone."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ----- the request's life ---------------------------------------------------------------------
def draft_card(
    *,
    key: str,
    requester_id: str,
    channel_id: str,
    draft: HelpDraft,
    suggestions: list[Suggestion],
) -> HelpCard:
    """The card as it is first posted, before the request is stored."""
    return HelpCard(
        key=key,
        requester_id=requester_id,
        channel_id=channel_id,
        question=draft.question,
        details=draft.details,
        urgency=draft.urgency,
        tags=draft.tags,
        source_link=draft.source_link,
        suggestions=tuple(suggestions),
    )


def create_request(
    *,
    session: Session,
    team_id: str,
    key: str,
    requester: Person,
    channel_id: str,
    draft: HelpDraft,
    suggestions: list[Suggestion],
    message_ts: str | None,
    now: datetime,
    suggested_people: list[Person] | None = None,
) -> HelpRequest:
    """Store a request whose card was just posted, and whom it suggested."""
    remember_members(session=session, people=[requester, *(suggested_people or [])], now=now)
    request = HelpRequest(
        key=key,
        team_id=team_id,
        requester_id=requester.id,
        channel_id=channel_id,
        message_ts=message_ts,
        question=draft.question,
        details=draft.details,
        urgency=draft.urgency,
        tags=list(draft.tags),
        source_link=draft.source_link,
        status=OPEN,
        created_at=now,
    )
    session.add(request)
    session.flush()
    record_suggestions(
        session=session,
        team_id=team_id,
        request_id=request.id,
        suggestions=suggestions,
        now=now,
    )
    return request


def record_suggestions(
    *,
    session: Session,
    team_id: str,
    request_id: int,
    suggestions: Sequence[Suggestion],
    now: datetime,
) -> None:
    """Remember who was suggested (the fair rotation reads it); someone already asked is skipped."""
    for suggestion in suggestions:  # one at a time, so the ids keep the rule's order
        insert_once(
            session,
            HelpSuggestion(
                team_id=team_id,
                request_id=request_id,
                user_id=suggestion.user_id,
                mention=suggestion.mention,
                created_at=now,
            ),
        )


def request_exists(*, session: Session, team_id: str, key: str) -> bool:
    stmt = select(HelpRequest.id).where(HelpRequest.team_id == team_id, HelpRequest.key == key)
    return session.scalar(stmt) is not None


def find_request(*, session: Session, team_id: str, key: str, lock: bool = False) -> HelpRequest:
    stmt = select(HelpRequest).where(HelpRequest.team_id == team_id, HelpRequest.key == key)
    if lock:
        stmt = stmt.with_for_update()
    request = session.scalars(stmt).first() if key else None
    if request is None:
        raise DomainError(NOT_FOUND)
    return request


def load_card(*, session: Session, request: HelpRequest) -> HelpCard:
    helpers = session.scalars(
        select(HelpOffer.helper_id)
        .where(HelpOffer.team_id == request.team_id, HelpOffer.request_id == request.id)
        .order_by(HelpOffer.created_at, HelpOffer.id)
    )
    thanked = session.scalars(
        select(HelpThanks.receiver_id)
        .where(HelpThanks.team_id == request.team_id, HelpThanks.request_id == request.id)
        .order_by(HelpThanks.id)
    )
    suggestion_rows = session.execute(
        select(HelpSuggestion.user_id, HelpSuggestion.mention, Member.display_name)
        .outerjoin(
            Member,
            (Member.team_id == HelpSuggestion.team_id) & (Member.user_id == HelpSuggestion.user_id),
        )
        .where(HelpSuggestion.team_id == request.team_id, HelpSuggestion.request_id == request.id)
        .order_by(HelpSuggestion.id)
        .limit(MAX_SUGGESTIONS)  # the card's own; later reminders may add more rows
    )
    return HelpCard(
        key=request.key,
        requester_id=request.requester_id,
        channel_id=request.channel_id,
        question=request.question,
        details=request.details,
        urgency=request.urgency,
        tags=tuple(request.tags or ()),
        source_link=request.source_link,
        status=request.status,
        message_ts=request.message_ts,
        helper_ids=tuple(helpers),
        suggestions=tuple(
            Suggestion(user_id=uid, label=name or uid, mention=bool(mention))
            for uid, mention, name in suggestion_rows
        ),
        thanked_ids=tuple(thanked),
    )


def card_for(*, session: Session, team_id: str, key: str) -> HelpCard:
    return load_card(
        session=session, request=find_request(session=session, team_id=team_id, key=key)
    )


def _helper_row(session: Session, request: HelpRequest, helper_id: str) -> HelpOffer | None:
    return session.scalars(
        select(HelpOffer).where(
            HelpOffer.team_id == request.team_id,
            HelpOffer.request_id == request.id,
            HelpOffer.helper_id == helper_id,
        )
    ).first()


def _add_helper(
    session: Session, request: HelpRequest, helper_id: str, now: datetime, *, offered: bool
) -> bool:
    """Insert the helper's row; False when it is already there (a double click, a race)."""
    added = insert_once(
        session,
        HelpOffer(
            team_id=request.team_id,
            request_id=request.id,
            helper_id=helper_id,
            offered_at=now if offered else None,
            replied_at=None if offered else now,
            created_at=now,
        ),
    )
    if not added:
        return False
    if request.first_offer_at is None:
        request.first_offer_at = now
    return True


def offer_help(
    *, session: Session, team_id: str, key: str, helper: Person, now: datetime
) -> OfferResult:
    """**I can help**: one offer per person; not on your own request, not once it's closed."""
    request = find_request(session=session, team_id=team_id, key=key)
    if helper.id == request.requester_id:
        raise DomainError(
            "This is your own request — when someone offers, you'll see them on the card. "
            "Press *Mark resolved* once you're sorted."
        )
    if helper.is_bot:
        raise DomainError("Bots can't offer help here.")
    if request.status == RESOLVED:
        raise DomainError("This one is already resolved — thank you for offering anyway!")
    if request.status == STALE:
        raise DomainError(
            f"This request went quiet and was marked stale; <@{request.requester_id}> "
            "can reopen it. A reply in its thread reaches them too."
        )
    remember_member(session=session, person=helper, now=now)
    offered_before = session.scalar(
        select(func.count(HelpOffer.id)).where(
            HelpOffer.team_id == request.team_id,
            HelpOffer.request_id == request.id,
            HelpOffer.offered_at.is_not(None),
        )
    )
    existing = _helper_row(session, request, helper.id)
    if existing is not None:
        if existing.offered_at is not None:
            return OfferResult(card=load_card(session=session, request=request), added=False)
        existing.offered_at = now
        added = True
    else:
        added = _add_helper(session, request, helper.id, now, offered=True)
    session.flush()
    return OfferResult(
        card=load_card(session=session, request=request),
        added=added,
        first=added and not offered_before,
    )


def record_thread_help(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    now: datetime,
) -> HelpCard | None:
    """A reply in an open request's thread by someone else is help given, once per person."""
    request = session.scalars(
        select(HelpRequest).where(
            HelpRequest.team_id == team_id,
            HelpRequest.channel_id == channel_id,
            HelpRequest.message_ts == thread_ts,
        )
    ).first()
    if request is None or request.status == RESOLVED or user_id == request.requester_id:
        return None
    existing = _helper_row(session, request, user_id)
    if existing is not None:
        if existing.replied_at is None:
            existing.replied_at = now
        return None
    if not _add_helper(session, request, user_id, now, offered=False):
        return None
    session.flush()
    return load_card(session=session, request=request)


def check_resolver(*, session: Session, team_id: str, key: str, user_id: str) -> HelpCard:
    """Only the requester resolves, and only once; returns the card for the modal."""
    request = find_request(session=session, team_id=team_id, key=key)
    _check_requester(request, user_id, "mark it resolved")
    if request.status == RESOLVED:
        raise DomainError("This request is already resolved. :white_check_mark:")
    return load_card(session=session, request=request)


def _check_requester(request: HelpRequest, user_id: str, verb: str) -> None:
    if user_id != request.requester_id:
        raise DomainError(
            f"Thanks for keeping an eye on this! It's <@{request.requester_id}>'s request, so "
            f"they're the one to {verb} — and when they do, they can thank whoever helped. "
            "If you can lend a hand, press *I can help* or reply in the thread."
        )


def check_resolution(
    *,
    session: Session,
    team_id: str,
    key: str,
    resolver_id: str,
    helpers: list[Person],
    note: str | None,
    lock: bool = False,
) -> HelpRequest:
    """Every rule of resolving, writing nothing (a form is answered with it before the ack)."""
    check_note(note)
    request = find_request(session=session, team_id=team_id, key=key, lock=lock)
    _check_requester(request, resolver_id, "mark it resolved")
    check_helpers(request.requester_id, helpers)
    if request.status == RESOLVED:
        raise DomainError("This request is already resolved. :white_check_mark:")
    return request


def resolve_request(
    *,
    session: Session,
    team_id: str,
    key: str,
    resolver_id: str,
    helpers: list[Person],
    note: str | None,
    now: datetime,
) -> Resolution:
    """Close the request and record a thank-you from the requester to each helper."""
    note = check_note(note)
    request = check_resolution(
        session=session,
        team_id=team_id,
        key=key,
        resolver_id=resolver_id,
        helpers=helpers,
        note=note,
        lock=True,
    )
    request.status = RESOLVED
    request.resolved_at = now
    request.stale_at = None
    request.resolution_note = note
    thanked: list[str] = []
    remember_members(session=session, people=helpers, now=now)  # one order: no deadlock
    for person in helpers:
        if person.id in thanked:
            continue
        insert_once(  # already there when it was resolved before being reopened
            session,
            HelpThanks(
                team_id=team_id,
                request_id=request.id,
                giver_id=request.requester_id,
                receiver_id=person.id,
                channel_id=request.channel_id,
                created_at=now,
            ),
        )
        thanked.append(person.id)
    session.flush()
    return Resolution(
        card=load_card(session=session, request=request),
        thanked_ids=tuple(thanked),
        note=note,
    )


def reopen_request(
    *, session: Session, team_id: str, key: str, user_id: str, now: datetime
) -> HelpCard:
    """A stale request back to open, with a fresh stale clock."""
    request = find_request(session=session, team_id=team_id, key=key, lock=True)
    _check_requester(request, user_id, "reopen it")
    if request.status == RESOLVED:
        raise DomainError("This request is resolved; ask again with `/askhelp` if it's back.")
    if request.status == OPEN:
        raise DomainError("This request is still open — no need to reopen it.")
    request.status = OPEN
    request.stale_at = None
    request.reopened_at = now
    session.flush()
    return load_card(session=session, request=request)


def open_requests_for(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    channel_ids: list[str] | None = None,
    limit: int = 5,
) -> list[HelpCard]:
    """Open requests someone could help with: tags matching their topics, not their own,
    not already helping, newest first; only in `channel_ids` when given (e.g. their channels)."""
    topics = set(
        session.scalars(
            select(MemberTopic.topic).where(
                MemberTopic.team_id == team_id, MemberTopic.user_id == user_id
            )
        )
    )
    if not topics:
        return []
    helping = select(HelpOffer.request_id).where(
        HelpOffer.team_id == team_id, HelpOffer.helper_id == user_id
    )
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.team_id == team_id,
            HelpRequest.status == OPEN,
            HelpRequest.requester_id != user_id,
            HelpRequest.id.not_in(helping),
        )
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
        .limit(200)
    )
    if channel_ids is not None:
        stmt = stmt.where(HelpRequest.channel_id.in_(channel_ids))
    matching = [r for r in session.scalars(stmt) if topics & set(r.tags or ())]
    return [load_card(session=session, request=r) for r in matching[:limit]]


# ----- for the reminders job ------------------------------------------------------------------
@dataclass(frozen=True)
class PendingRequest:
    """An open request as the reminders see it."""

    id: int
    key: str
    team_id: str
    requester_id: str
    channel_id: str
    message_ts: str | None
    question: str
    tags: tuple[str, ...]
    created_at: datetime


def _pending(row: HelpRequest) -> PendingRequest:
    return PendingRequest(
        id=row.id,
        key=row.key,
        team_id=row.team_id,
        requester_id=row.requester_id,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        question=row.question,
        tags=tuple(row.tags or ()),
        created_at=row.created_at,
    )


def unanswered_requests(
    *, session: Session, opened_before: datetime, channel_id: str | None = None
) -> list[PendingRequest]:
    """Open requests nobody has offered on yet, oldest first."""
    stmt = select(HelpRequest).where(
        HelpRequest.status == OPEN,
        HelpRequest.first_offer_at.is_(None),
        HelpRequest.created_at <= opened_before,
        installed(HelpRequest.team_id),
    )
    if channel_id:
        stmt = stmt.where(HelpRequest.channel_id == channel_id)
    return [_pending(r) for r in session.scalars(stmt.order_by(HelpRequest.created_at))]


def unresolved_with_offers(
    *, session: Session, offered_before: datetime, channel_id: str | None = None
) -> list[PendingRequest]:
    """Open requests whose first offer came before `offered_before` and still aren't resolved."""
    stmt = select(HelpRequest).where(
        HelpRequest.status == OPEN,
        HelpRequest.first_offer_at.is_not(None),
        HelpRequest.first_offer_at <= offered_before,
        HelpRequest.resolved_at.is_(None),
        installed(HelpRequest.team_id),
    )
    if channel_id:
        stmt = stmt.where(HelpRequest.channel_id == channel_id)
    return [_pending(r) for r in session.scalars(stmt.order_by(HelpRequest.first_offer_at))]


def decline_reminders(*, session: Session, team_id: str, key: str, user_id: str) -> HelpCard:
    """**Not this time** on a reminder: no more reminders about this request for this person.

    Reminders about a request only ever go to people not yet asked about it
    (`suggested_ids`), so their row there is made sure of.
    """
    request = find_request(session=session, team_id=team_id, key=key)
    insert_once(
        session,
        HelpSuggestion(
            team_id=team_id,
            request_id=request.id,
            user_id=user_id,
            mention=False,
            created_at=request.created_at,
        ),
    )
    session.flush()
    return load_card(session=session, request=request)


def surface_key(request_id: int) -> str:
    """The nudge key of the reminder that surfaces a request to a likely helper."""
    return f"help-surface:{request_id}"


def suggested_ids(*, session: Session, team_id: str, request_id: int) -> set[str]:
    """Everyone already suggested for (or asked about) this request."""
    return set(
        session.scalars(
            select(HelpSuggestion.user_id).where(
                HelpSuggestion.team_id == team_id, HelpSuggestion.request_id == request_id
            )
        )
    )


def offerer_ids(*, session: Session, team_id: str, request_id: int) -> list[str]:
    """Who offered (or helped in the thread), first come first."""
    rows = session.scalars(
        select(HelpOffer.helper_id)
        .where(HelpOffer.team_id == team_id, HelpOffer.request_id == request_id)
        .order_by(HelpOffer.created_at, HelpOffer.id)
    )
    return list(dict.fromkeys(rows))


# ----- going stale --------------------------------------------------------------------------
def stale_due(
    *, session: Session, now: datetime, stale_after: timedelta, channel_id: str | None = None
) -> list[tuple[str, str, str]]:
    """(team_id, key, claim key) of open requests untouched for `stale_after`."""
    cutoff = now - stale_after
    stmt = (
        select(HelpRequest)
        .where(
            HelpRequest.status == OPEN,
            HelpRequest.created_at <= cutoff,
            (HelpRequest.reopened_at.is_(None)) | (HelpRequest.reopened_at <= cutoff),
            installed(HelpRequest.team_id),
        )
        .order_by(HelpRequest.created_at, HelpRequest.id)
    )
    if channel_id is not None:
        stmt = stmt.where(HelpRequest.channel_id == channel_id)
    out = []
    for request in session.scalars(stmt):
        opened = request.reopened_at or request.created_at
        out.append((request.team_id, request.key, f"{request.key}:{opened.isoformat()}"))
    return out


def stale_card(*, session: Session, team_id: str, key: str) -> HelpCard | None:
    """The card as it will look once stale; None if the request is no longer open."""
    request = session.scalars(
        select(HelpRequest).where(HelpRequest.team_id == team_id, HelpRequest.key == key)
    ).first()
    if request is None or request.status != OPEN:
        return None
    card = load_card(session=session, request=request)
    return HelpCard(**{**card.__dict__, "status": STALE})


def mark_stale(*, session: Session, team_id: str, key: str, now: datetime) -> bool:
    result = session.execute(
        update(HelpRequest)
        .where(HelpRequest.team_id == team_id, HelpRequest.key == key, HelpRequest.status == OPEN)
        .values(status=STALE, stale_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
