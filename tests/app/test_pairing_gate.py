"""The pairing job's introductions and thanks go through the one gate: Slack do-not-disturb
and the weekly cap hold them back like any other nudge, and a sent one counts towards the cap.
Through `run-job pairing` and the Slack double, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.nudges import deliver_nudge
from bot.services import nudges
from bot.services.gate import Kind
from bot.services.preferences import save_preferences
from models.mentoring import MentoringGroup
from models.nudges import Nudge
from scheduler.jobs import run_job
from tests.conftest import Bot
from tests.slack_double import TEAM_ID

# Wednesday 14:30 UTC: 15:30 in Berlin, 09:30 in New York, 14:30 in London (23:30 in Tokyo).
WED_1430 = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)


def intros(bot: Bot) -> list[dict[str, Any]]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if "Meet your" in c["text"]]


def thanks(bot: Bot) -> list[dict[str, Any]]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if "Thank you" in c["text"]]


def dnd_asked(bot: Bot) -> list[str]:
    return [str(c["user"]) for c in bot.slack.calls_to("dnd.info")]


def pairing_nudges(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, datetime | None]]:
    with sessions() as session:
        rows = session.scalars(
            select(Nudge).where(Nudge.kind == "pairing").order_by(Nudge.user_id, Nudge.key)
        )
        return [(n.user_id, n.key, n.status, n.sent_at) for n in rows]


def the_group(sessions: sessionmaker[Session]) -> MentoringGroup:
    with sessions() as session:
        (group,) = session.scalars(select(MentoringGroup)).all()
        return group


def pair_bob_with_alice(bot: Bot) -> None:
    bot.command("/mentor", "join mentor python", user="UBOB")  # New York
    bot.command("/mentor", "join mentee python")  # Alice, Berlin


def already_sent(deps, user_id: str, *moments: datetime) -> None:
    """Nudges of another kind sent to this member earlier (what their weekly cap counts)."""
    with deps.sessions.begin() as session:
        for i, moment in enumerate(moments):
            nudges.record_sent(
                session=session,
                team_id=TEAM_ID,
                user_id=user_id,
                kind=Kind.SUGGESTION,
                key=f"earlier:{i}",
                now=moment,
            )


def test_do_not_disturb_holds_the_introduction_back_until_it_ends(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)  # both at work
    pair_bob_with_alice(bot)
    bot.slack.dnd["UBOB"] = True
    summary = run_job("pairing", deps, now=clock())
    assert "1 started" in summary and "0 introduced, 1 waiting" in summary
    assert intros(bot) == [] and bot.slack.calls_to("conversations.open") == []
    assert "UBOB" in dnd_asked(bot)
    assert pairing_nudges(sessions) == []

    clock.advance(minutes=30)  # still snoozed: still waiting
    assert "0 introduced, 1 waiting" in run_job("pairing", deps, now=clock())
    assert intros(bot) == []

    bot.slack.dnd["UBOB"] = False
    clock.advance(minutes=30)
    assert "1 introduced, 0 waiting" in run_job("pairing", deps, now=clock())
    assert len(intros(bot)) == 1
    assert the_group(sessions).introduced_at == clock()


def test_no_dnd_lookup_while_someone_is_outside_their_hours(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))  # 08:00 in New York
    pair_bob_with_alice(bot)
    assert "1 waiting" in run_job("pairing", deps, now=clock())
    assert dnd_asked(bot) == []


def test_a_mentee_in_dnd_holds_back_a_pair_whose_hours_never_meet(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)
    bot.command("/mentor", "join mentor", user="UDAVE")  # London
    bot.command("/mentor", "join mentee", user="UCAROL")  # Tokyo
    run_job("pairing", deps, now=clock())
    tokyo_morning = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, 01:00 in London
    bot.slack.dnd["UCAROL"] = True
    assert "0 introduced, 1 waiting" in run_job("pairing", deps, now=tokyo_morning)
    bot.slack.dnd["UCAROL"] = False
    bot.slack.dnd["UDAVE"] = True  # asleep in London: his DND doesn't matter here
    assert "1 introduced" in run_job("pairing", deps, now=tokyo_morning + timedelta(minutes=15))
    assert len(intros(bot)) == 1


def test_a_member_at_their_weekly_cap_holds_it_back_until_the_cap_frees(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)
    # Bob (cap 3) got three nudges this week; the oldest leaves the 7-day window on
    # Monday 30 November 14:00 UTC (09:00 in New York).
    already_sent(
        deps,
        "UBOB",
        datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
    )
    pair_bob_with_alice(bot)
    assert "0 introduced, 1 waiting" in run_job("pairing", deps, now=clock())
    assert dnd_asked(bot) == []  # the cap already says wait: Slack isn't asked
    thursday = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert "0 introduced, 1 waiting" in run_job("pairing", deps, now=thursday)
    monday_early = datetime(2026, 11, 30, 13, 59, tzinfo=UTC)
    assert "0 introduced, 1 waiting" in run_job("pairing", deps, now=monday_early)
    assert intros(bot) == []
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert "1 introduced, 0 waiting" in run_job("pairing", deps, now=monday)
    assert len(intros(bot)) == 1


def test_a_sent_introduction_counts_towards_each_members_cap_once(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)
    with deps.sessions.begin() as session:
        save_preferences(
            session=session, team_id=TEAM_ID, user_id="UBOB", now=clock(), weekly_nudge_cap=2
        )
    already_sent(deps, "UBOB", datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    pair_bob_with_alice(bot)
    assert "1 introduced" in run_job("pairing", deps, now=clock())
    group = the_group(sessions)
    assert pairing_nudges(sessions) == [
        ("UALICE", f"pairing-intro:{group.id}", "sent", clock()),
        ("UBOB", f"pairing-intro:{group.id}", "sent", clock()),
    ]
    with sessions() as session:
        assert clock() in nudges.sent_times(
            session=session, team_id=TEAM_ID, user_id="UBOB", now=clock()
        )
    # Running again changes nothing: one record per member per group and kind.
    run_job("pairing", deps, now=clock() + timedelta(hours=1), channel="again")
    assert len(pairing_nudges(sessions)) == 2 and len(intros(bot)) == 1
    # Bob is now at his cap of 2: the next nudge to him waits; Alice (cap 3) still gets hers.
    later = clock() + timedelta(hours=1)
    message = {"text": "Could you help with a question?"}
    assert (
        deliver_nudge(
            deps,
            deps.client,
            team_id=TEAM_ID,
            user_id="UBOB",
            kind=Kind.SUGGESTION,
            key="after-intro",
            message=message,
            now=later,
        )
        == "queued"
    )
    with sessions() as session:
        waiting = session.scalars(select(Nudge).where(Nudge.key == "after-intro")).one()
        assert waiting.reason == "cap"
    assert (
        deliver_nudge(
            deps,
            deps.client,
            team_id=TEAM_ID,
            user_id="UALICE",
            kind=Kind.SUGGESTION,
            key="after-intro",
            message=message,
            now=later,
        )
        == "sent"
    )


def test_thanks_at_rotation_respect_dnd_and_count_towards_the_cap(
    bot: Bot, deps, clock, sessions
) -> None:
    clock.set(WED_1430)
    pair_bob_with_alice(bot)
    run_job("pairing", deps, now=clock())
    assert len(intros(bot)) == 1
    group = the_group(sessions)
    end = datetime(2027, 1, 4, 14, 30, tzinfo=UTC)  # Monday, the horizon is over
    bot.slack.dnd["UALICE"] = True
    summary = run_job("pairing", deps, now=end)
    # The old pair ends and (nobody else being there) the two are paired again: both the
    # thanks and the new introduction wait for Alice's do-not-disturb to end.
    assert "1 ended, 1 started, 0 thanked, 0 introduced, 2 waiting" in summary
    assert thanks(bot) == [] and len(intros(bot)) == 1
    bot.slack.dnd["UALICE"] = False
    assert "1 thanked, 1 introduced, 0 waiting" in run_job(
        "pairing", deps, now=end + timedelta(minutes=30)
    )
    (sent,) = thanks(bot)
    assert sent["channel"] == group.channel_id
    with sessions() as session:
        new_id = session.scalars(
            select(MentoringGroup.id).where(MentoringGroup.id != group.id)
        ).one()
    keys = [(uid, key) for uid, key, _, _ in pairing_nudges(sessions)]
    assert sorted(keys) == sorted(
        (uid, f"{what}:{gid}")
        for uid in ("UALICE", "UBOB")
        for what, gid in (
            ("pairing-intro", group.id),
            ("pairing-thanks", group.id),
            ("pairing-intro", new_id),
        )
    )
