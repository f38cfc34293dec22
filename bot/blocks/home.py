"""Block Kit for App Home: a personal dashboard, published per person with views.publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import ids
from bot.blocks.kit import section
from bot.blocks.me import numbers_lines
from bot.blocks.record import home_record_blocks
from bot.services.feedback import RequestView
from bot.services.help_requests import URGENCIES, HelpCard
from bot.services.me import Numbers, balance_line
from bot.services.mentoring import CIRCLE, PAIR, GroupView, MentoringStatus
from bot.services.record import Record
from bot.text import join_people, mrkdwn, truncate

MAX_REQUESTS = 5
MAX_FEEDBACK = 5
MAX_QUESTION = 300
MAX_TOPIC = 200


@dataclass(frozen=True)
class HomeData:
    """Everything the Home shows for one person, gathered by the handler."""

    user_id: str
    week: Numbers
    days: int = 7
    topics: tuple[str, ...] = ()
    requests: tuple[HelpCard, ...] = ()
    mentoring: MentoringStatus | None = None
    awaiting: tuple[RequestView, ...] = field(default_factory=tuple)
    record: Record | None = None  # "Your last quarter"


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value or action_id,
    }
    if style:
        button["style"] = style
    return button


def _date(moment: datetime) -> str:
    """A date Slack shows in the reader's own time zone."""
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d}>"


def week_blocks(week: Numbers, days: int) -> list[dict[str, Any]]:
    if week.empty:
        text = (
            f"*Your last {days} days*\nA quiet stretch — that's fine too. When someone makes "
            "your day easier, a `/kudos` or a :pray: on their message tells them."
        )
        return [section(text)]
    return [
        section(f"*Your last {days} days*\n{numbers_lines(week)}"),
        _context(balance_line(week.given, week.received)),
    ]


def request_blocks(topics: tuple[str, ...], cards: tuple[HelpCard, ...]) -> list[dict[str, Any]]:
    blocks = [section("*Open requests you could help with*")]
    if not topics:
        blocks.append(
            _context(
                "Tell me what you're good at and matching requests from your channels will "
                "show up here: `/reciprocity topics add python design-review`."
            )
        )
        return blocks
    if not cards:
        shown = ", ".join(f"`{mrkdwn(t)}`" for t in topics[:10])
        blocks.append(
            _context(
                f"Nothing open matches your topics ({shown}) in your channels right now — "
                "enjoy the calm. :relaxed:"
            )
        )
        return blocks
    for card in cards[:MAX_REQUESTS]:
        details = [f"<@{card.requester_id}> in <#{card.channel_id}>"]
        if card.urgency in URGENCIES and card.urgency != "none":
            details.append(URGENCIES[card.urgency])
        if card.tags:
            details.append(" ".join(f"#{mrkdwn(t)}" for t in card.tags))
        question = mrkdwn(truncate(card.question, MAX_QUESTION))
        blocks.append(section(f"*{question}*\n" + " · ".join(details)))
        buttons = [_button("I can help", ids.HELP_OFFER_ACTION, card.key, "primary")]
        if card.message_ts:
            link = (
                f"https://slack.com/archives/{card.channel_id}/p{card.message_ts.replace('.', '')}"
            )
            buttons.append({**_button("Open", ids.HOME_OPEN_REQUEST_ACTION, card.key), "url": link})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{ids.HOME_REQUEST_BLOCK}_{len(blocks)}",
                "elements": buttons,
            }
        )
    blocks.append(_context("*I can help* here or on the card, or reply in its thread — all count."))
    return blocks


def _describe_group(group: GroupView, me: str) -> str:
    others = join_people([uid for uid in group.user_ids if uid != me])
    topic = f" on _{mrkdwn(group.topic)}_" if group.topic else ""
    until = f" until {_date(group.ends_at)}"
    if group.kind == PAIR:
        if group.mentor_id == me:
            return f":seedling: You're mentoring {others}{topic}{until}."
        return f":seedling: {others} is your mentor{topic}{until}."
    return f":busts_in_silhouette: Your circle: {others}{topic}{until}."


