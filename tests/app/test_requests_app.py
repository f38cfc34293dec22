"""What reaches /slack/events before any feature: signatures, malformed bodies, the inbox."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bot.db import make_engine, make_sessionmaker
from models import Kudos, Thanks, WorkItem
from tests.conftest import Bot, TrackingExecutor


def count(sessions, model) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def kudos_form(bot: Bot) -> str:
    from urllib.parse import urlencode

    return urlencode(
        {
            "team_id": "T0TEAM",
            "user_id": "UALICE",
            "channel_id": "CGENERAL",
            "command": "/kudos",
            "text": "<@UBOB> for the review",
            "response_url": bot.slack.response_url(),
            "trigger_id": "1.2.3",
        }
    )


def test_an_unsigned_request_is_rejected_and_changes_nothing(bot: Bot, sessions) -> None:
    reply = bot.send.post(kudos_form(bot), "application/x-www-form-urlencoded", signed=False)
    bot.wait()
    assert reply.status == 401
    assert count(sessions, Kudos) == 0 and bot.slack.calls == []


def test_a_wrong_signature_is_rejected(bot: Bot, sessions) -> None:
    reply = bot.send.post(kudos_form(bot), "application/x-www-form-urlencoded", secret="wrong")
    bot.wait()
    assert reply.status == 401
    assert count(sessions, Kudos) == 0


def test_a_stale_timestamp_is_rejected_even_when_correctly_signed(bot: Bot, sessions) -> None:
    stale = int(time.time()) - 6 * 60
    reply = bot.send.post(kudos_form(bot), "application/x-www-form-urlencoded", timestamp=stale)
    bot.wait()
    assert reply.status == 401
    assert count(sessions, Kudos) == 0


def test_a_correctly_signed_request_within_five_minutes_is_accepted(bot: Bot, sessions) -> None:
    recent = int(time.time()) - 4 * 60
    reply = bot.send.post(kudos_form(bot), "application/x-www-form-urlencoded", timestamp=recent)
    bot.wait()
    assert reply.status == 200
    assert count(sessions, Kudos) == 1


def test_malformed_bodies_get_a_4xx_never_a_500(bot: Bot, sessions) -> None:
    bodies = [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ('{"type": "event_callback"}', "application/json"),
        ('{"type": "event_callback", "event_id": "Ev1", "event": "nope"}', "application/json"),
        ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
        (
            "payload=" + json.dumps({"type": "view_submission", "view": {}}),
            "application/x-www-form-urlencoded",
        ),
        ("\x00\xff garbage", "text/plain"),
    ]
    for body, content_type in bodies:
        reply = bot.send.post(body, content_type)
        bot.wait()
        assert 400 <= reply.status < 500 or reply.status == 200, (body, reply)
        assert reply.status != 500
    assert count(sessions, Kudos) == 0 and count(sessions, Thanks) == 0


def test_get_on_the_events_endpoint_and_unknown_paths_are_4xx(bot: Bot) -> None:
    assert bot.send.get("/slack/events").status == 405
    assert bot.send.get("/nowhere").status == 404


def test_an_event_is_written_to_the_inbox_once(bot: Bot, sessions) -> None:
    event = {
        "type": "reaction_added",
        "user": "UALICE",
        "item_user": "UBOB",
        "reaction": "pray",
        "item": {"type": "message", "channel": "C1", "ts": "1.1"},
        "event_ts": "9.9",
    }
    bot.event(event, event_id="Ev0INBOX01")
    bot.event(event, event_id="Ev0INBOX01")
    bot.event(event, event_id="Ev0INBOX02")
    assert count(sessions, WorkItem) == 1
    assert count(sessions, Thanks) == 1


def test_when_the_database_is_down_events_get_a_5xx_so_slack_retries(deps, slack, tmp_path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path}/missing-dir/nope.db")
    deps.sessions = make_sessionmaker(broken)
    bot = Bot(deps, slack, TrackingExecutor())
    try:
        event = {
            "type": "reaction_added",
            "user": "UALICE",
            "item_user": "UBOB",
            "reaction": "pray",
            "item": {"type": "message", "channel": "C1", "ts": "1.1"},
            "event_ts": "9.9",
        }
        reply = bot.send.event(event)
        assert reply.status == 503
        assert bot.send.get("/healthz").status == 200  # the app's own engine is still fine
    finally:
        bot.close()
        broken.dispose()


def test_healthz_is_503_when_the_database_is_unreachable(deps, slack, tmp_path) -> None:
    deps.engine = make_engine(f"sqlite:///{tmp_path}/missing-dir/nope.db")
    bot = Bot(deps, slack, TrackingExecutor())
    try:
        assert bot.send.get("/healthz").status == 503
    finally:
        bot.close()


def test_reciprocity_help_lists_every_command(bot: Bot) -> None:
    bot.command("/reciprocity", "help")
    text = bot.slack.responses[-1]["text"]
    for command in ("/kudos", "/askhelp", "/feedback", "/mentor", "/reciprocity help"):
        assert command in text
    bot.command("/reciprocity", "frobnicate now")
    text = bot.slack.responses[-1]["text"]
    assert "frobnicate" in text and "/kudos" in text
    assert bot.slack.responses[-1]["response_type"] == "ephemeral"


def test_a_non_numeric_timestamp_is_rejected(bot: Bot) -> None:
    reply = bot.send.post(
        kudos_form(bot),
        "application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": "yesterday"},
    )
    assert reply.status == 401
