"""A Slack Web API test double on a random loopback port.

It answers the Web API methods the bot calls the way Slack documents them, records every
call, keeps the messages it was asked to post (so `chat.update` can be checked), accepts
posts to response URLs, and can be told to fail a method (429 with Retry-After, 5xx).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

TEAM_ID = "T0TEAM"
BOT_USER_ID = "UBOTSELF"
_JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "files"}
MANIFEST = Path(__file__).resolve().parents[1] / "manifest.json"


def granted_scopes() -> set[str]:
    """The bot scopes an install from manifest.json grants: what the double lets the bot do."""
    return set(json.loads(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])


# ----- Block Kit limits as Slack documents them (block-kit reference, views.open, chat.postMessage)
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
_OPTIONS_MAX = {"checkboxes": 10, "radio_buttons": 10, "overflow": 5}
_SELECTS = {"static_select", "multi_static_select", "checkboxes", "radio_buttons", "overflow"}


def _text_of(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else ""


def block_kit_problems(payload: dict[str, Any], surface: str = "message") -> list[str]:
    """What Slack would reject in a message or view (`invalid_blocks` / `invalid_arguments`)."""
    problems: list[str] = []

    def over(where: str, value: Any, limit: int) -> None:
        if value is not None and len(str(value)) > limit:
            problems.append(f"{where}: {len(str(value))} characters > {limit}")

    blocks = payload.get("blocks") or []
    if len(blocks) > MAX_BLOCKS[surface]:
        problems.append(f"{len(blocks)} blocks > {MAX_BLOCKS[surface]} in a {surface}")
    if surface == "message":
        if not payload.get("text") and not blocks:
            problems.append("a message needs text or blocks (no_text)")
        over("message text", payload.get("text"), 40000)
    else:
        over("private_metadata", payload.get("private_metadata"), 3000)
        over("callback_id", payload.get("callback_id"), 255)
        over("external_id", payload.get("external_id"), 255)
    if surface == "modal":
        for key in ("title", "submit", "close"):
            over(f"modal {key}", _text_of(payload.get(key)) or None, 24)
        if not _text_of(payload.get("title")):
            problems.append("a modal needs a title")
        if any(b.get("type") == "input" for b in blocks) and not payload.get("submit"):
            problems.append("a modal with inputs needs a submit button")

    def walk(node: Any, path: str) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        over(f"{path}.block_id", node.get("block_id"), 255)
        over(f"{path}.action_id", node.get("action_id"), 255)
        if kind in ("plain_text", "mrkdwn") and "text" in node and not str(node["text"]):
            problems.append(f"{path}: empty {kind} text")
        if kind == "section":
            over(f"{path}.text", _text_of(node.get("text")) or None, 3000)
            fields = node.get("fields") or []
            if len(fields) > 10:
                problems.append(f"{path}: {len(fields)} fields > 10")
            for i, f in enumerate(fields):
                over(f"{path}.fields[{i}]", _text_of(f), 2000)
            if not node.get("text") and not fields:
                problems.append(f"{path}: a section needs text or fields")
        elif kind == "header":
            over(f"{path}.text", _text_of(node.get("text")), 150)
        elif kind == "context":
            if not 0 < len(node.get("elements") or []) <= 10:
                problems.append(f"{path}: a context needs 1-10 elements")
        elif kind == "actions":
            if not 0 < len(node.get("elements") or []) <= 25:
                problems.append(f"{path}: an actions block needs 1-25 elements")
        elif kind == "input":
            over(f"{path}.label", _text_of(node.get("label")), 2000)
            over(f"{path}.hint", _text_of(node.get("hint")) or None, 2000)
            if not isinstance(node.get("element"), dict):
                problems.append(f"{path}: an input needs an element")
        elif kind == "button":
            over(f"{path}.text", _text_of(node.get("text")), 75)
            over(f"{path}.value", node.get("value"), 2000)
            over(f"{path}.url", node.get("url"), 3000)
        elif kind == "plain_text_input":
            limit = node.get("max_length", 3000)
            if not isinstance(limit, int) or not 0 < limit <= 3000:
                problems.append(f"{path}: max_length {limit!r} not in 1..3000")
                limit = 3000
            over(f"{path}.initial_value", node.get("initial_value"), limit)
        elif kind == "users_select" and "initial_users" in node:
            problems.append(f"{path}: initial_users belongs to multi_users_select")
        elif kind == "multi_users_select" and "initial_user" in node:
            problems.append(f"{path}: initial_user belongs to users_select")
        elif kind == "image":
            over(f"{path}.alt_text", node.get("alt_text"), 2000)
        if kind in _SELECTS:
            options = node.get("options") or []
            most = _OPTIONS_MAX.get(str(kind), 100)
            if not 0 < len(options) <= most:
                problems.append(f"{path}: {len(options)} options, not 1..{most}")
            values = [o.get("value") for o in options]
            for i, option in enumerate(options):
                over(f"{path}.options[{i}].text", _text_of(option.get("text")), 75)
                over(f"{path}.options[{i}].value", option.get("value"), 150)
            chosen = node.get("initial_options") or (
                [node["initial_option"]] if node.get("initial_option") else []
            )
            for option in chosen:
                if option not in options:
                    problems.append(f"{path}: initial option {option.get('value')!r} not offered")
            if len(set(values)) != len(values):
                problems.append(f"{path}: duplicate option values")
        if "placeholder" in node:
            over(f"{path}.placeholder", _text_of(node.get("placeholder")), 150)
        if isinstance(node.get("confirm"), dict):
            confirm = node["confirm"]
            over(f"{path}.confirm.title", _text_of(confirm.get("title")), 100)
            over(f"{path}.confirm.text", _text_of(confirm.get("text")), 300)
            over(f"{path}.confirm.confirm", _text_of(confirm.get("confirm")), 30)
            over(f"{path}.confirm.deny", _text_of(confirm.get("deny")), 30)
        for key, value in node.items():
            if key not in ("options", "initial_options", "initial_option"):
                walk(value, f"{path}.{key}")

    walk(blocks, "blocks")
    return problems


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Failure:
    status: int
    times: int
    retry_after: int | None = None
    error: str | None = None


def dm_channel(user_id: str) -> str:
    """The id of the bot's DM with this person, as conversations.open and chat.postMessage
    (posting to a user id) answer it."""
    return "D" + user_id[1:]


@dataclass
class SlackDouble:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    channels_without_bot: set[str] = field(default_factory=set)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    dnd: dict[str, bool] = field(default_factory=dict)
    handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    scopes: set[str] = field(default_factory=granted_scopes)
    custom_emoji: dict[str, str] = field(default_factory=dict)  # name: image URL or alias:name
    # files_upload_v2: file id -> {"filename", "length", "content" (bytes once uploaded), and,
    # once completed, "title", "channel_id", "initial_comment", "thread_ts"}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # ----- lifecycle --------------------------------------------------------------
    def start(self) -> SlackDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                double._handle(self)

            def do_POST(self) -> None:
                double._handle(self)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{uuid.uuid4().hex}"

    def reset(self) -> None:
        with self._lock:
            self.users.clear()
            self.calls.clear()
            self.responses.clear()
            self.messages.clear()
            self.channels_without_bot.clear()
            self.channel_members.clear()
            self.dnd.clear()
            self.handlers.clear()
            self.failures.clear()
            self.rejected.clear()
            self.scopes = granted_scopes()
            self.custom_emoji.clear()
            self.files.clear()

    # ----- set-up helpers -----------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        tz: str = "Europe/Berlin",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
        real_name: str | None = None,
        display_name: str | None = None,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": deleted,
            "real_name": real_name or name.title(),
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {
                "display_name": display_name if display_name is not None else name,
                "real_name": real_name or name.title(),
            },
        }
        self.users[user_id] = user
        return user

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int | None = 0,
        error: str | None = None,
    ) -> None:
        """Make the next `times` calls to `method` fail with this HTTP status (or Slack error)."""
        self.failures.setdefault(method, []).append(
            Failure(status=status, times=times, retry_after=retry_after, error=error)
        )

    # ----- inspection -----------------------------------------------------------------
    def shared_files(self) -> list[dict[str, Any]]:
        """Files whose upload was completed (files.completeUploadExternal), oldest first."""
        with self._lock:
            return [dict(f) for f in self.files.values() if f.get("completed")]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    # ----- the HTTP side -----------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        if parsed.path.startswith("/upload/"):  # files.getUploadURLExternal's upload_url
            self._receive_upload(request, parsed.path[len("/upload/") :], length)
            return
        body = request.rfile.read(length) if length else b""
        if len(body) < length:
            # The caller went away mid-request (a killed process; http.client sends the headers
            # and the body apart): Slack acts on no half-received request, and answers no one.
            request.close_connection = True
            return
        raw = body.decode()
        if parsed.path.startswith("/respond/"):
            posted = json.loads(raw or "{}")
            problems = [] if posted.get("delete_original") else block_kit_problems(posted)
            with self._lock:
                if problems:  # Slack answers a bad response_url post with a 400, posts nothing
                    self.rejected.append({"url": parsed.path, "problems": problems, **posted})
                else:
                    self.responses.append({"url": parsed.path, **posted})
            if problems:
                self._send(request, 400, "invalid_blocks", content_type="text/plain")
            else:
                self._send(request, 200, "ok", content_type="text/plain")
            return
        if not parsed.path.startswith("/api/"):
            self._send(request, 404, {"ok": False, "error": "unknown_method"})
            return
        method = parsed.path[len("/api/") :]
        params: dict[str, Any] = dict(parse_qsl(parsed.query))
        if raw:
            if "json" in (request.headers.get("Content-Type") or ""):
                params.update(json.loads(raw))
            else:
                params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        for key in _JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") or params.get("token")
        with self._lock:
            self.calls.append(Call(method=method, params=params, token=token))
            failure = self._next_failure(method)
        if failure is not None:
            headers = {}
            if failure.retry_after is not None and failure.status == 429:
                headers["Retry-After"] = str(failure.retry_after)
            if failure.error:
                self._send(request, 200, {"ok": False, "error": failure.error})
            else:
                self._send(request, failure.status, {"ok": False, "error": "ratelimited"}, headers)
            return
        self._send(request, 200, self._answer(method, params))

    def _receive_upload(self, request: BaseHTTPRequestHandler, file_id: str, length: int) -> None:
        """The bytes of a file, POSTed to the upload_url; Slack answers `OK - <length>`."""
        content = request.rfile.read(length) if length else b""
        with self._lock:
            pending = self.files.get(file_id)
            if pending is not None and pending.get("content") is None:
                pending["content"] = content
        if pending is None:
            self._send(request, 404, "not found", content_type="text/plain")
        else:
            self._send(request, 200, f"OK - {len(content)}", content_type="text/plain")

    def _next_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method) or []
        while queue and queue[0].times <= 0:
            queue.pop(0)
        if not queue:
            return None
        queue[0].times -= 1
        return queue[0]

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        body = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(body)

    # ----- the Web API methods --------------------------------------------------------------
    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in self.handlers:
            return self.handlers[method](params)
        invalid = self._invalid(method, params)
        if invalid is not None:
            with self._lock:
                self.rejected.append({"method": method, **invalid, "params": params})
            return {"ok": False, **invalid}
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        return handler(params) if handler else {"ok": True}

    @staticmethod
    def _invalid(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to arguments it refuses, or None when they are acceptable."""
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            if not params.get("channel"):
                return {"error": "channel_not_found"}
            if method == "chat.postEphemeral" and not params.get("user"):
                return {"error": "user_not_in_channel"}
            if method == "chat.update" and not params.get("ts"):
                return {"error": "message_not_found"}
            problems = block_kit_problems(params, "message")
            if problems:
                error = "no_text" if not params.get("text") and not params.get("blocks") else None
                return {"error": error or "invalid_blocks", "errors": problems}
            metadata = params.get("metadata")
            if metadata is not None and not (
                isinstance(metadata, dict)
                and isinstance(metadata.get("event_type"), str)
                and isinstance(metadata.get("event_payload"), dict)
            ):
                return {"error": "invalid_metadata_format"}
        if method == "conversations.history" and not params.get("channel"):
            return {"error": "channel_not_found"}
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            view = params.get("view")
            if not isinstance(view, dict):
                return {"error": "invalid_arguments", "errors": ["view is not a JSON object"]}
            if method in ("views.open", "views.push") and not params.get("trigger_id"):
                return {"error": "invalid_trigger_id"}
            if method == "views.publish" and not params.get("user_id"):
                return {"error": "invalid_arguments", "errors": ["user_id is required"]}
            surface = "home" if method == "views.publish" else "modal"
            if view.get("type") != surface:
                return {"error": "invalid_arguments", "errors": [f"view type must be {surface}"]}
            problems = block_kit_problems(view, surface)
            if problems:
                return {"error": "invalid_arguments", "errors": problems}
        if method == "conversations.open" and not (params.get("users") or params.get("channel")):
            return {"error": "users_list_not_supplied"}
        if method == "users.info" and not params.get("user"):
            return {"error": "user_not_found"}
        return None

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "BBOTSELF",
            "team": "Test Team",
            "user": "reciprocity",
            "url": "https://test.slack.com/",
        }

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(params.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _api_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        members = list(self.users.values())
        limit = int(params.get("limit") or 200)
        start = int(params.get("cursor") or 0)
        page = members[start : start + limit]
        cursor = str(start + limit) if start + limit < len(members) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel", "")
        if channel[:1] in ("U", "W"):  # a user id: Slack posts in (and answers with) their DM
            channel = dm_channel(channel)
        if channel in self.channels_without_bot:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        message = {
            "ts": ts,
            "channel": channel,
            "text": params.get("text"),
            "blocks": params.get("blocks"),
            "thread_ts": params.get("thread_ts"),
            "metadata": params.get("metadata"),
        }
        with self._lock:
            self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channel's newest messages first, a page at a time (`cursor`); metadata only when
        asked for, as Slack does. (`oldest` is not applied: this double's ts are counters,
        not times.)"""
        channel = params.get("channel", "")
        if channel in self.channels_without_bot:
            return {"ok": False, "error": "not_in_channel"}
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [dict(m) for (c, _), m in self.messages.items() if c == channel]
        found.sort(key=lambda m: m["ts"], reverse=True)
        page = found[start : start + limit]
        for message in page:
            if not with_metadata or message.get("metadata") is None:
                message.pop("metadata", None)
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (params.get("channel", ""), params.get("ts", ""))
        with self._lock:
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[key].update(text=params.get("text"), blocks=params.get("blocks"))
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel", ""), params.get("message_ts", "")
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "view": {"id": "V" + uuid.uuid4().hex[:10].upper(), **params.get("view", {})},
        }

    _api_views_push = _api_views_open
    _api_views_update = _api_views_open
    _api_views_publish = _api_views_open

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = sorted(str(params.get("users", "")).split(","))
        if len(users) == 1:
            return {"ok": True, "channel": {"id": dm_channel(users[0])}}
        return {"ok": True, "channel": {"id": "G" + "".join(u[-3:] for u in users)[:20]}}

    def _api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        members = self.channel_members.get(params.get("channel", ""), list(self.users))
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel", "")
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": True,
                "is_member": channel not in self.channels_without_bot,
            },
        }

    def _api_emoji_list(self, params: dict[str, Any]) -> dict[str, Any]:
        """The workspace's custom emoji (standard ones are not listed); needs `emoji:read`."""
        if "emoji:read" not in self.scopes:
            refusal = {
                "error": "missing_scope",
                "needed": "emoji:read",
                "provided": ",".join(sorted(self.scopes)),
            }
            with self._lock:
                self.rejected.append({"method": "emoji.list", **refusal, "params": params})
            return {"ok": False, **refusal}
        with self._lock:
            found = dict(self.custom_emoji)
        return {"ok": True, "emoji": found, "cache_ts": "1700000000.000000"}

    def _api_dnd_info(self, params: dict[str, Any]) -> dict[str, Any]:
        snoozed = self.dnd.get(params.get("user", ""), False)
        return {
            "ok": True,
            "dnd_enabled": snoozed,
            "snooze_enabled": snoozed,
            "next_dnd_start_ts": 1,
            "next_dnd_end_ts": 1,
        }

    def _missing_scope(self, method: str, scope: str, params: dict[str, Any]) -> dict[str, Any]:
        refusal = {
            "error": "missing_scope",
            "needed": scope,
            "provided": ",".join(sorted(self.scopes)),
        }
        with self._lock:
            self.rejected.append({"method": method, **refusal, "params": params})
        return {"ok": False, **refusal}

    def _refuse(self, method: str, error: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.rejected.append({"method": method, "error": error, "params": params})
        return {"ok": False, "error": error}

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        """Step 1 of files_upload_v2: needs `files:write`, a filename and the length in bytes."""
        if "files:write" not in self.scopes:
            return self._missing_scope("files.getUploadURLExternal", "files:write", params)
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename or not length.isdigit() or int(length) <= 0:
            return self._refuse("files.getUploadURLExternal", "invalid_arguments", params)
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        with self._lock:
            self.files[file_id] = {"id": file_id, "filename": filename, "length": int(length)}
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        """Step 3: every file must have been uploaded, with as many bytes as announced; a
        channel is a conversation id (a person's DM comes from conversations.open), never a
        user id."""
        method = "files.completeUploadExternal"
        if "files:write" not in self.scopes:
            return self._missing_scope(method, "files:write", params)
        listed = params.get("files")
        if not isinstance(listed, list) or not listed:
            return self._refuse(method, "invalid_arguments", params)
        channel = params.get("channel_id") or ""
        if channel and not re.fullmatch(r"[CGDZ][A-Z0-9]+", channel):
            # Slack: "input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$" (a user id is not
            # a channel; the ids here are shorter than Slack's, so the length is not checked)
            return self._refuse(method, "invalid_arguments", params)
        done = []
        with self._lock:
            for entry in listed:
                stored = self.files.get(str(entry.get("id")) if isinstance(entry, dict) else "")
                if stored is None or stored.get("content") is None:
                    break
                if len(stored["content"]) != stored["length"]:
                    break
                done.append((stored, entry))
        if len(done) != len(listed):
            return self._refuse(method, "file_not_found", params)
        shared = []
        with self._lock:
            for stored, entry in done:
                stored.update(
                    completed=True,
                    title=entry.get("title") or stored["filename"],
                    channel_id=channel or None,
                    initial_comment=params.get("initial_comment"),
                    thread_ts=params.get("thread_ts"),
                )
                shared.append(
                    {"id": stored["id"], "title": stored["title"], "name": stored["filename"]}
                )
        return {"ok": True, "files": shared}

    # ----- OAuth installs: oauth.v2.access (a code, or grant_type=refresh_token) -----------
    # The double's own book of the OAuth app (its client id and secret), the codes it handed
    # out and the tokens it granted; kept apart from reset(): call oauth_reset().
    def oauth(self) -> dict[str, Any]:
        books: dict[str, Any] | None = self.__dict__.get("_oauth_books")
        if books is None:
            books = self.__dict__["_oauth_books"] = {}
            self.oauth_reset()
        return books

    def oauth_reset(self, client_id: str = "1234.5678", client_secret: str = "") -> None:
        """Forget every code and token; the OAuth app is `client_id`/`client_secret`."""
        with self._lock:
            books = self.__dict__.setdefault("_oauth_books", {})
            books.clear()
            books.update(
                client_id=client_id,
                client_secret=client_secret or "double-client-secret-" + uuid.uuid4().hex,
                codes={},  # code: the grant it stands for (used once)
                tokens={},  # access token: {"team_id", "enterprise_id", "expires_at"?}
                refresh={},  # refresh token: the grant it renews
                counter=itertools.count(1),
            )

    def authorize_install(
        self,
        team_id: str,
        *,
        team_name: str = "",
        user_id: str = "UINSTALLER",
        enterprise_id: str | None = None,
        rotation: bool = False,
        expires_in: int = 43200,
        redirect_uri: str | None = None,
    ) -> str:
        """What Slack does when someone approves the install on its consent page: a one-time
        code for the app's redirect URI."""
        books = self.oauth()
        code = f"code-{uuid.uuid4().hex}"
        with self._lock:
            books["codes"][code] = {
                "team_id": team_id,
                "team_name": team_name or f"Team {team_id}",
                "user_id": user_id,
                "enterprise_id": enterprise_id,
                "rotation": rotation,
                "expires_in": expires_in,
                "redirect_uri": redirect_uri,
            }
        return code

    def token_team(self, token: str | None) -> str | None:
        """The workspace a token the double granted acts in (None: not one it granted)."""
        with self._lock:
            grant = self.oauth()["tokens"].get(token or "")
        return None if grant is None else str(grant["team_id"])

    def granted_tokens(self, team_id: str) -> list[str]:
        with self._lock:
            tokens = self.oauth()["tokens"]
            return [t for t, g in tokens.items() if g["team_id"] == team_id]

    def _oauth_client_ok(self, params: dict[str, Any]) -> bool:
        """The app's credentials: HTTP Basic (what slack-sdk sends), or the form fields."""
        books = self.oauth()
        with self._lock:
            basic = next(
                (c.token for c in reversed(self.calls) if c.method == "oauth.v2.access"), None
            )
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if basic and basic.startswith("Basic "):
            import base64

            decoded = base64.b64decode(basic.removeprefix("Basic ")).decode()
            client_id, _, client_secret = decoded.partition(":")
        return bool(client_id == books["client_id"] and client_secret == books["client_secret"])

    def _oauth_grant(self, grant: dict[str, Any]) -> dict[str, Any]:
        books = self.oauth()
        n = next(books["counter"])
        team_id = grant["team_id"]
        prefix = "xoxe.xoxb-" if grant["rotation"] else "xoxb-"
        # rotating tokens are long (over 150 characters; their ciphertext over 300)
        length = 5 if grant["rotation"] else 2
        token = f"{prefix}{team_id}-{n}-" + "".join(uuid.uuid4().hex for _ in range(length))
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0RECIPROCITY",
            "authed_user": {"id": grant["user_id"]},
            "scope": ",".join(sorted(self.scopes)),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team_id, "name": grant["team_name"]},
            "enterprise": (
                {"id": grant["enterprise_id"], "name": "Org"} if grant["enterprise_id"] else None
            ),
            "is_enterprise_install": False,
        }
        with self._lock:
            books["tokens"][token] = {"team_id": team_id, "enterprise_id": grant["enterprise_id"]}
        if grant["rotation"]:
            refresh = f"xoxe-1-{team_id}-{n}-{uuid.uuid4().hex}"
            with self._lock:
                books["refresh"][refresh] = grant
            answer.update(refresh_token=refresh, expires_in=grant["expires_in"])
        return answer

    def _api_oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's oauth.v2.access: a code (once, for the redirect URI it was issued for) for
        a bot token, or (grant_type=refresh_token) a refresh token for a new one."""
        books = self.oauth()
        if not self._oauth_client_ok(params):
            return self._refuse("oauth.v2.access", "invalid_client_id", _masked(params))
        if params.get("grant_type") == "refresh_token":
            with self._lock:
                grant = books["refresh"].pop(str(params.get("refresh_token") or ""), None)
            if grant is None:
                return self._refuse("oauth.v2.access", "invalid_refresh_token", _masked(params))
            return self._oauth_grant(grant)
        with self._lock:
            grant = books["codes"].pop(str(params.get("code") or ""), None)
        if grant is None:
            return self._refuse("oauth.v2.access", "invalid_code", _masked(params))
        if grant["redirect_uri"] and params.get("redirect_uri") != grant["redirect_uri"]:
            return self._refuse("oauth.v2.access", "bad_redirect_uri", _masked(params))
        return self._oauth_grant(grant)


def _masked(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: ("…" if k in ("code", "client_secret", "refresh_token") else v)
        for k, v in params.items()
    }
