"""`/reciprocity settings`, `pause` and `resume`: your own boundaries, seen by nobody else."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.blocks.settings import (
    ALLOW_MENTIONS,
    MAX_CAP,
    OPT_OUTS,
    SettingsView,
    paused_message,
    resumed_message,
    saved_modal,
    settings_modal,
)
from bot.deps import Deps
from bot.errors import DomainError
from bot.services.nudges import recheck_pending
from bot.services.people import Person, remember_member, zone
from bot.services.preferences import get_preferences, save_preferences
from bot.services.topics import MAX_TOPICS, add_topics, list_topics, parse_topics, remove_topics
from bot.text import clean
from models import Member

MAX_PAUSE = timedelta(weeks=26)
MAX_DEPARTMENT = 100
_DURATION = re.compile(r"^(\d{1,3})\s*(h|hours?|d|days?|w|wks?|weeks?|m|months?)$", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_DAYS = {str(day) for day in range(7)}
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    names = available_timezones() | {"UTC"}
    return {name.casefold(): name for name in names}


def parse_zone(text: str) -> str | None:
    """An IANA zone name (any case), None for "follow my Slack profile"; DomainError otherwise."""
    wanted = clean(text or "").replace(" ", "_")
    if not wanted:
        return None
    found = _zones().get(wanted.casefold())
    if found is None:
        raise DomainError(
            f"I don't know the time zone `{wanted[:64]}`. Use a name like Europe/Berlin, "
            "America/New_York or Asia/Tokyo, or leave it empty to follow your Slack profile.",
            field=ids.SETTINGS_TZ_BLOCK,
        )
    return found


def parse_pause(text: str, *, now: datetime, tz_name: str) -> datetime:
    """`2w`, `3d`, `12h`, `1 month`, `until 2026-12-24`: the moment the pause ends."""
    words = clean(text or "").lower().removeprefix("for ").strip()
    if not words:
        raise DomainError(
            "For how long? e.g. `/reciprocity pause 2w` (or `3d`, `until 2026-12-24`)."
        )
    if words.startswith("until"):
        raw = words.removeprefix("until").strip()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise DomainError(
                f"`{raw[:30]}` isn't a date I can read; write it as 2026-12-24."
            ) from None
        until = datetime.combine(day, time(0, 0), tzinfo=zone(tz_name))
    else:
        match = _DURATION.match(words)
        if match is None:
            raise DomainError(
                f"I can't read `{words[:30]}` as a length of time. Try `2w`, `3d` or `12h`."
            )
        count, unit = int(match.group(1)), match.group(2)[0]
        length = timedelta(days=30 * count) if unit == "m" else _UNITS[unit] * count
        if length <= timedelta(0):
            raise DomainError("A pause needs to last a little while, e.g. `3d`.")
        until = now + length
    if until <= now:
        raise DomainError("That moment has already passed; pick a date in the future.")
    if until - now > MAX_PAUSE:
        raise DomainError(
            "The longest pause is 26 weeks. To stop nudges for good, set your weekly cap to 0 "
            "in `/reciprocity settings`."
        )
    return until


def _minute(value: str | None, field: str) -> int:
    match = _TIME.match(value or "")
    if match is None:
        raise DomainError("Pick a time, e.g. 09:00.", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


@dataclass(frozen=True)
class SettingsForm:
    tz: str | None
    work_start_minute: int
    work_end_minute: int
    work_days: tuple[int, ...]
    weekly_nudge_cap: int
    department: str | None
    topics: list[str]
    opt_outs: dict[str, bool]
    allow_mentions: bool


def _value(state: dict[str, Any], block: str) -> dict[str, Any]:
    found = (state.get(block) or {}).get(ids.SETTINGS_VALUE_ACTION)
    return found if isinstance(found, dict) else {}


def _selected(state: dict[str, Any], block: str) -> list[str]:
    options = _value(state, block).get("selected_options") or []
    return [str(o.get("value")) for o in options if isinstance(o, dict)]


def parse_form(state: dict[str, Any]) -> tuple[SettingsForm | None, dict[str, str]]:
    """The modal's `state.values` as settings, or the errors to show per block."""
    errors: dict[str, str] = {}

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except DomainError as error:
            errors[error.field or ids.SETTINGS_TOPICS_BLOCK] = error.message[:150]
            return None

    tz = attempt(parse_zone, _value(state, ids.SETTINGS_TZ_BLOCK).get("value") or "")
    start = attempt(
        _minute,
        _value(state, ids.SETTINGS_START_BLOCK).get("selected_time"),
        ids.SETTINGS_START_BLOCK,
    )
    end = attempt(
        _minute, _value(state, ids.SETTINGS_END_BLOCK).get("selected_time"), ids.SETTINGS_END_BLOCK
    )
    if start is not None and end is not None and end <= start:
        errors[ids.SETTINGS_END_BLOCK] = (
            "Your day has to end after it starts (shifts past midnight aren't supported yet)."
        )
    days = sorted({int(v) for v in _selected(state, ids.SETTINGS_DAYS_BLOCK) if v in _DAYS})
    if not days:
        errors[ids.SETTINGS_DAYS_BLOCK] = (
            "Pick at least one day. To hear nothing, set the weekly cap to 0 or pause."
        )
    cap_raw = str((_value(state, ids.SETTINGS_CAP_BLOCK).get("selected_option") or {}).get("value"))
    cap = int(cap_raw) if cap_raw.isdigit() and int(cap_raw) <= MAX_CAP else None
    if cap is None:
        errors[ids.SETTINGS_CAP_BLOCK] = f"Pick a number from 0 to {MAX_CAP}."
    department = clean(_value(state, ids.SETTINGS_DEPARTMENT_BLOCK).get("value") or "")
    if len(department) > MAX_DEPARTMENT:
        errors[ids.SETTINGS_DEPARTMENT_BLOCK] = f"Keep it under {MAX_DEPARTMENT} characters."
    topics = attempt(parse_topics, _value(state, ids.SETTINGS_TOPICS_BLOCK).get("value") or "")
    if topics and len(topics) > MAX_TOPICS:
        errors[ids.SETTINGS_TOPICS_BLOCK] = (
            f"That's {len(topics)} topics; {MAX_TOPICS} is the most."
        )
    chosen = set(_selected(state, ids.SETTINGS_OPT_OUTS_BLOCK))
    if errors:
        return None, errors
    return (
        SettingsForm(
            tz=tz,
            work_start_minute=start,
            work_end_minute=end,
            work_days=tuple(days),
            weekly_nudge_cap=cap or 0,
            department=department or None,
            topics=topics or [],
            opt_outs={attr: value in chosen for value, attr, _ in OPT_OUTS},
            allow_mentions=ALLOW_MENTIONS in _selected(state, ids.SETTINGS_MENTIONS_BLOCK),
        ),
        {},
    )


