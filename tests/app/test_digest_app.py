"""What the weekly digest says, through `run-job digest` and the Slack double: thanks told as
stories, mentoring news only where the people are, no "0 people" lines, open requests
counted, people written one way, and a leaderboard of kudos that never singles anyone out."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from bot.services.channels import ChannelChange
from bot.services.preferences import save_preferences
from models import Kudos, Thanks
from models.help_requests import HelpRequest
from models.mentoring import MentoringGroup, MentoringGroupMember
from scheduler.jobs import run_job
from tests.app.test_scheduler_digest import FRIDAY_3PM, MONDAY, enrol
from tests.slack_double import TEAM_ID, SlackDouble


def posted(slack: SlackDouble, channel: str) -> list[dict[str, Any]]:
    return [c for c in slack.calls_to("chat.postMessage") if c["channel"] == channel]


def text_of(call: dict[str, Any]) -> str:
    return json.dumps(call.get("blocks") or [], ensure_ascii=False) + call["text"]


def kudos(sessions: sessionmaker[Session], channel: str, giver: str, *receivers: str) -> None:
    post = str(uuid.uuid4())
    with sessions.begin() as session:
        for receiver in receivers:
            session.add(
                Kudos(
                    team_id=TEAM_ID,
                    post_id=post,
                    giver_id=giver,
                    receiver_id=receiver,
                    channel_id=channel,
                    reason="for the help",
                    created_at=MONDAY,
                )
            )


def thank(
    sessions: sessionmaker[Session], channel: str, giver: str, receiver: str, ts: str
) -> None:
    with sessions.begin() as session:
        session.add(
            Thanks(
                team_id=TEAM_ID,
                giver_id=giver,
                receiver_id=receiver,
                channel_id=channel,
                message_ts=ts,
                emoji="pray",
                created_at=MONDAY,
            )
        )


def pair(sessions: sessionmaker[Session], mentor: str, mentee: str) -> None:
    with sessions.begin() as session:
        group = MentoringGroup(
            team_id=TEAM_ID,
            kind="pair",
            topic="",
            round_key="2026-W48",
            started_at=MONDAY,
            ends_at=MONDAY + timedelta(weeks=6),
        )
        session.add(group)
        session.flush()
        for user, role in ((mentor, "mentor"), (mentee, "mentee")):
            session.add(
                MentoringGroupMember(group_id=group.id, team_id=TEAM_ID, user_id=user, role=role)
            )


def test_thanks_are_told_as_stories_with_the_thanked_message(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    enrol(sessions, ["CONE"])
    slack.messages[("CONE", "1764000000.000100")] = {
        "type": "message",
        "ts": "1764000000.000100",
        "user": "UBOB",
        "text": "here is how you rotate the creds &lt;!channel&gt; <!here>",
    }
    for giver in ("UALICE", "UCAROL", "UDAVE", "UADMIN"):
        thank(sessions, "CONE", giver, "UBOB", "1764000000.000100")
    run_job("digest", deps, now=FRIDAY_3PM)
    (post,) = posted(slack, "CONE")
    text = text_of(post)
    assert "bob was thanked 4 times for *here is how you rotate the creds" in text
    assert "<!here>" not in text and "<!channel>" not in text
    assert ":pray: × 4" not in text


def test_mentoring_news_only_where_the_pair_is(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    enrol(sessions, ["CENG", "CSALES"])
    slack.channel_members.update({"CENG": ["UALICE", "UBOB"], "CSALES": ["UCAROL", "UDAVE"]})
    pair(sessions, "UALICE", "UBOB")
    assert run_job("digest", deps, now=FRIDAY_3PM) == "digest: 1 posted, 1 quiet, 0 to retry"
    (post,) = posted(slack, "CENG")
    assert "1 new mentoring pair started" in text_of(post)
    assert "0 different people" not in text_of(post) and "0 people" not in text_of(post)
    assert not posted(slack, "CSALES"), "nobody took part there: nothing posted"


def test_open_requests_are_counted_not_zero_resolved(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    enrol(sessions, ["CONE"])
    with sessions.begin() as session:
        for n in range(2):
            session.add(
                HelpRequest(
                    team_id=TEAM_ID,
                    channel_id="CONE",
                    requester_id="UCAROL",
                    question=f"how do I {n}?",
                    status="open",
                    created_at=MONDAY,
                    key=f"k{n}",
                    urgency="none",
                    tags=[],
                    details="",
                )
            )
    run_job("digest", deps, now=FRIDAY_3PM)
    (post,) = posted(slack, "CONE")
    text = text_of(post)
    assert "2 requests could use a hand" in text
    assert "0 requests resolved" not in text


def test_the_leaderboard_counts_kudos_and_never_shows_one_person_alone(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    board = ChannelChange(setting="leaderboard", enabled=True)
    enrol(sessions, ["CONE", "CTWO"], board=board)
    kudos(sessions, "CONE", "UALICE", "UBOB")
    kudos(sessions, "CONE", "UCAROL", "UBOB", "UDAVE")
    for giver in ("UALICE", "UBOB", "UDAVE"):  # thanks are not what the leaderboard counts
        thank(sessions, "CONE", giver, "UCAROL", f"17640000{giver}.1")
    kudos(sessions, "CTWO", "UALICE", "UBOB")  # one person received: no leaderboard
    run_job("digest", deps, now=FRIDAY_3PM)
    (one,) = posted(slack, "CONE")
    text = text_of(one)
    assert "Thanked most often this week" in text
    board_text = next(b["text"]["text"] for b in one["blocks"] if "Thanked most often" in str(b))
    assert "bob (2)" in board_text and "dave (1)" in board_text
    assert "carol" not in board_text
    (two,) = posted(slack, "CTWO")
    assert "Thanked most often" not in text_of(two) and "Most appreciated" not in text_of(two)


def test_people_are_written_one_way_throughout(
    deps: Deps, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    board = ChannelChange(setting="leaderboard", enabled=True)
    enrol(sessions, ["CONE"], board=board)
    with sessions.begin() as session:
        save_preferences(
            session=session, team_id=TEAM_ID, user_id="UALICE", now=MONDAY, allow_mentions=True
        )
        save_preferences(
            session=session,
            team_id=TEAM_ID,
            user_id="UDAVE",
            now=MONDAY,
            opt_out_digest_mentions=True,
        )
    kudos(sessions, "CONE", "UCAROL", "UALICE", "UBOB", "UDAVE")
    kudos(sessions, "CONE", "UDAVE", "UBOB")
    thank(sessions, "CONE", "UCAROL", "UBOB", "1764000000.000200")
    thank(sessions, "CONE", "UCAROL", "UDAVE", "1764000000.000300")
    run_job("digest", deps, now=FRIDAY_3PM)
    (post,) = posted(slack, "CONE")
    text = text_of(post)
    assert "<@UALICE>" in text  # allowed mentions
    assert "<@UBOB>" not in text and "bob was thanked once" in text and "bob (2)" in text
    assert "UDAVE" not in text and "dave" not in text.lower()
    assert "a teammate was thanked once" in text
