"""`deliver_nudge` and `flush_nudges`: the gate applied to real DMs through the Slack double."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.flows.nudges import deliver_nudge, flush_nudges
from bot.services.gate import Kind
from bot.services.preferences import save_preferences
from models.nudges import Nudge


def nudge(deps, clock, user="UALICE", key="k:1", kind=Kind.REMINDER, expires=None):  # type: ignore[no-untyped-def]
    return deliver_nudge(
        deps,
        deps.client,
        team_id="T0TEAM",
        user_id=user,
        kind=kind,
        key=key,
        message={
            "text": f"hello {key}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": key}}],
        },
        now=clock(),
        expires_at=expires,
    )


def dms(slack) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(p["channel"], p["text"]) for p in slack.calls_to("chat.postMessage")]


def rows(sessions) -> list[Nudge]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(session.scalars(select(Nudge).order_by(Nudge.id)))


def test_within_hours_the_dm_goes_at_once_and_only_once(deps, slack, sessions, clock) -> None:
    assert nudge(deps, clock) == "sent"
    assert nudge(deps, clock) == "sent"  # the same occasion again: recorded once, sent once
    assert dms(slack) == [("UALICE", "hello k:1")]
    [row] = rows(sessions)
    assert (row.status, row.sent_at, row.message) == ("sent", clock(), None)


def test_outside_hours_it_waits_for_the_members_morning(deps, slack, sessions, clock) -> None:
    # 13:00 UTC on Wednesday is 22:00 in Tokyo.
    assert nudge(deps, clock, user="UCAROL") == "queued"
    assert dms(slack) == []
    assert rows(sessions)[0].not_before == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 25, 23, 59, tzinfo=UTC))
    assert flush_nudges(deps, now=clock()) == {}
    clock.set(datetime(2026, 11, 26, 0, 2, tzinfo=UTC))
    assert flush_nudges(deps, now=clock()) == {"sent": 1}
    assert dms(slack) == [("UCAROL", "hello k:1")]


def test_the_weekly_cap_holds_back_the_fourth(deps, slack, sessions, clock) -> None:
    for i in range(3):
        assert nudge(deps, clock, key=f"k:{i}") == "sent"
        clock.advance(minutes=10)
    assert nudge(deps, clock, key="k:3") == "queued"
    assert len(dms(slack)) == 3
    waiting = rows(sessions)[-1]
    assert (waiting.reason, waiting.not_before) == ("cap", datetime(2026, 12, 2, 13, 0, tzinfo=UTC))


def test_a_stale_nudge_is_dropped_rather_than_sent_late(deps, slack, sessions, clock) -> None:
    clock.set(datetime(2026, 11, 27, 18, 0, tzinfo=UTC))  # Friday evening in Berlin
    assert nudge(deps, clock, expires=clock() + timedelta(days=1)) == "dropped"
    assert rows(sessions)[0].reason == "stale"
    assert dms(slack) == []


def test_opted_out_kinds_are_dropped(deps, slack, sessions, clock) -> None:
    with deps.sessions.begin() as session:
        save_preferences(
            session=session, team_id="T0TEAM", user_id="UALICE", now=clock(), opt_out_prompts=True
        )
    assert nudge(deps, clock, kind=Kind.PROMPT) == "dropped"
    assert nudge(deps, clock, kind=Kind.REMINDER, key="k:2") == "sent"
    assert dms(slack) == [("UALICE", "hello k:2")]


def test_do_not_disturb_defers_without_posting(deps, slack, sessions, clock) -> None:
    slack.dnd["UALICE"] = True
    assert nudge(deps, clock) == "queued"
    assert rows(sessions)[0].reason == "dnd"
    assert slack.calls_to("dnd.info")[0]["user"] == "UALICE"
    assert dms(slack) == []
    slack.dnd["UALICE"] = False
    clock.advance(minutes=31)
    assert flush_nudges(deps, now=clock()) == {"sent": 1}


def test_no_dnd_lookup_when_the_gate_already_says_wait(deps, slack, clock) -> None:
    assert nudge(deps, clock, user="UCAROL") == "queued"
    assert slack.calls_to("dnd.info") == []


def test_bots_deactivated_and_unknown_people_are_never_nudged(deps, slack, sessions, clock) -> None:
    for user in ("UROBOT", "UGONE", "UNOBODY"):
        assert nudge(deps, clock, user=user) == "dropped"
    assert {r.reason for r in rows(sessions)} == {"unreachable"}
    assert dms(slack) == []


def test_a_slack_failure_leaves_it_waiting_and_the_next_tick_sends_it(
    deps, slack, sessions, clock
) -> None:
    slack.fail("chat.postMessage", status=200, error="fatal_error", times=1)
    assert nudge(deps, clock) == "queued"  # refused for now: it waits for the next tick
    assert rows(sessions)[0].status == "pending"
    assert flush_nudges(deps, now=clock()) == {"sent": 1}
    assert flush_nudges(deps, now=clock()) == {}
    assert len(dms(slack)) == 2  # the failed attempt and the one that worked


def test_rate_limits_are_retried_by_the_client(deps, slack, clock) -> None:
    slack.fail("chat.postMessage", status=429, times=2, retry_after=0)
    assert nudge(deps, clock) == "sent"
    assert len(dms(slack)) == 3  # two answered 429, the third went through


def test_one_failing_member_does_not_stop_the_others(deps, slack, sessions, clock) -> None:
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))  # before anyone's day in Europe
    for user in ("UALICE", "UDAVE"):
        assert nudge(deps, clock, user=user) == "queued"
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    slack.fail("chat.postMessage", status=200, error="fatal_error", times=1)
    assert flush_nudges(deps, now=clock()) == {"failed": 1, "sent": 1}
    assert flush_nudges(deps, now=clock()) == {"sent": 1}
    assert len(dms(slack)) == 3  # one attempt failed and was tried again
    assert {c for c, _ in dms(slack)} == {"UALICE", "UDAVE"}
    assert {r.status for r in rows(sessions)} == {"sent"}
