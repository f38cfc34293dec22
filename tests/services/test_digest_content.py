"""The digest's content and its Block Kit: stories, counts, participation, limits, opt-outs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.digest import digest_message, section_lines, section_summary
from bot.services.digest import build_digest
from bot.services.preferences import save_preferences
from bot.services.share_and_solve import record_prompt, record_reply
from models import Kudos, Member, Thanks
from models.help_requests import HelpRequest, HelpThanks

T, C = "T1", "CTEAM"
NOW = datetime(2026, 11, 27, 15, tzinfo=UTC)


def kudos(
    session: Session,
    giver: str,
    receivers: list[str],
    reason: str,
    *,
    ago: timedelta = timedelta(days=1),
    channel: str = C,
    team: str = T,
) -> None:
    post = str(uuid.uuid4())
    for receiver in receivers:
        session.add(
            Kudos(
                team_id=team,
                post_id=post,
                giver_id=giver,
                receiver_id=receiver,
                channel_id=channel,
                reason=reason,
                created_at=NOW - ago,
            )
        )
    session.flush()


def thanks(
    session: Session, giver: str, receiver: str, emoji: str, ts: str, *, retracted: bool = False
) -> None:
    session.add(
        Thanks(
            team_id=T,
            giver_id=giver,
            receiver_id=receiver,
            channel_id=C,
            message_ts=ts,
            emoji=emoji,
            created_at=NOW - timedelta(hours=5),
            retracted_at=NOW if retracted else None,
        )
    )
    session.flush()


def help_request(
    session: Session, requester: str, question: str, *, resolved_by: list[str] | None = None
) -> None:
    request = HelpRequest(
        key=uuid.uuid4().hex,
        team_id=T,
        requester_id=requester,
        channel_id=C,
        message_ts="1700000000.000500",
        question=question,
        urgency="week",
        tags=[],
        status="resolved" if resolved_by is not None else "open",
        created_at=NOW - timedelta(days=2),
        resolved_at=NOW - timedelta(days=1) if resolved_by is not None else None,
    )
    session.add(request)
    session.flush()
    for helper in resolved_by or []:
        session.add(
            HelpThanks(
                team_id=T,
                request_id=request.id,
                giver_id=requester,
                receiver_id=helper,
                channel_id=C,
                created_at=NOW - timedelta(days=1),
            )
        )
    session.flush()


def all_text(message: dict[str, object]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_a_week_with_kudos_thanks_and_help(session: Session) -> None:
    kudos(session, "UALICE", ["UBOB", "UCAROL"], "for untangling the release")
    kudos(session, "UDAVE", ["UALICE"], "for the calm on-call handover", ago=timedelta(hours=2))
    kudos(session, "UDAVE", ["UBOB"], "last month's story", ago=timedelta(days=8))
    kudos(session, "UDAVE", ["UBOB"], "another channel", channel="COTHER")
    kudos(session, "UDAVE", ["UBOB"], "another workspace", team="T2")
    thanks(session, "UBOB", "UALICE", "pray", "1.1")
    thanks(session, "UCAROL", "UALICE", "pray", "1.2")
    thanks(session, "UCAROL", "UDAVE", "clap", "1.3")
    thanks(session, "UEVE", "UDAVE", "clap", "1.4", retracted=True)
    help_request(session, "UERIN", "How do I rotate the staging keys?", resolved_by=["UFRANK"])
    help_request(session, "UGRACE", "Anyone know the Terraform state lock trick?")

    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW)
    keys = [s.key for s in data.sections]
    assert keys == ["kudos", "help", "thanks"]
    stories = data.sections[0]
    assert stories.items == 2
    assert section_lines(stories)[0].startswith("<@UALICE>, from <@UDAVE>")  # newest first
    assert "<@UBOB> and <@UCAROL>, from <@UALICE>" in section_lines(stories)[1]
    assert "> for untangling the release" in section_lines(stories)[1]
    assert section_summary(data.sections[2]) == "3 thank-yous for messages here this week."
    assert section_lines(data.sections[2], {"1.3": "the <b>runbook</b>"}) == [
        ":pray: <@UALICE> was thanked once for a message",
        ":pray: <@UALICE> was thanked once for a message",
        ":pray: <@UDAVE> was thanked once for *the &lt;b&gt;runbook&lt;/b&gt;*",
    ]
    help_lines = "\n".join(section_lines(data.sections[1]))
    assert "rotate the staging keys" in help_lines and "helped by <@UFRANK>" in help_lines
    assert "Still open" in help_lines and "archives/CTEAM/p1700000000000500" in help_lines
    # Gave or received: Alice, Bob, Carol, Dave, Erin (got help), Frank (helped). Not Grace or Eve.
    assert data.participants == 6
    assert data.leaderboard is None

    message = digest_message(data)
    assert "untangling the release" in all_text(message)
    assert "6 different people" in all_text(message)
    assert "Thanked most often" not in all_text(message)
    assert message["text"].startswith("This week in <#CTEAM>")


def test_nothing_happened_means_an_empty_digest(session: Session) -> None:
    kudos(session, "UDAVE", ["UBOB"], "too long ago", ago=timedelta(days=7, minutes=1))
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW)
    assert data.empty and data.sections == [] and data.participants == 0


def test_more_than_ten_stories_show_ten_and_say_how_many_more(session: Session) -> None:
    for n in range(14):
        kudos(session, "UALICE", ["UBOB"], f"story {n}", ago=timedelta(hours=n + 1))
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW)
    section = data.sections[0]
    assert len(section_lines(section)) == 10 and section.more == 4
    assert "story 0" in section_lines(section)[0]
    assert "…and 4 more." in all_text(digest_message(data))


def test_a_huge_week_stays_within_slacks_limits(session: Session) -> None:
    long_reason = "Ünïcödé 🎉 <script> & " * 200  # far over 3,000 characters when quoted
    for n in range(40):
        kudos(session, f"UG{n:03d}", [f"UR{n:03d}", f"US{n:03d}"], long_reason)
    for n in range(30):
        help_request(session, f"UQ{n:03d}", "q" * 3000, resolved_by=[f"UH{n:03d}"])
    message = digest_message(build_digest(session=session, team_id=T, channel_id=C, now=NOW))
    blocks = message["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "&lt;script&gt;" in all_text(message) and "<script>" not in all_text(message)
    assert len(message["text"]) <= 3000


def member(session: Session, user_id: str, name: str) -> None:
    session.add(
        Member(
            team_id=T, user_id=user_id, display_name=name, tz="UTC", created_at=NOW, updated_at=NOW
        )
    )
    session.flush()


def test_people_are_pinged_only_if_they_allowed_it_and_not_named_if_they_opted_out(
    session: Session,
) -> None:
    member(session, "UBOB", "Bob <the builder>")
    member(session, "UCAROL", "Carol")
    member(session, "UDAVE", "Dave")
    save_preferences(session=session, team_id=T, user_id="UALICE", now=NOW, allow_mentions=True)
    save_preferences(  # opted out: not named at all, even though mentions are allowed
        session=session,
        team_id=T,
        user_id="UCAROL",
        now=NOW,
        opt_out_digest_mentions=True,
        allow_mentions=True,
    )
    kudos(session, "UALICE", ["UBOB"], "thanks <@UBOB> for pairing")
    kudos(session, "UDAVE", ["UCAROL"], "for covering <@UCAROL>'s shift")
    kudos(session, "UALICE", ["UCAROL"], "for the docs")
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW, leaderboard=True)
    text = all_text(digest_message(data))
    assert "<@UALICE>" in text  # allowed mentions: a ping
    assert "<@UBOB>" not in text and "Bob &lt;the builder&gt;" in text  # default: the name
    assert "<@UDAVE>" not in text and "Dave" in text
    assert "UCAROL" not in text and "Carol" not in text and "a teammate" in text
    # The leaderboard leaves out whoever opted out, though Carol received the most; Bob
    # would be left alone on it, so there is none.
    assert data.leaderboard is None
    assert data.unnamed == []


def test_someone_the_database_has_no_name_for_is_never_pinged(session: Session) -> None:
    kudos(session, "UALICE", ["UNEW"], "for the onboarding guide")
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW)
    assert data.unnamed == ["UALICE", "UNEW"]
    assert "<@" not in all_text(digest_message(data))  # "a teammate" until the edge names them
    data.name("UNEW", "Nia")
    data.name("UALICE", None)
    text = all_text(digest_message(data))
    assert "Nia, from a teammate" in text


def test_the_leaderboard_only_when_the_channel_turned_it_on(session: Session) -> None:
    kudos(session, "UALICE", ["UBOB"], "one")
    kudos(session, "UCAROL", ["UBOB", "UDAVE"], "two")
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW, leaderboard=True)
    assert data.leaderboard == [("UBOB", 2), ("UDAVE", 1)]
    assert "Thanked most often this week" in all_text(digest_message(data))


def test_share_and_solve_counts_challenges_shared_and_answered(session: Session) -> None:
    prompt = record_prompt(
        session=session, team_id=T, channel_id=C, period="2026-W48", message_ts="9.1", now=NOW
    )
    assert prompt.id
    when = NOW - timedelta(days=3)
    replies = [
        ("UALICE", "9.2", "stuck on flaky CI"),
        ("UBOB", "9.3", "my migration is slow"),
        ("UCAROL", "9.4", "<@UALICE> try pinning the runner image"),
        ("UALICE", "9.5", "thanks, will try"),
        ("UALICE", "9.6", "<@UALICE> note to self"),
    ]
    for user, ts, text in replies:
        record_reply(
            session=session,
            team_id=T,
            channel_id=C,
            thread_ts="9.1",
            user_id=user,
            message_ts=ts,
            text=text,
            now=when,
        )
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW)
    (section,) = data.sections
    assert section_summary(section) == "2 challenges shared, 1 answered."
    assert data.participants == 3


def test_new_mentoring_pairs_and_circles_are_counted_not_named(session: Session) -> None:
    from models.mentoring import MentoringGroup

    for kind, days_ago in (("pair", 1), ("pair", 2), ("circle", 3), ("pair", 9)):
        session.add(
            MentoringGroup(
                team_id=T,
                kind=kind,
                topic="",
                round_key=f"r{days_ago}",
                channel_id=None,
                started_at=NOW - timedelta(days=days_ago),
                ends_at=NOW + timedelta(weeks=6),
            )
        )
    session.flush()
    data = build_digest(session=session, team_id=T, channel_id=C, now=NOW)
    (section,) = data.sections
    assert section_summary(section).startswith(
        "2 new mentoring pairs and 1 new peer circle started"
    )
    assert data.participants == 0
