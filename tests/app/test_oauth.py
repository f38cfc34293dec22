"""OAuth installs end to end: the install page, Slack's consent (the double), the redirect
with its state, oauth.v2.access, the encrypted store, token rotation in UTC, the authorize
cache, forgetting a workspace's tokens, key rotation, and logs that never hold a secret."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, event, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import ConfigError, load_settings
from bot.installs import TokenKeys, manifest_scopes, rotate_keys
from bot.logs import configure_logging
from bot.services import export
from models.installations import SECRET_COLUMNS, slack_bots, slack_installations
from tests.conftest import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Bot,
    FakeClock,
    Pauses,
    TrackingExecutor,
    make_settings,
)
from tests.oauth import (
    KEY,
    PUBLIC_URL,
    TEAM_ONE,
    TEAM_TWO,
    TeamSender,
    browse,
    install,
    oauth_deps,
    oauth_settings,
    open_install_page,
    redirect,
    running_oauth_bot,
)
from tests.slack_double import SlackDouble

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def oauth_bot(
    database_url: str,
    slack: SlackDouble,
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FakeClock,
    pauses: Pauses,
) -> Iterator[Bot]:
    with running_oauth_bot(database_url, slack, engine, clock, pauses) as bot:
        yield bot


def kudos(
    bot: Bot, slack: SlackDouble, team: str, why: str = "for the review", user: str = "UALICE"
) -> list[Any]:
    """A /kudos from `team`; the Web API calls it caused."""
    before = len(slack.calls)
    reply = TeamSender(bot, slack, team).command("/kudos", f"<@UBOB|bob> {why}", user=user)
    assert reply.status == 200, reply
    return slack.calls[before:]


def posts_of(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.method == "chat.postMessage"]


def stored_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every row of the two token tables, read directly (what is on disk)."""
    with engine.connect() as conn:
        return [
            dict(row._mapping)
            for table in (slack_installations, slack_bots)
            for row in conn.execute(select(table))
        ]


def database_text(engine: Engine) -> str:
    """All that the database holds about installs, as text: the SQLite file's bytes (and its
    WAL), or PostgreSQL's rows cast to text."""
    if engine.dialect.name == "sqlite":
        # Read by another process: opening and closing the file here would drop every POSIX
        # lock this process's SQLite connections hold on it (SQLite's "how to corrupt"), and
        # the next concurrent writer would see a disk I/O error.
        path = Path(str(engine.url.database))
        files = [str(p) for p in (path, Path(f"{path}-wal")) if p.exists()]
        return subprocess.run(["cat", *files], capture_output=True, check=True).stdout.decode(
            "latin-1"
        )
    with engine.connect() as conn:
        return "\n".join(
            str(row[0])
            for table in ("slack_installations", "slack_bots", "slack_oauth_states")
            for row in conn.execute(text(f"SELECT t::text FROM {table} t"))
        )


# ----- the install -------------------------------------------------------------------------
def test_the_install_page_asks_for_the_manifests_scopes_with_a_state(
    oauth_bot: Bot, slack: SlackDouble
) -> None:
    consent = open_install_page(oauth_bot)
    assert consent.query["client_id"] == [slack.oauth()["client_id"]]
    assert consent.query["scope"][0].split(",") == manifest_scopes()
    assert consent.query["redirect_uri"] == [PUBLIC_URL + "/slack/oauth_redirect"]
    assert len(consent.state) >= 32
    assert consent.cookie.startswith("slack-app-oauth-state=")


