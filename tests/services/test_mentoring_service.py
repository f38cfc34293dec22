"""The mentoring service against a real database: rounds, rotation, sessions, the digest and
reminder queries, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services import mentoring
from bot.services.export import records
from bot.services.people import Person
from bot.services.preferences import save_preferences
from models.mentoring import MentoringEnrollment, MentoringSession
from models.workspace import Member

TEAM = "T1"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # a Wednesday, in ISO week 48


def person(uid: str, **extra: object) -> Person:
    return Person(id=uid, team_id=TEAM, name=uid.lower(), **extra)  # type: ignore[arg-type]


def enroll(session: Session, uid: str, role: str, *topics: str, at: datetime = NOW) -> None:
    mentoring.join(session=session, person=person(uid), role=role, topics=topics, now=at)


def round_(session: Session, now: datetime = NOW, capacity: int = 2) -> mentoring.RoundResult:
    return mentoring.run_round(
        session=session, team_id=TEAM, now=now, horizon_weeks=6, capacity=capacity
    )


def active(session: Session) -> list[tuple[str, tuple[str, ...]]]:
    groups = mentoring.pairs_started_between(
        session=session,
        team_id=TEAM,
        start=NOW - timedelta(days=999),
        end=NOW + timedelta(days=999),
    )
    return sorted((g.kind, tuple(g.user_ids)) for g in groups if g.ended_at is None)


def test_parse_topics_cleans_and_refuses_odd_words() -> None:
    assert mentoring.parse_topics(["#Python,", "design", "python"]) == ("python", "design")
    with pytest.raises(DomainError):
        mentoring.parse_topics(["x" * 10_000])
    with pytest.raises(DomainError):
        mentoring.parse_topics(["'; DROP TABLE members; --"])
    with pytest.raises(DomainError):
        mentoring.parse_topics([f"t{i}" for i in range(11)])


def test_a_round_pairs_mentees_by_topic_and_respects_capacity(session: Session) -> None:
    enroll(session, "UMENTOR", "mentor", "sql")
    enroll(session, "UOTHER", "mentor", "design")
    for uid in ("UA", "UB", "UC"):
        enroll(session, uid, "mentee", "sql")
    result = round_(session, capacity=1)
    assert result == mentoring.RoundResult(ended=0, started=2)
    groups = mentoring.pairs_started_between(
        session=session, team_id=TEAM, start=NOW, end=NOW + timedelta(seconds=1)
    )
    assert {(g.mentor_id, g.mentee_id) for g in groups} == {("UMENTOR", "UA"), ("UOTHER", "UB")}
    assert [g.topic for g in groups if g.mentor_id == "UMENTOR"] == ["sql"]
    # Running the round again the same week pairs nobody twice; UC still waits for a mentor.
    assert round_(session, capacity=1).started == 0


def test_opted_out_paused_and_avoided_people_are_not_paired(session: Session) -> None:
    enroll(session, "UMENTOR", "mentor")
    for uid in ("UA", "UB", "UC"):
        enroll(session, uid, "mentee")
    save_preferences(session=session, team_id=TEAM, user_id="UA", now=NOW, opt_out_pairing=True)
    save_preferences(
        session=session, team_id=TEAM, user_id="UB", now=NOW, paused_until=NOW + timedelta(days=7)
    )
    assert mentoring.avoid(
        session=session, team_id=TEAM, user_id="UC", other=person("UMENTOR"), now=NOW
    )
    assert not mentoring.avoid(
        session=session, team_id=TEAM, user_id="UC", other=person("UMENTOR"), now=NOW
    )
    assert round_(session).started == 0


def test_pairs_rotate_at_the_horizon_and_do_not_repeat(session: Session) -> None:
    enroll(session, "UM1", "mentor")
    enroll(session, "UM2", "mentor")
    enroll(session, "UA", "mentee")
    enroll(session, "UB", "mentee")
    round_(session, capacity=1)
    first = active(session)
    assert len(first) == 2
    # Five weeks later nothing has ended; at the start of week six + 1 the pairs rotate.
    assert round_(session, NOW + timedelta(weeks=5), capacity=1) == mentoring.RoundResult(0, 0)
    later = NOW + timedelta(weeks=6) - timedelta(days=2)  # Monday 13:00 of the sixth week
    assert round_(session, later, capacity=1) == mentoring.RoundResult(ended=2, started=2)
    second = [g for g in active(session)]
    assert len(second) == 2 and set(second).isdisjoint(first)
    thank = mentoring.groups_to_thank(session=session, team_id=TEAM)
    assert sorted(tuple(g.user_ids) for g in thank) == sorted(u for _, u in first)


def test_circles_form_from_three_people_and_not_from_two(session: Session) -> None:
    enroll(session, "UA", "circle", "leadership")
    enroll(session, "UB", "circle", "leadership")
    assert round_(session).started == 0
    enroll(session, "UC", "circle")
    assert round_(session).started == 1
    assert active(session) == [("circle", ("UA", "UB", "UC"))]
    circle = mentoring.groups_to_introduce(session=session, team_id=TEAM)[0]
    assert circle.topic == "leadership"


def test_departments_are_mixed_when_topics_tie(session: Session) -> None:
    enroll(session, "UM1", "mentor")
    enroll(session, "UM2", "mentor")
    enroll(session, "UA", "mentee")
    for uid, department in (("UM1", "eng"), ("UM2", "sales"), ("UA", "eng")):
        session.get(Member, (TEAM, uid)).department = department  # type: ignore[union-attr]
    round_(session)
    assert active(session) == [("pair", ("UM2", "UA"))]


def test_logging_needs_a_shared_group_and_counts_for_both_once_a_day(session: Session) -> None:
    enroll(session, "UM", "mentor")
    enroll(session, "UA", "mentee")
    with pytest.raises(DomainError, match="aren't paired"):
        mentoring.log_session(
            session=session,
            team_id=TEAM,
            logger=person("UA"),
            other=person("UM"),
            notes="hi",
            now=NOW,
        )
    round_(session)
    logged = mentoring.log_session(
        session=session,
        team_id=TEAM,
        logger=person("UA"),
        other=person("UM"),
        notes="roadmap",
        now=NOW,
    )
    assert (logged.helper_id, logged.helped_id, logged.already) == ("UM", "UA", False)
    again = mentoring.log_session(
        session=session,
        team_id=TEAM,
        logger=person("UM"),
        other=person("UA"),
        notes="same one",
        now=NOW + timedelta(hours=1),
    )
    assert again.already and again.id == logged.id
    assert mentoring.session_count(session=session, team_id=TEAM, user_id="UA") == 1
    assert mentoring.session_count(session=session, team_id=TEAM, user_id="UM") == 1
    for bad, message in (
        (person("UA"), "yourself"),
        (person("UBOT", is_bot=True), "bot"),
        (person("UGONE", deleted=True), "no longer"),
    ):
        with pytest.raises(DomainError, match=message):
            mentoring.log_session(
                session=session, team_id=TEAM, logger=person("UA"), other=bad, notes="x", now=NOW
            )
    with pytest.raises(DomainError, match="under 1,000"):
        mentoring.log_session(
            session=session,
            team_id=TEAM,
            logger=person("UA"),
            other=person("UM"),
            notes="x" * 10_000,
            now=NOW,
        )
    assert session.scalar(select(func.count(MentoringSession.id))) == 1


def test_quiet_pairs_are_active_pairs_with_no_session_since(session: Session) -> None:
    enroll(session, "UM", "mentor")
    enroll(session, "UA", "mentee")
    enroll(session, "UB", "mentee")
    round_(session)
    three_weeks = NOW + timedelta(weeks=3)
    since = three_weeks - timedelta(weeks=3)
    assert {
        g.mentee_id for g in mentoring.quiet_pairs(session=session, team_id=TEAM, since=since)
    } == {"UA", "UB"}
    mentoring.log_session(
        session=session,
        team_id=TEAM,
        logger=person("UB"),
        other=person("UM"),
        notes="ok",
        now=NOW + timedelta(days=2),
    )
    quiet = mentoring.quiet_pairs(session=session, team_id=TEAM, since=since)
    assert [(g.mentor_id, g.mentee_id) for g in quiet] == [("UM", "UA")]
    # A pair that started after `since` is not quiet yet; another team sees nothing.
    assert mentoring.quiet_pairs(session=session, team_id=TEAM, since=NOW - timedelta(days=1)) == []
    assert mentoring.quiet_pairs(session=session, team_id="T2", since=since) == []


def test_leaving_ends_the_pair_without_thanks_and_frees_the_mentor(session: Session) -> None:
    enroll(session, "UM", "mentor")
    enroll(session, "UA", "mentee")
    round_(session)
    result = mentoring.leave(session=session, team_id=TEAM, user_id="UA", now=NOW)
    assert result == mentoring.LeaveResult(roles=("mentee",), ended_groups=1)
    assert mentoring.groups_to_thank(session=session, team_id=TEAM) == []
    assert mentoring.groups_to_introduce(session=session, team_id=TEAM) == []
    assert session.scalars(select(MentoringEnrollment.active)).all() == [True, False]
    status = mentoring.status(session=session, team_id=TEAM, user_id="UM")
    assert status.groups == () and status.roles == (("mentor", ()),)


def test_export_has_sessions_without_their_notes(session: Session) -> None:
    enroll(session, "UM", "mentor")
    enroll(session, "UA", "mentee")
    round_(session)
    mentoring.log_session(
        session=session,
        team_id=TEAM,
        logger=person("UA"),
        other=person("UM"),
        notes="private",
        now=NOW,
    )
    rows = list(records(session=session, types=["mentoring_session"]))
    assert rows == [
        {
            "type": "mentoring_session",
            "team_id": TEAM,
            "from_user": "UA",
            "to_user": "UM",
            "channel_id": "",
            "created_at": "2026-11-25T13:00:00Z",
            "text": "",
        }
    ]
    assert (
        list(records(session=session, types=["mentoring_session"], since=NOW + timedelta(1))) == []
    )


def test_the_round_is_due_from_monday_morning() -> None:
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert not mentoring.round_is_due(monday + timedelta(hours=8, minutes=59))
    assert mentoring.round_is_due(monday + timedelta(hours=9))
    assert mentoring.round_key(monday) == "2026-W48"
