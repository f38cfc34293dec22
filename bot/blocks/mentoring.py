"""Block Kit for mentoring: answers to `/mentor`, the group-DM introduction, the closing
thanks, and the nudge for a quiet pair. Pure functions; every message has a `text` fallback."""

from __future__ import annotations

from typing import Any

from bot.blocks import usage
from bot.blocks.kit import section
from bot.services.mentoring import (
    CIRCLE,
    MENTEE,
    MENTOR,
    PAIR,
    Enrollment,
    GroupView,
    LeaveResult,
    LoggedSession,
    MentoringStatus,
)
from bot.text import join_people, mrkdwn, truncate


def _message(text: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"text": truncate(text, 3000), "blocks": [section(text), *extra]}


def usage_message(problem: str = "") -> dict[str, Any]:
    """`/mentor` and `/mentor help` (and a mistake, when there is one, above the usage)."""
    return _message(f"{problem}\n\n{usage.MENTOR}" if problem else usage.MENTOR)


def _topics(topics: tuple[str, ...]) -> str:
    return ", ".join(f"`{t}`" for t in topics)


def joined_message(enrollment: Enrollment) -> dict[str, Any]:
    what = {
        MENTOR: "a mentor",
        MENTEE: "a mentee",
        CIRCLE: "a peer coaching circle member",
    }[enrollment.role]
    head = "You're already in as" if enrollment.already else "Welcome aboard! You're in as"
    text = f":seedling: {head} {what}."
    if enrollment.topics:
        text += f" Topics: {_topics(enrollment.topics)}."
    if enrollment.role == CIRCLE:
        text += " The weekly pairing round puts you in a circle of 3–5 and introduces you."
    else:
        text += " The weekly pairing round will introduce you in a group DM."
    return _message(text)


def left_message(result: LeaveResult) -> dict[str, Any]:
    if not result.roles:
        return _message("You weren't in mentoring, so there was nothing to leave.")
    text = "You've left mentoring. Thank you for the time you gave!"
    if result.ended_groups:
        text += " Your current pair has ended."
    text += " `/mentor join` brings you back any time."
    return _message(text)


def _describe_group(group: GroupView, me: str) -> str:
    others = [uid for uid in group.user_ids if uid != me]
    until = f"{group.ends_at.day} {group.ends_at:%b}"
    if group.kind == PAIR:
        role = "mentor" if group.mentor_id == me else "mentee"
        other_role = "mentee" if role == "mentor" else "mentor"
        return f"Your {other_role}: {join_people(others)} (until {until})"
    return f"Your circle: {join_people(others)} (until {until})"


def status_message(user_id: str, status: MentoringStatus) -> dict[str, Any]:
    if not status.roles and not status.groups and not status.avoiding:
        text = "You're not in mentoring yet. `/mentor join mentee &lt;topics&gt;` to start."
        return _message(text)
    lines = ["*Your mentoring*"]
    if not status.roles:
        lines.append("• You're not in mentoring right now — `/mentor join` to take part.")
    for role, topics in status.roles:
        label = "circle member" if role == CIRCLE else role
        lines.append(f"• You're a {label}" + (f" — {_topics(topics)}" if topics else ""))
    for group in status.groups:
        lines.append(f"• {_describe_group(group, user_id)}")
    if status.roles and not status.groups:
        lines.append("• Not paired yet — the next weekly round will introduce you.")
    sessions = status.sessions_logged
    lines.append(f"• Sessions logged: {sessions}")
    if status.avoiding:
        lines.append(
            f"• People you asked not to be paired with: {status.avoiding} (only you see this)"
        )
    return _message("\n".join(lines))


def logged_message(logged: LoggedSession) -> dict[str, Any]:
    if logged.already:
        return _message(
            f"A session with <@{logged.partner_id}> was already logged today, so it counts "
            "once. Thanks for keeping track!"
        )
    return _message(
        f":white_check_mark: Logged your session with <@{logged.partner_id}>. Nice work!"
    )


def avoid_message(other_id: str, added: bool) -> dict[str, Any]:
    if not added:
        return _message(f"<@{other_id}> is already on your list. Nobody else can see it.")
    return _message(
        f"Got it — you won't be paired with <@{other_id}>. This stays between you and the bot; "
        "they are not told."
    )


def introduction_message(group: GroupView, horizon_weeks: int) -> dict[str, Any]:
    """The group-DM introduction: who, for how long, and a first topic to talk about."""
    people = join_people(group.user_ids)
    if group.kind == PAIR:
        head = (
            f":wave: Meet your mentoring pair! <@{group.mentor_id}> will mentor "
            f"<@{group.mentee_id}> for the next {horizon_weeks} weeks."
        )
    else:
        head = (
            f":wave: Welcome to your peer coaching circle, {people}! "
            f"You'll meet for the next {horizon_weeks} weeks."
        )
    topic = ""
    if group.topic and group.topic.endswith("?"):  # no shared topic: a starter question
        topic = f"*A first topic:* {mrkdwn(group.topic)}"
    elif group.topic:
        who = f"<@{group.mentee_id}>" if group.kind == PAIR else "each of you"
        topic = (
            f"*A first topic:* {mrkdwn(group.topic)} — where would {who} like to be with it "
            "in three months, and what is in the way?"
        )
    tail = (
        "Find a time that suits you all, and use `/mentor log @name &lt;notes&gt;` after you meet."
    )
    text = "\n".join(part for part in (head, topic, tail) if part)
    return _message(text)


def thanks_message(group: GroupView, sessions: int) -> dict[str, Any]:
    """Posted in the group DM when the horizon is over and the group rotates."""
    people = join_people(group.user_ids)
    what = "pair" if group.kind == PAIR else "circle"
    met = (
        f" You logged {sessions} session{'s' if sessions != 1 else ''} together."
        if sessions
        else ""
    )
    return _message(
        f":sparkles: Thank you, {people}! Your mentoring {what} has come to the end of its "
        f"run.{met} "
        "The next weekly round brings new people together — you're welcome to stay in touch."
    )


def quiet_pair_nudge(group: GroupView, weeks: int = 3) -> dict[str, Any]:
    """One gentle nudge for a pair with no session logged for a few weeks."""
    people = join_people(group.user_ids)
    return _message(
        f":coffee: Hi {people} — it's been {weeks} weeks since your last logged mentoring session. "
        "Fancy finding 30 minutes this week? When you've met, `/mentor log @name &lt;notes&gt;` "
        "keeps track."
    )