def test_two_workspaces_installed_each_answered_with_its_own_token(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    for team in (TEAM_ONE, TEAM_TWO):
        page, _ = install(oauth_bot, slack, team)
        assert page.status == 200, page.body
    exchanges = slack.calls_to("oauth.v2.access")
    assert len(exchanges) == 2
    basic = [c.token for c in slack.calls if c.method == "oauth.v2.access"]
    assert all(b and b.startswith("Basic ") for b in basic)  # the app's credentials
    teams = sorted(r["team_id"] for r in stored_rows(engine))  # an installation and a bot each
    assert teams == [TEAM_ONE, TEAM_ONE, TEAM_TWO, TEAM_TWO]
    for team in (TEAM_ONE, TEAM_TWO, TEAM_ONE, TEAM_TWO):
        posts = posts_of(kudos(oauth_bot, slack, team))
        assert posts, "the kudos was posted"
        assert {slack.token_team(p.token) for p in posts} == {team}


def test_jobs_act_in_each_workspace_with_its_own_token(oauth_bot: Bot, slack: SlackDouble) -> None:
    for team in (TEAM_ONE, TEAM_TWO):
        install(oauth_bot, slack, team)
    deps = oauth_bot.deps
    for team in (TEAM_TWO, TEAM_ONE):
        deps.client_for(team).chat_postMessage(channel="CGENERAL", text="hello")
        assert slack.token_team(slack.calls[-1].token) == team
    deps.client_for("T0NOTINSTALLED").chat_postMessage(channel="CGENERAL", text="hi")
    assert slack.calls[-1].token is None or slack.calls[-1].token == ""


def test_a_forged_state_is_refused(oauth_bot: Bot, slack: SlackDouble, engine: Engine) -> None:
    consent = open_install_page(oauth_bot)
    code = slack.authorize_install(TEAM_ONE)
    forged = redirect(
        oauth_bot, code=code, state="forged-state", cookie="slack-app-oauth-state=forged-state"
    )
    assert forged.status >= 400
    no_cookie = redirect(oauth_bot, code=code, state=consent.state, cookie=None)
    assert no_cookie.status >= 400
    other_cookie = redirect(
        oauth_bot, code=code, state=consent.state, cookie="slack-app-oauth-state=x"
    )
    assert other_cookie.status >= 400
    assert stored_rows(engine) == []
    assert slack.calls_to("oauth.v2.access") == []  # refused before the code was exchanged


def test_a_state_is_used_once(oauth_bot: Bot, slack: SlackDouble, engine: Engine) -> None:
    page, consent = install(oauth_bot, slack, TEAM_ONE)
    assert page.status == 200
    rows = len(stored_rows(engine))
    replayed = redirect(
        oauth_bot,
        code=slack.authorize_install(TEAM_TWO),
        state=consent.state,
        cookie=consent.cookie,
    )
    assert replayed.status >= 400
    assert len(stored_rows(engine)) == rows
    assert len(slack.calls_to("oauth.v2.access")) == 1


def test_a_state_expires(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine, clock: FakeClock
) -> None:
    consent = open_install_page(oauth_bot)
    clock.advance(seconds=601)  # OAUTH_STATE_EXPIRATION_SECONDS is 600
    late = redirect(
        oauth_bot,
        code=slack.authorize_install(TEAM_ONE),
        state=consent.state,
        cookie=consent.cookie,
    )
    assert late.status >= 400
    assert stored_rows(engine) == []
    consent = open_install_page(oauth_bot)
    clock.advance(seconds=599)
    in_time = redirect(
        oauth_bot,
        code=slack.authorize_install(TEAM_ONE),
        state=consent.state,
        cookie=consent.cookie,
    )
    assert in_time.status == 200, in_time.body


def test_without_oauth_settings_there_is_no_install_page(bot: Bot) -> None:
    assert browse(bot.url + "/slack/install").status == 404
    assert browse(bot.url + "/slack/oauth_redirect?code=x&state=y").status == 404


# ----- tokens at rest --------------------------------------------------------------------------
def test_no_raw_token_is_stored(oauth_bot: Bot, slack: SlackDouble, engine: Engine) -> None:
    for team in (TEAM_ONE, TEAM_TWO):
        install(oauth_bot, slack, team, rotation=True)
    granted = slack.granted_tokens(TEAM_ONE) + slack.granted_tokens(TEAM_TWO)
    refresh = list(slack.oauth()["refresh"])
    assert len(granted) == 2 and len(refresh) == 2
    rows = stored_rows(engine)
    for row in rows:
        for column in SECRET_COLUMNS[slack_installations.name]:
            value = row.get(column)
            assert value is None or value.startswith("gAAAA"), (column, value)  # Fernet
    dump = database_text(engine)
    for secret in [*granted, *refresh]:
        assert secret not in dump
        assert secret.split("-")[-1] not in dump
    # and it still reads back
    posts = posts_of(kudos(oauth_bot, slack, TEAM_ONE))
    assert slack.token_team(posts[0].token) == TEAM_ONE


def test_a_long_token_fits_its_column(oauth_bot: Bot, slack: SlackDouble, engine: Engine) -> None:
    """A 150-character token is about 292 characters encrypted: over slack-sdk's String(200)
    (PostgreSQL would refuse it)."""
    install(oauth_bot, slack, TEAM_ONE, rotation=True)
    token = slack.granted_tokens(TEAM_ONE)[0]
    assert len(token) > 150
    longest = max(len(r["bot_token"]) for r in stored_rows(engine) if r["bot_token"])
    assert longest > 292


def test_export_holds_no_token(
    oauth_bot: Bot, slack: SlackDouble, sessions: sessionmaker[Session]
) -> None:
    install(oauth_bot, slack, TEAM_ONE)
    kudos(oauth_bot, slack, TEAM_ONE)
    out = io.StringIO()
    with sessions() as session:
        export.write(export.records(session=session, types=None, since=None), out, "jsonl")
    dumped = out.getvalue()
    assert "kudos" in dumped
    for token in slack.granted_tokens(TEAM_ONE):
        assert token not in dumped
    assert "gAAAA" not in dumped


def test_key_rotation_keeps_every_workspace_working(
    oauth_bot: Bot,
    slack: SlackDouble,
    engine: Engine,
    database_url: str,
    clock: FakeClock,
) -> None:
    for team in (TEAM_ONE, TEAM_TWO):
        install(oauth_bot, slack, team, rotation=True)
    before = stored_rows(engine)
    new = Fernet.generate_key().decode()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": slack.oauth()["client_id"],
        "SLACK_CLIENT_SECRET": slack.oauth()["client_secret"],
        "TOKEN_ENCRYPTION_KEYS": f"{new},{KEY}",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "rotate-token-key"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "re-encrypted" in done.stdout
    after = stored_rows(engine)
    assert [r["bot_token"] for r in after] != [r["bot_token"] for r in before]
    only_new = TokenKeys([new])
    for row in after:
        assert only_new.decrypt(row["bot_token"]) is not None
        assert only_new.decrypt(row["bot_refresh_token"]) is not None
    # the old key dropped: a bot that knows only the new one serves both workspaces
    settings = oauth_settings(database_url, slack, token_encryption_keys=new)
    fresh = Bot(oauth_deps(settings, engine, clock), slack, TrackingExecutor())
    try:
        for team in (TEAM_ONE, TEAM_TWO):
            posts = posts_of(kudos(fresh, slack, team))
            assert {slack.token_team(p.token) for p in posts} == {team}
    finally:
        fresh.close()


def test_rotation_refuses_when_a_key_is_missing(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    install(oauth_bot, slack, TEAM_ONE)
    before = stored_rows(engine)
    with pytest.raises(InvalidToken):
        rotate_keys(engine, TokenKeys([Fernet.generate_key().decode()]))
    assert stored_rows(engine) == before  # one transaction: nothing changed


# ----- token rotation, in UTC whatever the server's zone ----------------------------------------
@pytest.fixture(params=["Pacific/Kiritimati", "America/Los_Angeles"])
def server_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The process's local time zone (what a naive datetime's .timestamp() assumes)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield request.param
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def refreshes(slack: SlackDouble) -> list[dict[str, Any]]:
    return [c for c in slack.calls_to("oauth.v2.access") if c.get("grant_type") == "refresh_token"]


def test_token_rotation_in_utc_whatever_the_servers_zone(
    server_zone: str, oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    assert time.localtime().tm_gmtoff != 0
    install(oauth_bot, slack, TEAM_ONE, rotation=True, expires_in=12 * 3600)
    stored = stored_rows(engine)[0]["bot_token_expires_at"]
    expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=12)
    assert abs((stored - expected).total_seconds()) < 60, (stored, expected)  # UTC, not local
    first = slack.granted_tokens(TEAM_ONE)[0]
    posts = posts_of(kudos(oauth_bot, slack, TEAM_ONE))
    assert refreshes(slack) == []  # 12 hours left: nothing to rotate (Kiritimati: +14 h)
    assert {p.token for p in posts} == {first}

    # 90 minutes left, under TOKEN_ROTATION_EXPIRATION_MINUTES (120): rotated before use
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=90)
    with engine.begin() as conn:
        for table in (slack_installations, slack_bots):
            conn.execute(update(table).values(bot_token_expires_at=soon))
    oauth_bot.deps.installs.store.forget_cached(None, TEAM_ONE)  # type: ignore[union-attr]
    posts = posts_of(kudos(oauth_bot, slack, TEAM_ONE, "again"))
    assert len(refreshes(slack)) == 1  # Los Angeles: -8 h would have thought 9.5 h were left
    rotated = [t for t in slack.granted_tokens(TEAM_ONE) if t != first]
    assert len(rotated) == 1 and rotated[0].startswith("xoxe.xoxb-")
    assert {p.token for p in posts} == set(rotated)
    new_expiry = stored_rows(engine)[0]["bot_token_expires_at"]
    assert new_expiry > soon + timedelta(hours=10)
    # and a job's client rotates too: nothing more is due
    oauth_bot.deps.client_for(TEAM_ONE).chat_postMessage(channel="CGENERAL", text="x")
    assert slack.calls[-1].token == rotated[0]
    assert len(refreshes(slack)) == 1


