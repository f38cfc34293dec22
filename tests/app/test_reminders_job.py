"""The "reminders" job through run_job and the Slack double: each reminder once, within bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.feedback import FeedbackRequest
from models.help_requests import HelpOffer, HelpRequest, HelpSuggestion
from models.mentoring import MentoringGroup, MentoringGroupMember
from models.preferences import MemberTopic
from scheduler.jobs import run_job

TEAM = "T0TEAM"
MONDAY_0800_UTC = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def dms(slack) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for post in slack.calls_to("chat.postMessage"):
        out.setdefault(post["channel"], []).append(post["text"])
    return out


def add_request(sessions, *, created, offer_at=None, tags=("python",)):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        request = HelpRequest(
            key="hr1",
            team_id=TEAM,
            requester_id="UALICE",
            channel_id="CGENERAL",
            message_ts="1700000000.000100",
            question="How do I profile a slow SQLAlchemy query?",
            urgency="week",
            tags=list(tags),
            status="open",
            created_at=created,
            first_offer_at=offer_at,
        )
        session.add(request)
        session.flush()
        if offer_at is not None:
            session.add(
                HelpOffer(
                    team_id=TEAM,
                    request_id=request.id,
                    helper_id="UDAVE",
                    offered_at=offer_at,
                    created_at=offer_at,
                )
            )
        for uid in ("UBOB", "UCAROL", "UDAVE", "UADMIN"):
            session.add(MemberTopic(team_id=TEAM, user_id=uid, topic="python", created_at=created))
        return request.id


def test_an_unanswered_request_is_surfaced_once_to_available_matching_helpers(
    deps, slack, sessions, clock
) -> None:
    add_request(sessions, created=MONDAY_0800_UTC)
    slack.channel_members["CGENERAL"] = ["UALICE", "UBOB", "UCAROL", "UDAVE", "UADMIN", "UROBOT"]
    clock.set(MONDAY_0800_UTC + timedelta(hours=3))
    run_job("reminders", deps, now=clock())
    assert dms(slack) == {}  # only 3 of Alice's working hours so far

    clock.set(MONDAY_0800_UTC + timedelta(hours=6))  # 15:00 Berlin, 09:00 New York
    summary = run_job("reminders", deps, now=clock())
    assert "1 help surfaced" in summary
    got = dms(slack)
    # Carol is in Tokyo (midnight): her DM waits; never the requester or the bot.
    assert "UALICE" not in got and "UROBOT" not in got
    assert 1 <= len(got) <= 3
    assert all("profile a slow SQLAlchemy query" in texts[0] for texts in got.values())
    with sessions() as session:
        suggested = set(session.scalars(select(HelpSuggestion.user_id)))
    assert set(got) <= suggested and "UCAROL" not in got

    clock.advance(minutes=10)
    run_job("reminders", deps, now=clock())
    assert dms(slack) == got  # surfaced once


def test_a_requester_with_offers_is_asked_once_to_resolve(deps, slack, sessions, clock) -> None:
    add_request(sessions, created=MONDAY_0800_UTC, offer_at=MONDAY_0800_UTC + timedelta(hours=1))
    clock.set(MONDAY_0800_UTC + timedelta(days=1, hours=2))
    run_job("reminders", deps, now=clock())
    assert dms(slack) == {}
    clock.set(MONDAY_0800_UTC + timedelta(days=2, hours=2))
    run_job("reminders", deps, now=clock())
    clock.advance(hours=1)
    run_job("reminders", deps, now=clock())
    got = dms(slack)
    assert list(got) == ["UALICE"] and len(got["UALICE"]) == 1
    assert "<@UDAVE>" in got["UALICE"][0]


def test_pending_feedback_gets_one_reminder_after_five_working_days(
    deps, slack, sessions, clock
) -> None:
    with sessions.begin() as session:
        session.add(
            FeedbackRequest(
                team_id=TEAM,
                batch_id="b1",
                requester_id="UALICE",
                reviewer_id="UDAVE",
                status="pending",
                requested_at=MONDAY_0800_UTC,
            )
        )
    clock.set(MONDAY_0800_UTC + timedelta(days=4, hours=2))  # Friday: four working days
    run_job("reminders", deps, now=clock())
    assert dms(slack) == {}
    clock.set(MONDAY_0800_UTC + timedelta(days=7, hours=2))  # the next Monday
    run_job("reminders", deps, now=clock())
    run_job("reminders", deps, now=clock() + timedelta(minutes=5))
    got = dms(slack)
    assert list(got) == ["UDAVE"] and len(got["UDAVE"]) == 1
    assert "<@UALICE>" in got["UDAVE"][0]
    with sessions() as session:
        assert session.scalar(select(FeedbackRequest.reminded_at)) is not None


def quiet_pair(sessions: sessionmaker[Session]) -> datetime:
    """Alice and Dave, a mentoring pair for four weeks that never logged a session."""
    start = MONDAY_0800_UTC - timedelta(weeks=4)
    with sessions.begin() as session:
        group = MentoringGroup(
            team_id=TEAM,
            kind="pair",
            topic="python",
            round_key="2026-W44",
            started_at=start,
            ends_at=start + timedelta(weeks=6),
        )
        session.add(group)
        session.flush()
        for uid, role in (("UALICE", "mentor"), ("UDAVE", "mentee")):
            session.add(
                MentoringGroupMember(group_id=group.id, team_id=TEAM, user_id=uid, role=role)
            )
    return start


def test_a_quiet_mentoring_pair_gets_one_nudge_and_opt_outs_hold(
    deps, slack, sessions, clock
) -> None:
    from bot.services.preferences import save_preferences

    start = quiet_pair(sessions)
    with sessions.begin() as session:
        save_preferences(
            session=session, team_id=TEAM, user_id="UDAVE", now=start, opt_out_pairing=True
        )
    clock.set(MONDAY_0800_UTC + timedelta(hours=2))
    run_job("reminders", deps, now=clock())
    run_job("reminders", deps, now=clock() + timedelta(hours=1))
    # Dave opted out of pairing: the pair's nudge would reach him in their group DM, so none.
    assert dms(slack) == {}
    assert not [c for c in slack.calls_to("chat.postMessage") if "3 weeks" in c["text"]]


def test_a_quiet_mentoring_pair_is_nudged_once_in_its_group_dm(
    deps, slack, sessions, clock
) -> None:
    quiet_pair(sessions)
    clock.set(MONDAY_0800_UTC + timedelta(hours=2))
    run_job("reminders", deps, now=clock())
    run_job("reminders", deps, now=clock() + timedelta(hours=1))
    nudges = [c for c in slack.calls_to("chat.postMessage") if "3 weeks" in c["text"]]
    assert len(nudges) == 1, "one nudge for the pair, not one each"
    opened = [c for c in slack.calls_to("conversations.open") if "," in str(c.get("users"))]
    assert sorted(str(opened[-1]["users"]).split(",")) == ["UALICE", "UDAVE"]
    assert nudges[0]["channel"].startswith("G")
    assert list(dms(slack)) == [nudges[0]["channel"]], "no separate DMs"
    assert "<@UALICE>" in nudges[0]["text"] and "<@UDAVE>" in nudges[0]["text"]