def mentoring_blocks(user_id: str, status: MentoringStatus | None) -> list[dict[str, Any]]:
    blocks = [section("*Mentoring*")]
    if status is None or (not status.roles and not status.groups):
        blocks.append(
            _context("You're not in mentoring yet. Find a mentor, be one, or join a peer circle:")
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.HOME_MENTORING_BLOCK,
                "elements": [
                    _button("Find a mentor", ids.HOME_MENTOR_JOIN_ACTION, "mentee", "primary"),
                    _button("Be a mentor", f"{ids.HOME_MENTOR_JOIN_ACTION}_mentor", "mentor"),
                    _button("Join a circle", f"{ids.HOME_MENTOR_JOIN_ACTION}_circle", "circle"),
                ],
            }
        )
        return blocks
    lines = [_describe_group(group, user_id) for group in status.groups]
    if not status.groups:
        roles = ", ".join("circle member" if role == CIRCLE else role for role, _ in status.roles)
        lines.append(
            f"You've signed up ({roles}). The next weekly round will introduce you — "
            "nothing to do until then."
        )
    if status.sessions_logged:
        sessions = status.sessions_logged
        lines.append(f"Sessions logged: {sessions}. `/mentor log @name &lt;notes&gt;` adds one.")
    elif status.groups:
        lines.append("After you meet, `/mentor log @name &lt;notes&gt;` keeps track.")
    blocks.append(section("\n".join(lines)))
    blocks.append(
        {
            "type": "actions",
            "block_id": ids.HOME_MENTORING_BLOCK,
            "elements": [_button("Leave mentoring", ids.HOME_MENTOR_LEAVE_ACTION, "leave")],
        }
    )
    return blocks


def feedback_blocks(awaiting: tuple[RequestView, ...]) -> list[dict[str, Any]]:
    blocks = [section("*Feedback people asked you for*")]
    if not awaiting:
        blocks.append(
            _context(
                "Nobody is waiting on feedback from you. Curious how you're doing? "
                "`/feedback request @someone about &lt;topic&gt;`."
            )
        )
        return blocks
    for request in awaiting[:MAX_FEEDBACK]:
        about = f" about _{mrkdwn(truncate(request.topic, MAX_TOPIC))}_" if request.topic else ""
        text = f"<@{request.requester_id}> asked for your feedback{about}"
        text += f"\nAsked {_date(request.requested_at)}"
        blocks.append(section(text))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{ids.HOME_FEEDBACK_BLOCK}_{request.id}",
                "elements": [
                    _button("Give feedback", ids.FEEDBACK_GIVE_ACTION, str(request.id), "primary"),
                    _button("Decline", ids.FEEDBACK_DECLINE_ACTION, str(request.id)),
                ],
            }
        )
    more = len(awaiting) - MAX_FEEDBACK
    if more > 0:
        blocks.append(_context(f"…and {more} more in your DMs from me."))
    return blocks


def home_view(data: HomeData) -> dict[str, Any]:
    """The whole Home tab; at most ~30 blocks, well under Slack's 100."""
    blocks: list[dict[str, Any]] = [
        _header("Your Reciprocity"),
        section(f"Hi <@{data.user_id}> — here's what's happening around you."),
        {
            "type": "actions",
            "block_id": ids.HOME_ACTIONS_BLOCK,
            "elements": [
                _button(":gear: Your settings", ids.SETTINGS_OPEN_ACTION),
                _button(":arrows_counterclockwise: Refresh", ids.HOME_REFRESH_ACTION),
            ],
        },
        {"type": "divider"},
        *week_blocks(data.week, data.days),
        {"type": "divider"},
        *home_record_blocks(data.record),
        *([{"type": "divider"}] if data.record is not None else []),
        *request_blocks(data.topics, data.requests),
        {"type": "divider"},
        *mentoring_blocks(data.user_id, data.mentoring),
        {"type": "divider"},
        *feedback_blocks(data.awaiting),
        {"type": "divider"},
        _context(
            "Only you see this page. `/reciprocity me` has your all-time numbers; "
            "`/reciprocity pause 2w` gives you a break from nudges."
        ),
    ]
    return {"type": "home", "blocks": blocks[:100]}
