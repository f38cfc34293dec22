"""The usage text `/reciprocity help` and every malformed command answer with."""

from __future__ import annotations

COMMANDS = [
    "`/kudos @name [@name …] <why> [#value]` — thank someone in public (no text opens a form)",
    "`/askhelp <question> [#tag] [!today|!week]` — ask this channel for help (no text: a form)",
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
