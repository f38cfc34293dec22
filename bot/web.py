"""The WSGI application gunicorn serves: Slack's endpoint and a health check."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, engine: Engine
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _healthz(engine, start_response)
        if path == "/slack/events":
            if environ.get("REQUEST_METHOD") != "POST":
                return _reply(start_response, "405 Method Not Allowed", {"error": "use POST"})
            try:
                return slack(environ, start_response)  # type: ignore[arg-type]
            except (ValueError, KeyError, TypeError, AttributeError):
                # Bolt parses the body before checking it; garbage is the sender's fault.
                log.warning("rejected a malformed request to /slack/events")
                return _reply(start_response, "400 Bad Request", {"error": "malformed request"})
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _healthz(engine: Engine, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return _reply(start_response, "503 Service Unavailable", {"ok": False, "database": "down"})
    return _reply(start_response, "200 OK", {"ok": True, "database": "up"})


def _reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
