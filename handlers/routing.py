"""How features register their listeners: Bolt's own methods, with every listener's mistakes
answered in one place.

A listener that raises a DomainError after `ack()` would, through Bolt alone, leave Slack
waiting 3 seconds for an answer that never comes (Bolt resets the ack when the listener
fails). So each listener is wrapped: a DomainError becomes the person's private answer, and
an unexpected error in the fast part is logged and answered with an apology — there and
then (an unreachable database gets its own true answer: nothing was saved). The slow part
(lazy functions, run from the queue) lets unexpected errors through to the queue's worker,
which retries them.

The fast part queues the slow part with `defer(slow)` once it has decided there is
something to do (a form whose answers failed their checks queues nothing), and the slow part
is registered as the listener's lazy function, so the worker finds it by name.
`app.command(…)(listener, queued=True)` is the common case: acknowledge, and do everything
from the queue.
"""

from __future__ import annotations

import contextvars
import inspect
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, BoltRequest
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

from bot.errors import DomainError
from handlers.queue import Replayed
from handlers.replies import answer_database_down, answer_failure, is_database_down, tell_privately

Listener = Callable[..., Any]
Register = Callable[..., Any]


def answering(
    listener: Listener, *, lazy: bool, acked: bool = False, inline: bool = False
) -> Listener:
    """`listener`, with its DomainErrors (and, in the fast part, any error) answered.

    The fast part runs on the listener executor (`fast_executor` in the request's context),
    and the request's thread returns as soon as it has called `ack()`: Slack gets its answer
    then, and whatever the listener does afterwards (open a modal, answer a mistake) happens
    after it — without Bolt's 10 ms polling for the ack.

    `acked`: the listener runs from the queue, its request acknowledged already; its own
    `ack()` call does nothing there. `inline`: a fast part that does nothing after its ack
    runs on the request's thread itself (no hand-over)."""
    names = get_arg_names_of_callable(listener)

    def run(kwargs: dict[str, Any]) -> Any:
        request: BoltRequest = kwargs["request"]
        body: dict[str, Any] = kwargs["body"]
        client: WebClient = kwargs["client"]
        ack: Ack = kwargs["ack"]
        try:
            return listener(**{name: kwargs[name] for name in names})
        except DomainError as error:
            _acknowledge(request, ack)
            tell_privately(body, client, error.text)
        except Replayed:  # Slack never sends a request twice: answered, and nothing more
            _acknowledge(request, ack)
        except Exception as error:
            if lazy:
                raise
            if is_database_down(error) and _unanswered(request):
                answer_database_down(ack, body, client, error)
                return None
            _acknowledge(request, ack)
            answer_failure(error, body, client)
        return None

    def wrapped(**kwargs: Any) -> Any:
        if acked:
            kwargs["ack"] = _acked
        executor: Executor | None = kwargs["context"].get("fast_executor")
        if lazy or inline or executor is None:
            return run(kwargs)
        answered = threading.Event()
        bolt_ack: Ack = kwargs["ack"]

        def ack(*args: Any, **options: Any) -> Any:
            try:
                return bolt_ack(*args, **options)
            finally:
                answered.set()

        def rest() -> None:
            try:
                run({**kwargs, "ack": ack})
            finally:
                answered.set()

        executor.submit(contextvars.copy_context().run, rest)  # the log context goes along
        answered.wait(ACK_WAIT)
        return None

    # Bolt injects arguments by name: the listener's own, plus what an answer needs. Named
    # like the listener, since Bolt finds lazy functions by name.
    wanted = dict.fromkeys([*names, "request", "body", "client", "ack", "context"])
    parameter = inspect.Parameter.POSITIONAL_OR_KEYWORD
    wrapped.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, parameter) for name in wanted]
    )
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapped, attribute, getattr(listener, attribute))
    return wrapped


ACK_WAIT = 2.9
"""How long the request's thread waits for the fast part to acknowledge (Slack gives up at 3
seconds)."""


def _acked(*_args: Any, **_kwargs: Any) -> None:
    """`ack` for a listener run from the queue: Slack was answered when it was queued."""


def deferring(listener: Listener) -> Listener:
    """The fast part of a listener with nothing to do in Slack's 3 seconds: queue the
    listener itself (committed), then acknowledge."""

    def fast(ack: Ack, defer: Callable[[Listener], None]) -> None:
        defer(listener)
        ack()

    fast.__name__ = fast.__qualname__ = f"queue_{listener.__name__}"
    fast.__module__ = listener.__module__
    return fast


def _unanswered(request: BoltRequest) -> bool:
    ack = request.context.ack
    return ack is not None and ack.response is None and not request.lazy_only


def _acknowledge(request: BoltRequest, ack: Ack) -> None:
    """A listener that failed before acking still owes Slack its answer."""
    if _unanswered(request):
        ack()


class Routes:
    """`app.command(…)`, `app.action(…)` and the rest, for the features' routing tables."""

    def __init__(self, app: App, *, lazy_functions: bool) -> None:
        """`lazy_functions`: register the slow parts (only the queue's consumer runs them; the
        app that answers Slack queues them with `defer`, and Bolt would copy every request
        for each lazy function it knows, to start it, for nothing)."""
        self.app = app
        self.lazy_functions = lazy_functions

    def command(self, name: str, *, matchers: list[Callable[..., bool]] | None = None) -> Register:
        """`matchers`: Bolt's listener matchers (the first listener whose all match runs)."""
        return self._wrapping(self.app.command(name, matchers=matchers))

    def action(self, action_id: str) -> Register:
        return self._wrapping(self.app.action(action_id))

    def view(self, callback_id: str) -> Register:
        return self._wrapping(self.app.view(callback_id))

    def shortcut(self, callback_id: str) -> Register:
        return self._wrapping(self.app.shortcut(callback_id))

    def event(self, event_type: str) -> Register:
        """Events are acknowledged when they are written to the inbox; their listeners run
        from the queue, where a failure is retried, so errors propagate."""
        register = self.app.event(event_type)
        return lambda listener: register(answering(listener, lazy=True))

    def _wrapping(self, register: Register) -> Register:
        def slow(listeners: list[Listener], *, acked: bool = False) -> list[Listener]:
            if not self.lazy_functions:
                return []
            return [answering(work, lazy=True, acked=acked) for work in listeners]

        def add(
            listener: Listener | None = None,
            *,
            queued: bool = False,
            ack: Listener | None = None,
            lazy: list[Listener] | None = None,
        ) -> Any:
            if listener is not None and queued:
                return register(
                    ack=answering(deferring(listener), lazy=False, inline=True),
                    lazy=slow([listener], acked=True),
                )
            if listener is not None:
                return register(answering(listener, lazy=False))
            assert ack is not None, "a listener, or ack= with lazy=[…]"
            return register(ack=answering(ack, lazy=False), lazy=slow(lazy or []))

        return add