def test_a_jobs_client_rotates_a_due_token(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    install(oauth_bot, slack, TEAM_ONE, rotation=True, expires_in=3600)  # due at once
    first = slack.granted_tokens(TEAM_ONE)[0]
    oauth_bot.deps.client_for(TEAM_ONE).chat_postMessage(channel="CGENERAL", text="x")
    assert len(refreshes(slack)) == 1
    assert slack.calls[-1].token not in (first, None)
    assert slack.token_team(slack.calls[-1].token) == TEAM_ONE


# ----- the authorize cache ---------------------------------------------------------------------
def test_a_busy_workspace_costs_no_auth_test_or_database_read_per_request(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    install(oauth_bot, slack, TEAM_ONE)
    for giver in ("UCAROL", "UDAVE"):  # Bolt also looks for each person's own install, once
        kudos(oauth_bot, slack, TEAM_ONE, "warm-up", user=giver)
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "slack_installations" in statement or "slack_bots" in statement:
            reads.append(statement)

    auth_tests = len(slack.calls_to("auth.test"))
    event.listen(engine, "before_cursor_execute", count)
    try:
        for n in range(8):  # (five kudos a day each)
            giver = ("UCAROL", "UDAVE")[n % 2]
            posts = posts_of(kudos(oauth_bot, slack, TEAM_ONE, f"number {n}", user=giver))
            assert slack.token_team(posts[0].token) == TEAM_ONE
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(slack.calls_to("auth.test")) == auth_tests
    assert reads == []


# ----- forgetting a workspace's tokens (D2's uninstall calls this) ------------------------
def test_forget_tokens_nulls_both_tables_and_the_cache(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    for team in (TEAM_ONE, TEAM_TWO):
        install(oauth_bot, slack, team, rotation=True)
    kudos(oauth_bot, slack, TEAM_ONE)  # now cached: the store's and Bolt's
    oauth_bot.deps.forget_tokens(None, TEAM_ONE)
    for row in stored_rows(engine):
        secrets_ = [row.get(c) for c in SECRET_COLUMNS[slack_installations.name] if c in row]
        if row["team_id"] == TEAM_ONE:
            assert secrets_ == [None] * len(secrets_), row
            assert row["bot_token_expires_at"] is None
        else:
            assert row["bot_token"] is not None
    before = len(slack.calls)
    TeamSender(oauth_bot, slack, TEAM_ONE).command("/kudos", "<@UBOB|bob> gone")
    assert not [c for c in slack.calls[before:] if c.method == "chat.postMessage"]
    assert posts_of(kudos(oauth_bot, slack, TEAM_TWO))  # the other one is untouched
    oauth_bot.deps.client_for(TEAM_ONE).chat_postMessage(channel="C1", text="x")
    assert not slack.calls[-1].token


def test_app_uninstalled_in_oauth_mode_nulls_that_workspaces_tokens(
    oauth_bot: Bot, slack: SlackDouble, engine: Engine
) -> None:
    """The uninstall event (issue 12) reaches the store's forget: both tables, that workspace."""
    for team in (TEAM_ONE, TEAM_TWO):
        install(oauth_bot, slack, team)
    assert TeamSender(oauth_bot, slack, TEAM_ONE).event({"type": "app_uninstalled"}).status == 200
    rows = stored_rows(engine)
    assert {r["team_id"] for r in rows} == {TEAM_ONE, TEAM_TWO}
    for row in rows:
        if row["team_id"] == TEAM_ONE:
            assert row["bot_token"] is None, row
        else:
            assert row["bot_token"] is not None
    assert posts_of(kudos(oauth_bot, slack, TEAM_TWO))  # the other one is untouched


def test_forget_tokens_is_a_no_op_with_one_bot_token(bot: Bot, slack: SlackDouble) -> None:
    bot.deps.forget_tokens(None, "T0TEAM")
    bot.command("/kudos", "<@UBOB|bob> still here")
    assert {c.token for c in slack.calls if c.method == "chat.postMessage"} == {BOT_TOKEN}


# ----- settings ----------------------------------------------------------------------------
def test_oauth_mode_without_a_key_refuses_to_start(database_url: str, slack: SlackDouble) -> None:
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEYS is required"):
        load_settings(
            _env_file=None,
            slack_signing_secret=SIGNING_SECRET,
            slack_client_id="1.2",
            slack_client_secret="s",
        )
    with pytest.raises(ConfigError, match=r"TOKEN_ENCRYPTION_KEYS: .*not a Fernet key"):
        load_settings(_env_file=None, token_encryption_keys="not-a-key")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOKEN_"))} | {
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "s",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": database_url,
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "serve"],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "TOKEN_ENCRYPTION_KEYS is required" in done.stderr
    assert "new-token-key" in done.stderr


def test_new_token_key_prints_a_fresh_fernet_key() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TOKEN_"))}
    keys = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, str(ROOT / "app.py"), "new-token-key"],
            env={**env, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"},  # no key yet
            cwd="/",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        keys.append(done.stdout.strip())
        Fernet(keys[-1].encode())  # a valid key
    assert keys[0] != keys[1]


def test_settings_keep_one_bot_token_mode_as_it_was(database_url: str, slack: SlackDouble) -> None:
    settings = make_settings(database_url, slack)
    assert not settings.oauth_enabled and settings.has_slack_credentials
    both = make_settings(database_url, slack, slack_client_id="1.2", slack_client_secret="s")
    assert not both.oauth_enabled  # SLACK_BOT_TOKEN set: one workspace, as before


# ----- logs --------------------------------------------------------------------------------
def test_debug_logs_of_the_oauth_flow_hold_no_token_secret_or_code(
    oauth_bot: Bot, slack: SlackDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {n: logging.getLogger(n).level for n in ("slack_bolt", "slack_sdk")}
    codes: list[str] = []
    original = slack.authorize_install

    def remembering(team_id: str, **grant: Any) -> str:
        codes.append(original(team_id, **grant))
        return codes[-1]

    slack.authorize_install = remembering  # type: ignore[method-assign]
    try:
        configure_logging("DEBUG")
        for team in (TEAM_ONE, TEAM_TWO):
            install(oauth_bot, slack, team, rotation=True, expires_in=3600)  # rotated at once
            kudos(oauth_bot, slack, team)
        bad = open_install_page(oauth_bot)
        redirect(oauth_bot, code="code-forged", state="forged", cookie=bad.cookie)
        logging.getLogger("handlers").debug("debug logging is on")
    finally:
        slack.authorize_install = original  # type: ignore[method-assign]
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    logged = capsys.readouterr().err
    assert "debug logging is on" in logged
    assert len(refreshes(slack)) >= 2  # (an hour-long token is always due: rotated each time)
    secrets_ = [
        *slack.granted_tokens(TEAM_ONE),
        *slack.granted_tokens(TEAM_TWO),
        *slack.oauth()["refresh"],
        slack.oauth()["client_secret"],
        *codes,
        KEY,
    ]
    assert len(secrets_) >= 10
    for secret in secrets_:
        assert secret not in logged, logged[
            max(0, logged.find(secret) - 300) : logged.find(secret) + 50
        ]


def test_the_log_filter_masks_oauth_codes_secrets_and_basic_credentials() -> None:
    from bot.logs import RedactSecrets

    def masked(message: str) -> str:
        record = logging.LogRecord("x", logging.DEBUG, __file__, 1, message, (), None)
        RedactSecrets().filter(record)
        return record.getMessage()

    secret = "9f8e7d6c5b4a39281706"
    for message in (
        f"request: {{'code': ['{secret}'], 'state': ['s']}}",
        f"body_params: {{'client_secret': '{secret}', 'code': '{secret}'}}",
        f'body: {{"ok": true, "refresh_token": "xoxe-1-{secret}", "access_token": "{secret}"}}',
        f"headers: {{'Authorization': 'Basic {secret}=='}}",
        f"/slack/oauth_redirect?code={secret}&state=abc",
    ):
        assert secret not in masked(message), message
    assert masked("the app answered with status code: 500") == (
        "the app answered with status code: 500"
    )
