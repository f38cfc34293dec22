"""OAuth mode in tests: the bot with SLACK_CLIENT_ID/SECRET and no SLACK_BOT_TOKEN, a
browser that goes through the install (the install page, Slack's consent in the double, the
redirect with its state and cookie), and a sender per workspace."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from app import build_deps
from bot.config import Settings
from bot.deps import Deps
from bot.slack_api import make_client
from tests.conftest import SIGNING_SECRET, Bot, FakeClock, Pauses, TrackingExecutor, make_settings
from tests.slack_double import SlackDouble
from tests.slack_requests import SlackSender

PUBLIC_URL = "https://reciprocity.example.com"
KEY = Fernet.generate_key().decode()
TEAM_ONE, TEAM_TWO = "T0ONE", "T0TWO"


def oauth_settings(database_url: str, slack: SlackDouble, **overrides: Any) -> Settings:
    books = slack.oauth()
    values: dict[str, Any] = {
        "slack_bot_token": None,
        "slack_client_id": books["client_id"],
        "slack_client_secret": books["client_secret"],
        "token_encryption_keys": KEY,
        "public_url": PUBLIC_URL,
        **overrides,
    }
    return make_settings(database_url, slack, **values)


def oauth_deps(
    settings: Settings, engine: Engine, clock: FakeClock, pauses: Pauses | None = None
) -> Deps:
    client = make_client(settings, pause=pauses or Pauses())
    deps: Deps = build_deps(settings, engine=engine, client=client, clock=clock)
    return deps


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def browse(url: str, *, cookie: str | None = None) -> Page:
    """A GET as a browser sends it (no redirects followed: the test looks at them)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=15) as response:
            return Page(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Page(error.code, error.read().decode(), dict(error.headers))


@dataclass
class Consent:
    """The install page's answer: where it sends the browser, and the state cookie."""

    authorize_url: str
    state: str
    cookie: str
    query: dict[str, list[str]]


def open_install_page(bot: Bot) -> Consent:
    page = browse(bot.url + "/slack/install")
    assert page.status == 200, page
    match = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.body)
    assert match, page.body
    authorize_url = match.group(1).replace("&amp;", "&")
    query = parse_qs(urlparse(authorize_url).query)
    set_cookie = page.headers.get("Set-Cookie") or page.headers.get("set-cookie") or ""
    cookie = set_cookie.split(";", 1)[0]
    return Consent(authorize_url, query["state"][0], cookie, query)


def redirect(bot: Bot, *, code: str, state: str, cookie: str | None) -> Page:
    return browse(
        bot.url + "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}),
        cookie=cookie,
    )


def install(bot: Bot, slack: SlackDouble, team_id: str, **grant: Any) -> tuple[Page, Consent]:
    """The whole install of one workspace, as a person and Slack do it."""
    consent = open_install_page(bot)
    code = slack.authorize_install(team_id, redirect_uri=consent.query["redirect_uri"][0], **grant)
    page = redirect(bot, code=code, state=consent.state, cookie=consent.cookie)
    return page, consent


class TeamSender:
    """Signed requests from one workspace, waiting (as `bot.…` does) for the queue."""

    def __init__(self, bot: Bot, slack: SlackDouble, team_id: str) -> None:
        self.bot = bot
        self.team_id = team_id
        self.send = SlackSender(bot.url, SIGNING_SECRET, slack, team_id=team_id)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.send, name)

        def call_and_wait(*args: Any, **kwargs: Any) -> Any:
            reply = method(*args, **kwargs)
            self.bot.wait()
            return reply

        return call_and_wait


@contextmanager
def running_oauth_bot(
    database_url: str, slack: SlackDouble, engine: Engine, clock: FakeClock, pauses: Pauses
) -> Iterator[Bot]:
    """The bot in OAuth mode, served on loopback (a test module's `oauth_bot` fixture)."""
    slack.oauth_reset()
    deps = oauth_deps(oauth_settings(database_url, slack), engine, clock, pauses)
    bot = Bot(deps, slack, TrackingExecutor())
    try:
        yield bot
    finally:
        bot.close()
