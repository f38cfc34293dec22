"""The digest and share-and-solve jobs through the real scheduler code and the Slack double:
due times, exactly once (also with two schedulers on one database), catch-up after downtime,
retries after failures, and a 429 storm across 50 channels."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import build_deps
from bot.db import make_engine
from bot.deps import Deps
from bot.services.channels import ChannelChange, apply_change, enroll_channel
from bot.slack_api import make_client
from models import JobClaim, Kudos
from models.rhythm import SharePrompt, ShareReply
from scheduler.jobs import JOBS, run_job
from scheduler.runner import build_scheduler, tick
from tests.conftest import Bot, FakeClock, make_settings
from tests.slack_double import TEAM_ID, SlackDouble

MONDAY = datetime(2026, 11, 23, 9, tzinfo=UTC)  # ISO week 2026-W48
FRIDAY_3PM = datetime(2026, 11, 27, 15, tzinfo=UTC)


def enrol(
    sessions: sessionmaker[Session],
    channels: list[str],
    *,
    at: datetime = MONDAY - timedelta(days=30),
    **changes: ChannelChange,
) -> None:
    with sessions.begin() as session:
        for channel in channels:
            enroll_channel(session=session, team_id=TEAM_ID, channel_id=channel, now=at)
            for change in changes.values():
                apply_change(
                    session=session,
                    team_id=TEAM_ID,
                    channel_id=channel,
                    change=change,
                    user_id="UADMIN",
                    now=at,
                )


def add_kudos(sessions: sessionmaker[Session], channel: str, at: datetime, reason: str) -> None:
    with sessions.begin() as session:
        session.add(
            Kudos(
                team_id=TEAM_ID,
                post_id=str(uuid.uuid4()),
                giver_id="UALICE",
                receiver_id="UBOB",
                channel_id=channel,
                reason=reason,
                created_at=at,
            )
        )


def digests(slack: SlackDouble) -> Counter[str]:
    """Digests that Slack accepted, per channel."""
    return Counter(
        channel
        for (channel, _ts), message in list(slack.messages.items())
        if message["text"] and message["text"].startswith("This week in")
    )


@pytest.fixture
def week(sessions: sessionmaker[Session]) -> list[str]:
    enrol(sessions, ["CONE"])
    add_kudos(sessions, "CONE", MONDAY, "for the clear incident notes")
    return ["CONE"]


def test_the_digest_posts_at_its_moment_and_only_once(deps: Deps, slack, week) -> None:
    assert run_job("digest", deps, now=FRIDAY_3PM - timedelta(minutes=1)).startswith(
        "digest: 0 posted"
    )
    assert digests(slack) == Counter()
    assert run_job("digest", deps, now=FRIDAY_3PM) == "digest: 1 posted, 0 quiet, 0 to retry"
    for minutes in (2, 4, 60 * 24):
        run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=minutes))
    assert digests(slack) == Counter({"CONE": 1})
    (post,) = slack.calls_to("chat.postMessage")
    assert "for the clear incident notes" in str(post["blocks"])
    # Nobody here allowed mentions: named from their Slack profile, not pinged.
    assert "bob, from alice" in str(post["blocks"]) and "<@" not in str(post["blocks"])


def test_the_digest_follows_the_channels_time_zone(deps: Deps, slack, sessions) -> None:
    enrol(sessions, ["CTOKYO"], tz=ChannelChange(setting="timezone", tz="Asia/Tokyo"))
    add_kudos(sessions, "CTOKYO", MONDAY, "for the review")
    run_job("digest", deps, now=datetime(2026, 11, 27, 5, 59, tzinfo=UTC))
    assert digests(slack) == Counter()
    run_job("digest", deps, now=datetime(2026, 11, 27, 6, 0, tzinfo=UTC))  # 15:00 in Tokyo
    assert digests(slack) == Counter({"CTOKYO": 1})


def test_the_digest_keeps_its_local_time_when_the_clocks_go_back(
    deps: Deps, slack, sessions
) -> None:
    """Berlin leaves summer time on Sunday 25 October 2026: 15:00 is 13:00 UTC before, 14:00
    UTC after; the week the clocks change still gets exactly one digest."""
    enrol(
        sessions,
        ["CBERLIN"],
        at=datetime(2026, 9, 1, tzinfo=UTC),
        tz=ChannelChange(setting="timezone", tz="Europe/Berlin"),
    )
    for friday in (datetime(2026, 10, 23, tzinfo=UTC), datetime(2026, 10, 30, tzinfo=UTC)):
        add_kudos(sessions, "CBERLIN", friday - timedelta(days=1), f"before {friday:%d %B}")
    moments = []
    now = datetime(2026, 10, 19, 0, tzinfo=UTC)
    while now < datetime(2026, 11, 2, tzinfo=UTC):  # two weeks, a tick every 15 minutes
        if run_job("digest", deps, now=now).startswith("digest: 1 posted"):
            moments.append(now)
        now += timedelta(minutes=15)
    assert moments == [
        datetime(2026, 10, 23, 13, tzinfo=UTC),
        datetime(2026, 10, 30, 14, tzinfo=UTC),
    ]
    assert digests(slack) == Counter({"CBERLIN": 2})


def test_after_downtime_this_weeks_digest_is_caught_up_once(deps: Deps, slack, week) -> None:
    sunday = datetime(2026, 11, 29, 20, tzinfo=UTC)  # down from Thursday until Sunday night
    run_job("digest", deps, now=sunday)
    run_job("digest", deps, now=sunday + timedelta(minutes=2))
    assert digests(slack) == Counter({"CONE": 1})


def test_a_digest_missed_for_a_whole_week_is_not_posted_late(deps: Deps, slack, week) -> None:
    next_monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    run_job("digest", deps, now=next_monday)
    assert digests(slack) == Counter()
    add_kudos(sessions=deps.sessions, channel="CONE", at=next_monday, reason="new week")
    run_job("digest", deps, now=FRIDAY_3PM + timedelta(days=7))
    assert digests(slack) == Counter({"CONE": 1})


def test_a_quiet_week_posts_nothing_or_one_gentle_line(deps: Deps, slack, sessions) -> None:
    enrol(sessions, ["CQUIET"])
    enrol(sessions, ["CGENTLE"], line=ChannelChange(setting="quiet-week", enabled=True))
    assert run_job("digest", deps, now=FRIDAY_3PM) == "digest: 1 posted, 1 quiet, 0 to retry"
    posts = slack.calls_to("chat.postMessage")
    assert [p["channel"] for p in posts] == ["CGENTLE"]
    assert "quiet week" in posts[0]["text"] and "/kudos" in posts[0]["text"]
    run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=2))
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_failed_post_is_retried_on_the_next_tick_never_duplicated(
    deps: Deps, slack, week
) -> None:
    slack.fail("chat.postMessage", status=500, times=4)  # the client retries 3 times
    assert run_job("digest", deps, now=FRIDAY_3PM).endswith("1 to retry")
    assert digests(slack) == Counter()
    run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=2))
    run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=4))
    assert digests(slack) == Counter({"CONE": 1})


def test_a_channel_the_bot_left_is_skipped_for_the_week(deps: Deps, slack, week) -> None:
    slack.channels_without_bot.add("CONE")
    run_job("digest", deps, now=FRIDAY_3PM)
    run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=2))
    assert len(slack.calls_to("chat.postMessage")) == 1  # tried once, not every tick


def test_run_job_for_one_channel_posts_now_and_not_again_at_the_due_time(
    deps: Deps, slack, week
) -> None:
    assert run_job("digest", deps, now=MONDAY + timedelta(hours=1), channel="CONE").startswith(
        "digest: 1 posted"
    )
    run_job("digest", deps, now=FRIDAY_3PM)
    assert digests(slack) == Counter({"CONE": 1})
    assert "not enrolled" in run_job("digest", deps, now=FRIDAY_3PM, channel="CNOPE")


def test_a_429_storm_during_fifty_digests_loses_none_and_doubles_none(
    deps: Deps, slack, sessions
) -> None:
    channels = [f"C{n:03d}" for n in range(50)]
    enrol(sessions, channels)
    for channel in channels:
        add_kudos(sessions, channel, MONDAY, f"kudos in {channel}")
    slack.fail("chat.postMessage", status=429, times=30, retry_after=0)
    now = FRIDAY_3PM
    summaries = []
    for _ in range(10):
        summaries.append(run_job("digest", deps, now=now))
        if sum(digests(slack).values()) == 50:
            break
        now += timedelta(minutes=2)
    # Five channels used up their retries in the storm and were done on the next tick.
    assert summaries == [
        "digest: 45 posted, 0 quiet, 5 to retry",
        "digest: 5 posted, 0 quiet, 0 to retry",
    ]
    assert digests(slack) == Counter({channel: 1 for channel in channels})
    assert len(slack.calls_to("chat.postMessage")) == 30 + 50  # the storm really happened
    with sessions() as session:
        done = session.scalar(
            select(func.count()).where(JobClaim.job == "digest", JobClaim.done_at.is_not(None))
        )
        assert done == 50


@pytest.fixture
def second_deps(database_url: str, slack: SlackDouble, clock: FakeClock) -> Iterator[Deps]:
    """Another process's view: its own engine and client on the same database."""
    settings = make_settings(database_url, slack)
    engine = make_engine(database_url)
    other: Deps = build_deps(
        settings, engine=engine, client=make_client(settings, pause=lambda _: None), clock=clock
    )
    yield other
    engine.dispose()


