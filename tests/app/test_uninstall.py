"""Uninstall, token revocation and Grid access revoked, through the real app: signed
`event_callback` payloads shaped as Slack documents them. The workspace's tokens are
forgotten (`deps.forget_tokens`, with the right ids), its scheduled work stops, and its
records are kept for a reinstall or purged (`DATA_ON_UNINSTALL`); a later request from it
means it is back."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from bot.services.channels import enroll_channel
from bot.services.workspace_data import workspace_tables
from models import JobClaim, Kudos, Workspace
from models.feedback import FeedbackRequest
from models.help_requests import HelpRequest
from models.mentoring import MentoringEnrollment
from models.nudges import Nudge
from models.onboarding import OnboardingHire, OnboardingProgramme
from models.preferences import MemberTopic
from models.rhythm import ChannelSettings
from scheduler.runner import tick
from tests.conftest import Bot, FakeClock
from tests.slack_double import TEAM_ID, SlackDouble

FRIDAY_4PM = datetime(2026, 11, 27, 16, tzinfo=UTC)  # every weekly job is due by then


class Forgotten(list[tuple[str | None, str | None]]):
    """A recording `forget_tokens`: what the uninstall handlers asked to forget."""

    def __call__(self, enterprise_id: str | None, team_id: str | None) -> None:
        self.append((enterprise_id, team_id))


@pytest.fixture
def forgotten(deps: Deps) -> Forgotten:
    recorder = Forgotten()
    deps.forget_tokens = recorder
    return recorder


def lifecycle_event(
    event: dict[str, Any],
    *,
    team_id: str | None = TEAM_ID,
    enterprise_id: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The Events API wrapper of the app's own lifecycle events (no `authorizations`)."""
    body: dict[str, Any] = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": "AAPPID",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
    }
    if enterprise_id is not None:
        body["enterprise_id"] = enterprise_id
    return body


def send(bot: Bot, body: dict[str, Any]) -> None:
    reply = bot.send.post(json.dumps(body), "application/json")
    assert reply.status == 200
    bot.wait()


def uninstalled_at(sessions: sessionmaker[Session], team_id: str = TEAM_ID) -> datetime | None:
    with sessions() as session:
        return session.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == team_id))


def answer_of(bot: Bot) -> str:
    reply = bot.slack.responses[-1]
    return json.dumps(reply.get("blocks") or reply.get("text"), ensure_ascii=False)


def test_app_uninstalled_forgets_the_tokens_keeps_the_records_and_a_reinstall_finds_them(
    bot: Bot, sessions: sessionmaker[Session], clock: FakeClock, forgotten: Forgotten
) -> None:
    bot.command("/kudos", "@bob thanks for the late-night review")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Kudos)) == 1

    send(bot, lifecycle_event({"type": "app_uninstalled"}))

    assert forgotten == [(None, TEAM_ID)]
    assert uninstalled_at(sessions) is not None
    with sessions() as session:  # keep: every record is still there
        assert session.scalar(select(func.count()).select_from(Kudos)) == 1

    # Reinstalled: the next request from the workspace finds the old records, and its
    # scheduled work runs again.
    clock.advance(minutes=1)
    bot.command("/reciprocity", "me", user="UBOB")
    assert "Kudos — gave 0 · received 1" in answer_of(bot)
    assert uninstalled_at(sessions) is None


def test_a_redelivered_uninstall_counts_once_and_an_uninstall_after_a_reinstall_counts_again(
    bot: Bot, sessions: sessionmaker[Session], clock: FakeClock, forgotten: Forgotten
) -> None:
    bot.command("/reciprocity", "me")  # the workspace exists
    first = lifecycle_event({"type": "app_uninstalled"}, event_id="EvUNINSTALL1")
    send(bot, first)
    send(bot, first)  # Slack's retry: same event id
    assert forgotten == [(None, TEAM_ID)]

    clock.advance(minutes=1)
    bot.command("/reciprocity", "me")  # back
    assert uninstalled_at(sessions) is None
    clock.advance(minutes=1)
    send(bot, lifecycle_event({"type": "app_uninstalled"}, event_id="EvUNINSTALL2"))
    assert forgotten == [(None, TEAM_ID), (None, TEAM_ID)]
    assert uninstalled_at(sessions) is not None


