"""The Bolt app: every handler registered, the durable path into the queue (the event inbox,
and `defer` for the slow part of every other listener), and the error handler (which, like
every listener, answers failures through handlers/replies.py:answer_failure).

Two ways to build it: the web workers' (and Socket Mode's) app answers Slack, writing events
and deferred work to the queue and committing them before the answer; the consumer app
(`consumer=True`, the background worker) runs what the queue holds.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import metrics
from bot.db import make_engine
from bot.deps import Deps
from bot.errors import NotSaved
from bot.logs import log_context
from bot.payloads import workspace_of
from bot.services import work
from bot.services.events import natural_key
from bot.services.workspace_data import record_enterprise
from handlers.messages import may_act_on
from handlers.queue import COMMIT_TIMEOUT, JSON, Deferrer, GroupCommit, QueueRunner, kind_of
from handlers.replies import answer_failure

log = logging.getLogger(__name__)


def event_row(body: dict[str, Any], raw_body: str, now: datetime) -> dict[str, Any]:
    """The inbox's row for an event: its raw body over HTTP; over Socket Mode (no raw body:
    Bolt gets the envelope's payload as a dict) the payload as JSON."""
    event = body.get("event") or {}
    team_id, enterprise_id = workspace_of(body)
    return work.new_row(
        key=f"event:{body.get('event_id') or uuid.uuid4().hex}",
        natural_key=natural_key(team_id, event),
        kind=kind_of(body),
        team_id=team_id,
        enterprise_id=enterprise_id,
        function="",
        body=raw_body or json.dumps(body),
        headers={"content-type": [JSON]},
        now=now,
    )


class EventInbox(Middleware):
    """Each event is written to the inbox before Slack hears back; a redelivery stops here.

    The event is then the queue's to run, not this process's. An event no listener acts on
    (most channel messages) is not written at all.
    """

    def __init__(self, deps: Deps, commits: GroupCommit) -> None:
        self.deps = deps
        self.commits = commits

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if req.lazy_only or body.get("type") != "event_callback":
            return next()
        if not may_act_on(body.get("event") or {}):
            return BoltResponse(status=200, body="")
        try:
            self.commits.add(event_row(body, req.raw_body, self.deps.clock()))
        except NotSaved:
            log.warning("could not write an event to the inbox; asking Slack to retry")
            return BoltResponse(status=503, body="database unavailable; please retry")
        return BoltResponse(status=200, body="")  # new, or a redelivery of one we have


