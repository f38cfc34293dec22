"""The WSGI application gunicorn serves: Slack's endpoint and a health check."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.payloads import payload_problem

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def make_wsgi_app(
    app: App, engine: Engine, signing_secret: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path="/slack/events")
    verifier = SignatureVerifier(signing_secret)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _healthz(engine, start_response)
        if path == "/slack/events":
            if environ.get("REQUEST_METHOD") != "POST":
                return _reply(start_response, "405 Method Not Allowed", {"error": "use POST"})
            return _slack_events(environ, start_response, slack, verifier)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _slack_events(
    environ: dict[str, Any],
    start_response: StartResponse,
    slack: SlackRequestHandler,
    verifier: SignatureVerifier,
) -> Iterable[bytes]:
    """Check the signature, then the shape, then let Bolt handle it: bad input is a 4xx."""
    request = WsgiHttpRequest(environ)
    try:
        raw = request.get_body()
    except (UnicodeDecodeError, ValueError):
        return _reply(start_response, "400 Bad Request", {"error": "unreadable body"})
    headers = {k: str(v) for k, v in request.get_headers().items()}
    try:
        valid = verifier.is_valid_request(raw, headers)
    except ValueError:  # a timestamp header that is not a number
        valid = False
    if not valid:
        return _reply(start_response, "401 Unauthorized", {"error": "invalid signature"})
    try:
        body = parse_body(raw, headers.get("content-type"))
    except ValueError:
        body = None
    problem = "unreadable body" if body is None else payload_problem(body)
    if problem is not None:
        log.warning("rejected a malformed request to /slack/events: %s", problem)
        return _reply(start_response, "400 Bad Request", {"error": "malformed request"})
    environ["wsgi.input"] = io.BytesIO(raw.encode())
    environ["CONTENT_LENGTH"] = str(len(raw.encode()))
    return slack(environ, start_response)


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
