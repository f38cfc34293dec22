"""The contribution record's numbers on a hand-built history, and what it never holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.blocks.record import record_markdown, record_message
from bot.errors import DomainError
from bot.services.record import contribution_record, parse_period
from models import Kudos, Member, Thanks
from models.feedback import Feedback
from models.help_requests import HelpOffer, HelpRequest, HelpThanks
from models.mentoring import MentoringSession
from models.rhythm import ShareReply

T = "T0TEAM"
ME = "UALICE"
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
SECRET = "SECRET-FEEDBACK-WORDS"


def day(n: int) -> datetime:
    return NOW - timedelta(days=n)


def member(session: Session, uid: str, department: str | None) -> None:
    session.add(
        Member(
            team_id=T,
            user_id=uid,
            display_name=uid[1:].lower(),
            department=department,
            created_at=NOW,
            updated_at=NOW,
        )
    )


def request(
    session: Session,
    rid: int,
    requester: str,
    at: datetime,
    *,
    resolved: bool = False,
    question: str = "How do I deploy?",
) -> HelpRequest:
    row = HelpRequest(
        id=rid,
        key=f"k{rid}",
        team_id=T,
        requester_id=requester,
        channel_id="CHELP",
        message_ts=f"1700000000.00000{rid}",
        question=question,
        urgency="week",
        tags=[],
        status="resolved" if resolved else "open",
        created_at=at,
        resolved_at=at + timedelta(hours=1) if resolved else None,
    )
    session.add(row)
    session.flush()
    return row


def seed(session: Session) -> None:
    member(session, "UBOB", "Platform")
    member(session, "UCAROL", "Design")
    member(session, "UDAVE", "platform")  # the same department, written differently
    member(session, "UERIN", None)
    # Help given: Bob (offer), Carol (thanked), Dave (offer and thanks: once), Erin long ago.
    request(session, 1, "UBOB", day(10))
    session.add(HelpOffer(team_id=T, request_id=1, helper_id=ME, created_at=day(10)))
    request(session, 2, "UCAROL", day(20), resolved=True, question="Why is <b>CI</b> red?")
    session.add(
        HelpThanks(
            team_id=T,
            request_id=2,
            giver_id="UCAROL",
            receiver_id=ME,
            channel_id="CHELP",
            created_at=day(19),
        )
    )
    request(session, 3, "UDAVE", day(30), resolved=True)
    session.add(HelpOffer(team_id=T, request_id=3, helper_id=ME, created_at=day(30)))
    session.add(
        HelpThanks(
            team_id=T,
            request_id=3,
            giver_id="UDAVE",
            receiver_id=ME,
            channel_id="CHELP",
            created_at=day(29),
        )
    )
    request(session, 4, "UERIN", day(200))
    session.add(HelpOffer(team_id=T, request_id=4, helper_id=ME, created_at=day(200)))
    # Someone else's help is not mine.
    session.add(HelpOffer(team_id=T, request_id=1, helper_id="UCAROL", created_at=day(9)))
    # My own requests: one resolved in the period, one open.
    request(session, 5, ME, day(5), resolved=True, question="Where are the runbooks?")
    request(session, 6, ME, day(4))
    # Kudos and thanks to me, and by me; a retracted thanks does not count.
    session.add(
        Kudos(
            team_id=T,
            post_id="p1",
            giver_id="UBOB",
            receiver_id=ME,
            channel_id="CG",
            reason="for the <!channel> calm review & notes",
            message_ts="1700.1",
            created_at=day(3),
        )
    )
    session.add(
        Kudos(
            team_id=T,
            post_id="p2",
            giver_id="UCAROL",
            receiver_id=ME,
            channel_id="CG",
            reason="long ago",
            created_at=day(300),
        )
    )
    session.add(
        Kudos(
            team_id=T,
            post_id="p3",
            giver_id=ME,
            receiver_id="UBOB",
            channel_id="CG",
            reason="thanks",
            created_at=day(2),
        )
    )
    session.add(
        Thanks(
            team_id=T,
            giver_id="UDAVE",
            receiver_id=ME,
            channel_id="CG",
            message_ts="1700.2",
            emoji="pray",
            created_at=day(1),
        )
    )
    session.add(
        Thanks(
            team_id=T,
            giver_id="UERIN",
            receiver_id=ME,
            channel_id="CG",
            message_ts="1700.3",
            emoji="pray",
            created_at=day(1),
            retracted_at=day(0),
        )
    )
    # Mentoring: two sessions, one logged by the other person, with private notes.
    session.add(
        MentoringSession(
            team_id=T, logged_by=ME, with_user="UBOB", notes="my notes", created_at=day(7)
        )
    )
    session.add(
        MentoringSession(
            team_id=T,
            logged_by="UCAROL",
            with_user=ME,
            notes="CAROL-PRIVATE-NOTES",
            created_at=day(8),
        )
    )
    # Feedback: given once, received twice; its words must never appear.
    for giver, receiver, at in (
        (ME, "UBOB", day(6)),
        ("UBOB", ME, day(12)),
        ("UCAROL", ME, day(40)),
    ):
        session.add(
            Feedback(
                team_id=T,
                giver_id=giver,
                receiver_id=receiver,
                situation=SECRET,
                behaviour=SECRET,
                impact=SECRET,
                suggestion=SECRET,
                topic=SECRET,
                created_at=at,
            )
        )
    # Share-and-solve.
    for n, kind in enumerate(("challenge", "help", "help", "comment")):
        session.add(
            ShareReply(
                team_id=T,
                channel_id="CS",
                prompt_id=1,
                user_id=ME,
                message_ts=f"1800.{n}",
                kind=kind,
                created_at=day(n + 1),
            )
        )
    # Another workspace's data is never mine.
    session.add(
        Kudos(
            team_id="T0OTHER",
            post_id="p9",
            giver_id="UBOB",
            receiver_id=ME,
            channel_id="CG",
            reason="other team",
            created_at=day(3),
        )
    )
    session.flush()


def test_the_numbers_on_a_hand_built_history(session: Session) -> None:
    seed(session)
    record = contribution_record(
        session=session, team_id=T, user_id=ME, period=parse_period("", now=NOW)
    )
    assert [h.requester_id for h in record.help_given] == ["UBOB", "UCAROL", "UDAVE"]
    assert record.people_helped == 3
    assert record.departments_helped == 2  # Platform (twice spelled) and Design; Erin has none
    assert record.help_given[0].link == "https://slack.com/archives/CHELP/p1700000000000001"
    assert [r.question for r in record.resolved] == ["Where are the runbooks?"]
    assert [(k.giver_id, k.reason) for k in record.kudos_received] == [
        ("UBOB", "for the <!channel> calm review & notes")
    ]
    assert sorted((t.kind, t.giver_id) for t in record.thanks_received) == [
        ("help_thanks", "UCAROL"),
        ("help_thanks", "UDAVE"),
        ("thanks", "UDAVE"),
    ]
    assert record.kudos_given == 1 and record.thanks_given == 0
    assert sorted(s.with_user for s in record.mentoring) == ["UBOB", "UCAROL"]
    assert record.feedback_given == [day(6)]
    assert record.feedback_received == [day(12), day(40)]
    assert (record.challenges_shared, record.share_help_replies, record.share_comments) == (1, 2, 1)


def test_a_shorter_period_counts_less(session: Session) -> None:
    seed(session)
    record = contribution_record(
        session=session, team_id=T, user_id=ME, period=parse_period("2 weeks", now=NOW)
    )
    assert [h.requester_id for h in record.help_given] == ["UBOB"]
    assert record.feedback_received == [day(12)]
    since = contribution_record(
        session=session, team_id=T, user_id=ME, period=parse_period("since 2026-01-01", now=NOW)
    )
    assert len(since.help_given) == 4 and len(since.kudos_received) == 2  # day 300: Jan 29


def test_no_feedback_text_no_notes_no_other_team_anywhere(session: Session) -> None:
    seed(session)
    record = contribution_record(
        session=session, team_id=T, user_id=ME, period=parse_period("since 2025-01-01", now=NOW)
    )
    message = json.dumps(record_message(record), ensure_ascii=False)
    markdown = record_markdown(record, {"UBOB": "bob"})
    data = json.dumps(record.as_json())
    for shown in (message, markdown, data):
        assert SECRET not in shown
        assert "CAROL-PRIVATE-NOTES" not in shown and "my notes" not in shown
        assert "other team" not in shown
    assert "<!channel>" not in message and "&lt;!channel&gt;" in message  # escaped: no ping
    assert "&lt;b&gt;CI&lt;/b&gt;" in message
    assert "calm review" in markdown and "from bob" in markdown


def test_periods() -> None:
    assert parse_period("", now=NOW).start == NOW - timedelta(days=90)
    this = parse_period("this quarter", now=NOW)
    assert this.start == datetime(2026, 10, 1, tzinfo=UTC) and this.end == NOW
    last = parse_period("last quarter", now=NOW, tz="Europe/Berlin")
    assert last.start == datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert last.end == datetime(2026, 9, 30, 22, tzinfo=UTC)
    jan = parse_period("last quarter", now=datetime(2026, 2, 1, tzinfo=UTC))
    assert jan.start == datetime(2025, 10, 1, tzinfo=UTC)
    assert parse_period("12 weeks", now=NOW).start == NOW - timedelta(weeks=12)
    for bad in ("soon", "0 weeks", "999 weeks", "since 2026-13-01", "since 2030-01-01"):
        with pytest.raises(DomainError):
            parse_period(bad, now=NOW)


def test_new_hires_seen_to_the_horizon_as_a_buddy_count(session: Session) -> None:
    from models.onboarding import OnboardingHire

    def hire(uid: str, buddy: str, thanked: datetime | None) -> None:
        session.add(
            OnboardingHire(
                team_id=T,
                user_id=uid,
                joined_at=day(40),
                horizon_at=day(10),
                buddy_id=buddy,
                matched_at=day(40),
                thanked_at=thanked,
            )
        )

    hire("UNEW1", ME, day(10))
    hire("UNEW2", ME, None)  # still in the programme: not yet a contribution
    hire("UNEW3", ME, day(200))  # before the period
    hire("UNEW4", "UBOB", day(5))  # someone else's
    session.flush()
    record = contribution_record(
        session=session, team_id=T, user_id=ME, period=parse_period("", now=NOW)
    )
    assert [b.with_user for b in record.buddying] == ["UNEW1"]
    assert "Onboarding buddy* — 1 new hire" in json.dumps(
        record_message(record), ensure_ascii=False
    )
    assert "## Onboarding buddy (1)" in record_markdown(record, {"UNEW1": "newbie"})
