"""A structural check of what Slack sends, before Bolt reads it: garbage is a 400, not a 500.

Bolt and the listeners read fields as Slack documents them (an object where Slack sends an
object, text where it sends text); a body that disagrees would crash them. So each field
they read is checked here for the type Slack sends, wherever it appears, and each kind of
request for the fields it can't do without. Fields this module doesn't know pass unchecked,
and so do nulls where Slack may send null. A problem names our own field names only, never
text from the body: it is logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 64
"""How deeply objects and lists may nest: Slack's own payloads stay under 20 levels."""

_INTERACTIVE = {
    "block_actions",
    "view_submission",
    "view_closed",
    "message_action",
    "shortcut",
    "block_suggestion",
}

# ----- the types Slack sends, field by field ---------------------------------------------------
_NONE = type(None)
_TEXT = (str, _NONE)
_OBJECT = (dict, _NONE)
_LIST = (list, _NONE)
_FLAG = (bool, _NONE)
_ID = (dict, _NONE)  # an object with an id: team, enterprise, user, channel

Types = tuple[type, ...]
Spec = Mapping[str, Types]

_TOP: Spec = {
    "type": (str,),
    "token": _TEXT,
    "team_id": _TEXT,
    "enterprise_id": _TEXT,
    "context_team_id": _TEXT,
    "context_enterprise_id": _TEXT,
    "api_app_id": _TEXT,
    "user_id": _TEXT,
    "channel_id": _TEXT,
    "trigger_id": _TEXT,
    "response_url": _TEXT,
    "callback_id": _TEXT,
    "action_ts": _TEXT,
    "message_ts": _TEXT,
    "thread_ts": _TEXT,
    "event_id": _TEXT,
    "event_time": (int, _NONE),
    "challenge": _TEXT,
    "action_id": _TEXT,  # a block_suggestion's
    "block_id": _TEXT,
    "value": _TEXT,
    "function_execution_id": _TEXT,
    "bot_access_token": _TEXT,
    "is_enterprise_install": (bool, str, _NONE),  # "true"/"false" in a slash command's form
    "is_ext_shared_channel": _FLAG,
    "team": _ID,
    "enterprise": _ID,
    "user": _ID,
    "channel": _ID,
    "event": (dict,),
    "view": (dict,),
    "message": (dict,),
    "container": (dict,),
    "state": (dict,),
    "function_data": _OBJECT,
    "actions": (list,),
    "authorizations": (list,),
    "response_urls": (list,),
}
_WITH_ID: Spec = {
    "id": _TEXT,
    "team_id": _TEXT,
    "enterprise_id": _TEXT,
    "name": _TEXT,
    "username": _TEXT,
    "domain": _TEXT,
}
_AUTHORIZATION: Spec = {
    "enterprise_id": _TEXT,
    "team_id": _TEXT,
    "user_id": _TEXT,
    "is_bot": _FLAG,
    "is_enterprise_install": _FLAG,
}
_RESPONSE_URL: Spec = {
    "response_url": (str,),
    "block_id": _TEXT,
    "action_id": _TEXT,
    "channel_id": _TEXT,
}
_CONTAINER: Spec = {
    "type": _TEXT,
    "message_ts": _TEXT,
    "thread_ts": _TEXT,
    "channel_id": _TEXT,
    "view_id": _TEXT,
    "is_ephemeral": _FLAG,
}
_MESSAGE: Spec = {
    "type": _TEXT,
    "subtype": _TEXT,
    "ts": _TEXT,
    "thread_ts": _TEXT,
    "text": _TEXT,
    "user": _TEXT,
    "bot_id": _TEXT,
    "team": _TEXT,
    "channel": _TEXT,
    "blocks": _LIST,
    "attachments": _LIST,
    "files": _LIST,
    "edited": _OBJECT,
}
_VIEW: Spec = {
    "id": _TEXT,
    "team_id": _TEXT,
    "app_installed_team_id": _TEXT,
    "type": _TEXT,
    "callback_id": _TEXT,
    "private_metadata": _TEXT,
    "external_id": _TEXT,
    "hash": _TEXT,
    "root_view_id": _TEXT,
    "previous_view_id": _TEXT,
    "app_id": _TEXT,
    "bot_id": _TEXT,
    "blocks": _LIST,
    "state": _OBJECT,
    "title": _OBJECT,
    "submit": _OBJECT,
    "close": _OBJECT,
    "clear_on_close": _FLAG,
    "notify_on_close": _FLAG,
}
_ELEMENT: Spec = {  # an action, or one input's state in state.values
    "type": _TEXT,
    "action_id": _TEXT,
    "block_id": _TEXT,
    "action_ts": _TEXT,
    "value": _TEXT,
    "text": _OBJECT,
    "selected_option": _OBJECT,
    "selected_options": _LIST,
    "selected_user": _TEXT,
    "selected_users": _LIST,
    "selected_channel": _TEXT,
    "selected_channels": _LIST,
    "selected_conversation": _TEXT,
    "selected_conversations": _LIST,
    "selected_date": _TEXT,
    "selected_time": _TEXT,
    "selected_date_time": (int, _NONE),
    "initial_option": _OBJECT,
    "rich_text_value": _OBJECT,
    "timezone": _TEXT,
}
_ID_LISTS = ("selected_users", "selected_channels", "selected_conversations")
_EVENT: Spec = {
    "type": (str,),
    "subtype": _TEXT,
    "user": (str, dict, _NONE),  # an object in user_change and team_join
    "channel": (str, dict, _NONE),  # an object in channel_created and channel_rename
    "team": (str, dict, _NONE),
    "user_team": _TEXT,
    "channel_type": _TEXT,
    "item": _OBJECT,
    "item_user": _TEXT,
    "reaction": _TEXT,
    "inviter": _TEXT,
    "tab": _TEXT,
    "ts": _TEXT,
    "event_ts": _TEXT,
    "thread_ts": _TEXT,
    "text": _TEXT,
    "bot_id": _TEXT,
    "hidden": _FLAG,
    "view": _OBJECT,
    "message": _OBJECT,
    "previous_message": _OBJECT,
    "assistant_thread": _OBJECT,
    "function_execution_id": _TEXT,
    "bot_access_token": _TEXT,
    "inputs": _OBJECT,
    "blocks": _LIST,
    "files": _LIST,
    "attachments": _LIST,
    "edited": _OBJECT,
}
_COMMAND_FIELDS = ("team_id", "user_id", "channel_id", "command", "response_url", "trigger_id")
"""What every slash command carries, and what answering one needs."""
_HANDLED_EVENTS = {  # the events our listeners read: there a person and a channel are ids
    "message",
    "reaction_added",
    "reaction_removed",
    "member_joined_channel",
    "app_home_opened",
}
_HANDLED_EVENT: Spec = {"user": _TEXT, "channel": _TEXT, "team": _TEXT}
_ITEM: Spec = {"type": _TEXT, "channel": _TEXT, "ts": _TEXT}
_ASSISTANT_THREAD: Spec = {"channel_id": _TEXT, "thread_ts": _TEXT, "channel": _TEXT}


