"""CPU time of one acknowledged `/kudos`, in one process: steadier than the load test on a
busy machine, and what a change to the ack path should not grow.

    .venv/bin/python bench/ack_cpu.py [--requests 1500]

Each signed request goes through `app.dispatch` (signature, middleware, the listener's ack,
and the commit of its queued work, which the ack waits for); the figure is
`time.process_time()` per request, all threads of the process counted (the commit's
included), after 200 warm-up requests.
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

from app import build_deps, migrate  # noqa: E402
from bot.config import Settings  # noqa: E402
from handlers.app import create_app  # noqa: E402
from tests.slack_double import SlackDouble  # noqa: E402
from tests.slack_requests import signed_form_headers  # noqa: E402

SECRET = "bench-signing-secret"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()
    double = SlackDouble().start()
    database_url = f"sqlite:///{tempfile.mkdtemp(prefix='reciprocity-bench-')}/cpu.db"
    migrate(database_url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        database_url=database_url,
        slack_api_url=double.api_url,
        scheduler_enabled=False,
    )
    app = create_app(build_deps(settings))
    spent: list[float] = []
    for i in range(args.requests + 200):
        body = urlencode(
            {
                "token": "x",
                "team_id": "T0BENCH",
                "channel_id": "CBENCH",
                "user_id": "UBENCH1",
                "command": "/kudos",
                "text": f"<@UBENCH2> for request {i}",
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": f"{i}.1.bench",
                "api_app_id": "A0BENCH",
            }
        )
        headers = signed_form_headers(SECRET, body)
        began = time.process_time()
        response = app.dispatch(BoltRequest(body=body, headers=headers))
        spent.append(time.process_time() - began)
        assert response.status == 200, response.status
    double.stop()
    measured = spent[200:]
    print(
        f"/kudos ack, CPU per request: p50 {statistics.median(measured) * 1000:.2f} ms, "
        f"mean {statistics.fmean(measured) * 1000:.2f} ms ({len(measured)} requests)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
