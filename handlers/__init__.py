"""Every entry point into the bot, in one place: each feature's routing table, the one
`message` listener's hooks, and every `/reciprocity` subcommand.

Listeners are module-level functions; Bolt injects their arguments by name, `deps` included
(the middleware below puts it in each request's context).
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.blocks import usage
from bot.deps import Deps
from handlers import (
    admin,
    channels,
    feedback,
    help_requests,
    home,
    insights,
    installs,
    kudos,
    mentoring,
    messages,
    onboarding,
    reciprocity,
    record,
    settings,
    stories,
    thanks,
    topics,
)
from handlers.reciprocity import Subcommand
from handlers.routing import Routes

SUBCOMMANDS: dict[str, Subcommand] = {
    "me": Subcommand(home.me_command, usage.ME),
    "record": Subcommand(record.record_command, usage.RECORD),
    "topics": Subcommand(topics.topics_command, usage.TOPICS),
    "settings": Subcommand(settings.settings_command, usage.SETTINGS, opens_modal=True),
    "pause": Subcommand(settings.pause_command, usage.PAUSE),
    "resume": Subcommand(settings.resume_command, usage.RESUME),
    "channel": Subcommand(channels.channel_command, usage.CHANNEL),
    "admin": Subcommand(admin.admin_command, usage.ADMIN),
    "insights": Subcommand(insights.insights_command, usage.INSIGHTS),
}
"""`/reciprocity <name> …`: what runs (from the queue, after the ack, unless it opens a
modal), and the usage shown with its mistakes."""

MESSAGE_HOOKS = (help_requests.on_thread_reply, channels.on_share_reply)
"""Called, in order, for each message a person posts where the bot can hear it."""


class ProvideDeps(Middleware):
    """Puts `deps` in each request's context, for listeners to take by name."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["deps"] = self.deps
        return next()


def register_handlers(app: App, deps: Deps, *, consumer: bool) -> None:
    """`consumer`: the app that runs the queue, which needs the slow parts (lazy functions)."""
    app.use(ProvideDeps(deps))

    routes = Routes(app, lazy_functions=consumer)
    features = (
        kudos,
        thanks,
        help_requests,
        feedback,
        mentoring,
        home,
        channels,
        settings,
        onboarding,
        record,
        stories,
        insights,
    )
    for feature in features:
        feature.register(routes)
    installs.register(routes)
    messages.register(routes, MESSAGE_HOOKS)
    reciprocity.register(routes, SUBCOMMANDS)
