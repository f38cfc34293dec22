"""What the bot counts, for `GET /metrics` (Prometheus text format, prometheus_client).

The instruments are process-wide by nature (prometheus_client's own design), so they live
here at module level, on a registry of ours rather than the library's global one. Counters
and histograms are kept per process; under `app.py serve` every process of one host (the
gunicorn workers and the background process, which has no port of its own) writes them to
files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, which `serve` turns
on), and a scrape of any web worker adds them all up. The queue's depth, the age of its
oldest pending item and its dead letters are read from the database at each scrape, so they
are the deployment's, whichever process answers.

Labels are low-cardinality by construction: a request's broad kind, a Web API method name,
an HTTP status, a job's name. Never a team, a user or any text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from models.work import DEAD, PENDING, WorkItem

REGISTRY = CollectorRegistry(auto_describe=True)

KINDS = ("command", "action", "view", "event", "shortcut", "other")
"""A request's broad kind: the `kind` label everywhere."""

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_WORK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter(
    "reciprocity_requests",
    "Requests from Slack that reached the app, by kind.",
    ["kind"],
    registry=REGISTRY,
)
ACKS = Counter(
    "reciprocity_acks",
    "Answers sent to Slack, by kind and HTTP status (200: acknowledged).",
    ["kind", "status"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "reciprocity_ack_seconds",
    "From a request reaching the app to its answer (the ack), by kind.",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
QUEUE_RUNS = Counter(
    "reciprocity_queue_runs",
    "Queued work items run, by kind and outcome (done, retry, dead, lost).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
QUEUE_RUN_SECONDS = Histogram(
    "reciprocity_queue_run_seconds",
    "How long one queued work item took to run, by kind.",
    ["kind"],
    buckets=_WORK_BUCKETS,
    registry=REGISTRY,
)
SLACK_CALLS = Counter(
    "reciprocity_slack_api_calls",
    "Slack Web API attempts, by method and HTTP status (429s and retries each count; "
    "'error' when no answer came).",
    ["method", "status"],
    registry=REGISTRY,
)
SCHEDULER_TICKS = Counter(
    "reciprocity_scheduler_ticks",
    "Scheduler ticks, by outcome (ran; skipped: another process held the tick's lock).",
    ["outcome"],
    registry=REGISTRY,
)
SCHEDULER_JOBS = Counter(
    "reciprocity_scheduler_job_runs",
    "Scheduled jobs run by a tick, by job and outcome (ok, failed).",
    ["job", "outcome"],
    registry=REGISTRY,
)
SCHEDULER_JOB_SECONDS = Histogram(
    "reciprocity_scheduler_job_seconds",
    "How long one scheduled job took in a tick, by job.",
    ["job"],
    buckets=_WORK_BUCKETS,
    registry=REGISTRY,
)
SCHEDULER_CLAIMS = Counter(
    "reciprocity_scheduler_claims",
    "Pieces of scheduled work, by job and outcome (done, taken, gave up, retry).",
    ["job", "outcome"],
    registry=REGISTRY,
)

_INTERACTIONS = {
    "block_actions": "action",
    "interactive_message": "action",
    "block_suggestion": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
}


def kind_of_body(body: dict[str, Any]) -> str:
    """The broad kind of a Slack request's body (`KINDS`)."""
    if "command" in body:
        return "command"
    return _INTERACTIONS.get(str(body.get("type") or ""), "other")


def kind_of_work(kind: str, function: str) -> str:
    """The broad kind of a queued item, from its stored `kind` and lazy function name."""
    if not function:
        return "event"
    if kind.startswith("command"):
        return "command"
    return _INTERACTIONS.get(kind, "other")


_ANSWERED: dict[tuple[str, int], tuple[Any, Any, Any]] = {}


def answered(kind: str, status: int, seconds: float) -> None:
    """A request reached the app and was answered `status` after `seconds`.

    Every ack passes here: the labelled children are looked up once per kind and status
    (prometheus_client's `labels()` checks and locks on each call, a tenth of an ack's CPU)."""
    children = _ANSWERED.get((kind, status))
    if children is None:
        children = (
            REQUESTS.labels(kind),
            ACKS.labels(kind, str(status)),
            ACK_SECONDS.labels(kind),
        )
        _ANSWERED[(kind, status)] = children
    requests, acks, latency = children
    requests.inc()
    acks.inc()
    latency.observe(seconds)


@contextmanager
def timed(histogram: Histogram, *labels: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(*labels).observe(time.perf_counter() - started)


class CountSlackCalls(RetryHandler):
    """Not a retry handler at all: the WebClient asks its handlers about every answer (200s
    too) and every failed attempt, so the first one in the list sees each attempt, counts it
    by method and status, and lets the real handlers decide."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "unknown"
        status = str(response.status_code) if response is not None else "error"
        SLACK_CALLS.labels(method, status).inc()
        return False


class QueueGauges(Collector):
    """The queue as the database holds it, read at each scrape."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine = engine
        self.now = now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "reciprocity_database_up", "1 when the scrape could read the queue's table."
        )
        depth = GaugeMetricFamily(
            "reciprocity_queue_depth", "Work items pending (waiting or running)."
        )
        age = GaugeMetricFamily(
            "reciprocity_queue_oldest_age_seconds",
            "How long the oldest pending work item has waited (0 when none).",
        )
        dead = GaugeMetricFamily(
            "reciprocity_queue_dead_letters", "Work items that failed every attempt (dead)."
        )
        try:
            with self.engine.connect() as connection:
                pending, oldest = connection.execute(
                    select(func.count(), func.min(WorkItem.enqueued_at)).where(
                        WorkItem.status == PENDING
                    )
                ).one()
                buried = connection.scalar(
                    select(func.count()).select_from(WorkItem).where(WorkItem.status == DEAD)
                )
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        depth.add_metric([], int(pending or 0))
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        waited = max(0.0, (self.now - oldest).total_seconds()) if oldest is not None else 0.0
        age.add_metric([], waited)
        dead.add_metric([], int(buried or 0))
        yield from (up, depth, age, dead)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition(engine: Engine, now: datetime | None = None) -> tuple[bytes, str]:
    """The body and content type of `GET /metrics`: this process's (or, in multiprocess mode,
    this host's) instruments, then the queue's gauges from the database."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        instruments = CollectorRegistry()
        mp.MultiProcessCollector(instruments)  # type: ignore[no-untyped-call]
    else:
        instruments = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(QueueGauges(engine, now or datetime.now(UTC)))
    return generate_latest(instruments) + generate_latest(database), CONTENT_TYPE_LATEST
