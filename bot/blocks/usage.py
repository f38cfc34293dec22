"""Every usage text: `/reciprocity help`, and what a malformed command answers with."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from bot.services.feedback import MAX_REVIEWERS
from bot.text import from_slack

KUDOS = "`/kudos @name [@name …] <why> [#value]` — thank someone in public (no text opens a form)"
ASKHELP = (
    "`/askhelp <question> [#tag] [!today|!week]` — ask this channel for help (no text: a form)"
)
FEEDBACK = (
    "`/feedback request @name [@name …] [about <topic>]` — ask up to "
    f"{MAX_REVIEWERS} people for private feedback\n"
    "`/feedback give @name` — give someone private, structured feedback\n"
    "`/feedback list` — the feedback you received, only for you"
)
MENTOR_LINES: tuple[str, ...] = (
    "`/mentor join mentor|mentee [topics…]` — take part, e.g. `/mentor join mentee python career`",
    "`/mentor circle join [topics…]` — join a peer coaching circle of 3–5 people",
    "`/mentor join buddy [topics…] [max 2]` — welcome new hires as their onboarding buddy "
    "(one at a time; `max N` takes up to 5); `/mentor leave buddy` stops",
    "`/mentor status` — your roles, your pair or circle, your sessions",
    "`/mentor log @name <notes>` — a session happened (both of you get the credit)",
    "`/mentor avoid @name` — never pair me with them (only you know)",
    "`/mentor leave` — step out of mentoring and circles",
)
MENTOR = "*Mentoring* — pairs and circles that rotate every few weeks.\n" + "\n".join(
    f"• {line}" for line in MENTOR_LINES
)

# /reciprocity subcommands
ME = "`/reciprocity me` — your own numbers: what you gave and received (only you see them)"
RECORD = (
    "`/reciprocity record [this quarter|last quarter|N weeks|since 2026-09-01]` — your "
    "contribution record (default the last 90 days), only for you; download or share it"
)
TOPICS = (
    "`/reciprocity topics add|remove|list [topic …]` — the topics you can help with; "
    "help requests with matching tags may suggest you"
)
SETTINGS = (
    "`/reciprocity settings` — your working hours, time zone, weekly nudge cap, topics "
    "and opt-outs (only you see them)"
)
PAUSE = "`/reciprocity pause 2w|3d|12h|until 2026-12-24` — no nudges from me for a while"
RESUME = "`/reciprocity resume` — end a pause early"
CHANNEL = (
    "`/reciprocity channel show` · `digest on|off [day] [HH:MM]` · `prompt on|off [day] [HH:MM]`"
    " · `kudos here|#channel` · `timezone Area/City` · `leaderboard on|off` · "
    "`quiet-week on|off` — this channel's weekly rhythm"
)
ADMIN = (
    "`/reciprocity admin show` · `values <a, b, …>|clear` · `budget <n>` · `emoji <e …>` · "
    "`admins add|remove @name` · `onboarding on|off [horizon 30d]|show` · `stories #channel|off`"
    " · `insights add|remove @name` · `insights min-group <3–10>` — workspace settings (admins)"
)
INSIGHTS = (
    "`/reciprocity insights [weeks]` · `insights monthly on|off` — the workspace's numbers, "
    "a chart and the dashboard (admins and the people they list)"
)


def _escaped(text: str) -> str:
    """A usage text as Slack must receive it: `<why>` would otherwise be read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Every usage text goes out escaped, whatever the surface (an answer, a DomainError's usage).
KUDOS, ASKHELP, FEEDBACK, ME, RECORD, TOPICS, SETTINGS, PAUSE, RESUME, CHANNEL, ADMIN, INSIGHTS = (
    _escaped(text)
    for text in (
        KUDOS,
        ASKHELP,
        FEEDBACK,
        ME,
        RECORD,
        TOPICS,
        SETTINGS,
        PAUSE,
        RESUME,
        CHANNEL,
        ADMIN,
        INSIGHTS,
    )
)
MENTOR_LINES = tuple(_escaped(line) for line in MENTOR_LINES)
MENTOR = _escaped(MENTOR)

HELP_ADMIN = "`/reciprocity help admin` — this channel's weekly rhythm and workspace settings"


def emoji_list(emoji: Sequence[str]) -> str:
    """`:pray:`, `:pray: or :clap:`, `:pray:, :clap: or :heart:` (names as configured)."""
    shown = [f":{name}:" for name in emoji] or [":pray:"]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def usage_text(emoji: Sequence[str] = ("pray",)) -> str:
    """`/reciprocity help`: five lines for everyone, and where the admin commands are."""
    lines = [
        _escaped("`/kudos @name <why>` — thank someone in public; ")
        + f"or react with {emoji_list(emoji)} to thank someone for a message",
        _escaped("`/askhelp <question>` — ask this channel for help (no text: a form)"),
        _escaped("`/feedback request @name [about <topic>]` · `give @name` · `list`")
        + " — private, structured feedback",
        _escaped("`/mentor join mentor|mentee [topics…]` · `leave` · `status` · `log @name`")
        + " — mentoring pairs and circles",
        "`/reciprocity me` · `/reciprocity record` · `/reciprocity topics` · "
        "`/reciprocity settings` · `/reciprocity pause 2w` · `/reciprocity resume` — your "
        "numbers, contribution record, topics and boundaries (only you see them)",
    ]
    head = "*Reciprocity* — help, kudos, feedback and mentoring, at your pace."
    return "\n".join([head, "", *(f"• {line}" for line in lines), f"• {HELP_ADMIN}"])


def admin_usage_text() -> str:
    """`/reciprocity help admin`: the channel's rhythm and the workspace's settings."""
    lines = [CHANNEL, ADMIN, INSIGHTS, "`/reciprocity help` — the commands for everyone"]
    return "\n".join(["*Reciprocity for admins*", "", *(f"• {line}" for line in lines)])


def unknown_word(word: str, known: Iterable[str], *, command: str = "") -> str:
    """ "I don't know `requst` — did you mean `request`?": the word as typed (escaped, shortened)
    and the closest known one, if any is close."""
    word = from_slack(word)
    shown = _escaped(word.replace("`", "'")[:40])
    prefix = f"{command} " if command else ""
    close = difflib.get_close_matches(word.lower(), list(known), n=1, cutoff=0.6)
    if close:
        return f"I don't know `{shown}` — did you mean `{prefix}{close[0]}`?"
    return f"I don't know `{shown}`."
