"""A small hand-built workspace with known insights, shared by the compute and CLI tests.

`now` is Wednesday 25 November 2026, 13:00 UTC; a 4-week period starts Monday 2 November,
the previous one (the same 23.54 days) on 9 October 11:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from models import Kudos, Member, MemberPreferences, Thanks
from models.feedback import Feedback, FeedbackRequest
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.mentoring import MentoringGroup, MentoringGroupMember, MentoringSession

TEAM = "T0DATA"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
JOINED = datetime(2026, 1, 1, tzinfo=UTC)

# user id -> (department setting, Slack title)
PEOPLE: dict[str, tuple[str | None, str]] = {
    **{f"UENG{i}": ("eng", "") for i in range(1, 7)},
    **{f"UOPS{i}": ("ops", "Engineer") for i in range(1, 6)},  # the setting wins over the title
    "USALES1": (None, "Sales"),  # no setting: the Slack title is the department
    "USALES2": (None, " Sales "),
    "UNOBODY": (None, ""),  # neither: unassigned
    "UEXCUSED1": ("eng", ""),  # opted out of being suggested
    "UEXCUSED2": ("ops", ""),  # paused
    "UEXCUSED3": ("ops", ""),  # weekly cap 0
}
BOT, GONE = "UBOTTY", "UGONE"


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def build(session: Session, team: str = TEAM) -> None:
    for uid, (department, title) in PEOPLE.items():
        session.add(
            Member(
                team_id=team,
                user_id=uid,
                display_name=uid.lower(),
                department=department,
                title=title,
                created_at=JOINED,
                updated_at=JOINED,
            )
        )
    for uid, flags in ((BOT, {"is_bot": True}), (GONE, {"deleted": True})):
        session.add(
            Member(team_id=team, user_id=uid, created_at=JOINED, updated_at=JOINED, **flags)
        )
    session.add_all(
        [
            MemberPreferences(
                team_id=team, user_id="UEXCUSED1", opt_out_suggestions=True, updated_at=JOINED
            ),
            MemberPreferences(
                team_id=team, user_id="UEXCUSED2", paused_until=at(12, 31), updated_at=JOINED
            ),
            MemberPreferences(
                team_id=team, user_id="UEXCUSED3", weekly_nudge_cap=0, updated_at=JOINED
            ),
        ]
    )

    def kudos(giver: str, receiver: str, when: datetime) -> None:
        session.add(
            Kudos(
                team_id=team,
                post_id=f"{giver}-{receiver}-{when:%j}",
                giver_id=giver,
                receiver_id=receiver,
                channel_id="CGEN",
                reason="thanks",
                created_at=when,
            )
        )

    kudos("UENG1", "UENG2", at(10, 20))  # the previous period: inside eng
    kudos("UENG1", "UOPS1", at(11, 10))  # across
    kudos("UENG2", "UENG3", at(11, 10))  # inside
    session.add_all(
        [
            Thanks(
                team_id=team,
                giver_id="UENG3",
                receiver_id="UENG1",
                channel_id="CGEN",
                message_ts="1.1",
                emoji="pray",
                created_at=at(11, 10),
            ),
            Thanks(
                team_id=team,
                giver_id="UOPS2",
                receiver_id="UENG1",
                channel_id="CGEN",
                message_ts="1.2",
                emoji="pray",
                created_at=at(11, 10),
                retracted_at=at(11, 11),
            ),
        ]
    )

    def request(
        key: str, requester: str, created: datetime, status: str, **extra: object
    ) -> HelpRequest:
        row = HelpRequest(
            key=f"{team}-{key}",
            team_id=team,
            requester_id=requester,
            channel_id="CHELP",
            question="how?",
            urgency="week",
            tags=[],
            status=status,
            created_at=created,
            **extra,
        )
        session.add(row)
        session.flush()
        return row

    first = request(
        "k1", "UOPS1", at(11, 10), "resolved", first_offer_at=at(11, 10, 12), resolved_at=at(11, 11)
    )
    second = request("k2", "UOPS2", at(11, 12), "open", first_offer_at=at(11, 13, 16))
    request("k3", "USALES1", at(11, 24), "open")
    session.add_all(
        [
            HelpOffer(
                team_id=team,
                request_id=first.id,
                helper_id="UENG1",
                offered_at=at(11, 10, 12),
                created_at=at(11, 10, 12),
            ),
            HelpOffer(
                team_id=team,
                request_id=second.id,
                helper_id="UENG2",
                offered_at=at(11, 13, 16),
                created_at=at(11, 13, 16),
            ),
            HelpThanks(
                team_id=team,
                request_id=first.id,
                giver_id="UOPS1",
                receiver_id="UENG1",
                channel_id="CHELP",
                created_at=at(11, 11),
            ),
        ]
    )

    def ask(
        batch: str,
        requester: str,
        reviewer: str,
        when: datetime,
        status: str,
        answered: datetime | None = None,
    ) -> FeedbackRequest:
        row = FeedbackRequest(
            team_id=team,
            batch_id=batch,
            requester_id=requester,
            reviewer_id=reviewer,
            status=status,
            requested_at=when,
            answered_at=answered,
        )
        session.add(row)
        session.flush()
        return row

    given = ask("b1", "UENG4", "UENG5", at(11, 3, 9), "given", at(11, 5, 9))
    ask("b2", "UENG4", "UENG6", at(11, 3, 9), "declined", at(11, 4, 9))
    ask("b3", "UOPS3", "UOPS4", at(11, 20), "pending")
    session.add(
        Feedback(
            team_id=team,
            giver_id="UENG5",
            receiver_id="UENG4",
            request_id=given.id,
            situation="SECRET-SITUATION",
            behaviour="SECRET",
            impact="SECRET",
            suggestion="SECRET",
            created_at=at(11, 5, 9),
        )
    )

    pair = MentoringGroup(
        team_id=team, kind="pair", round_key="r1", started_at=at(10, 20), ends_at=at(12, 1)
    )
    circle = MentoringGroup(
        team_id=team, kind="circle", round_key="r2", started_at=at(11, 3), ends_at=at(12, 15)
    )
    session.add_all([pair, circle])
    session.flush()
    session.add_all(
        [
            MentoringGroupMember(group_id=pair.id, team_id=team, user_id="UENG5", role="mentor"),
            MentoringGroupMember(group_id=pair.id, team_id=team, user_id="UOPS5", role="mentee"),
            *(
                MentoringGroupMember(group_id=circle.id, team_id=team, user_id=u, role="peer")
                for u in ("UOPS3", "UOPS4", "USALES2")
            ),
            MentoringSession(
                team_id=team,
                group_id=pair.id,
                logged_by="UENG5",
                with_user="UOPS5",
                notes="SECRET",
                created_at=at(11, 16),
            ),
        ]
    )
    session.flush()


# What the period holds, worked out by hand (see the module's docstring for the dates).
ACTIVE = 14  # 6 eng + 5 ops + 2 sales + 1 unassigned; not the bot, the gone or the excused
EXPECTED: dict[str, tuple[float | None, float | None]] = {  # key -> (value, previous)
    "participation": (57.1, 14.3),  # 8 of 14 gave or received; before: 2 (a kudos)
    "givers": (42.9, 7.1),  # UENG1, UENG2, UENG3, UOPS1, UENG5, UOPS5
    "receivers": (50.0, 7.1),  # UENG1, UENG3, UOPS1, UOPS2, UENG4, UENG5, UOPS5
    "balance": (35.7, 0.0),  # UENG1, UENG3, UOPS1, UENG5, UOPS5
    "feedback_per_member_month": (0.09, 0.0),  # 1 / 14 / (23.54 / 30.44)
    "feedback_answered": (1, 0),
    "feedback_declined": (1, 0),
    "feedback_open": (1, 0),
    "feedback_median_days": (2.0, None),
    "mentoring_share": (35.7, 14.3),  # 5 of 14 in the pair or the circle; before, the pair
    "mentoring_active_groups": (2, 1),
    "mentoring_sessions_per_group_month": (0.65, 0.0),  # 1 / 2 / (23.54 / 30.44)
    "mentoring_groups_without_session": (1, 1),
    "help_opened": (3, 0),
    "help_resolved": (1, 0),
    "help_open_now": (2, 0),
    "help_first_offer_median_hours": (16.0, None),  # 2 h and 30 h
    "help_first_offer_p90_hours": (27.2, None),
    "help_offer_within_day": (33.3, None),  # 1 of the 3 whose first day is over
    "ei_help": (1.0, None),  # both offers eng -> ops
    "ei_thanks": (0.0, None),  # eng -> eng, ops -> eng (the retracted one is not counted)
    "ei_kudos": (0.0, -1.0),  # eng -> ops and eng -> eng; before, eng -> eng
    "recognition_gini": (0.821, 0.929),  # 1, 1, 2 and eleven 0s; before 1 and thirteen 0s
    "no_recognition_8w": (10, 13),  # 14 minus UENG1, UENG2, UENG3, UOPS1; not the excused
    "top10_help_share": (50.0, None),  # the top 1 of 2 helpers gave 1 of 2
}
