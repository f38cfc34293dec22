"""Block Kit for `/reciprocity me`: your own numbers, only for you."""

from __future__ import annotations

from typing import Any

from bot.services.me import MyNumbers, Numbers, balance_line

PRIVATE_NOTE = "Only you can see these numbers, and they're never ranked against anyone's."


def numbers_lines(numbers: Numbers) -> str:
    """One line per kind of giving, given and received side by side."""
    feedback = f"gave {numbers.feedback_given} · received {numbers.feedback_received}"
    if numbers.feedback_cycles:
        feedback += f" ({numbers.feedback_cycles} you asked for)"
    return "\n".join(
        [
            f":sparkles: Kudos — gave {numbers.kudos_given} · received {numbers.kudos_received}",
            f":pray: Thanks — gave {numbers.thanks_given} · received {numbers.thanks_received}",
            f":handshake: Help — helped on {_requests(numbers.help_given)} · "
            f"got help on {_requests(numbers.help_received)}",
            f":speech_balloon: Feedback — {feedback}",
            f":seedling: Mentoring sessions — {numbers.mentoring_sessions}",
        ]
    )


def _requests(n: int) -> str:
    return f"{n} request" + ("" if n == 1 else "s")


def me_message(numbers: MyNumbers) -> dict[str, Any]:
    """The ephemeral answer to `/reciprocity me`."""
    recent, all_time = numbers.recent, numbers.all_time
    balance = balance_line(all_time.given, all_time.received)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Your reciprocity", "emoji": True},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*Last {numbers.days} days*\n{numbers_lines(recent)}",
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*All time*\n{numbers_lines(all_time)}"},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": balance}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": PRIVATE_NOTE}]},
    ]
    fallback = (
        f"Your reciprocity — last {numbers.days} days: gave {recent.given}, received "
        f"{recent.received}; all time: gave {all_time.given}, received {all_time.received}. "
        + balance
    )
    return {"text": fallback[:3000], "blocks": blocks}
