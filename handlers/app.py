"""The Bolt app: every handler registered, the event inbox, and the error handler (which,
like every listener, answers failures through handlers/replies.py:answer_failure)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import Deps
from bot.services.inbox import admit_event
from handlers.queue import QueuedLazyListenerRunner, run_lazy
from handlers.replies import answer_failure

log = logging.getLogger(__name__)


class InProcessLazyRunner(LazyListenerRunner):
    """Bolt's lazy listeners on this process's threads, with errors reaching @app.error
    (Bolt's own runner only logs them, so a crash would pass unnoticed)."""

    def __init__(self, logger: logging.Logger, executor: Executor) -> None:
        self.logger = logger
        self.executor = executor
        self.on_error: Callable[[Exception, BoltRequest], None] | None = None

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        self.executor.submit(self._run_reporting, function, request)

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        run_lazy(function, request, self.logger)

    def _run_reporting(self, function: Callable[..., None], request: BoltRequest) -> None:
        try:
            self.run(function, request)
        except Exception as error:  # handed to @app.error, which logs it and tells the person
            if self.on_error is None:
                raise
            self.on_error(error, request)


class EventInbox(Middleware):
    """Write each event to the inbox before acting; a redelivery stops here."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if req.lazy_only or body.get("type") != "event_callback" or not body.get("event_id"):
            return next()
        try:
            fresh = admit_event(sessions=self.deps.sessions, body=body, now=self.deps.clock())
        except SQLAlchemyError:
            log.exception("could not write event to the inbox; asking Slack to retry")
            return BoltResponse(status=503, body="database unavailable; please retry")
        if not fresh:
            return BoltResponse(status=200, body="")
        return next()


def create_app(
    deps: Deps,
    *,
    listener_executor: Executor | None = None,
    work_queue: bool = False,
    queue_consumer: bool = False,
) -> App:
    """The Bolt app with every handler registered, its inbox and its one error handler.

    `work_queue`: lazy listeners are queued in the database (handlers/queue.py) instead of
    run on this process's threads. `queue_consumer`: this app runs queued work; its requests
    come from our own database, so there is no signature to check.
    """
    from handlers import register_handlers

    settings = deps.settings
    if settings.slack_signing_secret is None:
        raise ValueError("SLACK_SIGNING_SECRET is required")
    # Bolt's default is 5 threads: slow work after ack() would then delay other acks.
    executor = listener_executor or ThreadPoolExecutor(max_workers=32)
    app = App(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=deps.client,
        request_verification_enabled=not queue_consumer,
        listener_executor=executor,
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt.App"),
    )
    runner: LazyListenerRunner
    if work_queue or queue_consumer:
        runner = QueuedLazyListenerRunner(deps.sessions, deps.clock, app.logger)
    else:
        runner = in_process = InProcessLazyRunner(app.logger, executor)
        in_process.on_error = lambda error, request: (
            app.listener_runner.listener_error_handler.handle(
                error=error, request=request, response=None
            )
        )
    app.listener_runner.lazy_listener_runner = runner

    app.use(EventInbox(deps))

    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        answer_failure(error, body, client)

    register_handlers(app, deps)
    return app