def test_purge_deletes_every_row_of_the_workspace_and_nothing_of_another(
    bot: Bot, deps: Deps, sessions: sessionmaker[Session], forgotten: Forgotten
) -> None:
    deps.settings = deps.settings.model_copy(update={"data_on_uninstall": "purge"})
    bot.command("/kudos", "@bob thanks for the late-night review")
    bot.command("/reciprocity", "topics add python")
    with sessions.begin() as session:  # another workspace on the same database
        enroll_channel(session=session, team_id="T0OTHER", channel_id="COTHER", now=FRIDAY_4PM)
        session.add(
            MemberTopic(team_id="T0OTHER", user_id="UZED", topic="go", created_at=FRIDAY_4PM)
        )

    send(bot, lifecycle_event({"type": "app_uninstalled"}))

    assert forgotten == [(None, TEAM_ID)]
    with sessions() as session:
        for table in workspace_tables():
            mine = select(func.count()).select_from(table).where(table.c.team_id == TEAM_ID)
            assert session.scalar(mine) == 0, table.name
        assert session.scalar(select(func.count()).select_from(ChannelSettings)) == 1
        assert session.scalar(select(MemberTopic.team_id)) == "T0OTHER"

    bot.command("/reciprocity", "me", user="UBOB")  # a reinstall starts from nothing
    assert "Kudos — gave 0 · received 0" in answer_of(bot)


def test_tokens_revoked_for_the_bot_stops_the_workspace_but_user_tokens_alone_do_not(
    bot: Bot, sessions: sessionmaker[Session], forgotten: Forgotten
) -> None:
    bot.command("/reciprocity", "me")
    send(bot, lifecycle_event({"type": "tokens_revoked", "tokens": {"oauth": ["UALICE"]}}))
    assert forgotten == [] and uninstalled_at(sessions) is None

    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["UALICE"], "bot": ["UBOTSELF"]}}
    send(bot, lifecycle_event(revoked))
    assert forgotten == [(None, TEAM_ID)]
    assert uninstalled_at(sessions) is not None
    with sessions() as session:  # the records are app_uninstalled's to decide on
        assert session.get(Workspace, TEAM_ID) is not None


def grid_workspaces(sessions: sessionmaker[Session], *teams: str) -> None:
    with sessions.begin() as session:
        for team in teams:
            session.add(
                Workspace(
                    team_id=team,
                    enterprise_id="EORG",
                    kudos_daily_budget=5,
                    thanks_emoji=["pray"],
                    kudos_values=[],
                    admin_user_ids=[],
                    created_at=FRIDAY_4PM,
                )
            )


def test_team_access_revoked_stops_the_named_workspaces_of_the_org_and_granted_resumes_them(
    bot: Bot, sessions: sessionmaker[Session], forgotten: Forgotten
) -> None:
    grid_workspaces(sessions, "TGRID1", "TGRID2", "TGRID3")
    revoked = {"type": "team_access_revoked", "team_ids": ["TGRID1", "TGRID2"]}
    send(bot, lifecycle_event(revoked, team_id=None, enterprise_id="EORG"))

    assert sorted(forgotten) == [("EORG", "TGRID1"), ("EORG", "TGRID2")]
    assert uninstalled_at(sessions, "TGRID1") and uninstalled_at(sessions, "TGRID2")
    assert uninstalled_at(sessions, "TGRID3") is None

    granted = {"type": "team_access_granted", "team_ids": ["TGRID2"], "event_ts": "1.2"}
    send(bot, lifecycle_event(granted, team_id=None, enterprise_id="EORG"))
    assert uninstalled_at(sessions, "TGRID1") is not None
    assert uninstalled_at(sessions, "TGRID2") is None


def test_an_org_wide_uninstall_forgets_the_orgs_tokens_and_stops_all_its_workspaces(
    bot: Bot, sessions: sessionmaker[Session], forgotten: Forgotten
) -> None:
    grid_workspaces(sessions, "TGRID1", "TGRID2")
    bot.command("/reciprocity", "me")  # a workspace outside the org
    send(bot, lifecycle_event({"type": "app_uninstalled"}, team_id=None, enterprise_id="EORG"))

    assert forgotten == [("EORG", None)]
    assert uninstalled_at(sessions, "TGRID1") and uninstalled_at(sessions, "TGRID2")
    assert uninstalled_at(sessions, TEAM_ID) is None


