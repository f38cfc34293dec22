"""Every entry point into the bot, registered in one place."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers import (
    admin,
    channels,
    feedback,
    help,
    home,
    kudos,
    mentoring,
    messages,
    reciprocity,
    settings,
    thanks,
)


def register_handlers(app: App, deps: Deps) -> None:
    for module in (
        kudos,
        thanks,
        help,
        feedback,
        mentoring,
        settings,
        channels,
        home,
        admin,
        messages,
        reciprocity,
    ):
        module.register(app, deps)
