"""Properties of every insights report, on random workspaces in a real database: no output
holds a member id, and every group shown has at least the minimum size."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from bot.services.insights import compute_insights
from bot.services.insights.output import headline_table, report_json, weekly_csv
from models import Kudos, Member, MemberPreferences, Thanks
from models.help_requests import HelpOffer, HelpRequest
from tests.properties import examples

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
DEPARTMENTS = ["eng", "ops", "sales", "legal", None]


def walk(value: Any) -> list[str]:
    """Every string anywhere in a report (dataclasses, lists, dicts, keys too)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in walk(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*walk(k), *walk(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in walk(v)]
    return [value] if isinstance(value, str) else []


people = st.lists(
    st.tuples(st.sampled_from(DEPARTMENTS), st.booleans(), st.booleans()),
    min_size=1,
    max_size=30,
)
events = st.lists(
    st.tuples(
        st.sampled_from(["kudos", "thanks", "help"]),
        st.integers(0, 29),
        st.integers(0, 29),
        st.integers(0, 24 * 7 * 8),  # hours before now
    ),
    max_size=60,
)


@settings(
    max_examples=examples(25),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(people=people, events=events, min_group=st.integers(3, 10), weeks=st.integers(1, 12))
def test_no_report_holds_a_member_id_and_no_shown_group_is_small(
    session: Session,
    people: list[tuple[str | None, bool, bool]],
    events: list[tuple[str, int, int, int]],
    min_group: int,
    weeks: int,
) -> None:
    savepoint = session.begin_nested()
    try:
        ids = [f"UQ{i:03d}XZ" for i in range(len(people))]
        joined = NOW - timedelta(days=400)
        for uid, (department, excused, titled) in zip(ids, people, strict=True):
            session.add(
                Member(
                    team_id="T0PROP",
                    user_id=uid,
                    display_name=f"name-{uid}",
                    real_name=f"Real {uid}",
                    department=None if titled else department,
                    title=(department or "") if titled else "",
                    created_at=joined,
                    updated_at=joined,
                )
            )
            if excused:
                session.add(
                    MemberPreferences(
                        team_id="T0PROP", user_id=uid, opt_out_suggestions=True, updated_at=joined
                    )
                )
        for n, (kind, a, b, hours) in enumerate(events):
            giver, receiver = ids[a % len(ids)], ids[b % len(ids)]
            when = NOW - timedelta(hours=hours)
            if kind == "kudos":
                session.add(
                    Kudos(
                        team_id="T0PROP",
                        post_id=f"p{n}",
                        giver_id=giver,
                        receiver_id=receiver,
                        channel_id="C",
                        reason="r",
                        created_at=when,
                    )
                )
            elif kind == "thanks":
                session.add(
                    Thanks(
                        team_id="T0PROP",
                        giver_id=giver,
                        receiver_id=receiver,
                        channel_id="C",
                        message_ts=f"{n}.1",
                        emoji="pray",
                        created_at=when,
                    )
                )
            else:
                request = HelpRequest(
                    key=f"prop{n}",
                    team_id="T0PROP",
                    requester_id=receiver,
                    channel_id="C",
                    question="q",
                    urgency="week",
                    tags=[],
                    status="open",
                    created_at=when,
                    first_offer_at=when + timedelta(hours=1),
                )
                session.add(request)
                session.flush()
                session.add(
                    HelpOffer(
                        team_id="T0PROP",
                        request_id=request.id,
                        helper_id=giver,
                        created_at=when + timedelta(hours=1),
                    )
                )
        session.flush()
        reports = [compute_insights(session, "T0PROP", now=NOW, weeks=weeks, min_group=min_group)]
        for name in {*(d for d in DEPARTMENTS if d), "other", "unassigned"}:
            reports.append(
                compute_insights(
                    session, "T0PROP", now=NOW, weeks=weeks, min_group=min_group, department=name
                )
            )
        whole = reports[0]
        if whole.departments:  # the shown groups add up: nothing left to subtract
            assert sum(row.members for row in whole.departments) == whole.active_members
        for report in reports:
            text = "\n".join(
                [
                    *walk(report),
                    json.dumps(report_json(report)),
                    weekly_csv(report),
                    headline_table(report),
                    repr(report),
                ]
            )
            assert not [uid for uid in ids if uid in text]
            assert all(row.members >= min_group for row in report.departments)
            assert report.active_members == 0 or report.active_members >= min_group
            assert report.help_matrix.departments == [d.name for d in report.departments]
    finally:
        savepoint.rollback()
