"""Block Kit for onboarding buddies: the welcome DM, the group-DM introduction with three first
questions, the check-ins, the buddy's thank-you, the invitation to mentoring, and the answers
to `/mentor join buddy` and `/reciprocity admin onboarding …`. Pure; each has a `text`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot import ids
from bot.blocks.kit import button, section
from bot.services.onboarding import ProgrammeChange, ProgrammeSummary, VolunteerResult
from bot.text import mrkdwn, truncate

FIRST_QUESTIONS = (
    "What does a good first month look like for you, and what would make it easier?",
    "Who are three people worth meeting early on, and why?",
    "How do things really get done here: where do people ask, decide and share news?",
)

StoryLink = tuple[str, str | None]
"""A story worth retelling, as the welcome links to it: (title, permalink or None)."""


def _message(text: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"text": truncate(text, 3000), "blocks": [section(text), *extra]}


def stories_section(stories: Sequence[StoryLink]) -> str:
    """The welcome's "stories worth retelling" lines: the last three, linked where they can be
    (empty when there are none yet)."""
    lines: list[str] = []
    for title, link in list(stories)[:3]:
        shown = mrkdwn(truncate(" ".join(title.split()), 120)) or "A story"
        safe_link = (link or "").replace("|", "%7C").replace(">", "%3E")
        lines.append(
            f"• <{safe_link}|{shown}>" if safe_link.startswith("https://") else f"• {shown}"
        )
    if not lines:
        return ""
    return "*How people help each other here* — a few stories worth retelling:\n" + "\n".join(lines)


def welcome_message(
    user_id: str, buddy_id: str | None, horizon_days: int, stories: Sequence[StoryLink] = ()
) -> dict[str, Any]:
    """The new hire's welcome DM: who their buddy is (or that one is on the way)."""
    head = f":wave: Welcome, <@{user_id}>! We're glad you're here."
    if buddy_id:
        buddy = (
            f"<@{buddy_id}> is your onboarding buddy for your first {horizon_days} days: "
            "someone to ask anything, however small. I'll introduce you two in a group DM."
        )
    else:
        buddy = (
            "We're finding you an onboarding buddy — someone to ask anything, however small. "
            "I'll introduce you as soon as one is free."
        )
    tail = (
        "Need a hand with something? `/askhelp` in any channel asks the people there. "
        "`/reciprocity settings` sets your working hours: I only write within them."
    )
    parts = [head, buddy, stories_section(stories), tail]
    return _message("\n\n".join(p for p in parts if p))


def introduction_message(user_id: str, buddy_id: str, horizon_days: int) -> dict[str, Any]:
    """The group DM: the two of them, and three first questions to talk about."""
    questions = "\n".join(f"{n}. {q}" for n, q in enumerate(FIRST_QUESTIONS, start=1))
    text = (
        f":handshake: <@{user_id}>, meet <@{buddy_id}>, your onboarding buddy for the next "
        f"{horizon_days} days. <@{buddy_id}>, thank you for welcoming them!\n\n"
        f"*Three first questions to talk about:*\n{questions}\n\n"
        "Find half an hour this week that suits you both."
    )
    return _message(text)


def checkin_message(day: int) -> dict[str, Any]:
    """The check-in on working day 5, 10 or 20."""
    text = f":seedling: Working day {day} — how is it going?"
    actions = {
        "type": "actions",
        "block_id": ids.ONBOARDING_CHECKIN_BLOCK,
        "elements": [
            button("All good", ids.ONBOARDING_ALL_GOOD_ACTION, str(day), style="primary"),
            button("I'd like a hand with something", ids.ONBOARDING_HAND_ACTION, str(day)),
        ],
    }
    return {"text": f"Working day {day} — how is it going?", "blocks": [section(text), actions]}


def all_good_message(day: int) -> dict[str, Any]:
    """What the check-in becomes once they said all is good."""
    return _message(
        f":seedling: Working day {day} — glad it's going well! If anything comes up, "
        "`/askhelp` is there, and so is your buddy."
    )