def register(app: App, deps: Deps) -> None:
    def person(client: WebClient, team_id: str, user_id: str) -> Person:
        return deps.directory.get(client, team_id, user_id) or Person(id=user_id, team_id=team_id)

    def open_settings(client: WebClient, team_id: str, user_id: str, trigger_id: str) -> None:
        me = person(client, team_id, user_id)
        with deps.sessions.begin() as session:
            prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
            member = session.get(Member, (team_id, user_id))
            topics = list_topics(session=session, team_id=team_id, user_id=user_id)
        view = SettingsView(
            prefs=prefs,
            profile_tz=me.tz or "UTC",
            department=member.department if member else None,
            topics=topics,
            now=deps.clock(),
        )
        client.views_open(
            trigger_id=trigger_id,
            view=settings_modal(view, private_metadata=json.dumps({"team_id": team_id})),
        )

    def settings_command(
        *, command: dict[str, Any], args: str, respond: Respond, client: WebClient
    ) -> None:
        if args:
            raise DomainError("`settings` takes no words after it; it opens a form.")
        open_settings(client, command["team_id"], command["user_id"], command["trigger_id"])

    def pause_command(
        *, command: dict[str, Any], args: str, respond: Respond, client: WebClient
    ) -> None:
        team_id, user_id, now = command["team_id"], command["user_id"], deps.clock()
        me = person(client, team_id, user_id)
        with deps.sessions.begin() as session:
            prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
            tz_name = prefs.zone_name(me.tz)
            until = parse_pause(args, now=now, tz_name=tz_name)
            save_preferences(
                session=session, team_id=team_id, user_id=user_id, now=now, paused_until=until
            )
        respond(**paused_message(until, tz_name))

    def resume_command(
        *, command: dict[str, Any], args: str, respond: Respond, client: WebClient
    ) -> None:
        team_id, user_id, now = command["team_id"], command["user_id"], deps.clock()
        with deps.sessions.begin() as session:
            prefs = get_preferences(session=session, team_id=team_id, user_id=user_id)
            was_paused = prefs.is_paused(now)
            if prefs.paused_until is not None:
                save_preferences(
                    session=session, team_id=team_id, user_id=user_id, now=now, paused_until=None
                )
                recheck_pending(session=session, team_id=team_id, user_id=user_id, now=now)
        respond(**resumed_message(was_paused))

    deps.reciprocity.add(
        "settings",
        settings_command,
        "`/reciprocity settings` — your working hours, time zone, weekly nudge cap, topics "
        "and opt-outs (only you see them)",
    )
    deps.reciprocity.add(
        "pause",
        pause_command,
        "`/reciprocity pause 2w|3d|12h|until 2026-12-24` — no nudges from me for a while",
    )
    deps.reciprocity.add("resume", resume_command, "`/reciprocity resume` — end a pause early")

    @app.action(ids.SETTINGS_OPEN_ACTION)
    def settings_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        team_id = (body.get("team") or {}).get("id") or body["user"]["team_id"]
        open_settings(client, team_id, body["user"]["id"], body["trigger_id"])

    @app.view(ids.SETTINGS_MODAL)
    def settings_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id = (body.get("team") or {}).get("id") or body["user"]["team_id"]
        user_id = body["user"]["id"]
        form, errors = parse_form((view.get("state") or {}).get("values") or {})
        if form is None:
            ack(response_action="errors", errors=errors)
            return
        me = person(client, team_id, user_id)
        now = deps.clock()
        with deps.sessions.begin() as session:
            prefs = save_preferences(
                session=session,
                team_id=team_id,
                user_id=user_id,
                now=now,
                tz=form.tz,
                work_start_minute=form.work_start_minute,
                work_end_minute=form.work_end_minute,
                work_days=form.work_days,
                weekly_nudge_cap=form.weekly_nudge_cap,
                allow_mentions=form.allow_mentions,
                **form.opt_outs,
            )
            member = remember_member(session=session, person=me, now=now)
            member.department = form.department
            current = list_topics(session=session, team_id=team_id, user_id=user_id)
            gone = [t for t in current if t not in form.topics]
            if gone:
                remove_topics(session=session, team_id=team_id, user_id=user_id, topics=gone)
            new = [t for t in form.topics if t not in current]
            if new:
                add_topics(session=session, team_id=team_id, user_id=user_id, topics=new, now=now)
            topics = list_topics(session=session, team_id=team_id, user_id=user_id)
            recheck_pending(session=session, team_id=team_id, user_id=user_id, now=now)
        ack(
            response_action="update",
            view=saved_modal(prefs, me.tz or "UTC", form.department, topics),
        )
