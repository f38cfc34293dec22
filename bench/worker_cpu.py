"""CPU time the background worker spends on one queued `/kudos`, in one thread: the figure
that decides how many kudos a second one worker process keeps up with, steadier than the
end-to-end load test on a busy machine.

    .venv/bin/python bench/worker_cpu.py [--kudos 1000] [--rounds 3]
                                         [--database-url postgresql://…/empty_db]

A web app (as gunicorn runs it) acknowledges `--kudos` signed `/kudos`, each committing its
queued work; then the consumer app (as `app.py worker` runs it) works the queue off in this
thread with `run_pending`: the lease, the kudos' transaction, `chat.postMessage` to the Slack
double (in its own thread, not counted) and the finish. The figure is `time.thread_time()` per
kudos (the database driver's work in this thread included; a PostgreSQL server's own CPU is
not), the median of `--rounds` rounds on a fresh database each, after a warm-up round.
Compare two checkouts by running each side by side, in turns, on the same machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_bolt import BoltRequest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import build_deps, migrate  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.app import create_app  # noqa: E402
from handlers.queue import run_pending  # noqa: E402
from tests.slack_double import SlackDouble  # noqa: E402
from tests.slack_requests import signed_form_headers  # noqa: E402

SECRET = "bench-signing-secret"
TEAM = "T0BENCH"


def fresh_database(url: str | None, round_no: int) -> str:
    if url is None:
        return f"sqlite:///{tempfile.mkdtemp(prefix='reciprocity-bench-')}/worker{round_no}.db"
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def one_round(double: SlackDouble, database_url: str, kudos: int) -> float:
    """CPU seconds per kudos of the worker's thread."""
    migrate(database_url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        database_url=database_url,
        slack_api_url=double.api_url,
        scheduler_enabled=False,
        kudos_daily_budget=1000,
    )
    web_deps = build_deps(settings, web=True)
    web = create_app(web_deps)
    for i in range(kudos):
        body = urlencode(
            {
                "token": "x",
                "team_id": TEAM,
                "channel_id": "CBENCH",
                "user_id": f"UGIVER{i % 20}",
                "command": "/kudos",
                "text": f"<@URECV{i % 50}> for bench-{i}",
                "response_url": double.response_url(),
                "trigger_id": f"{i}.1.bench",
                "api_app_id": "A0BENCH",
            }
        )
        headers = signed_form_headers(SECRET, body)
        response = web.dispatch(BoltRequest(body=body, headers=headers))
        assert response.status == 200 and not response.body, (response.status, response.body)
    web_deps.engine.dispose()
    deps = build_deps(settings)
    consumer = create_app(deps, consumer=True)
    began = time.thread_time()
    ran = run_pending(consumer, sessions=deps.sessions, clock=deps.clock, worker="bench")
    spent = time.thread_time() - began
    deps.engine.dispose()
    assert ran == kudos, (ran, kudos)
    posted = [c for c in double.calls if c.method == "chat.postMessage"]
    assert len(posted) == kudos, (len(posted), kudos)
    double.calls.clear()
    return spent / kudos


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kudos", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL: dropped and made again")
    args = parser.parse_args()
    double = SlackDouble().start()
    for n in range(20):
        double.add_user(f"UGIVER{n}", f"giver{n}")
    for n in range(50):
        double.add_user(f"URECV{n}", f"receiver{n}")
    figures = []
    for round_no in range(args.rounds + 1):
        spent = one_round(double, fresh_database(args.database_url, round_no), args.kudos)
        if round_no:  # the first round warms up
            figures.append(spent)
    double.stop()
    where = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"worker CPU per queued /kudos ({where}): median {statistics.median(figures) * 1000:.2f} ms"
        f" over {args.rounds} rounds of {args.kudos} "
        f"({', '.join(f'{f * 1000:.2f}' for f in figures)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
