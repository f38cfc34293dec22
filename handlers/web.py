"""The web app gunicorn serves: Slack's endpoint (plain WSGI: the hot path), and on Flask the
OAuth install, a health check, the metrics and the insights dashboard.

`/slack/events` checks, in order, before Bolt sees anything: the body's length, the
signature (over the raw bytes), the body read the way Slack sends it, by content type (a
slash command is form fields, an interaction the form field `payload` holding JSON, an event
JSON), and its shape (bot/payloads.py). Bad input is a 4xx, never a 500.

This is the only place a signature is checked: Bolt's own check is off (handlers/app.py),
as a second HMAC over the same bytes would prove nothing more. Bolt then gets the raw body,
and reads it again itself, by guessing from the text (a form body containing the word
"payload" is taken for an interaction); so do the queue's consumer and anything else that
stores the raw body (handlers/queue.py). Where that guess would read the body differently
from Slack's way, the body is first rewritten to say the same thing unambiguously (its
"payload"s percent-encoded). Bolt gets that body as a BoltRequest, its answer back as WSGI
(Bolt's own WSGI response).

Every other route is one line in `flask_app` (the dashboard's in handlers/dashboard.py);
Flask's own refusals (no such path, a wrong method) are answered in JSON like ours.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, request
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.flask.handler import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from bot import metrics
from bot.deps import Deps
from bot.payloads import payload_problem
from bot.server import MAX_BODY_BYTES
from handlers import dashboard

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class Rejected(Exception):
    """A request answered with a 4xx before Bolt sees it; the message is ours, never the body."""

    def __init__(self, status: str, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(app: App, deps: Deps, signing_secret: str) -> WSGIApp:
    """What gunicorn serves: `/slack/events` straight on WSGI, every other route on Flask.

    Slack's endpoint is the hot path (every command, click and event; `bench/ack.py`): Flask's
    request and response objects around it cost a tenth of the acks' throughput, and it needs
    nothing of Flask. So it is answered before Flask sees the request; any other path (the
    health check, the metrics, the OAuth install, the dashboard) is Flask's, one line each in
    `flask_app`."""
    slack_events = _slack_events(app, SignatureVerifier(signing_secret))
    web = flask_app(app, deps, signing_secret)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/slack/events":
            return slack_events(environ, start_response)
        return web(environ, start_response)

    return wsgi


def flask_app(app: App, deps: Deps, signing_secret: str) -> Flask:
    """Every route but Slack's endpoint. A route is one line here: a path, its methods, a view."""
    web = Flask(__name__, template_folder="templates")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    web.add_url_rule("/healthz", "healthz", lambda: _healthz(deps.engine), methods=["GET"])
    web.add_url_rule("/metrics", "metrics", lambda: _metrics(deps.engine), methods=["GET"])
    if app.oauth_flow is not None:  # OAuth mode: Bolt's install page and its redirect
        oauth = SlackRequestHandler(app)
        for path in (app.oauth_flow.install_path, app.oauth_flow.redirect_uri_path):
            web.add_url_rule(path, path, lambda: oauth.handle(request), methods=["GET"])
    dashboard.register(web, deps, signing_secret)
    web.register_error_handler(HTTPException, _http_error)
    return web


def _metrics(engine: Engine) -> Response:
    body, content_type = metrics.exposition(engine)
    return Response(body, status=200, content_type=content_type)


def _slack_events(app: App, verifier: SignatureVerifier) -> WSGIApp:
    def slack_events(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 405, {"error": "use POST"})
        try:
            body = _check_slack_request(environ, verifier)
        except Rejected as rejected:
            if not rejected.status.startswith("401"):
                log.warning("refused a request to /slack/events: %s", rejected)
            return _answer(start_response, int(rejected.status[:3]), {"error": rejected.error})
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        bolt_request = BoltRequest(
            body=body, query=environ.get("QUERY_STRING", ""), headers=headers
        )
        bolt = app.dispatch(bolt_request)
        answer = WsgiHttpResponse(status=bolt.status, headers=bolt.headers, body=bolt.body)
        start_response(answer.status, answer.get_headers())
        return list(answer.get_body())

    return slack_events


def _answer(
    start_response: Callable[..., Any], status: int, payload: dict[str, Any]
) -> list[bytes]:
    answer = WsgiHttpResponse(
        status=status, headers={"content-type": ["application/json"]}, body=json.dumps(payload)
    )
    start_response(answer.status, answer.get_headers())
    return list(answer.get_body())


def _http_error(error: HTTPException) -> Response:
    """Flask's own refusals (no such path, a wrong method) as JSON, like ours."""
    status = f"{error.code} {error.name}"
    return _reply(status, {"error": (error.name or "error").lower()})


