"""`GET /metrics`: Prometheus text that counts what the bot did, as Slack drives it.

The instruments are process-wide counters, so each test compares a scrape after with a scrape
before. The queue's gauges are read from the database at each scrape.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from app import migrate
from bot import ids
from bot.services import work
from models.work import DEAD, WorkItem
from scheduler.runner import tick
from tests.app.test_crash import server_env, serving, wait_until
from tests.app.test_help_requests_app import ask, click, resolve
from tests.conftest import SIGNING_SECRET, Bot, fresh_database_url
from tests.slack_double import SlackDouble
from tests.slack_requests import SlackSender

ROOT = Path(__file__).resolve().parents[2]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def read(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(bot: Bot) -> Samples:
    with urllib.request.urlopen(f"{bot.url}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return read(response.read().decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_requests_and_acks_are_counted_and_timed_by_kind(bot: Bot) -> None:
    before = scrape(bot)
    bot.command("/kudos", "<@UBOB> for the metrics")
    request = ask(bot, "Who knows Prometheus? #ops")
    click(bot, ids.HELP_OFFER_ACTION, request, "UBOB")
    resolve(bot, request, ["UBOB"], "thanks")
    bot.event({"type": "app_home_opened", "user": "UALICE", "tab": "home", "channel": "D1"})
    message = {"ts": "1700000200.000100", "user": "UBOB", "text": "look at this"}
    shortcut = json.loads((ROOT / "manifest.json").read_text())["features"]["shortcuts"][0]
    bot.message_shortcut(shortcut["callback_id"], message, user="UALICE")
    after = scrape(bot)

    expected = {"command": 2, "action": 2, "view": 1, "event": 1, "shortcut": 1}
    for kind, n in expected.items():
        assert grew(before, after, "reciprocity_requests_total", kind=kind) == n, kind
        assert grew(before, after, "reciprocity_acks_total", kind=kind, status="200") == n, kind
        assert grew(before, after, "reciprocity_ack_seconds_count", kind=kind) == n, kind
        assert grew(before, after, "reciprocity_ack_seconds_bucket", kind=kind, le="+Inf") == n
        assert grew(before, after, "reciprocity_ack_seconds_sum", kind=kind) > 0
    # What the acks queued ran from the queue, counted by kind and outcome.
    assert grew(before, after, "reciprocity_queue_runs_total", kind="command", outcome="done") >= 2
    assert grew(before, after, "reciprocity_queue_runs_total", kind="event", outcome="done") == 1
    # I can help is queued; Resolve only opens its modal, in the fast part.
    assert grew(before, after, "reciprocity_queue_run_seconds_count", kind="action") == 1
    # Every Web API call the double answered is counted by method and status.
    posts = len(bot.slack.calls_to("chat.postMessage"))
    assert posts >= 3
    counted = grew(before, after, "reciprocity_slack_api_calls_total", method="chat.postMessage",
                   status="200")  # fmt: skip
    assert counted == posts
    assert grew(before, after, "reciprocity_slack_api_calls_total", method="views.open",
                status="200") == len(bot.slack.calls_to("views.open"))  # fmt: skip


def test_a_rate_limited_call_counts_its_429s_and_its_success(bot: Bot) -> None:
    before = scrape(bot)
    bot.slack.fail("chat.postMessage", status=429, times=2, retry_after=0)
    bot.command("/kudos", "<@UBOB> for waiting out the rate limit")
    after = scrape(bot)
    calls = "reciprocity_slack_api_calls_total"
    assert grew(before, after, calls, method="chat.postMessage", status="429") == 2
    assert grew(before, after, calls, method="chat.postMessage", status="200") == 1


def test_queue_depth_age_and_dead_letters_come_from_the_database(bot: Bot, sessions) -> None:
    empty = scrape(bot)
    assert value(empty, "reciprocity_database_up") == 1
    assert value(empty, "reciprocity_queue_depth") == 0
    assert value(empty, "reciprocity_queue_oldest_age_seconds") == 0
    assert value(empty, "reciprocity_queue_dead_letters") == 0

    now = datetime.now(UTC)
    rows = [
        work.new_row(
            key=f"metrics-test-{n}",
            kind="block_actions",
            team_id="T1",
            function="f",
            body="{}",
            headers={},
            now=now - timedelta(seconds=seconds),
        )
        for n, seconds in enumerate((90, 30, 5))
    ]
    with sessions.begin() as session:
        work.insert_new(session, rows)
        session.execute(
            update(WorkItem).where(WorkItem.key == "metrics-test-2").values(status=DEAD)
        )
    samples = scrape(bot)
    assert value(samples, "reciprocity_queue_depth") == 2
    assert 90 <= value(samples, "reciprocity_queue_oldest_age_seconds") < 150
    assert value(samples, "reciprocity_queue_dead_letters") == 1


def test_scheduler_ticks_jobs_and_claims_are_counted(bot: Bot, clock) -> None:
    before = scrape(bot)
    ask(bot, "Anyone around for a review?")
    clock.advance(days=30)  # the request goes stale: the stale-help job claims it
    summaries = tick(bot.deps)
    assert summaries and "failed" not in summaries.values()
    after = scrape(bot)
    assert grew(before, after, "reciprocity_scheduler_ticks_total", outcome="ran") == 1
    for job in summaries:
        assert grew(before, after, "reciprocity_scheduler_job_runs_total", job=job, outcome="ok")
        assert grew(before, after, "reciprocity_scheduler_job_seconds_count", job=job) == 1
    claimed = {
        labels: grew(before, after, name, **dict(labels))
        for (name, labels) in after
        if name == "reciprocity_scheduler_claims_total"
    }
    assert any(n >= 1 for n in claimed.values()), claimed


MULTIPROCESS_CHILD = """
import sys
from bot import metrics
metrics.answered("command", 200, 0.01)
metrics.SLACK_CALLS.labels("chat.postMessage", "429").inc()
"""

MULTIPROCESS_SCRAPE = """
import sys
from bot.db import make_engine
from bot import metrics
body, _ = metrics.exposition(make_engine(sys.argv[1]))
sys.stdout.write(body.decode())
"""


def test_in_multiprocess_mode_a_scrape_adds_up_every_process_of_the_host(
    tmp_path: Path, database_url: str, engine
) -> None:
    """What `app.py serve` sets up: the gunicorn workers and the background process each
    write their counters to PROMETHEUS_MULTIPROC_DIR, and any web worker's scrape sums them."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", MULTIPROCESS_CHILD], env=env, cwd=ROOT, check=True)
    shown = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRAPE, database_url],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    samples = read(shown)
    assert value(samples, "reciprocity_requests_total", kind="command") == 2
    assert value(samples, "reciprocity_ack_seconds_count", kind="command") == 2
    calls = "reciprocity_slack_api_calls_total"
    assert value(samples, calls, method="chat.postMessage", status="429") == 2
    assert value(samples, "reciprocity_database_up") == 1


