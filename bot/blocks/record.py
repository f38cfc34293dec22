"""Block Kit (and Markdown) for a person's contribution record: only for them, unless they
press Share with… — then one copy, without buttons, for the one person they picked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot import ids
from bot.blocks.kit import button, section
from bot.services.record import Recognition, Record
from bot.text import mrkdwn, truncate

MAX_LINES = 8  # per list in Slack; the Markdown file has every line
MAX_QUOTE = 280
PRIVATE_NOTE = (
    "Only you can see this. Feedback shows as counts and dates, never its words. "
    "*Download* sends it to your DM as a file; *Share with…* sends one copy to one person."
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def _link(text: str, link: str | None) -> str:
    return f"<{link}|{text}>" if link else text


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _recognition_line(item: Recognition) -> str:
    when = _day(item.at)
    if item.kind == "kudos":
        value = f" _#{mrkdwn(item.value)}_" if item.value else ""
        why = mrkdwn(truncate(" ".join(item.reason.split()), MAX_QUOTE))
        return f"• {_link('Kudos', item.link)} from <@{item.giver_id}> ({when}): “{why}”{value}"
    if item.kind == "help_thanks":
        about = mrkdwn(truncate(" ".join(item.reason.split()), MAX_QUOTE))
        thanks = _link("Thanks", item.link)
        return f"• {thanks} from <@{item.giver_id}> for helping with “{about}” ({when})"
    return f"• {_link('A thank-you', item.link)} from <@{item.giver_id}> on your message ({when})"


def _capped(lines: list[str]) -> list[str]:
    more = len(lines) - MAX_LINES
    return lines[:MAX_LINES] + ([f"…and {more} more (in the download)."] if more > 0 else [])


def _dates(dates: list[datetime]) -> str:
    shown = ", ".join(_day(d) for d in dates[:MAX_LINES])
    return shown + (f" and {len(dates) - MAX_LINES} more" if len(dates) > MAX_LINES else "")


def record_sections(record: Record) -> list[str]:
    """The record's parts as mrkdwn texts, one per section block."""
    parts: list[str] = []
    helped = record.help_given
    if helped:
        head = (
            f"*:handshake: Help given* — {_plural(len(helped), 'request')} from "
            f"{_plural(record.people_helped, 'person', 'people')}"
        )
        if record.departments_helped:
            head += f", across {_plural(record.departments_helped, 'department')}"
        lines = [
            f"• {_link(mrkdwn(truncate(' '.join(h.question.split()), 200)), h.link)} "
            f"for <@{h.requester_id}> ({_day(h.at)})"
            for h in helped
        ]
        parts.append("\n".join([head, *_capped(lines)]))
    if record.resolved:
        lines = [
            f"• {_link(mrkdwn(truncate(' '.join(r.question.split()), 200)), r.link)} ({_day(r.at)})"
            for r in record.resolved
        ]
        head = f"*:white_check_mark: Your requests resolved* — {len(record.resolved)}"
        parts.append("\n".join([head, *_capped(lines)]))
    kudos, thanks = record.kudos_received, record.thanks_received
    if kudos or thanks:
        head = (
            f"*:sparkles: Recognition received* — {_plural(len(kudos), 'kudos', 'kudos')}, "
            f"{_plural(len(thanks), 'thank-you')}"
        )
        parts.append(
            "\n".join([head, *_capped([_recognition_line(r) for r in record.recognition])])
        )
    if record.kudos_given or record.thanks_given:
        parts.append(
            f"*:gift: Recognition given* — {_plural(record.kudos_given, 'kudos', 'kudos')}, "
            f"{_plural(record.thanks_given, 'thank-you')}"
        )
    if record.mentoring:
        lines = [f"• with <@{s.with_user}> ({_day(s.at)})" for s in record.mentoring]
        head = f"*:seedling: Mentoring sessions* — {len(record.mentoring)}"
        parts.append("\n".join([head, *_capped(lines)]))
    if record.buddying:
        lines = [f"• <@{s.with_user}> (to {_day(s.at)})" for s in record.buddying]
        head = f"*:handshake: Onboarding buddy* — {_plural(len(record.buddying), 'new hire')}"
        parts.append("\n".join([head, *_capped(lines)]))
    if record.feedback_given or record.feedback_received:
        lines = []
        if record.feedback_given:
            lines.append(f"• given: {len(record.feedback_given)} ({_dates(record.feedback_given)})")
        if record.feedback_received:
            lines.append(
                f"• received: {len(record.feedback_received)} ({_dates(record.feedback_received)})"
            )
        parts.append("\n".join(["*:speech_balloon: Feedback cycles*", *lines]))
    if record.share_total:
        parts.append(
            f"*:bulb: Share-and-solve* — {_plural(record.challenges_shared, 'challenge')} shared, "
            f"{_plural(record.share_help_replies, 'helping reply', 'helping replies')}, "
            f"{_plural(record.share_comments, 'comment')}"
        )
    return parts


def _summary(record: Record) -> str:
    return (
        f"Your contribution record for {record.period.label}: helped on "
        f"{len(record.help_given)} requests for {record.people_helped} people, "
        f"{len(record.kudos_received)} kudos and {len(record.thanks_received)} thank-yous "
        "received, "
        f"{len(record.mentoring)} mentoring sessions, feedback given {len(record.feedback_given)} "
        f"and received {len(record.feedback_received)}."
    )


def _body(record: Record) -> list[dict[str, Any]]:
    parts = record_sections(record)
    if not parts:
        return [
            section(
                f"Nothing recorded for {record.period.label} yet. Help on a request, a `/kudos` "
                "or a mentoring session will show up here."
            )
        ]
    return [section(part) for part in parts]


def record_message(record: Record) -> dict[str, Any]:
    """The ephemeral answer to `/reciprocity record`: the record, with Download and Share."""
    value = json.dumps({"p": record.period.spec})
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Your contribution record", "emoji": True},
        },
        section(
            f"*{_cap(mrkdwn(record.period.label))}* "
            f"({_day(record.period.start)} – {_day(record.period.end)})"
        ),
        *_body(record),
        {
            "type": "actions",
            "block_id": ids.RECORD_ACTIONS_BLOCK,
            "elements": [
                button(":inbox_tray: Download", ids.RECORD_DOWNLOAD_ACTION, value),
                button(":outbox_tray: Share with…", ids.RECORD_SHARE_ACTION, value),
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": PRIVATE_NOTE}]},
    ]
    return {"text": truncate(_summary(record), 3000), "blocks": blocks[:50]}


def shared_record_message(record: Record, sharer_id: str) -> dict[str, Any]:
    """The copy the chosen person gets: said to be shared by the sharer; no buttons."""
    intro = (
        f"<@{sharer_id}> shared their contribution record with you "
        f"({mrkdwn(record.period.label)}, {_day(record.period.start)} – {_day(record.period.end)})."
    )
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "A contribution record, shared with you"},
        },
        section(intro),
        *_body(record),
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Shared with you only, by its owner."}],
        },
    ]
    text = f"<@{sharer_id}> shared their contribution record with you."
    return {"text": text, "blocks": blocks[:50]}


def shared_confirmation(receiver_id: str) -> str:
    return f"Sent a copy of your record to <@{receiver_id}> ✓ (only to them)."


def download_confirmation() -> str:
    return "Your record is in your DM with me, as a Markdown file ✓"


def share_modal(spec: str) -> dict[str, Any]:
    """Pick one person to send a copy to."""
    return {
        "type": "modal",
        "callback_id": ids.RECORD_SHARE_MODAL,
        "private_metadata": json.dumps({"p": spec}),
        "title": {"type": "plain_text", "text": "Share your record"},
        "submit": {"type": "plain_text", "text": "Send a copy"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(
                "Who should get a copy? They get it by DM, saying you shared it; "
                "nobody else sees it."
            ),
            {
                "type": "input",
                "block_id": ids.RECORD_SHARE_BLOCK,
                "label": {"type": "plain_text", "text": "Send it to"},
                "element": {"type": "users_select", "action_id": ids.RECORD_SHARE_USER_ACTION},
            },
        ],
    }


def home_record_blocks(record: Record | None) -> list[dict[str, Any]]:
    """App Home's "Your last quarter": a compact summary and the record's buttons."""
    if record is None:
        return []
    value = json.dumps({"p": record.period.spec})
    if record.empty:
        summary = "Nothing recorded in the last 90 days yet."
    else:
        summary = (
            f"Helped on {_plural(len(record.help_given), 'request')} for "
            f"{_plural(record.people_helped, 'person', 'people')} · "
            f"{_plural(len(record.kudos_received), 'kudos', 'kudos')} and "
            f"{_plural(len(record.thanks_received), 'thank-you')} received · "
            f"{_plural(len(record.mentoring), 'mentoring session')} · feedback given "
            f"{len(record.feedback_given)}, received {len(record.feedback_received)}"
        )
    return [
        section(f"*Your last quarter* (the last 90 days)\n{summary}"),
        {
            "type": "actions",
            "block_id": ids.HOME_RECORD_BLOCK,
            "elements": [
                button(":inbox_tray: Download", ids.RECORD_DOWNLOAD_ACTION, value),
                button(":outbox_tray: Share with…", ids.RECORD_SHARE_ACTION, value),
            ],
        },
    ]


# ----- Markdown --------------------------------------------------------------------------------
def _md(text: str) -> str:
    """Plain text for a Markdown file: one line, Markdown's own characters escaped."""
    flat = " ".join(text.split())
    for char in "\\`*_[]<>#|":
        flat = flat.replace(char, "\\" + char)
    return flat


def _md_link(text: str, link: str | None) -> str:
    return f"[{text}]({link})" if link else text


def record_markdown(record: Record, names: Mapping[str, str]) -> str:
    """The whole record as a Markdown file, ready to paste into a self-review. `names`: how
    to write each person (their Slack name), since a file can't show `<@U…>`."""

    def who(user_id: str) -> str:
        return _md(names.get(user_id) or user_id)

    p = record.period
    lines = [
        f"# Contribution record — {_md(names.get(record.user_id) or record.user_id)}",
        "",
        f"{_md(_cap(p.label))}: {_day(p.start)} to {_day(p.end)}.",
        "",
        f"## Help given ({len(record.help_given)})",
        "",
        f"Helped {record.people_helped} people"
        + (
            f" across {record.departments_helped} departments."
            if record.departments_helped
            else "."
        ),
        "",
        *[
            f"- {_md_link(_md(h.question), h.link)} — for {who(h.requester_id)}, {_day(h.at)}"
            for h in record.help_given
        ],
        "",
        f"## My requests resolved ({len(record.resolved)})",
        "",
        *[f"- {_md_link(_md(r.question), r.link)} — {_day(r.at)}" for r in record.resolved],
        "",
        f"## Kudos received ({len(record.kudos_received)})",
        "",
        *[
            f"- {_day(k.at)}, from {who(k.giver_id)}: “{_md(k.reason)}”"
            + (f" (#{_md(k.value)})" if k.value else "")
            + (f" — [link]({k.link})" if k.link else "")
            for k in record.kudos_received
        ],
        "",
        f"## Thanks received ({len(record.thanks_received)})",
        "",
        *[
            f"- {_day(t.at)}, from {who(t.giver_id)}"
            + (f", for helping with “{_md(t.reason)}”" if t.reason else ", on my message")
            + (f" — [link]({t.link})" if t.link else "")
            for t in record.thanks_received
        ],
        "",
        "## Recognition given",
        "",
        f"- Kudos: {record.kudos_given}",
        f"- Thank-yous: {record.thanks_given}",
        "",
        f"## Mentoring sessions ({len(record.mentoring)})",
        "",
        *[f"- {_day(s.at)}, with {who(s.with_user)}" for s in record.mentoring],
        "",
        f"## Onboarding buddy ({len(record.buddying)})",
        "",
        *[f"- {who(s.with_user)}, to {_day(s.at)}" for s in record.buddying],
        "",
        "## Feedback cycles",
        "",
        f"- Given: {len(record.feedback_given)}"
        + (
            f" ({', '.join(_day(d) for d in record.feedback_given)})"
            if record.feedback_given
            else ""
        ),
        f"- Received: {len(record.feedback_received)}"
        + (
            f" ({', '.join(_day(d) for d in record.feedback_received)})"
            if record.feedback_received
            else ""
        ),
        "",
        "## Share-and-solve",
        "",
        f"- Challenges shared: {record.challenges_shared}",
        f"- Helping replies: {record.share_help_replies}",
        f"- Comments: {record.share_comments}",
        "",
    ]
    return "\n".join(lines)


def record_filename(record: Record) -> str:
    return f"contribution-record-{_day(record.period.start)}-to-{_day(record.period.end)}.md"