def test_two_schedulers_on_one_database_post_each_digest_once(
    deps: Deps, second_deps: Deps, slack, sessions, clock: FakeClock
) -> None:
    channels = [f"CTWO{n:02d}" for n in range(20)]
    enrol(sessions, channels)
    for channel in channels:
        add_kudos(sessions, channel, MONDAY, "for being there")
    clock.set(FRIDAY_3PM + timedelta(minutes=1))
    schedulers = [build_scheduler(deps), build_scheduler(second_deps)]
    for scheduler in schedulers:
        scheduler.start()  # each ticks at once, then every scheduler_tick_seconds
    try:
        deadline = time.monotonic() + 30
        while sum(digests(slack).values()) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # let the slower scheduler finish its tick
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
    assert digests(slack) == Counter({channel: 1 for channel in channels})


def test_two_processes_racing_on_the_same_tick_post_once(
    deps: Deps, second_deps: Deps, slack, sessions
) -> None:
    channels = [f"CRACE{n:02d}" for n in range(10)]
    enrol(sessions, channels)
    for channel in channels:
        add_kudos(sessions, channel, MONDAY, "for racing")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(which: Deps) -> None:
        try:
            barrier.wait()
            run_job("digest", which, now=FRIDAY_3PM)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in (deps, second_deps) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert digests(slack) == Counter({channel: 1 for channel in channels})


