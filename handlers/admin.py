"""Slack entry points for the admin feature (built by its issue)."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps


def register(app: App, deps: Deps) -> None:
    """Nothing registered yet."""
