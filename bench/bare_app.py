"""The yardstick for bench/ack.py: a Bolt app that only acks `/kudos`, served like the bot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import WsgiServer


def load_app() -> SlackRequestHandler:
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token="xoxb-bare-app", base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
    )

    @app.command("/kudos")
    def kudos(ack: Ack) -> None:
        ack()

    return SlackRequestHandler(app)


if __name__ == "__main__":
    WsgiServer(
        load_app, port=int(os.environ["PORT"]), workers=int(os.environ.get("WEB_CONCURRENCY", "2"))
    ).run()
