"""End-to-end latency of `/kudos`: from the signed slash command leaving the client to the
bot's public kudos post (`chat.postMessage`) reaching the Slack test double.

    .venv/bin/python bench/e2e.py [--seconds 60] [--rates 50,100] [--database sqlite|postgresql]
                                  [--find-max [--step 50] [--p99 1.0]] [--clients 200]
                                  [--worker-processes 1]

The real server (`app.py serve`: gunicorn workers and the background `app.py worker`) runs
against the Slack double (its own niced process, as in bench/ack.py), on a fresh database per
rate: a SQLite file, or the PostgreSQL database named by --postgres-url, which is dropped and
created again. Requests are open-loop: request n is due at start + n / rate, whatever the
replies, and is sent by the first free thread of a pool; latency counts from the moment it was
due, so a slow reply that holds up the next sends is not hidden. Each kudos carries a unique
reason (`for e2e-<n>`), by which the double's recorded posts are matched to the requests.
A request is acked when Slack's ack is a bare 200; refused when the 200 carries an answer
instead (the bot telling the person it could not take the kudos).

After the last send the bench waits until every acknowledged kudos is posted, giving up when
no post has arrived for --grace seconds: a kudos still missing then is lost (a backlog that
drains slowly is slow, not lost; its latency shows in the percentiles). A kudos posted more
than once is a duplicate. Exits non-zero if any kudos was lost or duplicated, or (at fixed
rates) any request was refused or went unacknowledged. --find-max steps the rate up and
reports the highest at which p99 stays under --p99 seconds with every request acked and
nothing lost.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack_requests import sign  # noqa: E402

SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
CHANNEL = "CBENCH"
BUDGET = 1000  # KUDOS_DAILY_BUDGET's upper bound: each giver may give this many a day
WARMUP = 20
EXCEPTION = re.compile(r"^[\w.]*(?:Error|Exception|Exit)\b")
PROBLEM = re.compile(r"\b(?:WARNING|ERROR|CRITICAL)\b")
MARK = re.compile(r"\b((?:e2e|warmup)-\d+)\b")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench_e2e"

# time.monotonic() is CLOCK_MONOTONIC on Linux: one clock for every process on the machine,
# so the double's arrival times and the client's send times can be subtracted.
now = time.monotonic


# ----- the Slack double, in its own process --------------------------------------------------
def run_double(users: int) -> int:
    """`e2e.py --double N`: the Slack double, reporting each post as a line on stdout.

    `post <mark> <arrival> <ok>` for every `chat.postMessage` (arrival: when its request
    reached the double), `respond <mark> <json>` for posts to a response URL (an error the
    bot answered with), `rejected <method> <json>` for calls the double refused.
    """
    from tests.slack_double import SlackDouble

    os.nice(10)  # as in bench/ack.py: the double's CPU is not taken from the bot
    out = threading.Lock()

    def emit(line: str) -> None:
        with out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    arrival = threading.local()

    class TimedDouble(SlackDouble):
        def _handle(self, request: Any) -> None:
            arrival.at = now()  # one thread per request (ThreadingHTTPServer)
            super()._handle(request)

        def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
            answer = super()._api_chat_postMessage(params)
            match = MARK.search(str(params.get("text") or ""))
            mark = match.group(1) if match else "-"
            emit(f"post {mark} {arrival.at:.6f} {int(bool(answer.get('ok')))}")
            return answer

    double = TimedDouble().start()
    for i in range(users):
        double.add_user(user_id(i), f"e2e{i}")

    def report_other() -> None:
        seen_responses = seen_rejected = 0
        while True:
            time.sleep(0.25)
            with double._lock:
                responses = double.responses[seen_responses:]
                rejected = double.rejected[seen_rejected:]
            seen_responses += len(responses)
            seen_rejected += len(rejected)
            for response in responses:
                mark = str(response.get("url", "")).rsplit("/", 1)[-1] or "-"
                emit(f"respond {mark} {json.dumps(response.get('text'))}")
            for refused in rejected:
                method = refused.get("method") or refused.get("url") or "?"
                emit(f"rejected {method} {json.dumps(refused, default=str)[:500]}")

    threading.Thread(target=report_other, daemon=True).start()
    emit(str(double.port))
    sys.stdin.read()  # until the bench closes it
    return 0


@dataclass
class Observed:
    """What the double reported, read from its stdout by a thread."""

    posts: dict[str, list[float]] = field(default_factory=dict)
    failed_posts: list[str] = field(default_factory=list)
    responses: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    last_post: float = 0.0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def read(self, stream: IO[str]) -> None:
        for line in stream:
            kind, _, rest = line.rstrip("\n").partition(" ")
            with self.changed:
                if kind == "post":
                    mark, at, ok = rest.split(" ")
                    if ok == "1":
                        self.posts.setdefault(mark, []).append(float(at))
                        self.last_post = now()
                    else:
                        self.failed_posts.append(mark)
                elif kind == "respond":
                    mark, _, text = rest.partition(" ")
                    self.responses.setdefault(mark, []).append(json.loads(text) or "")
                elif kind == "rejected":
                    self.rejected.append(rest)
                self.changed.notify_all()

    def wait_for(self, marks: set[str], *, idle: float, limit: float) -> None:
        """Until every mark is posted, or no post came for `idle` s, or `limit` s passed."""
        began = now()
        with self.changed:
            self.last_post = max(self.last_post, began)
            while not marks <= self.posts.keys():
                if now() - self.last_post > idle or now() - began > limit:
                    return
                self.changed.wait(0.2)


# ----- requests ------------------------------------------------------------------------------
def user_id(i: int) -> str:
    return f"UE2E{i:04d}"


def kudos_body(mark: str, n: int, users: int, response_url: str) -> bytes:
    giver = n % users
    receiver = (n * 7 + 1 + n // users) % users
    if receiver == giver:
        receiver = (giver + 1) % users
    return urlencode(
        {
            "token": "x",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": CHANNEL,
            "channel_name": "bench",
            "user_id": user_id(giver),
            "user_name": f"e2e{giver}",
            "command": "/kudos",
            "text": f"<@{user_id(receiver)}> for {mark}",
            "api_app_id": "A0BENCH",
            "response_url": f"{response_url}{mark}",
            "trigger_id": f"{n}.1.e2e",
        }
    ).encode()


def send(url: str, body: bytes) -> str | None:
    """Slack's ack: None when the request failed, else the answer's body ("" for a bare ack)."""
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
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read().decode(errors="replace")
            return answer if response.status == 200 else None
    except OSError:
        return None


@dataclass
class Sent:
    due: float
    lag: float  # how late the client sent it
    ack: float  # seconds from due to the HTTP answer
    answer: str | None  # the ack's body: "" a bare ack, text an answer (a refusal), None none

    @property
    def acked(self) -> bool:
        return self.answer == ""

    @property
    def refused(self) -> bool:
        return bool(self.answer)


def open_loop(
    url: str, respond_url: str, *, rate: float, total: int, users: int, clients: int
) -> dict[str, Sent]:
    """Request n is due at start + n / rate; the first free client thread sends it."""
    sent: dict[str, Sent] = {}
    lock = threading.Lock()
    counter = itertools.count()
    start = now() + 0.5

    def client() -> None:
        while (n := next(counter)) < total:
            mark = f"e2e-{n}"
            body = kudos_body(mark, n + WARMUP, users, respond_url)
            due = start + n / rate
            delay = due - now()
            if delay > 0:
                time.sleep(delay)
            began = now()
            answer = send(url, body)
            with lock:
                sent[mark] = Sent(due=due, lag=began - due, ack=now() - due, answer=answer)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent


# ----- processes and databases ---------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def why(log: Path) -> str:
    """The exceptions in a server log, each once, and where the whole log is."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return str(log)
    errors = dict.fromkeys(line for line in lines if EXCEPTION.match(line))
    shown = "\n".join(errors) if errors else "\n".join(lines[-25:])
    return f"{shown}\n(the server's log: {log})"


