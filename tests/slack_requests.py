"""Signed requests to `/slack/events`, shaped exactly as Slack sends them.

Slash commands and interactivity are `application/x-www-form-urlencoded` (interactivity as a
`payload` field holding JSON); events are JSON. Every request carries
`X-Slack-Request-Timestamp` and `X-Slack-Signature` (v0, HMAC-SHA256 of `v0:ts:body`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack_double import BOT_USER_ID, TEAM_ID, SlackDouble

_ids = itertools.count(1)


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_form_headers(secret: str, body: str) -> dict[str, list[str]]:
    """The headers of a form-encoded request Slack signs now, as `BoltRequest` takes them
    (for driving `App.dispatch` in one process, as the benches do)."""
    ts = str(int(time.time()))
    return {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [ts],
        "x-slack-signature": [sign(secret, ts, body)],
    }


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SlackSender:
    base_url: str
    signing_secret: str
    double: SlackDouble
    team_id: str = TEAM_ID

    # ----- raw -----------------------------------------------------------------------------
    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if signed:
            all_headers["X-Slack-Signature"] = sign(secret or self.signing_secret, ts, body)
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.base_url + "/slack/events", data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    # ----- slash commands -------------------------------------------------------------------
    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "UALICE",
        channel: str = "CGENERAL",
        channel_name: str = "general",
        **kwargs: Any,
    ) -> Reply:
        fields = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": self.double.users.get(user, {}).get("name", user.lower()),
            "command": command,
            "text": text,
            "api_app_id": "AAPPID",
            "is_enterprise_install": "false",
            "response_url": self.double.response_url(),
            "trigger_id": f"{next(_ids)}.{int(time.time())}.trigger",
        }
        return self.form(fields, **kwargs)

    # ----- events ----------------------------------------------------------------------------
    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kwargs: Any,
    ) -> Reply:
        body = {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": "AAPPID",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):010d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-eyJldCI6InJlYWN0aW9uX2FkZGVkIn0",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(body), "application/json", headers=headers, **kwargs)

    # ----- interactivity ----------------------------------------------------------------------
    def _user(self, user: str) -> dict[str, Any]:
        name = self.double.users.get(user, {}).get("name", user.lower())
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def message_shortcut(
        self,
        callback_id: str,
        message: dict[str, Any],
        *,
        user: str = "UALICE",
        channel: str = "CGENERAL",
    ) -> Reply:
        payload = {
            "type": "message_action",
            "token": "deprecated-verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": self.team_id, "domain": "test"},
            "user": self._user(user),
            "channel": {"id": channel, "name": channel.lower()},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"{next(_ids)}.{int(time.time())}.trigger",
            "response_url": self.double.response_url(),
            "message_ts": message.get("ts"),
            "message": {"type": "message", **message},
        }
        return self.interactive(payload)

    def block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str = "UALICE",
        channel: str = "CGENERAL",
        message: dict[str, Any] | None = None,
        block_id: str = "actions",
        view: dict[str, Any] | None = None,
        action: dict[str, Any] | None = None,
    ) -> Reply:
        act = action or {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "text": {"type": "plain_text", "text": "Button"},
            "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "token": "deprecated-verification-token",
            "api_app_id": "AAPPID",
            "team": {"id": self.team_id, "domain": "test"},
            "user": self._user(user),
            "trigger_id": f"{next(_ids)}.{int(time.time())}.trigger",
            "is_enterprise_install": False,
            "enterprise": None,
            "actions": [act],
        }
        if view is not None:
            # A view's block_actions carry the view itself (with its state) and no response_url.
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = {"state": {"values": {}}, **view}
        else:
            msg = message or {"ts": "1700000000.000001"}
            payload["container"] = {
                "type": "message",
                "message_ts": msg["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": channel.lower()}
            payload["message"] = {"type": "message", "user": BOT_USER_ID, **msg}
            payload["state"] = {"values": {}}  # every block_actions payload has one (2020-09)
            payload["response_url"] = self.double.response_url()
        return self.interactive(payload)

    def view_submission(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user: str = "UALICE",
        **kwargs: Any,
    ) -> Reply:
        """Submit a modal. `values` is `view.state.values`: {block_id: {action_id: {...}}}."""
        view_id = view.get("id", "V" + str(next(_ids)))
        submitted = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "external_id": view.get("external_id", ""),
            "blocks": view.get("blocks", []),
            "state": {"values": values},
            "hash": "1700000000.hash",
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": "AAPPID",
            "app_installed_team_id": self.team_id,
            "bot_id": "BBOTSELF",
        }
        payload = {
            "type": "view_submission",
            "token": "deprecated-verification-token",
            "team": {"id": self.team_id, "domain": "test"},
            "user": self._user(user),
            "api_app_id": "AAPPID",
            "trigger_id": f"{next(_ids)}.{int(time.time())}.trigger",
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.interactive(payload, **kwargs)


# ----- state-value builders for view submissions ----------------------------------------------
def text_value(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def users_value(users: list[str]) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": users}


def user_value(user: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user}


def select_value(value: str | None) -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"type": "static_select", "selected_option": option}


def multi_select_value(values: list[str]) -> dict[str, Any]:
    return {
        "type": "multi_static_select",
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }


def checkboxes_value(values: list[str]) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }
