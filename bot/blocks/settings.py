"""Block Kit for your own boundaries: the settings modal (and how its answers read), its
confirmation, pause and resume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import ids
from bot.errors import DomainError
from bot.services.people import zone
from bot.services.preferences import Preferences
from bot.services.settings import (
    DAYS,
    MAX_DEPARTMENT,
    SettingsForm,
    parse_time_of_day,
    parse_zone,
)
from bot.services.topics import MAX_TOPICS, parse_topics
from bot.text import clean, mrkdwn, truncate

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_CAP = 10
OPT_OUTS = (
    ("prompts", "opt_out_prompts", "Invitations to share a challenge or take part"),
    ("reminders", "opt_out_reminders", "Reminders about my requests and pending feedback"),
    ("pairing", "opt_out_pairing", "Mentoring pairing and circle introductions"),
    ("suggestions", "opt_out_suggestions", "Being suggested as a helper on help requests"),
    ("digest_mentions", "opt_out_digest_mentions", "Being named in channel digests"),
    (
        "thanks_note",
        "opt_out_thanks_note",
        "The note telling me my emoji reaction counted as a thank-you",
    ),
)
ALLOW_MENTIONS = "allow"


@dataclass(frozen=True)
class SettingsView:
    """What the modal shows: the person's choices plus what lives elsewhere."""

    prefs: Preferences
    profile_tz: str
    department: str | None
    topics: list[str]
    now: datetime


def _option(text: str, value: str, description: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {"text": {"type": "plain_text", "text": text[:75]}, "value": value}
    if description:
        option["description"] = {"type": "plain_text", "text": description[:75]}
    return option


def _hhmm(minute: int) -> str:
    minute = min(max(minute, 0), 24 * 60 - 1)
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _input(block_id: str, label: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"action_id": ids.SETTINGS_VALUE_ACTION, **element},
    }
    block.update(extra)
    return block


def settings_modal(view: SettingsView, *, private_metadata: str = "") -> dict[str, Any]:
    """`/reciprocity settings`: hours, days, zone, cap, department, topics and opt-outs."""
    prefs = view.prefs
    days = [_option(name, str(i)) for i, name in enumerate(DAY_NAMES)]
    caps = [
        _option("0 — no nudges at all" if n == 0 else str(n), str(n)) for n in range(MAX_CAP + 1)
    ]
    cap = min(max(prefs.weekly_nudge_cap, 0), MAX_CAP)
    opt_outs = [_option(label, value) for value, _, label in OPT_OUTS]
    chosen_opt_outs = [
        o for o, (_, attr, _) in zip(opt_outs, OPT_OUTS, strict=True) if getattr(prefs, attr)
    ]
    mentions = [_option("Notify me when a digest or suggestion names me", ALLOW_MENTIONS)]

    tz_element: dict[str, Any] = {
        "type": "plain_text_input",
        "max_length": 64,
        "placeholder": {
            "type": "plain_text",
            "text": f"{view.profile_tz} (from your Slack profile)"[:150],
        },
    }
    if prefs.tz:
        tz_element["initial_value"] = prefs.tz
    department: dict[str, Any] = {"type": "plain_text_input", "max_length": 100}
    if view.department:
        department["initial_value"] = view.department[:100]
    topics: dict[str, Any] = {
        "type": "plain_text_input",
        "placeholder": {"type": "plain_text", "text": "e.g. python, design-review, onboarding"},
    }
    if view.topics:
        topics["initial_value"] = ", ".join(view.topics)
    days_element: dict[str, Any] = {"type": "checkboxes", "options": days}
    chosen_days = [days[d] for d in sorted(set(prefs.work_days)) if 0 <= d < 7]
    if chosen_days:
        days_element["initial_options"] = chosen_days
    opt_out_element: dict[str, Any] = {"type": "checkboxes", "options": opt_outs}
    if chosen_opt_outs:
        opt_out_element["initial_options"] = chosen_opt_outs
    mention_element: dict[str, Any] = {"type": "checkboxes", "options": mentions}
    if prefs.allow_mentions:
        mention_element["initial_options"] = mentions

    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "I only nudge you within your working hours, never while you're paused "
                "or in do-not-disturb, and never more often than you allow. "
                "Nobody else sees these settings.",
            },
        }
    ]
    if prefs.is_paused(view.now):
        assert prefs.paused_until is not None
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f":double_vertical_bar: Paused until "
                        f"{local_label(prefs.paused_until, prefs.zone_name(view.profile_tz))}. "
                        "`/reciprocity resume` ends it.",
                    }
                ],
            }
        )
    blocks += [
        _input(
            ids.SETTINGS_START_BLOCK,
            "My working day starts at",
            {"type": "timepicker", "initial_time": _hhmm(prefs.work_start_minute)},
        ),
        _input(
            ids.SETTINGS_END_BLOCK,
            "…and ends at",
            {"type": "timepicker", "initial_time": _hhmm(prefs.work_end_minute)},
        ),
        _input(ids.SETTINGS_DAYS_BLOCK, "My working days", days_element),
        _input(
            ids.SETTINGS_TZ_BLOCK,
            "Time zone",
            tz_element,
            optional=True,
            hint={
                "type": "plain_text",
                "text": f"Leave empty to follow your Slack profile ({view.profile_tz}). "
                "Otherwise a name like Europe/Berlin or America/New_York.",
            },
        ),
        _input(
            ids.SETTINGS_CAP_BLOCK,
            "At most this many nudges a week",
            {"type": "static_select", "options": caps, "initial_option": caps[cap]},
        ),
        _input(ids.SETTINGS_DEPARTMENT_BLOCK, "Department", department, optional=True),
        _input(
            ids.SETTINGS_TOPICS_BLOCK,
            "Topics I can help with",
            topics,
            optional=True,
            hint={"type": "plain_text", "text": "Separate them with commas or spaces."},
        ),
        _input(ids.SETTINGS_OPT_OUTS_BLOCK, "Leave me out of", opt_out_element, optional=True),
        _input(ids.SETTINGS_MENTIONS_BLOCK, "Mentions", mention_element, optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Your boundaries"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def local_label(moment: datetime, tz_name: str) -> str:
    """`Wednesday 9 December, 14:00 (Europe/Berlin)`."""
    local = moment.astimezone(zone(tz_name))
    return f"{DAY_NAMES[local.weekday()]} {local.day} {local:%B}, {local:%H:%M} ({tz_name})"


def summary_lines(
    prefs: Preferences, profile_tz: str, department: str | None, topics: list[str]
) -> list[str]:
    days = [DAY_NAMES[d][:3] for d in sorted(prefs.work_days)]
    zone_note = prefs.tz or f"{profile_tz}, from your Slack profile"
    cap = (
        "no nudges at all"
        if prefs.weekly_nudge_cap == 0
        else f"at most {prefs.weekly_nudge_cap} nudges a week"
    )
    hours = f"{_hhmm(prefs.work_start_minute)}–{_hhmm(prefs.work_end_minute)}"
    lines = [
        f"• {', '.join(days)}, {hours} ({zone_note})",
        f"• {cap}",
    ]
    if department:
        lines.append(f"• Department: {mrkdwn(department)}")
    if topics:
        lines.append(f"• Topics: {mrkdwn(', '.join(topics))}")
    left_out = [label.lower() for _, attr, label in OPT_OUTS if getattr(prefs, attr)]
    if left_out:
        lines.append("• Left out of: " + "; ".join(left_out))
    return lines


def saved_modal(
    prefs: Preferences, profile_tz: str, department: str | None, topics: list[str]
) -> dict[str, Any]:
    """What the modal turns into after Save: what was saved, in plain words."""
    text = "*Saved.* Here's how I'll treat you:\n" + "\n".join(
        summary_lines(prefs, profile_tz, department, topics)
    )
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_MODAL + "_saved",
        "title": {"type": "plain_text", "text": "Your boundaries"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
    }


def paused_message(until: datetime, tz_name: str) -> dict[str, Any]:
    text = (
        f":double_vertical_bar: Paused until {local_label(until, tz_name)}. No nudges, reminders "
        "or introductions from me until then; anything that can wait will wait, the rest I'll "
        "let go. `/reciprocity resume` to come back sooner."
    )
    return {"text": text, "response_type": "ephemeral"}


def resumed_message(was_paused: bool) -> dict[str, Any]:
    text = (
        ":arrow_forward: Welcome back — nudges are on again, within your working hours."
        if was_paused
        else "You weren't paused, so nothing changed. `/reciprocity pause 2w` pauses nudges."
    )
    return {"text": text, "response_type": "ephemeral"}


# ----- reading the form's answers ---------------------------------------------------------------
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
        parse_time_of_day,
        _value(state, ids.SETTINGS_START_BLOCK).get("selected_time"),
        ids.SETTINGS_START_BLOCK,
    )
    end = attempt(
        parse_time_of_day,
        _value(state, ids.SETTINGS_END_BLOCK).get("selected_time"),
        ids.SETTINGS_END_BLOCK,
    )
    if start is not None and end is not None and end <= start:
        errors[ids.SETTINGS_END_BLOCK] = (
            "Your day has to end after it starts (shifts past midnight aren't supported yet)."
        )
    days = sorted({int(v) for v in _selected(state, ids.SETTINGS_DAYS_BLOCK) if v in DAYS})
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