def wait_until_up(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = now() + 60
    while now() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}:\n{why(log)}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not come up on port {port}:\n{why(log)}")


def stop(process: subprocess.Popen[Any]) -> None:
    """End a process started in its own session, and everything it started (its group)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers: the background worker
    process.wait()


def fresh_postgres(url: str) -> None:
    """Drop and create the database the URL names (through the server's `postgres` database)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"\w+", name):
        raise SystemExit(f"--postgres-url must name a database (letters, digits, _): {url}")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def recorded_kudos(database_url: str) -> int | None:
    """How many measured kudos the database holds (for a run that lost some)."""
    query = "SELECT count(*) FROM kudos WHERE reason LIKE 'for e2e-%'"
    try:
        if database_url.startswith("sqlite"):
            with contextlib.closing(sqlite3.connect(database_url.split("///", 1)[1])) as db:
                return int(db.execute(query).fetchone()[0])
        import psycopg

        with psycopg.connect(database_url) as conn:
            row = conn.execute(query).fetchone()
            return int(row[0]) if row else None
    except Exception:
        return None


# ----- one rate ------------------------------------------------------------------------------
@dataclass
class Result:
    database: str
    rate: float
    sent: int
    acked: int
    refused: int
    posted: int
    lost: int
    duplicates: int
    latencies: list[float]
    ack_p99: float
    lag_p99: float
    drain: float  # seconds from the last due send to the last post
    cpu_per_kudos: float  # the machine's busy CPU seconds (every process) per kudos posted
    notes: list[str]

    def p(self, pct: float) -> float:
        return percentile(self.latencies, pct)


def machine_busy() -> float:
    """CPU seconds this machine has spent busy (all processes, the kernel's share included;
    not idle, not waiting for I/O, not stolen by the hypervisor), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@contextlib.contextmanager
def started(
    args: argparse.Namespace, database: str, users: int, tmp: Path
) -> Iterator[tuple[str, str, Observed, str, Path]]:
    """The double and `app.py serve` on a fresh database: (events URL, response URL, …)."""
    python = sys.executable
    if database == "sqlite":
        database_url = f"sqlite:///{tmp}/e2e.db"
    else:
        database_url = args.postgres_url
        fresh_postgres(database_url)
    processes: list[subprocess.Popen[Any]] = []
    log = tmp / "server.log"
    try:
        double = subprocess.Popen(
            [python, __file__, "--double", str(users)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        processes.append(double)
        assert double.stdout is not None
        double_port = int(double.stdout.readline())
        observed = Observed()
        threading.Thread(target=observed.read, args=(double.stdout,), daemon=True).start()

        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
        env.update(
            {
                "DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": f"http://127.0.0.1:{double_port}/api/",
                "SCHEDULER_ENABLED": "false",
                "WEB_CONCURRENCY": str(args.workers),
                "WORKER_PROCESSES": str(args.worker_processes),
                "KUDOS_DAILY_BUDGET": str(BUDGET),
                "LOG_LEVEL": "WARNING",
            }
        )
        migrated = subprocess.run(
            [python, "app.py", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if migrated.returncode != 0:
            raise SystemExit(f"app.py migrate failed:\n{migrated.stderr[-3000:]}")
        port = free_port()
        with log.open("wb") as log_file:
            bot = subprocess.Popen(
                [python, "app.py", "serve"],
                cwd=ROOT,
                env={**env, "PORT": str(port)},
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
            )
        processes.append(bot)
        wait_until_up(port, bot, log)
        yield (
            f"http://127.0.0.1:{port}/slack/events",
            f"http://127.0.0.1:{double_port}/respond/",
            observed,
            database_url,
            log,
        )
    finally:
        for process in reversed(processes):
            stop(process)


def measure(args: argparse.Namespace, database: str, rate: float) -> Result:
    total = max(1, round(rate * args.seconds))
    # Enough givers that nobody reaches the daily budget (with room for the warm-up).
    users = max(args.users, math.ceil((total + WARMUP) / (BUDGET * 0.8)) + 1)
    tmp = Path(tempfile.mkdtemp(prefix="reciprocity-e2e-"))
    with started(args, database, users, tmp) as (url, respond_url, observed, database_url, log):
        # Warm-up: imports, connections and the member list, in both kinds of process.
        warm = {f"warmup-{n}" for n in range(WARMUP)}
        for n in range(WARMUP):
            send(url, kudos_body(f"warmup-{n}", n, users, respond_url))
        observed.wait_for(warm, idle=60, limit=120)
        if not warm <= observed.posts.keys():
            raise SystemExit(
                f"{database}: the warm-up kudos were not posted "
                f"({len(warm & observed.posts.keys())}/{WARMUP}); answers: "
                f"{dict(list(observed.responses.items())[:3])}; rejected: "
                f"{observed.rejected[:3]}\n{why(log)}"
            )

        busy_before = machine_busy()
        sent = open_loop(
            url, respond_url, rate=rate, total=total, users=users, clients=args.clients
        )
        acked = {mark for mark, s in sent.items() if s.acked}
        observed.wait_for(acked, idle=args.grace, limit=args.drain_limit)
        busy = machine_busy() - busy_before
        time.sleep(args.settle)  # a late second post of something already posted
        with observed.changed:
            posts = {m: list(t) for m, t in observed.posts.items() if m in sent}
            responses = {m: r for m, r in observed.responses.items() if m in sent}
            rejected = list(observed.rejected)
            failed = [m for m in observed.failed_posts if m in sent]
        lost = sorted(acked - posts.keys(), key=lambda m: int(m.split("-")[1]))
        notes: list[str] = []
        if lost:
            stored = recorded_kudos(database_url)
            notes.append(
                f"lost {len(lost)}, e.g. {', '.join(lost[:5])}; the database holds "
                f"{stored if stored is not None else '?'} of the {total} measured kudos"
            )
            for mark in lost[:3]:
                if mark in responses:
                    notes.append(f"{mark} was answered: {responses[mark][0][:200]!r}")
        refused = sorted(m for m, s in sent.items() if s.refused)
        if refused:
            answer = json.loads(sent[refused[0]].answer or "{}").get("text", "")
            told_but_posted = sum(1 for m in refused if m in posts)
            notes.append(
                f"refused {len(refused)} in the ack, e.g. {refused[0]}: {str(answer)[:160]!r}"
                + (f"; {told_but_posted} of them posted all the same" if told_but_posted else "")
            )
        unanswered = [m for m, s in sent.items() if s.answer is None]
        if unanswered:
            notes.append(f"{len(unanswered)} requests got no ack (an error or a 10 s timeout)")
        if rejected:
            notes.append(f"the double refused {len(rejected)} calls, e.g. {rejected[0][:300]}")
        if failed:
            notes.append(f"{len(failed)} posts failed at the double, e.g. {failed[:3]}")
        if lost or rejected or refused or unanswered:
            errors = [line for line in tail(log, 2000).splitlines() if PROBLEM.search(line)]
            notes.append(f"server log {log}: " + " | ".join(dict.fromkeys(errors[-20:]))[:600])
        last_due = max((s.due for s in sent.values()), default=now())
        last_post = max((min(t) for t in posts.values()), default=last_due)
        result = Result(
            database=database,
            rate=rate,
            sent=len(sent),
            acked=len(acked),
            refused=sum(s.refused for s in sent.values()),
            posted=len(posts),
            lost=len(lost),
            duplicates=sum(1 for t in posts.values() if len(t) > 1),
            latencies=[min(posts[m]) - sent[m].due for m in posts],
            ack_p99=percentile([s.ack for s in sent.values()], 99),
            lag_p99=percentile([s.lag for s in sent.values()], 99),
            drain=max(0.0, last_post - last_due),
            cpu_per_kudos=busy / max(1, len(posts)),
            notes=notes,
        )
    if not notes:  # keep the database and the server's log of a run that went wrong
        shutil.rmtree(tmp, ignore_errors=True)
    return result


# ----- output --------------------------------------------------------------------------------
HEADER = (
    f"{'database':<10} {'rate/s':>6} {'sent':>6} {'acked':>6} {'refused':>7} {'posted':>6} "
    f"{'lost':>5} {'dup':>4} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    f"{'ack p99':>7} {'lag p99':>7} {'drain s':>7} {'CPU ms':>6}"
)


def row(r: Result) -> str:
    def ms(value: float) -> str:
        return "-" if math.isnan(value) else f"{value * 1000:.0f}"

    return (
        f"{r.database:<10} {r.rate:>6g} {r.sent:>6} {r.acked:>6} {r.refused:>7} {r.posted:>6} "
        f"{r.lost:>5} {r.duplicates:>4} {ms(r.p(50)):>7} {ms(r.p(90)):>7} {ms(r.p(99)):>7} "
        f"{ms(r.p(100)):>7} {ms(r.ack_p99):>7} {ms(r.lag_p99):>7} {r.drain:>7.1f} "
        f"{r.cpu_per_kudos * 1000:>6.1f}"
    )


def show(r: Result) -> None:
    print(row(r), flush=True)
    for note in r.notes:
        print(f"    {note}", flush=True)


def rates_of(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of rates: {text!r}") from None
    if not rates or any(rate <= 0 for rate in rates):
        raise argparse.ArgumentTypeError(f"rates must be positive: {text!r}")
    return rates


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--double":
        return run_double(int(sys.argv[2]))
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="per rate (default 60)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--rates", type=rates_of, help="kudos per second, e.g. 50,100,150")
    which.add_argument("--rate", type=float, help="one rate (default: 50 and 100)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES, help="dropped and created again per rate"
    )
    parser.add_argument("--find-max", action="store_true", help="step the rate up")
    parser.add_argument("--step", type=float, default=50, help="--find-max's step (default 50)")
    parser.add_argument("--max-rate", type=float, default=2000, help="--find-max stops here")
    parser.add_argument("--p99", type=float, default=1.0, help="--find-max's target, seconds")
    parser.add_argument("--clients", type=int, default=200, help="client threads (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="background workers (default 1)"
    )
    parser.add_argument("--users", type=int, default=200, help="givers and receivers (min)")
    parser.add_argument("--grace", type=float, default=30, help="s without a post: the rest lost")
    parser.add_argument("--drain-limit", type=float, default=600, help="s to wait at most")
    parser.add_argument("--settle", type=float, default=2, help="s to wait for late duplicates")
    args = parser.parse_args()

    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if args.find_max:
        first = (args.rates or [args.rate or args.step])[0]
        rates = [first + i * args.step for i in range(int((args.max_rate - first) / args.step) + 1)]
    else:
        rates = args.rates or ([args.rate] if args.rate else [50.0, 100.0])
    print(
        f"/kudos end to end (signed request → chat.postMessage at the double), open loop, "
        f"{args.seconds:g} s per rate, {args.clients} client threads, {args.workers} gunicorn "
        f"workers, {args.worker_processes} background worker process(es), {os.cpu_count()} "
        "CPUs; latency from when each request was due (ms); CPU ms: the whole machine's busy "
        "CPU (client, double, database and bot) per kudos posted",
        flush=True,
    )
    print(HEADER, flush=True)
    results: list[Result] = []
    best: dict[str, float | None] = {}
    for database in databases:
        best[database] = None
        for rate in rates:
            result = measure(args, database, rate)
            results.append(result)
            show(result)
            if args.find_max:
                met = (
                    result.acked == result.sent
                    and result.lost == 0
                    and result.duplicates == 0
                    and result.p(99) < args.p99
                )
                if not met:
                    break
                best[database] = rate
    if args.find_max:
        for database, rate in best.items():
            found = f"{rate:g}/s" if rate is not None else f"none of the rates from {rates[0]:g}/s"
            print(f"{database}: highest steady rate with p99 < {args.p99:g} s: {found}")
    broken = sum(r.lost + r.duplicates for r in results)
    unacked = 0 if args.find_max else sum(r.sent - r.acked for r in results)
    if broken or unacked:
        print(f"FAILED: {broken} kudos lost or duplicated, {unacked} not acknowledged plainly")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