def test_app_py_serve_adds_up_its_web_workers_and_its_background_process(
    tmp_path: Path, slack: SlackDouble
) -> None:
    """The real `app.py serve` (two gunicorn workers and the background process): one
    /kudos is answered by a web worker and run by the background process, and every scrape,
    whichever worker answers it, shows both."""
    with fresh_database_url(str(tmp_path)) as url:
        migrate(url)
        env = server_env(url, slack, worker_threads=2)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
        with serving(env, tmp_path / "server.log") as server:
            server.wait_until_up(60)
            sender = SlackSender(server.url, SIGNING_SECRET, slack)
            assert sender.command("/kudos", "<@UBOB> for the metrics").status == 200
            wait_until(
                lambda: bool(slack.calls_to("chat.postMessage")), timeout=30, what=lambda: "a post"
            )
            runs = "reciprocity_queue_runs_total"

            def scrape_served() -> Samples:
                with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
                    return read(response.read().decode())

            wait_until(
                lambda: value(scrape_served(), runs, kind="command", outcome="done") == 1,
                timeout=30,
                what=lambda: "the background process's count",
            )
            for _ in range(6):  # new connections: gunicorn hands them to either worker
                samples = scrape_served()
                assert value(samples, "reciprocity_requests_total", kind="command") == 1
                assert value(samples, runs, kind="command", outcome="done") == 1
                calls = "reciprocity_slack_api_calls_total"
                assert value(samples, calls, method="chat.postMessage", status="200") >= 1