def test_one_failing_job_does_not_stop_the_others(
    deps: Deps, slack, week, clock: FakeClock, monkeypatch
) -> None:
    def broken(deps: Deps, *, now: datetime, channel: str | None = None) -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "aaa-broken", broken)
    clock.set(FRIDAY_3PM)
    summaries = tick(deps)
    assert summaries["aaa-broken"] == "failed"
    assert summaries["digest"].startswith("digest: 1 posted")
    assert digests(slack) == Counter({"CONE": 1})


def test_share_and_solve_prompt_weekly_and_its_thread_replies(
    bot: Bot, deps: Deps, sessions, clock: FakeClock
) -> None:
    enrol(sessions, ["CSHARE"], prompt=ChannelChange(setting="prompt", enabled=True))
    monday_10 = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert run_job("share-and-solve", deps, now=monday_10 - timedelta(minutes=1)).startswith(
        "share-and-solve: 0 posted"
    )
    run_job("share-and-solve", deps, now=monday_10)
    run_job("share-and-solve", deps, now=monday_10 + timedelta(minutes=2))
    (prompt,) = bot.slack.calls_to("chat.postMessage")
    assert prompt["channel"] == "CSHARE" and "thread" in prompt["text"]
    with sessions() as session:
        row = session.scalars(select(SharePrompt)).one()
    assert row.period == "2026-W48"

    def reply(user: str, ts: str, text: str, **extra: object) -> None:
        bot.event(
            {
                "type": "message",
                "channel": "CSHARE",
                "user": user,
                "text": text,
                "ts": ts,
                "thread_ts": row.message_ts,
                "channel_type": "channel",
                "event_ts": ts,
            },
            **extra,
        )

    clock.set(monday_10 + timedelta(hours=2))
    reply("UALICE", "1700000100.000001", "Our deploys take 40 minutes")
    reply("UBOB", "1700000100.000002", "<@UALICE> cache the docker layers", event_id="EvDUP")
    reply("UBOB", "1700000100.000002", "<@UALICE> cache the docker layers", event_id="EvDUP")
    reply("UCAROL", "1700000100.000003", "I can't get the VPN to work")
    bot.event(  # a message outside the thread is not share-and-solve
        {
            "type": "message",
            "channel": "CSHARE",
            "user": "UDAVE",
            "text": "hi",
            "ts": "1700000100.000009",
            "channel_type": "channel",
            "event_ts": "1700000100.000009",
        }
    )
    with sessions() as session:
        kinds = sorted(session.execute(select(ShareReply.user_id, ShareReply.kind)).all())
    assert kinds == [("UALICE", "challenge"), ("UBOB", "help"), ("UCAROL", "challenge")]

    run_job("digest", deps, now=FRIDAY_3PM)
    digest = [p for p in bot.slack.calls_to("chat.postMessage") if p["channel"] == "CSHARE"][-1]
    assert "2 challenges shared, 1 answered" in str(digest["blocks"])


