"""The Bolt app: every handler registered, the durable path into the queue (the event inbox,
and `defer` for the slow part of every other listener), and the error handler (which, like
every listener, answers failures through handlers/replies.py:answer_failure).

Two ways to build it: the web workers' (and Socket Mode's) app answers Slack, writing events
and deferred work to the queue and committing them before the answer; the consumer app
(`consumer=True`, the background worker) runs what the queue holds.
"""

from __future__ import annotations

import logging
import os
import threading
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

from bot.db import make_engine
from bot.deps import Deps
from bot.errors import NotSaved
from bot.services import work
from bot.services.events import natural_key
from handlers.messages import may_act_on
from handlers.queue import COMMIT_TIMEOUT, Deferrer, GroupCommit, QueueRunner, kind_of
from handlers.replies import answer_failure

log = logging.getLogger(__name__)


def event_row(body: dict[str, Any], raw_body: str, now: datetime) -> dict[str, Any]:
    event = body.get("event") or {}
    team_id = str(body.get("team_id") or event.get("team") or "")
    return work.new_row(
        key=f"event:{body.get('event_id') or uuid.uuid4().hex}",
        natural_key=natural_key(team_id, event),
        kind=kind_of(body),
        team_id=team_id,
        function="",
        body=raw_body,
        headers={"content-type": ["application/json"]},
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


_commit_engines: dict[tuple[int, str], Engine] = {}
_commit_engines_lock = threading.Lock()


def commit_engine(sessions: sessionmaker[Session]) -> Engine:
    """Where the acks' commits go: an engine of their own (one per database and process,
    shared by every app built on it), that spends no round trip it need not. On PostgreSQL
    its connections are not pinged before each use (the group commit tries once more on a
    new connection when a pooled one turns out closed). On SQLite it is told at once when
    the single writer is busy, and tries again within half a millisecond: SQLite's own busy
    handler sleeps up to 100 ms at a time, and the background worker's transactions would
    then keep winning the lock."""
    engine = sessions.kw.get("bind")
    assert isinstance(engine, Engine), "sessions bound to one engine"
    url = engine.url.render_as_string(hide_password=False)
    with _commit_engines_lock:
        key = (os.getpid(), url)  # never a connection inherited through a fork
        if key not in _commit_engines:
            if engine.dialect.name == "sqlite":
                ours = make_engine(url, bounded=True, wait_for_lock=False)
            else:
                ours = make_engine(
                    url, bounded=True, pool_pre_ping=False, pool_size=2, max_overflow=2
                )
            _commit_engines[key] = ours
        return _commit_engines[key]


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
    app = App(
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
        commits = GroupCommit(commit_engine(deps.sessions), timeout=COMMIT_TIMEOUT)
        app.use(EventInbox(deps, commits))
        app.use(ProvideQueue(deps, commits, executor))

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        if consumer:
            raise error  # the worker records it and retries: nobody is told yet
        answer_failure(error, body, client)

    register_handlers(app, deps, consumer=consumer)
    return app
