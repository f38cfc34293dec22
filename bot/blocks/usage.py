"""Every usage text: `/reciprocity help`, and what a malformed command answers with."""

from __future__ import annotations

from bot.services.feedback import MAX_REVIEWERS

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
MENTOR_LINES = (
    "`/mentor join mentor|mentee [topics…]` — take part, e.g. `/mentor join mentee python career`",
    "`/mentor circle join [topics…]` — join a peer coaching circle of 3–5 people",
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
    "`admins add|remove @name` — workspace settings (admins)"
)

COMMANDS = [
    KUDOS,
    ASKHELP,
    "`/feedback request @name [@name …] [about <topic>]` — ask for private feedback",
    "`/feedback give @name` — give someone private, structured feedback",
    "`/feedback list` — read the feedback you received again (only you see it)",
    "`/mentor join mentor|mentee [topics…]` · `leave` · `status` · `log @name <notes>` · "
    "`avoid @name` · `circle join [topics…]` — mentoring",
    "React with :pray: :raised_hands: :clap: or :heart: to thank someone for a message",
]


def usage_text(subcommand_usages: list[str]) -> str:
    lines = ["*Reciprocity* — help, kudos, feedback and mentoring, at your pace.", ""]
    lines += [f"• {line}" for line in COMMANDS]
    lines += [f"• {usage}" for usage in subcommand_usages]
    lines.append("• `/reciprocity help` — this list")
    return "\n".join(lines)