def _check_slack_request(environ: dict[str, Any], verifier: SignatureVerifier) -> str:
    """Raise Rejected, or return the body as Bolt must read it to read it as Slack meant it."""
    raw = _read_body(environ)
    if not _signed(verifier, raw, environ):
        raise Rejected("401 Unauthorized", "invalid signature")
    try:
        raw_text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("400 Bad Request", "body is not UTF-8") from None
    content_type = environ.get("CONTENT_TYPE")
    body, interaction = read_slack_body(raw_text, content_type)
    problem = payload_problem(body)
    if problem is not None:
        raise Rejected("400 Bad Request", problem)
    unambiguous = _as_bolt_reads_it(raw_text, content_type, body, interaction=interaction)
    environ["wsgi.input"] = io.BytesIO(b"")  # read: nothing else may read it again
    environ["CONTENT_LENGTH"] = "0"
    return unambiguous


def _read_body(environ: dict[str, Any]) -> bytes:
    """The declared body, all of it. (gunicorn, as bot/server.py runs it, has read the whole
    request before the application is called, with a deadline: a slow client never holds
    the thread that runs this.)"""
    declared = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not declared.isascii() or not declared.isdigit():
        raise Rejected("400 Bad Request", "unreadable content length")
    if len(declared) > 12 or int(declared) > MAX_BODY_BYTES:  # int() reads 4300 digits at most
        raise Rejected("413 Content Too Large", "body too large")
    length = int(declared)
    if length == 0 or "wsgi.input" not in environ:
        return b""
    try:
        raw = environ["wsgi.input"].read(length)
    except TimeoutError:
        raise Rejected("408 Request Timeout", "the body took too long") from None
    except (OSError, ValueError):
        raise Rejected("400 Bad Request", "unreadable body") from None
    if not isinstance(raw, bytes) or len(raw) != length:
        raise Rejected("400 Bad Request", "body shorter than its content length")
    return raw


def _signed(verifier: SignatureVerifier, raw: bytes, environ: dict[str, Any]) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier, which also refuses a
    timestamp more than five minutes off). The headers are checked first: a timestamp that
    is not digits or a signature that is not ASCII is simply invalid (the verifier would
    raise on them)."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if not (signature.isascii() and signature.startswith("v0=") and len(signature) <= 80):
        return False
    return verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)


def read_slack_body(raw: str, content_type: str | None) -> tuple[dict[str, Any], bool]:
    """The body as Slack sends it, by content type and for forms by field, never by
    guessing from the text; and whether it was an interaction's `payload` field."""
    media = _media_type(content_type)
    if media == FORM:
        fields = dict(parse_qsl(raw, keep_blank_values=True))
        if "payload" in fields:  # an interaction: its JSON is the `payload` field
            return _json_object(fields["payload"]), True
        return fields, False  # a slash command (or Slack's ssl_check)
    if media == JSON:  # an event, or the URL verification
        return _json_object(raw), False
    raise Rejected("415 Unsupported Media Type", "unsupported content type")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _json_object(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested beyond any Slack payload
        raise Rejected("400 Bad Request", "unreadable body") from None
    if not isinstance(value, dict):
        raise Rejected("400 Bad Request", "body is not an object")
    return value


def _as_bolt_reads_it(
    raw: str, content_type: str | None, body: dict[str, Any], *, interaction: bool
) -> str:
    """`raw`, or the same form fields written so that Bolt's guess (slack_bolt's
    `parse_body`) reads them as `body`. A form without a `payload` field that contains the
    word (a slash command's text, a channel named payload-…) gets every "payload"
    percent-encoded: the same fields to a form parser, no longer the word to a guesser."""
    media = _media_type(content_type)
    if not interaction and media == FORM and "payload" in raw:
        raw = raw.replace("payload", "%70ayload")
    bolt_type = (content_type or "").split(";", 1)[0] or None  # as Bolt takes it
    if raw.startswith("{") == (media == JSON):
        return raw  # Bolt's guess picks the parser we used, on the same text: it agrees
    try:
        agrees = parse_body(raw, bolt_type) == body
    except (ValueError, RecursionError):
        agrees = False
    if not agrees:  # e.g. a form that starts with "{": Slack sends no such thing
        raise Rejected("400 Bad Request", "a body that reads two ways")
    return raw


def _healthz(engine: Engine) -> Response:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return _reply("503 Service Unavailable", {"ok": False, "database": "down"})
    return _reply("200 OK", {"ok": True, "database": "up"})


def _reply(status: str, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")
