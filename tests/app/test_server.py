"""The background process beside gunicorn is kept running and stopped cleanly."""

from __future__ import annotations

import sys
import time

from bot.server import Supervised, SupervisedGroup


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_child_that_exits_is_started_again() -> None:
    child = Supervised([sys.executable, "-c", "raise SystemExit(3)"], check_every=0.1)
    child.start()
    try:
        wait_for(lambda: child.starts >= 3)
    finally:
        child.stop()


def test_stop_ends_a_running_child_and_it_is_not_restarted() -> None:
    child = Supervised([sys.executable, "-c", "import time; time.sleep(60)"], check_every=0.1)
    child.start()
    assert child.process is not None and child.process.poll() is None
    child.stop()
    assert child.process.poll() is not None
    time.sleep(0.5)
    assert child.starts == 1


def test_a_child_gets_its_own_variables_on_top_of_ours(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RECIPROCITY_TEST_INHERITED", "yes")
    out = tmp_path / "env.txt"
    code = (
        "import os, pathlib; pathlib.Path(os.environ['OUT']).write_text("
        "os.environ['RECIPROCITY_TEST_INHERITED'] + ' ' + os.environ['SCHEDULER_ENABLED'])"
    )
    child = Supervised(
        [sys.executable, "-c", code], env={"OUT": str(out), "SCHEDULER_ENABLED": "false"}
    )
    child.start()
    try:
        wait_for(lambda: out.exists() and out.read_text())
    finally:
        child.stop()
    assert out.read_text() == "yes false"


def test_a_group_stops_its_children_together_within_one_deadline() -> None:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    children = [Supervised([sys.executable, "-c", stubborn], check_every=0.1) for _ in range(3)]
    group = SupervisedGroup(children)
    group.start()
    time.sleep(0.5)  # the children are up and ignore SIGTERM
    started = time.monotonic()
    group.stop(timeout=1.0)
    took = time.monotonic() - started
    assert all(c.process is not None and c.process.poll() is not None for c in children)
    assert took < 2.5, f"one deadline for all, not one each: {took:.1f} s"
    time.sleep(0.3)
    assert [c.starts for c in children] == [1, 1, 1]


def test_serve_runs_worker_processes_with_the_scheduler_in_the_first_only() -> None:
    from app import _background_processes
    from bot.config import Settings

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        worker_processes=3,
    )
    group = _background_processes(settings)
    assert [c.command[-1] for c in group.children] == ["worker"] * 3
    assert [c.env for c in group.children] == [
        None,
        {"SCHEDULER_ENABLED": "false"},
        {"SCHEDULER_ENABLED": "false"},
    ]
