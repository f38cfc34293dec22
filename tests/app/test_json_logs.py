"""LOG_FORMAT=json: every line one JSON object, with the workspace, the request's kind and
the event id where known, and never a token, the signing secret or feedback text — over a
whole flow at DEBUG (a kudos, a feedback request and answer, a help request, a button, an
event, a scheduler tick and a failure with its traceback)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot import ids
from bot.config import Settings, load_settings
from bot.logs import configure_logging, log_context
from scheduler.runner import tick
from tests.app.test_feedback_app import answers, button, dms_to, last_modal, request_rows
from tests.app.test_help_requests_app import ask, click
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, Bot, make_settings
from tests.slack_double import TEAM_ID, SlackDouble, dm_channel

FEEDBACK = "QUOKKA-5521 your demos ramble"


@pytest.fixture
def settings(database_url: str, slack: SlackDouble) -> Settings:
    return make_settings(database_url, slack, log_format="json", log_level="DEBUG")


@pytest.fixture
def json_logs(settings: Settings) -> Iterator[io.StringIO]:
    """The app's own logging set-up, as `app.py` makes it from the settings, into a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    names = ("slack_bolt", "slack_sdk", "sqlalchemy.engine", "alembic.runtime.plugins")
    levels = {name: logging.getLogger(name).level for name in names}
    stream = io.StringIO()
    configure_logging(settings.log_level, settings.log_format, stream=stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    parsed = []
    for line in stream.getvalue().splitlines():
        value = json.loads(line)  # every line, or the test fails here
        assert isinstance(value, dict), line
        assert {"time", "level", "logger", "message"} <= set(value), line
        parsed.append(value)
    return parsed


def test_a_whole_flow_logs_json_lines_with_context_and_no_secrets(
    bot: Bot, sessions, clock, json_logs: io.StringIO
) -> None:
    bot.command("/kudos", "<@UBOB> for the JSON logs")
    bot.command("/feedback", "request <@UBOB> about the demo")
    invite = dms_to(bot, "UBOB")[0]
    bot.block_action(
        ids.FEEDBACK_GIVE_ACTION,
        button(invite, ids.FEEDBACK_GIVE_ACTION)["value"],
        user="UBOB",
        channel=dm_channel("UBOB"),
        message={"ts": request_rows(sessions)[0].dm_ts},
    )
    bot.view_submission(last_modal(bot), answers(FEEDBACK, as_written=True), user="UBOB")
    assert FEEDBACK in json.dumps(dms_to(bot, "UALICE"))  # delivered, so it went through
    request = ask(bot, "Who can pair on the log shipper? #ops")
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    bot.event({"type": "app_home_opened", "user": "UALICE", "tab": "home", "channel": "D1"})
    tick(bot.deps)
    try:  # a failure with a traceback, its message quoting what someone wrote
        raise ValueError(f"could not store {FEEDBACK!r} with {BOT_TOKEN}")
    except ValueError:
        with log_context(team_id=TEAM_ID, request_kind="view"):
            logging.getLogger("handlers.queue").exception("work item 1 failed")

    logging.getLogger("bot.slack_api").warning("a client built with %s", BOT_TOKEN)  # masked

    logged = json_logs.getvalue()
    records = lines(json_logs)
    assert len(records) > 20, "the capture is not working"
    for secret in (BOT_TOKEN, SIGNING_SECRET, FEEDBACK, "QUOKKA", "your demos ramble"):
        assert secret not in logged, secret
    assert {r["level"] for r in records} >= {"DEBUG", "WARNING", "ERROR"}
    (masked,) = [r for r in records if r["message"].startswith("a client built")]
    assert "REDACTED" in masked["message"]

    def seen(**fields: str) -> bool:
        return any(all(r.get(k) == v for k, v in fields.items()) for r in records)

    for kind in ("command", "action", "view", "event"):
        assert seen(team_id=TEAM_ID, request_kind=kind, logger="handlers.app"), kind
        assert seen(team_id=TEAM_ID, request_kind=kind, logger="handlers.queue"), kind
    event_lines = [r for r in records if r.get("request_kind") == "event"]
    assert event_lines and all(r.get("event_id", "").startswith("Ev") for r in event_lines)
    assert seen(logger="scheduler.runner", job="digest")
    (failure,) = [r for r in records if r["message"] == "work item 1 failed"]
    assert "builtins.ValueError (message withheld)" in failure["exception"]
    assert failure["team_id"] == TEAM_ID and failure["request_kind"] == "view"


def test_log_format_is_text_by_default_and_json_on_request(monkeypatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert load_settings(_env_file=None).log_format == "text"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert load_settings(_env_file=None).log_format == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(Exception, match="LOG_FORMAT"):
        load_settings(_env_file=None)