HAND_QUESTION = "I'm new here and I'd like a hand with "
"""The prefilled question of the ask form opened from a check-in."""


def volunteers_needed_message(horizon_days: int) -> dict[str, Any]:
    """To the admins who turned the programme on: a new hire has no buddy (no names)."""
    return _message(
        ":raised_hands: A new member just joined and no onboarding buddy is free. They were "
        "welcomed all the same; could you ask a few seasoned colleagues to volunteer with "
        f"`/mentor join buddy`? Each welcomes one new hire for {horizon_days} days."
    )


def buddy_thanks_message(hire_id: str, horizon_days: int) -> dict[str, Any]:
    """To the buddy at the horizon; it counts on their contribution record."""
    return _message(
        f":sparkles: Thank you for being <@{hire_id}>'s onboarding buddy these {horizon_days} "
        "days! Welcoming someone well is one of the most generous things a colleague can do — "
        "it's on your contribution record (`/reciprocity record`)."
    )


def mentoring_invitation_message(horizon_days: int) -> dict[str, Any]:
    """To the new hire at the horizon: join the mentoring rotation, one button."""
    text = (
        f":tada: Your first {horizon_days} days are behind you! Would you like to join the "
        "mentoring rotation? You'd be paired with a mentor for a few weeks at a time, and "
        "later you could be a buddy for someone new yourself."
    )
    actions = {
        "type": "actions",
        "block_id": ids.ONBOARDING_INVITE_BLOCK,
        "elements": [
            button("Join mentoring", ids.ONBOARDING_JOIN_MENTORING_ACTION, "mentee", "primary")
        ],
    }
    return {"text": truncate(text, 3000), "blocks": [section(text), actions]}


def joined_mentoring_message(already: bool) -> dict[str, Any]:
    if already:
        return _message("You're already in the mentoring rotation. :seedling:")
    return _message(
        ":seedling: You're in! The weekly pairing round will introduce you to a mentor in a "
        "group DM. `/mentor join mentee &lt;topics&gt;` adds what you'd like to grow in."
    )


# ----- answers to commands ------------------------------------------------------------------------
def volunteered_message(result: VolunteerResult) -> dict[str, Any]:
    head = "You're already a buddy volunteer" if result.already else "Thank you for volunteering!"
    many = "one new hire" if result.capacity == 1 else f"up to {result.capacity} new hires"
    text = f":handshake: {head} You'll be buddy to {many} at a time"
    text += " (`/mentor join buddy max 2` changes it)."
    if result.topics:
        text += " Topics: " + ", ".join(f"`{t}`" for t in result.topics) + "."
    if not result.programme_on:
        text += " The onboarding programme isn't on yet: an admin turns it on."
    return _message(text)


def left_buddy_message(was_in: bool) -> dict[str, Any]:
    if not was_in:
        return _message("You weren't a buddy volunteer, so there was nothing to leave.")
    return _message(
        "You're no longer a buddy volunteer; anyone you welcome now keeps you until their "
        "first month ends. Thank you! `/mentor join buddy` brings you back."
    )


def programme_text(change: ProgrammeChange) -> str:
    if not change.enabled:
        return (
            "Onboarding buddies are *off*: new members get no welcome or buddy from me. Those "
            "already in the programme finish their first month."
        )
    return (
        f"Onboarding buddies are *on*, with a horizon of {change.horizon_days} days. New "
        "members get a welcome in their own working hours and a buddy from the volunteers; "
        "you'll be told privately if none is free."
    )


def summary_text(found: ProgrammeSummary) -> str:
    """`/reciprocity admin onboarding show`: counts only, no names."""
    state = "on" if found.enabled else "off"
    lines = [
        f"*Onboarding buddies* — {state}, horizon {found.horizon_days} days",
        f"• Buddy volunteers: {found.volunteers}",
        f"• New hires in the programme now: {found.in_programme} ({found.with_buddy} with a buddy)",
        f"• Got a buddy within 3 working days: {found.buddy_in_time} of {found.hires_total}",
    ]
    return "\n".join(lines)