# ----- every scheduled job skips an uninstalled workspace ---------------------------------------
def due_everywhere(sessions: sessionmaker[Session]) -> None:
    """Work every job would do at FRIDAY_4PM: a digest and a share prompt, a stale request, an
    unanswered one to surface, a feedback reminder, a waiting nudge, a pairing round, a new
    hire to welcome."""
    month_ago = FRIDAY_4PM - timedelta(days=30)
    with sessions.begin() as session:
        row, _ = enroll_channel(
            session=session, team_id=TEAM_ID, channel_id="CGENERAL", now=month_ago
        )
        row.prompt_enabled = True
        row.prompt_since = month_ago
        session.add(
            Kudos(
                team_id=TEAM_ID,
                post_id="k1",
                giver_id="UALICE",
                receiver_id="UBOB",
                channel_id="CGENERAL",
                reason="for the review",
                created_at=FRIDAY_4PM - timedelta(days=1),
            )
        )
        for key, created in (("stale", month_ago), ("fresh", FRIDAY_4PM - timedelta(days=2))):
            session.add(
                HelpRequest(
                    key=key,
                    team_id=TEAM_ID,
                    requester_id="UALICE",
                    channel_id="CGENERAL",
                    message_ts=f"1700000000.00{len(key)}",
                    question="How do I profile a slow query?",
                    urgency="week",
                    tags=["python"],
                    status="open",
                    created_at=created,
                )
            )
        for uid in ("UBOB", "UDAVE"):
            session.add(
                MemberTopic(team_id=TEAM_ID, user_id=uid, topic="python", created_at=month_ago)
            )
        session.add(
            FeedbackRequest(
                team_id=TEAM_ID,
                batch_id="b1",
                requester_id="UALICE",
                reviewer_id="UDAVE",
                status="pending",
                requested_at=month_ago,
            )
        )
        session.add(
            Nudge(
                team_id=TEAM_ID,
                user_id="UBOB",
                kind="reminder",
                key="waiting:1",
                message={"text": "A gentle reminder"},
                status="pending",
                not_before=FRIDAY_4PM - timedelta(hours=1),
                created_at=FRIDAY_4PM - timedelta(hours=2),
            )
        )
        session.add(
            OnboardingProgramme(
                team_id=TEAM_ID,
                enabled=True,
                horizon_days=30,
                turned_on_by=[],
                started_at=month_ago,
                updated_at=month_ago,
            )
        )
        session.add(
            OnboardingHire(
                team_id=TEAM_ID,
                user_id="UDAVE",
                tz="America/New_York",  # 11:00 there: in working hours
                joined_at=FRIDAY_4PM - timedelta(hours=3),
                horizon_at=FRIDAY_4PM + timedelta(days=30),
            )
        )
        for uid, role in (("UALICE", "mentor"), ("UDAVE", "mentee")):
            session.add(
                MentoringEnrollment(
                    team_id=TEAM_ID,
                    user_id=uid,
                    role=role,
                    topics=["python"],
                    active=True,
                    joined_at=month_ago,
                    updated_at=month_ago,
                )
            )


def claimed_jobs(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(JobClaim.job).where(JobClaim.team_id == TEAM_ID)))


def test_no_scheduled_job_runs_for_an_uninstalled_workspace_until_it_is_back(
    bot: Bot,
    deps: Deps,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    slack: SlackDouble,
    forgotten: Forgotten,
) -> None:
    bot.command("/reciprocity", "me")
    send(bot, lifecycle_event({"type": "app_uninstalled"}))
    due_everywhere(sessions)
    slack.calls.clear()

    clock.set(FRIDAY_4PM)
    summaries = tick(deps)
    assert "failed" not in summaries.values()
    assert slack.methods() == [], "nothing reaches Slack for an uninstalled workspace"
    assert claimed_jobs(sessions) == set(), "and nothing is even claimed"
    with sessions() as session:
        assert session.scalar(select(Nudge.status).where(Nudge.key == "waiting:1")) == "pending"

    # Back (a request received after the uninstall): the same tick does the work.
    clock.advance(minutes=1)
    bot.command("/reciprocity", "me")
    slack.calls.clear()
    clock.set(FRIDAY_4PM + timedelta(minutes=5))
    tick(deps)
    assert {
        "digest",
        "share-and-solve",
        "stale-help",
        "pairing",
        "reminders",
        "nudge",
        "onboarding-welcome",
    } <= (claimed_jobs(sessions))
    assert slack.calls_to("chat.postMessage")
