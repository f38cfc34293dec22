"""Ack latency and throughput of `/kudos` under concurrent load: the bot against a bare Bolt
app that only acks, both served by gunicorn with the same settings, in one run.

    .venv/bin/python bench/ack.py [--requests 3000] [--concurrency 16] [--rounds 3]
                                  [--database-url URL]

The bot talks to the Slack test double (its own process, on loopback). Each client sends
signed `/kudos` requests back to back; latency is the time to the HTTP answer (Slack's ack),
which comes only once the kudos is committed to the queue. Both servers stay up; each round
measures the bare app, then the bot, then waits for the bot's queue to drain, so the two are
compared on the machine as it is at that moment (a shared machine's speed drifts by a
quarter within minutes). Besides throughput it reports each server's CPU per request (its
whole process tree, the bot's background worker included), which drifts far less. Targets:
p99 under 100 ms, and a median over the rounds of at least 0.9 of the bare app's throughput.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack_requests import sign  # noqa: E402

SECRET = "bench-signing-secret"
USERS = [f"UBENCH{i:03d}" for i in range(60)]
WARM_UP = 200

# The double stands in for Slack, whose servers are not on this machine: it runs niced so
# that its CPU is not taken from the bot being measured.
DOUBLE = """
import os, sys
os.nice(10)
sys.path.insert(0, {root!r})
from tests.slack_double import SlackDouble
double = SlackDouble().start()
for uid in {users!r}:
    double.add_user(uid, uid.lower())
print(double.port, flush=True)
sys.stdin.read()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on {port} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not come up")


def request_body(i: int) -> bytes:
    giver, receiver = USERS[i % len(USERS)], USERS[(i * 7 + 1) % len(USERS)]
    if giver == receiver:
        receiver = USERS[(i + 1) % len(USERS)]
    return urlencode(
        {
            "token": "x",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "CBENCH",
            "channel_name": "bench",
            "user_id": giver,
            "user_name": giver.lower(),
            "command": "/kudos",
            "text": f"<@{receiver}> for benchmark request {i} #speed",
            "api_app_id": "A0BENCH",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": f"{i}.1.bench",
        }
    ).encode()


def load(
    port: int, total: int, concurrency: int, *, first: int = 0
) -> tuple[list[float], float, int]:
    """`total` requests numbered from `first`: each body is new (the same signed request
    twice within a second would be a replay, which the bot answers and ignores)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(first, first + total))
    url = f"http://127.0.0.1:{port}/slack/events"

    def client() -> None:
        nonlocal errors
        for i in counter:
            body = request_body(i)
            ts = str(int(time.time()))
            request = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": sign(SECRET, ts, body.decode()),
                },
            )
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    ok = response.status == 200
                    response.read()
            except OSError:
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors += not ok

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began, errors


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def wait_until_idle(pid: int, timeout: float = 60) -> None:
    """Until the process tree spends under 5% of a core for half a second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = tree_cpu_seconds(pid)
        time.sleep(0.5)
        if tree_cpu_seconds(pid) - before < 0.025:
            return
    raise SystemExit(f"process {pid} still busy after {timeout} s")


def measure(
    name: str, port: int, server: int, total: int, concurrency: int, *, first: int
) -> dict[str, float]:
    """`total` requests numbered from `first` (after a warm-up numbered before them)."""
    load(port, WARM_UP, concurrency, first=first)  # warm-up: imports, caches, pools
    cpu_before = tree_cpu_seconds(server)
    latencies, elapsed, errors = load(port, total, concurrency, first=first + WARM_UP)
    cpu = tree_cpu_seconds(server) - cpu_before
    result = {
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "throughput": total / elapsed,
        "cpu_ms": cpu / total * 1000,
        "errors": errors,
    }
    print(
        f"{name:>9}: p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
        f"throughput {result['throughput']:7.1f} req/s  server CPU {result['cpu_ms']:.2f} ms/req"
        f"  errors {errors}",
        flush=True,
    )
    return result


def wait_for_work(database_url: str, expected: int, timeout: float = 600) -> float:
    """Seconds until the queued work is done: every kudos stored, the queue empty."""
    from sqlalchemy import func, select

    from bot.db import make_engine
    from models import Kudos, WorkItem

    engine = make_engine(database_url)
    began = time.perf_counter()
    try:
        while time.perf_counter() - began < timeout:
            with engine.connect() as conn:
                kudos = conn.scalar(select(func.count()).select_from(Kudos))
                waiting = conn.scalar(
                    select(func.count()).select_from(WorkItem).where(WorkItem.status != "done")
                )
            if kudos == expected and waiting == 0:
                return time.perf_counter() - began
            time.sleep(0.2)
        raise SystemExit(f"work not done after {timeout} s: {kudos} kudos, {waiting} queued")
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="reciprocity-bench-")
    database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
    python = sys.executable
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        double = subprocess.Popen(
            [python, "-c", DOUBLE.format(root=str(ROOT), users=USERS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        processes.append(double)
        assert double.stdout is not None
        double_port = int(double.stdout.readline())
        env.update(
            {
                "DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": f"http://127.0.0.1:{double_port}/api/",
                "SCHEDULER_ENABLED": "false",
                "WEB_CONCURRENCY": str(args.workers),
                "KUDOS_DAILY_BUDGET": "1000",
                "LOG_LEVEL": "WARNING",
            }
        )
        subprocess.run(
            [python, "app.py", "migrate"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        bare_port, bot_port = free_port(), free_port()
        bare = subprocess.Popen(
            [python, "bench/bare_app.py"],
            cwd=ROOT,
            env={**env, "PORT": str(bare_port)},
            stderr=subprocess.DEVNULL,
        )
        processes.append(bare)
        bot = subprocess.Popen(
            [python, "app.py", "serve"],
            cwd=ROOT,
            env={**env, "PORT": str(bot_port)},
            stderr=subprocess.DEVNULL,
        )
        processes.append(bot)
        wait_until_up(bare_port, bare, "/slack/events")
        wait_until_up(bot_port, bot, "/healthz")
        wait_until_idle(bot.pid)  # its background process has booted, and nothing else runs
        print(
            f"/kudos, {args.requests} requests, {args.concurrency} concurrent clients, "
            f"{args.workers} gunicorn workers, {database_url.split(':')[0]}, "
            f"{args.rounds} rounds (bare, then the bot, then its queue drained)",
            flush=True,
        )
        ratios, p99s, errors, sent = [], [], 0, 0
        for _ in range(args.rounds):
            baseline = measure(
                "bare Bolt", bare_port, bare.pid, args.requests, args.concurrency, first=sent
            )
            sent += WARM_UP + args.requests
            ours = measure(
                "the bot", bot_port, bot.pid, args.requests, args.concurrency, first=sent
            )
            sent += WARM_UP + args.requests
            drained = wait_for_work(database_url, expected=sent // 2)
            print(
                f"  all {sent // 2} kudos so far recorded and posted {drained:.1f} s after the "
                "last ack (the background worker, niced)",
                flush=True,
            )
            ratios.append(ours["throughput"] / baseline["throughput"])
            p99s.append(ours["p99_ms"])
            errors += int(ours["errors"])
        ratio = statistics.median(ratios)
        print(
            "throughput ratio (bot / bare): "
            + ", ".join(f"{r:.2f}" for r in ratios)
            + f"; median {ratio:.2f}",
            flush=True,
        )
        passed = max(p99s) < 100 and ratio >= 0.9 and errors == 0
        print("targets (p99 < 100 ms, median ratio >= 0.9):", "met" if passed else "NOT met")
        return 0 if passed else 1
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    sys.exit(main())
