"""compute_insights on hand-built workspaces with known answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.services.insights import HEADLINE, TRENDED, compute_insights
from models import Kudos, Member
from tests.services.insights_data import ACTIVE, EXPECTED, JOINED, NOW, TEAM, at, build


def test_every_headline_number_matches_the_hand_count(session: Session) -> None:
    build(session)
    report = compute_insights(session, TEAM, now=NOW, weeks=4)
    assert report.active_members == ACTIVE
    assert set(EXPECTED) == {d.key for d in HEADLINE}
    got = {m.key: (m.value, m.previous) for m in report.headline}
    assert got == EXPECTED
    assert report.start.isoformat() == "2026-11-02" and report.end.isoformat() == "2026-11-25"


def test_the_weekly_trend_counts_each_week(session: Session) -> None:
    build(session)
    report = compute_insights(session, TEAM, now=NOW, weeks=4)
    assert [w.start.isoformat() for w in report.weekly] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    assert all(set(w.values) == set(TRENDED) for w in report.weekly)
    assert [w.values["help_opened"] for w in report.weekly] == [0, 2, 0, 1]
    first, second = report.weekly[0].values, report.weekly[1].values
    assert first["participation"] == 14.3  # the feedback given on the 5th: 2 of 14
    assert first["balance"] == 0.0
    assert first["feedback_per_member_month"] == round(1 / 14 / (7 / 30.4375), 2)
    assert first["ei_help"] is None and second["ei_help"] == 1.0
    # 10–13 Nov: UENG1, UENG2, UENG3, UOPS1, UOPS2 took part; UENG1, UENG3, UOPS1 both ways
    assert second["participation"] == 35.7 and second["balance"] == 21.4


def test_small_departments_fold_into_other_with_the_next_smallest(session: Session) -> None:
    build(session)
    report = compute_insights(session, TEAM, now=NOW, weeks=4)
    # sales (2) and unassigned (1) are too small; together still under 5, so ops (5) goes too
    assert [(d.name, d.members) for d in report.departments] == [("eng", 6), ("other", 8)]
    eng, other = report.departments
    assert eng.values["participation"] == 83.3  # UENG1-5 of 6
    assert other.values["participation"] == 37.5  # UOPS1, UOPS2, UOPS5 of 8
    assert eng.values["ei_help"] == 1.0 and eng.values["ei_kudos"] == 0.0
    assert report.help_matrix.departments == ["eng", "other"]
    assert report.help_matrix.cells == [[0, 2], [0, 0]]
    assert any("folded" in note for note in report.notes)


def test_the_department_filter_counts_only_its_people(session: Session) -> None:
    build(session)
    eng = compute_insights(session, TEAM, now=NOW, weeks=4, department="eng")
    assert eng.active_members == 6
    assert eng.metric("participation").value == 83.3
    assert eng.metric("help_opened").value == 0  # the requests were asked by ops and sales
    assert eng.metric("ei_help").value == 1.0
    other = compute_insights(session, TEAM, now=NOW, weeks=4, department="other")
    assert other.active_members == 8 and other.metric("help_opened").value == 3


@pytest.mark.parametrize("name", ["sales", "ops", "Sales", "nowhere"])
def test_a_folded_or_unknown_department_shows_nothing(session: Session, name: str) -> None:
    build(session)
    report = compute_insights(session, TEAM, now=NOW, weeks=4, department=name)
    assert report.active_members == 0
    assert all(m.value is None and m.previous is None for m in report.headline)
    assert all(v is None for w in report.weekly for v in w.values.values())


def test_a_lower_minimum_shows_the_small_departments(session: Session) -> None:
    build(session)
    report = compute_insights(session, TEAM, now=NOW, weeks=4, min_group=2)
    # only unassigned (1) is small: it takes the next-smallest (Sales, 2) with it
    assert [(d.name, d.members) for d in report.departments] == [
        ("eng", 6),
        ("ops", 5),
        ("other", 3),
    ]
    assert report.help_matrix.cells == [[0, 2, 0], [0, 0, 0], [0, 0, 0]]


def test_excused_people_count_once_they_take_part(session: Session) -> None:
    build(session)
    session.add(
        Kudos(
            team_id=TEAM,
            post_id="p-x",
            giver_id="UENG1",
            receiver_id="UEXCUSED2",
            channel_id="CGEN",
            reason="thanks",
            created_at=at(11, 18),
        )
    )
    session.flush()
    report = compute_insights(session, TEAM, now=NOW, weeks=4)
    assert report.active_members == ACTIVE + 1  # receiving made them active
    assert report.metric("no_recognition_8w").value == 10  # and they never count against
    assert report.metric("receivers").value == round(100 * 8 / 15, 1)


def test_an_empty_workspace_and_a_single_member_show_nothing(session: Session) -> None:
    empty = compute_insights(session, "T0EMPTY", now=NOW)
    assert empty.active_members == 0 and empty.departments == []
    assert all(m.value is None for m in empty.headline)
    session.add(Member(team_id="T0ONE", user_id="ULONE", created_at=JOINED, updated_at=JOINED))
    session.add(
        Kudos(
            team_id="T0ONE",
            post_id="p",
            giver_id="ULONE",
            receiver_id="ULONE",
            channel_id="C",
            reason="me",
            created_at=NOW - timedelta(days=1),
        )
    )
    session.flush()
    one = compute_insights(session, "T0ONE", now=NOW)
    assert one.active_members == 0 and one.departments == [] and one.help_matrix.cells == []
    assert all(m.value is None and m.previous is None for m in one.headline)
    assert len(one.weekly) == 12 and all(v is None for w in one.weekly for v in w.values.values())


def test_another_workspace_is_never_counted(session: Session) -> None:
    build(session)
    build(session, team="T0OTHER")
    session.add(
        Kudos(
            team_id="T0OTHER",
            post_id="p",
            giver_id="UENG1",
            receiver_id="UENG2",
            channel_id="C",
            reason="x",
            created_at=at(11, 20),
        )
    )
    session.flush()
    report = compute_insights(session, TEAM, now=NOW, weeks=4)
    assert {m.key: (m.value, m.previous) for m in report.headline} == EXPECTED


def test_a_trend_compares_with_the_previous_period_of_the_same_length(session: Session) -> None:
    build(session)
    # On Monday 30 Nov at midnight a 4-week period is 9–30 Nov (the week just begun is
    # empty), so the previous one is 19 Oct–9 Nov: exactly the period seen on 9 Nov.
    monday = at(11, 30, 0)
    later = compute_insights(session, TEAM, now=monday, weeks=4)
    earlier = compute_insights(session, TEAM, now=monday - timedelta(weeks=3), weeks=4)
    assert (later.start - earlier.start).days == 21
    for metric in later.headline:
        assert metric.previous == earlier.metric(metric.key).value, metric.key
    # 19 Oct–9 Nov: the kudos of 20 Oct and the feedback of 5 Nov, 4 people of 14
    assert later.metric("participation").previous == 28.6
    assert later.metric("help_opened").value == 3 and later.metric("help_opened").previous == 0


def test_the_slack_title_is_stored_and_is_the_department_when_none_was_set(
    session: Session,
) -> None:
    from bot.directory import person_from_slack
    from bot.services.people import remember_member

    for n in range(5):
        user = {"id": f"UTITLE{n}", "name": f"t{n}", "profile": {"title": "  Research "}}
        remember_member(session=session, person=person_from_slack("T0TITLE", user), now=JOINED)
    user = {"id": "UTITLE0", "name": "t0", "profile": {"title": "Research Lead"}}
    member = remember_member(session=session, person=person_from_slack("T0TITLE", user), now=NOW)
    assert member.title == "Research Lead"  # a changed title is written
    session.get(Member, ("T0TITLE", "UTITLE4")).department = "Design"
    session.add(
        Kudos(
            team_id="T0TITLE",
            post_id="t",
            giver_id="UTITLE1",
            receiver_id="UTITLE2",
            channel_id="C",
            reason="x",
            created_at=NOW - timedelta(days=2),
        )
    )
    session.flush()
    report = compute_insights(session, "T0TITLE", now=NOW, min_group=3)
    # Research Lead (1) and Design (1) are small; together still under 3, so Research (3,
    # by title, trimmed) goes with them
    assert [(d.name, d.members) for d in report.departments] == [("other", 5)]
    wider = compute_insights(session, "T0TITLE", now=NOW, min_group=3, department="other")
    assert wider.active_members == 5
