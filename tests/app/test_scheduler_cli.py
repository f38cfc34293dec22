"""`python app.py run-job …` as an operator runs it: a separate process, a migrated database,
Slack (the double) over HTTP. The job honours its claims; `--channel` does that channel's
work for the current period even before it is due; `--at` sets the moment."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import _start_scheduler
from bot.db import make_engine, make_sessionmaker
from bot.services.channels import ChannelChange, apply_change, enroll_channel
from models import Kudos
from tests import cli
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, make_settings
from tests.slack_double import TEAM_ID, SlackDouble

ROOT = Path(__file__).resolve().parents[2]
WEDNESDAY = datetime(2026, 11, 25, 10, tzinfo=UTC)  # ISO week 2026-W48; the digest is due Friday


def run_app(
    *args: str, database_url: str, slack: SlackDouble, in_process: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    return cli.run_app(*args, env=env, in_process=in_process, timeout=120)


def seed(sessions: sessionmaker[Session]) -> None:
    """Two enrolled channels with a kudos each this week; CPROMPT also has share-and-solve on."""
    enrolled = WEDNESDAY - timedelta(days=30)
    with sessions.begin() as session:
        for channel in ("CDIGEST", "CPROMPT"):
            enroll_channel(session=session, team_id=TEAM_ID, channel_id=channel, now=enrolled)
            session.add(
                Kudos(
                    team_id=TEAM_ID,
                    post_id=str(uuid.uuid4()),
                    giver_id="UALICE",
                    receiver_id="UBOB",
                    channel_id=channel,
                    reason=f"for the calm release in {channel}",
                    created_at=WEDNESDAY - timedelta(days=1),
                )
            )
        apply_change(
            session=session,
            team_id=TEAM_ID,
            channel_id="CPROMPT",
            change=ChannelChange(setting="prompt", enabled=True),
            user_id="UADMIN",
            now=enrolled,
        )


@pytest.fixture
def fresh_sqlite(tmp_path: Path, slack: SlackDouble) -> Iterator[tuple[str, Engine]]:
    """A new SQLite file, migrated by `app.py migrate` itself."""
    url = f"sqlite:///{tmp_path}/reciprocity.db"
    migrated = run_app("migrate", database_url=url, slack=slack, in_process=False)
    assert migrated.returncode == 0, migrated.stderr
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def test_run_job_digest_for_one_channel_end_to_end_on_a_migrated_sqlite_file(
    fresh_sqlite: tuple[str, Engine], slack: SlackDouble
) -> None:
    url, engine = fresh_sqlite
    seed(make_sessionmaker(engine))
    at = WEDNESDAY.isoformat()
    first = run_app(  # a real process, end to end; the rest run `main` in this one
        "run-job",
        "digest",
        "--channel",
        "CDIGEST",
        "--at",
        at,
        database_url=url,
        slack=slack,
        in_process=False,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "digest: 1 posted, 0 quiet, 0 to retry"
    (post,) = slack.calls_to("chat.postMessage")
    assert post["channel"] == "CDIGEST"
    assert post["text"].startswith("This week in <#CDIGEST>")
    assert "for the calm release in CDIGEST" in str(post["blocks"])

    again = run_app(
        "run-job", "digest", "--channel", "CDIGEST", "--at", at, database_url=url, slack=slack
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "digest: 0 posted, 0 quiet, 0 to retry"  # the claim holds
    # Friday 15:00 comes: the other channel's digest is due; CDIGEST already had this week's.
    friday = run_app(
        "run-job", "digest", "--at", "2026-11-27T15:05:00Z", database_url=url, slack=slack
    )
    assert friday.stdout.strip() == "digest: 1 posted, 0 quiet, 0 to retry"
    assert [p["channel"] for p in slack.calls_to("chat.postMessage")] == ["CDIGEST", "CPROMPT"]


def test_every_job_the_issue_names_runs_from_the_command_line(
    database_url: str, engine: Engine, sessions: sessionmaker[Session], slack: SlackDouble
) -> None:
    seed(sessions)
    at = ("--at", "2026-11-23T10:00:00+00:00")  # Monday 10:00: share-and-solve is due
    outputs = {}
    for name in ("digest", "share-and-solve", "reminders", "pairing"):
        result = run_app("run-job", name, *at, database_url=database_url, slack=slack)
        assert result.returncode == 0, (name, result.stderr)
        outputs[name] = result.stdout.strip()
    assert outputs["digest"] == "digest: 0 posted, 0 quiet, 0 to retry"  # not Friday yet
    assert outputs["share-and-solve"] == "share-and-solve: 1 posted, 0 quiet, 0 to retry"
    assert outputs["reminders"].startswith("reminders:")
    assert outputs["pairing"]
    (prompt,) = slack.calls_to("chat.postMessage")
    assert prompt["channel"] == "CPROMPT" and "Share and solve" in prompt["text"]

    unknown = run_app("run-job", "gossip", database_url=database_url, slack=slack)
    assert unknown.returncode == 2
    assert "gossip" in unknown.stderr and "digest" in unknown.stderr
    not_enrolled = run_app(
        "run-job", "digest", "--channel", "CNOWHERE", database_url=database_url, slack=slack
    )
    assert not_enrolled.returncode == 0 and "not enrolled" in not_enrolled.stdout


def test_scheduler_enabled_false_starts_no_scheduler(
    database_url: str, slack: SlackDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scheduler.runner

    started: list[object] = []
    monkeypatch.setattr(scheduler.runner, "start_scheduler", started.append)
    _start_scheduler(make_settings(database_url, slack, scheduler_enabled=False))
    assert started == []
    _start_scheduler(make_settings(database_url, slack, scheduler_enabled=True))
    assert len(started) == 1
