"""`app.py` as an operator runs it: settings errors, missing credentials, export, serve."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.services.kudos import give_kudos
from bot.services.people import Person
from bot.services.thanks import Reaction, record_thanks, retract_thanks
from bot.services.workspaces import WorkspaceDefaults
from tests.cli import run_app
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_double import SlackDouble
from tests.slack_requests import SlackSender

ROOT = Path(__file__).resolve().parents[2]
__all__ = ["ROOT", "run_app"]  # for the other CLI tests


def test_a_wrong_setting_is_a_clear_error_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("KUDOS_DAILY_BUDGET", "plenty")
    monkeypatch.setenv("PORT", "99999")
    with pytest.raises(ConfigError) as error:
        load_settings(_env_file=None)
    assert "KUDOS_DAILY_BUDGET" in str(error.value) and "PORT" in str(error.value)


def test_lists_come_comma_separated_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("THANKS_EMOJI", ":taco:, pray")
    monkeypatch.setenv("KUDOS_VALUES", "Ownership,Craft")
    settings = load_settings(_env_file=None)
    assert settings.thanks_emoji == ["taco", "pray"]
    assert settings.kudos_values == ["Ownership", "Craft"]
    assert "xoxb" not in repr(load_settings(_env_file=None, slack_bot_token="xoxb-1-secret"))


def test_serve_without_credentials_explains_how_to_set_up_and_exits_2(tmp_path) -> None:
    result = run_app("serve", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "manifest.json" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr


def test_a_bad_setting_stops_the_cli_with_exit_2(tmp_path) -> None:
    result = run_app("migrate", env={"DATABASE_URL": "mysql://nope", "PORT": "x"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "PORT" in result.stderr


def seed(sessions) -> None:
    from models.help_requests import HelpRequest, HelpThanks

    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    alice, bob, carol = (Person(id=u, team_id="T0TEAM") for u in ("UALICE", "UBOB", "UCAROL"))
    with sessions.begin() as session:
        give_kudos(
            session=session,
            team_id="T0TEAM",
            giver=alice,
            receivers=[bob, carol],
            reason='for "the" fix, really',
            value="craft",
            channel_id="CGENERAL",
            defaults=WorkspaceDefaults(),
            now=now,
        )
        kept = Reaction("T0TEAM", "UBOB", "UALICE", "CGENERAL", "1.1", "pray")
        gone = Reaction("T0TEAM", "UCAROL", "UALICE", "CGENERAL", "1.1", "pray")
        record_thanks(session=session, reaction=kept, reactor=bob, author=alice, now=now)
        record_thanks(session=session, reaction=gone, reactor=carol, author=alice, now=now)
        retract_thanks(session=session, reaction=gone, now=now)
        request = HelpRequest(
            key="k1",
            team_id="T0TEAM",
            requester_id="UDAVE",
            channel_id="CHELP",
            message_ts="1.2",
            question="how do I rotate the keys?",
            urgency="week",
            tags=[],
            created_at=now,
            status="resolved",
        )
        session.add(request)
        session.flush()
        session.add(
            HelpThanks(
                team_id="T0TEAM",
                request_id=request.id,
                giver_id="UDAVE",
                receiver_id="UBOB",
                channel_id="CHELP",
                created_at=now,
            )
        )


def test_export_writes_one_record_per_line(sessions, database_url) -> None:
    seed(sessions)
    result = run_app("export", env={"DATABASE_URL": database_url}, in_process=True)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["type"], r["from_user"], r["to_user"]) for r in records] == [
        ("kudos", "UALICE", "UBOB"),
        ("kudos", "UALICE", "UCAROL"),
        ("thanks", "UBOB", "UALICE"),  # the retracted thanks is not exported
        ("thanks", "UDAVE", "UBOB"),  # the thank-you of a resolved help request
        ("help_request", "UDAVE", ""),
    ]
    first = records[0]
    assert set(first) == {
        "type",
        "team_id",
        "from_user",
        "to_user",
        "channel_id",
        "created_at",
        "text",
    }
    assert first["created_at"] == "2026-11-20T10:00:00Z"
    assert first["text"] == 'for "the" fix, really' and records[2]["text"] == ""


def test_export_csv_by_type_and_since(sessions, database_url) -> None:
    seed(sessions)
    result = run_app(
        "export", "--format", "csv", "--type", "thanks", env={"DATABASE_URL": database_url}
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["type"], r["from_user"]) for r in rows] == [("thanks", "UBOB"), ("thanks", "UDAVE")]
    later = run_app(
        "export", "--since", "2026-11-21", env={"DATABASE_URL": database_url}, in_process=True
    )
    assert later.returncode == 0 and later.stdout == ""
    wrong = run_app(
        "export", "--type", "gossip", env={"DATABASE_URL": database_url}, in_process=True
    )
    assert wrong.returncode == 2 and "gossip" in wrong.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_gunicorn_with_healthz_and_slack_events(
    slack: SlackDouble, engine, sessions, database_url
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SCHEDULER_ENABLED": "false",
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "DEBUG",
        }
    )
    server = subprocess.Popen(
        [sys.executable, "app.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, "the server died"
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        sender = SlackSender(base, SIGNING_SECRET, slack)
        assert sender.command("/kudos", "<@UBOB> for the deploy").status == 200
        deadline = time.monotonic() + 15
        while not slack.calls_to("chat.postMessage"):
            assert time.monotonic() < deadline, "the kudos was never posted"
            time.sleep(0.1)
        assert sender.command("/kudos", "<@UBOB> x", secret="forged").status == 401
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "gunicorn" in output.lower() or "Booting worker" in output
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
    assert "for the deploy" not in output


def test_the_env_example_lists_every_setting_and_starts_without_credentials(tmp_path) -> None:
    from bot.config import Settings

    example = (ROOT / ".env.example").read_text()
    names = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert names == {name.upper() for name in Settings.model_fields}
    settings = load_settings(_env_file=str(ROOT / ".env.example"))
    assert not settings.has_slack_credentials and settings.slack_app_token is None


def test_run_job_refuses_an_unreadable_moment_and_an_unknown_job(database_url, engine) -> None:
    bad_time = run_app(
        "run-job", "digest", "--at", "tomorrow", env={"DATABASE_URL": database_url}, in_process=True
    )
    assert bad_time.returncode == 2 and "ISO-8601" in bad_time.stderr
    unknown = run_app("run-job", "gossip", env={"DATABASE_URL": database_url}, in_process=True)
    assert unknown.returncode == 2 and "digest" in unknown.stderr


def test_the_worker_without_credentials_explains_how_to_set_up_and_exits_2(tmp_path) -> None:
    result = run_app("worker", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    assert "manifest.json" in result.stderr and "Traceback" not in result.stderr
