"""Feedback rules against a real database (each test rolled back)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services import export
from bot.services.feedback import (
    Draft,
    RequestView,
    cycles_by_month,
    decline_request,
    feedback_cycles,
    give_feedback,
    mark_reminded,
    open_request,
    parse_feedback,
    pending_feedback_requests,
    received_feedback,
    record_offer,
    reminder_due,
    request_feedback,
    requests_awaiting,
    working_days_between,
)
from bot.services.people import Person
from models.feedback import Feedback, FeedbackRequest

T = "T0TEAM"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # a Wednesday
ALICE = Person(id="UALICE", team_id=T, name="alice", tz="Europe/Berlin")
BOB = Person(id="UBOB", team_id=T, name="bob", tz="America/New_York")
CAROL = Person(id="UCAROL", team_id=T, name="carol", tz="Asia/Tokyo")
ROBOT = Person(id="UROBOT", team_id=T, name="robot", is_bot=True)
GONE = Person(id="UGONE", team_id=T, name="gone", deleted=True)
DRAFT = Draft(
    situation="Tuesday's launch review",
    behaviour="You walked us through the risks before the demo.",
    impact="Nobody was surprised when the staging deploy failed.",
    suggestion="Share the risk list a day earlier next time.",
)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def ask(session: Session, *reviewers: Person, topic: str | None = "the launch plan", at=NOW):
    return request_feedback(
        session=session,
        team_id=T,
        requester=ALICE,
        reviewers=list(reviewers),
        topic=topic,
        now=at,
    )


# ----- parsing ----------------------------------------------------------------------------
def test_parse_request_with_people_and_topic() -> None:
    parsed = parse_feedback("request <@UBOB|bob> <@UCAROL> @dave about the Q3 roadmap doc")
    assert parsed.action == "request"
    assert parsed.user_ids == ["UBOB", "UCAROL"]
    assert parsed.names == ["dave"]
    assert parsed.topic == "the Q3 roadmap doc"


def test_parse_give_list_and_help() -> None:
    assert parse_feedback("give <@UBOB>").user_ids == ["UBOB"]
    assert parse_feedback("list").action == "list"
    assert parse_feedback("").action == "help"
    assert parse_feedback("frobnicate").action == "unknown"
    assert parse_feedback("request <@UBOB>").topic is None


# ----- refusals: nothing stored ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("reviewers", "topic", "expected"),
    [
        ([ALICE], None, "yourself"),
        ([ROBOT], None, "bot"),
        ([GONE], None, "no longer"),
        ([], None, "Who should I ask"),
        (
            [Person(id=f"U{i}", team_id=T) for i in range(6)],
            None,
            "at most 5",
        ),
        ([BOB], "x" * 301, "under 300"),
    ],
)
def test_refused_requests_store_nothing(session: Session, reviewers, topic, expected) -> None:
    with pytest.raises(DomainError) as error:
        ask(session, *reviewers, topic=topic)
    assert expected in error.value.message
    assert count(session, FeedbackRequest) == 0


def test_a_request_is_one_pending_row_per_reviewer(session: Session) -> None:
    views = ask(session, BOB, CAROL)
    assert [v.reviewer_id for v in views] == ["UBOB", "UCAROL"]
    rows = session.scalars(select(FeedbackRequest).order_by(FeedbackRequest.reviewer_id)).all()
    assert {r.status for r in rows} == {"pending"}
    assert {r.batch_id for r in rows} == {rows[0].batch_id}
    assert rows[0].requested_at == NOW and rows[0].reminded_at is None


# ----- answering and declining ---------------------------------------------------------------
def test_feedback_closes_the_request_once(session: Session) -> None:
    (request,) = ask(session, BOB)
    given = give_feedback(
        session=session,
        team_id=T,
        giver=BOB,
        receiver=ALICE,
        draft=DRAFT,
        request_id=request.id,
        now=NOW + timedelta(hours=2),
    )
    assert given.topic == "the launch plan"
    row = session.get(FeedbackRequest, request.id)
    assert row is not None and row.status == "given"
    assert row.answered_at == NOW + timedelta(hours=2)
    with pytest.raises(DomainError, match="already sent"):
        give_feedback(
            session=session,
            team_id=T,
            giver=BOB,
            receiver=ALICE,
            draft=DRAFT,
            request_id=request.id,
            now=NOW,
        )
    assert count(session, Feedback) == 1


def test_only_the_reviewer_can_answer_or_decline(session: Session) -> None:
    (request,) = ask(session, BOB)
    with pytest.raises(DomainError, match="isn't addressed to you"):
        open_request(session=session, team_id=T, request_id=request.id, reviewer_id="UCAROL")
    with pytest.raises(DomainError, match="isn't addressed to you"):
        open_request(session=session, team_id="TOTHER", request_id=request.id, reviewer_id="UBOB")
    with pytest.raises(DomainError):
        decline_request(session=session, team_id=T, request_id="nope", reviewer_id="UBOB", now=NOW)


def test_declined_requests_cannot_be_answered(session: Session) -> None:
    (request,) = ask(session, BOB)
    declined = decline_request(
        session=session, team_id=T, request_id=str(request.id), reviewer_id="UBOB", now=NOW
    )
    assert declined.status == "declined"
    with pytest.raises(DomainError, match="declined"):
        give_feedback(
            session=session,
            team_id=T,
            giver=BOB,
            receiver=ALICE,
            draft=DRAFT,
            request_id=request.id,
            now=NOW,
        )


def test_incomplete_or_oversized_drafts_are_refused(session: Session) -> None:
    for draft, field in [
        (Draft(situation="x", behaviour="y", impact="z"), "suggestion"),
        (Draft(**{**DRAFT.__dict__, "impact": "i" * 1001}), "impact"),
        (Draft(**{**DRAFT.__dict__, "situation": "\x00\u200b "}), "situation"),
    ]:
        with pytest.raises(DomainError) as error:
            give_feedback(
                session=session, team_id=T, giver=BOB, receiver=ALICE, draft=draft, now=NOW
            )
        assert error.value.field == field
    with pytest.raises(DomainError, match="yourself"):
        give_feedback(session=session, team_id=T, giver=BOB, receiver=BOB, draft=DRAFT, now=NOW)
    assert count(session, Feedback) == 0


def test_received_feedback_is_only_the_receivers_newest_first(session: Session) -> None:
    for i, giver in enumerate([BOB, CAROL]):
        give_feedback(
            session=session,
            team_id=T,
            giver=giver,
            receiver=ALICE,
            draft=DRAFT,
            now=NOW + timedelta(minutes=i),
        )
    give_feedback(session=session, team_id=T, giver=ALICE, receiver=BOB, draft=DRAFT, now=NOW)
    items = received_feedback(session=session, team_id=T, user_id="UALICE")
    assert [i.giver_id for i in items] == ["UCAROL", "UBOB"]
    assert items[0].draft.behaviour == DRAFT.behaviour
    assert received_feedback(session=session, team_id="TOTHER", user_id="UALICE") == []


# ----- reminders -------------------------------------------------------------------------------
def test_pending_requests_and_the_one_reminder(session: Session) -> None:
    old, fresh = ask(session, BOB, at=NOW - timedelta(days=8))[0], ask(session, CAROL)[0]
    (answered,) = ask(session, Person(id="UDAVE", team_id=T), at=NOW - timedelta(days=9))
    decline_request(
        session=session, team_id=T, request_id=answered.id, reviewer_id="UDAVE", now=NOW
    )
    due = pending_feedback_requests(session=session, team_id=T, older_than=NOW - timedelta(days=7))
    assert [r.id for r in due] == [old.id]
    assert [r.id for r in requests_awaiting(session=session, team_id=T, reviewer_id="UBOB")] == [
        old.id
    ]
    assert requests_awaiting(session=session, team_id=T, reviewer_id="UDAVE") == []
    assert pending_feedback_requests(session=session, team_id="TOTHER", older_than=NOW) == []
    assert mark_reminded(session=session, team_id=T, request_id=old.id, now=NOW) is True
    assert mark_reminded(session=session, team_id=T, request_id=old.id, now=NOW) is False
    assert mark_reminded(session=session, team_id=T, request_id=answered.id, now=NOW) is False
    assert [
        r.id for r in pending_feedback_requests(session=session, team_id=T, older_than=NOW)
    ] == [fresh.id]


def test_five_working_days_in_the_reviewers_zone() -> None:
    wednesday = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert working_days_between(wednesday, wednesday + timedelta(days=7), tz="UTC") == 5
    assert working_days_between(wednesday, wednesday + timedelta(days=6), tz="UTC") == 4
    assert working_days_between(wednesday, wednesday + timedelta(days=2), tz="UTC") == 2
    request = RequestView(
        id=1,
        team_id=T,
        requester_id="UALICE",
        reviewer_id="UBOB",
        topic=None,
        message_link=None,
        status="pending",
        requested_at=wednesday,
    )
    assert not reminder_due(request, wednesday + timedelta(days=6), tz="Europe/Berlin")
    assert reminder_due(request, wednesday + timedelta(days=7), tz="Europe/Berlin")
    # A four-day week (Mon–Thu) takes longer to reach five working days.
    assert not reminder_due(
        request, wednesday + timedelta(days=7), tz="UTC", work_days=(0, 1, 2, 3)
    )


# ----- offers ----------------------------------------------------------------------------------
def test_an_offer_is_made_once_per_occasion(session: Session) -> None:
    first = record_offer(
        session=session, team_id=T, helped_id="UALICE", helper_id="UBOB", about="help #1", now=NOW
    )
    assert first is not None
    again = record_offer(
        session=session, team_id=T, helped_id="UALICE", helper_id="UBOB", about="help #1", now=NOW
    )
    assert again is None
    other = record_offer(
        session=session, team_id=T, helped_id="UALICE", helper_id="UBOB", about="help #2", now=NOW
    )
    assert other is not None
    assert (
        record_offer(
            session=session, team_id=T, helped_id="UBOB", helper_id="UBOB", about="x", now=NOW
        )
        is None
    )
    given = give_feedback(
        session=session,
        team_id=T,
        giver=ALICE,
        receiver=BOB,
        draft=DRAFT,
        offer_id=first.id,
        now=NOW,
    )
    assert given.topic == "help #1"
    with pytest.raises(DomainError, match="already sent"):
        give_feedback(
            session=session,
            team_id=T,
            giver=ALICE,
            receiver=BOB,
            draft=DRAFT,
            offer_id=first.id,
            now=NOW,
        )
    with pytest.raises(DomainError, match="someone else"):
        give_feedback(
            session=session,
            team_id=T,
            giver=ALICE,
            receiver=CAROL,
            draft=DRAFT,
            offer_id=other.id,
            now=NOW,
        )


# ----- numbers and export -----------------------------------------------------------------------
def test_cycles_are_counted_per_person_and_month(session: Session) -> None:
    november = ask(session, BOB, CAROL, at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    december = ask(session, BOB, at=datetime(2026, 12, 1, 9, tzinfo=UTC))
    for request, at in [
        (november[0], datetime(2026, 11, 3, tzinfo=UTC)),
        (november[1], datetime(2026, 11, 4, tzinfo=UTC)),
        (december[0], datetime(2026, 12, 2, tzinfo=UTC)),
    ]:
        reviewer = BOB if request.reviewer_id == "UBOB" else CAROL
        give_feedback(
            session=session,
            team_id=T,
            giver=reviewer,
            receiver=ALICE,
            draft=DRAFT,
            request_id=request.id,
            now=at,
        )
    # Unsolicited feedback is received, but it is not a request → given cycle.
    give_feedback(
        session=session,
        team_id=T,
        giver=ALICE,
        receiver=BOB,
        draft=DRAFT,
        now=datetime(2026, 11, 5, tzinfo=UTC),
    )
    by_month = cycles_by_month(session=session, team_id=T, since=datetime(2026, 1, 1, tzinfo=UTC))
    assert by_month == {("UALICE", date(2026, 11, 1)): 2, ("UALICE", date(2026, 12, 1)): 1}
    nov = feedback_cycles(
        session=session,
        team_id=T,
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert (nov["UALICE"].requested, nov["UALICE"].received_total) == (2, 2)
    assert (nov["UBOB"].given, nov["UBOB"].received_total, nov["UBOB"].requested) == (1, 1, 0)
    assert nov["UCAROL"].given == 1


def test_export_has_feedback_records_without_any_text(session: Session) -> None:
    secret = "SECRET-FEEDBACK-TEXT"
    give_feedback(
        session=session,
        team_id=T,
        giver=BOB,
        receiver=ALICE,
        draft=Draft(**{**DRAFT.__dict__, "behaviour": secret, "went_well": secret}),
        now=NOW,
    )
    rows = list(export.records(session=session, types=["feedback"]))
    assert rows == [
        {
            "type": "feedback",
            "team_id": T,
            "from_user": "UBOB",
            "to_user": "UALICE",
            "channel_id": "",
            "created_at": "2026-11-25T13:00:00Z",
            "text": "",
        }
    ]
    everything = list(export.records(session=session))
    assert secret not in repr(everything)


@given(
    st.lists(st.from_regex(r"U[A-Z0-9]{2,10}", fullmatch=True), max_size=7, unique=True),
    st.text(max_size=300),
)
def test_parse_finds_every_leading_mention_and_never_fails(ids: list[str], tail: str) -> None:
    text = "request " + " ".join(f"<@{uid}|n>" for uid in ids) + " about " + tail
    parsed = parse_feedback(text)
    assert parsed.action == "request"
    assert parsed.user_ids[: len(ids)] == ids
    assert parsed.topic is None or len(parsed.topic) <= len(text)
    parse_feedback(tail)  # any text at all parses to something