def test_a_digest_whose_process_died_after_posting_is_not_posted_again(
    deps: Deps, slack, sessions, week
) -> None:
    """The process posted the digest and died before recording the post or completing its
    claim. The claim's lease runs out, the next tick takes it over, finds the digest in the
    channel's history by its metadata key, and posts nothing twice."""
    from bot.flows.outbox import post_once
    from models.work import PostedMessage

    real_post = post_once

    def dies_after_posting(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_post(*args, **kwargs)
        with sessions.begin() as session:  # its record never happened
            session.query(PostedMessage).delete()
        raise KeyboardInterrupt("killed")

    import scheduler.digest

    scheduler.digest.post_once = dies_after_posting  # type: ignore[assignment]
    try:
        with pytest.raises(KeyboardInterrupt):
            run_job("digest", deps, now=FRIDAY_3PM)
    finally:
        scheduler.digest.post_once = real_post  # type: ignore[assignment]
    assert digests(slack) == Counter({"CONE": 1})
    with sessions.begin() as session:  # as if it had died: its claim stays, not done
        session.add(
            JobClaim(
                team_id=TEAM_ID,
                job="digest",
                key=f"{TEAM_ID}:CONE:2026-W48",
                claimed_at=FRIDAY_3PM,
                attempts=1,
            )
        )
    assert run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=5)).startswith(
        "digest: 0 posted"  # the claim is still someone's
    )
    assert run_job("digest", deps, now=FRIDAY_3PM + timedelta(minutes=30)) == (
        "digest: 1 posted, 0 quiet, 0 to retry"  # taken over; found, not posted again
    )
    assert digests(slack) == Counter({"CONE": 1})
    assert len(slack.calls_to("conversations.history")) == 1