class _Wrong(Exception):
    """A field of the wrong type; its message is our name for the field."""


def _check(obj: dict[str, Any], spec: Spec, where: str) -> None:
    for key, types in spec.items():
        if key in obj and not isinstance(obj[key], types):
            raise _Wrong(f"{where}{key}")


def _objects(value: Any, spec: Spec, where: str) -> None:
    """A list of objects, each checked against `spec`."""
    if value is None:
        return
    for item in value:
        if not isinstance(item, dict):
            raise _Wrong(where)
        _check(item, spec, where + ".")


def _strings(value: Any, where: str) -> None:
    if value is not None and not all(isinstance(item, str) for item in value):
        raise _Wrong(where)


def _element(element: dict[str, Any], where: str) -> None:
    _check(element, _ELEMENT, where)
    for key in _ID_LISTS:
        _strings(element.get(key), where + key)
    option = element.get("selected_option")
    if option is not None and not isinstance(option.get("value"), (str, _NONE)):
        raise _Wrong(where + "selected_option.value")
    for chosen in element.get("selected_options") or []:
        if not isinstance(chosen, dict) or not isinstance(chosen.get("value"), (str, _NONE)):
            raise _Wrong(where + "selected_options")


def _state(state: dict[str, Any] | None, where: str) -> None:
    """`state.values`: {block_id: {action_id: an input's state}}."""
    if state is None:
        return
    values = state.get("values")
    if values is None:
        return
    if not isinstance(values, dict):
        raise _Wrong(where + "values")
    for block in values.values():
        if not isinstance(block, dict):
            raise _Wrong(where + "values.<block>")
        for element in block.values():
            if not isinstance(element, dict):
                raise _Wrong(where + "values.<block>.<action>")
            _element(element, where + "values.<block>.<action>.")


def _view(view: dict[str, Any] | None, where: str) -> None:
    if view is None:
        return
    _check(view, _VIEW, where)
    _state(view.get("state"), where + "state.")


def _message(message: dict[str, Any] | None, where: str) -> None:
    if message is not None:
        _check(message, _MESSAGE, where)


def _event(event: dict[str, Any]) -> None:
    _check(event, _EVENT, "event.")
    if event["type"] in _HANDLED_EVENTS:
        _check(event, _HANDLED_EVENT, "event.")
    for key in ("user", "channel", "team"):
        if isinstance(event.get(key), dict):
            _check(event[key], _WITH_ID, f"event.{key}.")
    if event.get("item") is not None:
        _check(event["item"], _ITEM, "event.item.")
    if event.get("assistant_thread") is not None:
        _check(event["assistant_thread"], _ASSISTANT_THREAD, "event.assistant_thread.")
    _message(event.get("message"), "event.message.")
    _message(event.get("previous_message"), "event.previous_message.")
    _view(event.get("view"), "event.view.")


