"""Help request rules against a real database, and the parsers as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.export import records
from bot.services.help_requests import (
    MAX_QUESTION,
    MAX_TAGS,
    HelpDraft,
    Suggestion,
    create_request,
    mark_stale,
    new_key,
    offer_help,
    open_requests_for,
    parse_help,
    parse_tags,
    record_thread_help,
    resolve_request,
    stale_due,
    suggest_helpers,
)
from bot.services.people import Person
from bot.services.preferences import save_preferences
from bot.services.topics import add_topics, parse_topics, remove_topics, topics_of
from models.help_requests import HelpOffer, HelpRequest, HelpThanks

T = "T1"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # a Wednesday
ALICE = Person(id="UALICE", team_id=T, tz="Europe/Berlin", display_name="alice")
BOB = Person(id="UBOB", team_id=T, tz="Europe/Berlin", display_name="bob")
CAROL = Person(id="UCAROL", team_id=T, tz="Asia/Tokyo", display_name="carol")


def make_request(
    session: Session, *, requester: Person = ALICE, now: datetime = NOW, team: str = T, **draft
) -> HelpRequest:
    return create_request(
        session=session,
        team_id=team,
        key=new_key(),
        requester=Person(id=requester.id, team_id=team, tz=requester.tz),
        channel_id="CGENERAL",
        draft=HelpDraft(question=draft.pop("question", "How?"), **draft),
        suggestions=[],
        message_ts=f"{now.timestamp():.6f}",
        now=now,
    )


# ----- parsing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "question", "urgency", "tags"),
    [
        ("How do I X? #python !today", "How do I X?", "today", ("python",)),
        ("!week Why is #ci red", "Why is #ci red", "week", ("ci",)),
        ("plain question", "plain question", "", ()),
        ("Is <#C123|deploys> frozen? #Ops #ops", "Is #deploys frozen?", "", ("deploys", "ops")),
        ("use !important syntax?", "use !important syntax?", "", ()),
        ("<@UBOB> can you look? !ASAP", "<@UBOB> can you look?", "today", ()),
    ],
)
def test_parse_help(text: str, question: str, urgency: str, tags: tuple[str, ...]) -> None:
    draft = parse_help(text)
    assert (draft.question, draft.urgency, draft.tags) == (question, urgency, tags)


def test_parse_help_refuses_empty_and_huge_questions() -> None:
    for text in ("", "   ", "#tag !today"):
        with pytest.raises(DomainError, match="What do you need help with"):
            parse_help(text)
    with pytest.raises(DomainError, match="10,000"):
        parse_help("y" * 10_000)


def test_parse_tags_limits() -> None:
    assert parse_tags("Python, #sql;k8s  python") == ("python", "sql", "k8s")
    with pytest.raises(DomainError):
        parse_tags(" ".join(f"t{i}" for i in range(MAX_TAGS + 1)))
    with pytest.raises(DomainError):
        parse_tags("a/b")


@given(st.text(max_size=3000))
def test_parse_help_either_refuses_clearly_or_gives_a_clean_request(text: str) -> None:
    try:
        draft = parse_help(text)
    except DomainError as error:
        assert error.message
        return
    assert 0 < len(draft.question) <= MAX_QUESTION
    assert "\x00" not in draft.question
    assert draft.urgency in ("today", "week", "none", "")
    assert len(draft.tags) <= MAX_TAGS
    assert all(tag == tag.casefold() and not tag.startswith("#") for tag in draft.tags)


@given(st.text(max_size=500))
def test_parse_topics_never_crashes(text: str) -> None:
    try:
        topics = parse_topics(text)
    except DomainError:
        return
    assert len(topics) == len(set(topics))
    assert all(t and t == t.casefold() for t in topics)


# ----- offers, thread help, resolution ---------------------------------------------------------
def test_offers_are_once_per_person_and_stamp_the_first_offer(session: Session) -> None:
    request = make_request(session)
    first = offer_help(
        session=session, team_id=T, key=request.key, helper=BOB, now=NOW + timedelta(minutes=7)
    )
    again = offer_help(
        session=session, team_id=T, key=request.key, helper=BOB, now=NOW + timedelta(minutes=9)
    )
    assert (first.added, again.added) == (True, False)
    assert first.card.helper_ids == ("UBOB",)
    assert request.first_offer_at == NOW + timedelta(minutes=7)
    with pytest.raises(DomainError, match="your own"):
        offer_help(session=session, team_id=T, key=request.key, helper=ALICE, now=NOW)
    with pytest.raises(DomainError, match="can't find"):
        offer_help(session=session, team_id="TOTHER", key=request.key, helper=BOB, now=NOW)


def test_thread_help_is_recorded_once_and_never_for_the_requester(session: Session) -> None:
    request = make_request(session)
    ts = request.message_ts
    assert ts is not None

    def reply(user: str, minutes: int, team: str = T) -> object:
        return record_thread_help(
            session=session,
            team_id=team,
            channel_id="CGENERAL",
            thread_ts=ts,
            user_id=user,
            now=NOW + timedelta(minutes=minutes),
        )

    assert reply("UCAROL", 3) is not None
    assert reply("UCAROL", 4) is None
    assert reply("UALICE", 5) is None
    assert reply("UDAVE", 6, team="TOTHER") is None
    rows = session.scalars(select(HelpOffer).where(HelpOffer.request_id == request.id)).all()
    assert [(r.helper_id, r.replied_at) for r in rows] == [("UCAROL", NOW + timedelta(minutes=3))]
    assert request.first_offer_at == NOW + timedelta(minutes=3)


def test_resolution_records_a_thanks_per_helper_and_its_time(session: Session) -> None:
    request = make_request(session)
    later = NOW + timedelta(hours=5)
    resolution = resolve_request(
        session=session,
        team_id=T,
        key=request.key,
        resolver_id="UALICE",
        helpers=[BOB, CAROL, BOB],
        note="  merci  ",
        now=later,
    )
    assert resolution.thanked_ids == ("UBOB", "UCAROL")
    assert resolution.note == "merci"
    assert (request.status, request.resolved_at, request.resolution_note) == (
        "resolved",
        later,
        "merci",
    )
    thanks = session.scalars(select(HelpThanks).order_by(HelpThanks.receiver_id)).all()
    assert [(t.team_id, t.giver_id, t.receiver_id, t.created_at) for t in thanks] == [
        (T, "UALICE", "UBOB", later),
        (T, "UALICE", "UCAROL", later),
    ]
    with pytest.raises(DomainError, match="already resolved"):
        resolve_request(
            session=session,
            team_id=T,
            key=request.key,
            resolver_id="UALICE",
            helpers=[],
            note=None,
            now=later,
        )


def test_only_the_requester_resolves_and_bad_helpers_store_nothing(session: Session) -> None:
    request = make_request(session)
    robot = Person(id="UROBOT", team_id=T, is_bot=True)
    gone = Person(id="UGONE", team_id=T, deleted=True)
    for resolver, helpers, words in (
        ("UBOB", [CAROL], "<@UALICE>'s request"),
        ("UALICE", [ALICE], "yourself"),
        ("UALICE", [BOB, robot], "bot"),
        ("UALICE", [gone], "no longer"),
    ):
        with pytest.raises(DomainError, match=words):
            resolve_request(
                session=session,
                team_id=T,
                key=request.key,
                resolver_id=resolver,
                helpers=helpers,
                note=None,
                now=NOW,
            )
    assert request.status == "open"
    assert session.scalars(select(HelpThanks)).all() == []


# ----- stale ---------------------------------------------------------------------------------
def test_stale_due_uses_the_opening_or_reopening_time(session: Session) -> None:
    old = make_request(session, now=NOW - timedelta(days=15))
    reopened = make_request(session, now=NOW - timedelta(days=20))
    reopened.reopened_at = NOW - timedelta(days=2)
    make_request(session, now=NOW - timedelta(days=13))
    elsewhere = make_request(session, now=NOW - timedelta(days=30), team="T2")
    session.flush()
    due = stale_due(session=session, now=NOW, stale_after=timedelta(days=14))
    assert {key for _, key, _ in due} == {old.key, elsewhere.key}
    assert mark_stale(session=session, team_id=T, key=old.key, now=NOW)
    assert not mark_stale(session=session, team_id=T, key=old.key, now=NOW)
    assert not mark_stale(session=session, team_id=T, key=elsewhere.key, now=NOW)  # other team
    session.refresh(old)
    assert (old.status, old.stale_at) == ("stale", NOW)


# ----- topics and suggestions ------------------------------------------------------------------
def test_topics_add_remove_and_match(session: Session) -> None:
    assert add_topics(
        session=session, team_id=T, user_id="UBOB", topics=["sql", "go"], now=NOW
    ) == [
        "go",
        "sql",
    ]
    assert add_topics(session=session, team_id=T, user_id="UBOB", topics=["sql"], now=NOW) == [
        "go",
        "sql",
    ]
    add_topics(session=session, team_id="T2", user_id="UCAROL", topics=["sql"], now=NOW)
    assert remove_topics(session=session, team_id=T, user_id="UBOB", topics=["go"]) == ["sql"]
    found = topics_of(session=session, team_id=T, user_ids=["UBOB", "UCAROL"], tags=["sql", "x"])
    assert found == {"UBOB": frozenset({"sql"})}
    with pytest.raises(DomainError, match="31 topics; 30 is the most"):
        add_topics(
            session=session,
            team_id=T,
            user_id="UBOB",
            topics=[f"t{i}" for i in range(30)],
            now=NOW,
        )


def test_suggestions_respect_hours_opt_outs_mentions_and_recent_help(session: Session) -> None:
    dave = Person(id="UDAVE", team_id=T, tz="Europe/London", display_name="dave")
    erin = Person(id="UERIN", team_id=T, tz="Europe/Paris", display_name="erin")
    fred = Person(id="UFRED", team_id=T, tz="Europe/Madrid", display_name="fred")
    people = [ALICE, BOB, CAROL, dave, erin, fred]
    topics = {p.id: frozenset({"sql"}) for p in people}
    save_preferences(session=session, team_id=T, user_id="UFRED", now=NOW, opt_out_suggestions=True)
    save_preferences(session=session, team_id=T, user_id="UERIN", now=NOW, allow_mentions=True)
    save_preferences(
        session=session, team_id=T, user_id="UDAVE", now=NOW, paused_until=NOW + timedelta(days=1)
    )
    # Bob helped a day ago; Carol is asleep in Tokyo.
    earlier = make_request(session, requester=erin, now=NOW - timedelta(days=1))
    offer_help(session=session, team_id=T, key=earlier.key, helper=BOB, now=NOW - timedelta(days=1))

    chosen = suggest_helpers(
        session=session,
        team_id=T,
        requester_id="UALICE",
        tags=("sql",),
        people=people,
        topics=topics,
        now=NOW,
        seed="s",
    )
    assert chosen == [
        Suggestion(user_id="UERIN", label="erin", mention=True),
        Suggestion(user_id="UBOB", label="bob", mention=False),
    ]


# ----- export ---------------------------------------------------------------------------------
def test_export_has_help_requests_and_offers(session: Session) -> None:
    request = make_request(session, question="Where is the VPN doc?")
    offer_help(
        session=session, team_id=T, key=request.key, helper=BOB, now=NOW + timedelta(minutes=2)
    )
    rows = list(records(session=session, types=["help_request", "help_offer"]))
    assert rows == [
        {
            "type": "help_request",
            "team_id": T,
            "from_user": "UALICE",
            "to_user": "",
            "channel_id": "CGENERAL",
            "created_at": "2026-11-25T13:00:00Z",
            "text": "Where is the VPN doc?",
        },
        {
            "type": "help_offer",
            "team_id": T,
            "from_user": "UBOB",
            "to_user": "UALICE",
            "channel_id": "CGENERAL",
            "created_at": "2026-11-25T13:02:00Z",
            "text": "",
        },
    ]
    since = list(records(session=session, types=["help_offer"], since=NOW + timedelta(minutes=5)))
    assert since == []


def test_open_requests_someone_could_help_with(session: Session) -> None:
    add_topics(session=session, team_id=T, user_id="UBOB", topics=["sql"], now=NOW)
    match = make_request(session, question="SQL?", tags=("sql",))
    make_request(session, question="Design?", tags=("design",))
    own = make_request(session, requester=BOB, question="Mine", tags=("sql",))
    helping = make_request(session, question="Helping", tags=("sql",))
    offer_help(session=session, team_id=T, key=helping.key, helper=BOB, now=NOW)
    closed = make_request(session, question="Done", tags=("sql",))
    resolve_request(
        session=session,
        team_id=T,
        key=closed.key,
        resolver_id="UALICE",
        helpers=[],
        note=None,
        now=NOW,
    )
    make_request(session, question="Other team", tags=("sql",), team="T2")
    cards = open_requests_for(session=session, team_id=T, user_id="UBOB")
    assert [c.key for c in cards] == [match.key]
    assert own.key not in [c.key for c in cards]
    assert open_requests_for(session=session, team_id=T, user_id="UBOB", channel_ids=["CX"]) == []
    assert open_requests_for(session=session, team_id=T, user_id="UCAROL") == []