class ObservedApp(App):
    """Bolt's App, with each request seen whole (a global middleware can't: its `next()`
    only says "carry on", so nothing after it wraps the listener). Every line logged while a
    request is handled names its workspace, kind and event id (bot/logs.py; the fast part's
    thread gets them through handlers/routing.py), and, unless `count` is off (the queue's
    consumer, which handlers/queue.py counts), the answer is counted and timed
    (bot/metrics.py). With `process_before_response` the answer is ready when a fast part
    has acknowledged, so the time is the ack's."""

    def __init__(self, *args: Any, count: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count = count

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        body = req.body
        kind = metrics.kind_of_body(body)
        started = time.perf_counter()
        with log_context(
            team_id=req.context.team_id or req.context.enterprise_id,
            request_kind=kind,
            event_id=str(body.get("event_id") or ""),
        ):
            response = super().dispatch(req)
            seconds = time.perf_counter() - started
            log.debug("answered a %s request: %s in %.1f ms", kind, response.status, seconds * 1000)
        if self.count and not req.lazy_only:
            metrics.answered(kind, response.status, seconds)
        return response


class ProvideQueue(Middleware):
    """Puts `defer` (handlers/queue.py:Deferrer) in each request's context, and the executor
    the listeners' fast parts run on (handlers/routing.py)."""

    def __init__(self, deps: Deps, commits: GroupCommit, executor: Executor) -> None:
        self.deps = deps
        self.commits = commits
        self.executor = executor

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["defer"] = Deferrer(self.commits, self.deps.clock, req)
        req.context["fast_executor"] = self.executor
        return next()


class ResolveWorkspace(Middleware):
    """Every listener finds the workspace where it always looks, Enterprise Grid included.

    An org-wide install's payloads name their workspace elsewhere (bot/payloads.py:
    workspace_of): where `team_id` or `team` is missing or null, the workspace is put there,
    and in the request's context. The first time this process sees a workspace's org, its
    workspace row records it (and every row of it written before), so each insert from then
    on carries it (bot/db.py). `record`: the queue's consumer does that, off the ack's path
    (a fast part writes nothing of its own: it queues)."""

    def __init__(self, deps: Deps, *, record: bool) -> None:
        self.deps = deps
        self.record = record

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        team_id, enterprise_id = workspace_of(body)
        if team_id:
            if "command" in body or body.get("type") == "event_callback":
                if not body.get("team_id"):
                    body["team_id"] = team_id
            elif not (isinstance(body.get("team"), dict) and body["team"].get("id")):
                body["team"] = {"id": team_id, "enterprise_id": enterprise_id}
            if not req.context.team_id:
                req.context["team_id"] = team_id
            known = self.deps.enterprises_recorded.get(team_id)
            if self.record and enterprise_id and known != enterprise_id:
                self._record(team_id, enterprise_id)
        return next()

    def _record(self, team_id: str, enterprise_id: str) -> None:
        deps = self.deps
        with deps.sessions.begin() as session:
            record_enterprise(
                session=session,
                team_id=team_id,
                enterprise_id=enterprise_id,
                defaults=deps.defaults,
                now=deps.clock(),
            )
        deps.enterprises_recorded[team_id] = enterprise_id


_group_commits: dict[tuple[int, str], GroupCommit] = {}
_group_commits_lock = threading.Lock()


def group_commit(sessions: sessionmaker[Session]) -> GroupCommit:
    """Where the acks' commits go: one group commit per database and process, shared by every
    app built on it, on an engine of its own that spends no round trip it need not, and one
    connection its thread holds. On PostgreSQL that connection is not pinged before each use
    (the group commit tries once more on a new one when it turns out closed). On SQLite it
    is told at once when the single writer is busy, and tries again within half a
    millisecond: SQLite's own busy handler sleeps up to 100 ms at a time, and the background
    worker's transactions would then keep winning the lock."""
    engine = sessions.kw.get("bind")
    assert isinstance(engine, Engine), "sessions bound to one engine"
    url = engine.url.render_as_string(hide_password=False)
    with _group_commits_lock:
        key = (os.getpid(), url)  # never a connection inherited through a fork
        if key not in _group_commits:
            if engine.dialect.name == "sqlite":
                ours = make_engine(url, bounded=True, wait_for_lock=False)
            else:
                ours = make_engine(
                    url, bounded=True, pool_pre_ping=False, pool_size=1, max_overflow=1
                )
            _group_commits[key] = GroupCommit(ours, timeout=COMMIT_TIMEOUT)
        return _group_commits[key]


def _installs(deps: Deps, *, consumer: bool) -> dict[str, Any]:
    """OAuth mode: Bolt's authorize over our installation store, its cache on (a busy
    workspace costs no auth.test per request; the store keeps the installation itself, so no
    database read either); the web app also serves the install page and the redirect."""
    installs = deps.installs
    if installs is None:
        return {}
    from slack_bolt.authorization.authorize import InstallationStoreAuthorize
    from slack_bolt.oauth.oauth_settings import OAuthSettings

    from bot.installs import INSTALL_PATH, REDIRECT_PATH, manifest_scopes

    settings = deps.settings
    bolt_log = logging.getLogger("slack_bolt.App")
    authorize = InstallationStoreAuthorize(
        logger=bolt_log,
        installation_store=installs.store,
        client_id=installs.client_id,
        client_secret=installs.client_secret,
        token_rotation_expiration_minutes=settings.token_rotation_expiration_minutes,
        cache_enabled=True,
        client=deps.client,
    )
    installs.token_caches.append(authorize.authorize_result_cache)
    wiring: dict[str, Any] = {"authorize": authorize, "installation_store": installs.store}
    if not consumer:
        wiring["oauth_settings"] = OAuthSettings(
            client_id=installs.client_id,
            client_secret=installs.client_secret,
            scopes=manifest_scopes(),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            redirect_uri=settings.public_url + REDIRECT_PATH,
            installation_store=installs.store,
            state_store=installs.states,
            state_expiration_seconds=settings.oauth_state_expiration_seconds,
            token_rotation_expiration_minutes=settings.token_rotation_expiration_minutes,
            logger=bolt_log,
        )
    return wiring


def create_app(
    deps: Deps, *, listener_executor: Executor | None = None, consumer: bool = False
) -> App:
    """The Bolt app with every handler registered, its durable path and its error handler.

    `consumer`: this app runs queued work (the background worker); its requests come from
    our own database, and a failure is raised to the worker, which retries it.
    """
    from handlers import register_handlers

    settings = deps.settings
    if settings.slack_signing_secret is None:
        raise ValueError("SLACK_SIGNING_SECRET is required")
    # Bolt's default is 5 threads; a fast part that opens a modal waits on Slack.
    executor = listener_executor or ThreadPoolExecutor(max_workers=32)
    app = ObservedApp(
        count=not consumer,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=deps.client,
        **_installs(deps, consumer=consumer),
        # handlers/web.py checks every HTTP request's signature over its raw bytes before
        # Bolt sees it; Socket Mode envelopes and the consumer's rows carry none.
        request_verification_enabled=False,
        # The request's thread runs each listener's fast part itself, up to its ack() (see
        # handlers/routing.py), so the answer never waits on Bolt's 10 ms polling for it.
        process_before_response=True,
        listener_executor=executor,
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt.App"),
    )
    app.listener_runner.lazy_listener_runner = QueueRunner(app.logger)
    if not consumer:
        commits = group_commit(deps.sessions)
        app.use(EventInbox(deps, commits))
        app.use(ProvideQueue(deps, commits, executor))

    app.use(ResolveWorkspace(deps, record=consumer))

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        if consumer:
            raise error  # the worker records it and retries: nobody is told yet
        answer_failure(error, body, client)

    register_handlers(app, deps, consumer=consumer)
    return app