def _fields(body: dict[str, Any]) -> None:
    """Every field Bolt or a listener reads has the type Slack sends."""
    _check(body, _TOP, "")
    for key in ("team", "enterprise", "user", "channel"):
        if body.get(key) is not None:
            _check(body[key], _WITH_ID, f"{key}.")
    _objects(body.get("authorizations"), _AUTHORIZATION, "authorizations")
    _objects(body.get("response_urls"), _RESPONSE_URL, "response_urls")
    for action in body.get("actions") or []:
        if not isinstance(action, dict):
            raise _Wrong("actions")
        _element(action, "actions.")
    if "container" in body:
        _check(body["container"], _CONTAINER, "container.")
    if "state" in body:
        _state(body["state"], "state.")
    _message(body.get("message"), "message.")
    _view(body.get("view"), "view.")
    if "event" in body:
        if not isinstance(body["event"].get("type"), str):
            raise _Wrong("event.type")
        _event(body["event"])


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether objects and lists nest more than `limit` levels (counted without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def payload_problem(body: Any) -> str | None:
    """Why this body can't be a Slack request, or None when its shape is sound."""
    if not isinstance(body, dict):
        return "body is not an object"
    if too_deep(body):
        return "body nests too deeply"
    try:
        _fields(body)
    except _Wrong as wrong:
        return f"{wrong} has the wrong type"
    if "ssl_check" in body:
        return None
    if "command" in body:
        missing = [k for k in _COMMAND_FIELDS if not body.get(k)]
        if missing:
            return f"slash command without {', '.join(missing)}"
        if not all(isinstance(value, str) for value in body.values()):
            return "slash command with a field that is not text"
        return None
    kind = body.get("type")
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "no challenge"
    if kind == "event_callback":
        if not isinstance(body.get("event_id"), str) or "event" not in body:
            return "event without an id or a typed event"
        return None
    if kind in _INTERACTIVE:
        return _interaction_problem(body, kind)
    return "unknown request type"


def _interaction_problem(body: dict[str, Any], kind: str) -> str | None:
    if not _has_id(body.get("user")):
        return "interaction without a user"
    if kind in ("block_actions", "message_action", "shortcut") and not isinstance(
        body.get("trigger_id"), str
    ):
        return "interaction without a trigger_id"
    if kind == "block_actions":
        actions = body.get("actions")
        if not actions or not all(isinstance(a.get("action_id"), str) for a in actions):
            return "block action without actions"
    if kind in ("view_submission", "view_closed") and not (
        _has_id(body.get("view")) and isinstance(body["view"].get("type"), str)
    ):
        return "view event without a view"
    if kind == "view_submission" and not isinstance(
        (body["view"].get("state") or {}).get("values"), dict
    ):
        return "view submission without state"
    if kind == "message_action" and not (
        "message" in body
        and _has_id(body.get("channel"))
        and isinstance(body.get("callback_id"), str)
    ):
        return "message shortcut without its message"
    if kind == "shortcut" and not isinstance(body.get("callback_id"), str):
        return "shortcut without a callback_id"
    return None


def _has_id(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str)


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request came from: `team.id` (interactions), `team_id` (events,
    commands), or the user's team."""
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    user_team = user.get("team_id") if isinstance(user, dict) else None
    return str(body.get("team_id") or user_team or "")


def private_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata as we wrote it; anything unreadable counts as empty."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def workspace_of(body: dict[str, Any]) -> tuple[str, str | None]:
    """(the workspace, its Enterprise Grid org or None) a request belongs to.

    An org-wide install of Enterprise Grid sends payloads whose `team` is null (interactions)
    or whose `authorizations[0].team_id` is null (events), with `is_enterprise_install` true:
    the workspace is then the outer `team_id` (events, commands), `user.team_id`
    (interactions) or `view.team_id` (views), and the org is `enterprise.id`,
    `enterprise_id`, `team.enterprise_id` or the authorization's `enterprise_id`. An org-level
    event (`team_access_revoked`, an org-wide `app_uninstalled`) names no workspace: "".
    """
    enterprise = _enterprise_of(body)
    found = body.get("event")
    event: dict[str, Any] = found if isinstance(found, dict) else {}
    views = [body.get("view"), event.get("view")]
    authorizations = body.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else {}
    candidates = [
        team_of(body),
        *(view.get("team_id") for view in views if isinstance(view, dict)),
        event.get("team") if isinstance(event.get("team"), str) else None,
        first.get("team_id") if isinstance(first, dict) else None,
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate and candidate != enterprise:
            return candidate, enterprise
    return "", enterprise


def _enterprise_of(body: dict[str, Any]) -> str | None:
    enterprise = body.get("enterprise")
    if isinstance(enterprise, dict) and isinstance(enterprise.get("id"), str):
        return str(enterprise["id"]) or None
    if isinstance(enterprise, str) and enterprise:
        return enterprise
    if isinstance(body.get("enterprise_id"), str) and body["enterprise_id"]:
        return str(body["enterprise_id"])
    team = body.get("team")
    if isinstance(team, dict) and isinstance(team.get("enterprise_id"), str):
        return str(team["enterprise_id"]) or None
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], dict):
        found = authorizations[0].get("enterprise_id")
        return str(found) if isinstance(found, str) and found else None
    return None
