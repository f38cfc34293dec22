"""The background process beside gunicorn is kept running and stopped cleanly."""

from __future__ import annotations

import sys
import time

from bot.server import Supervised


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
