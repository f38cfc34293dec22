"""Many workspaces: each installed through Slack's OAuth flow, each with its own token.

- `Store`: slack-sdk's SQLAlchemy installation store on our migrated tables
  (models/installations.py), its secret columns encrypted at rest with `TOKEN_ENCRYPTION_KEYS`
  (cryptography's MultiFernet: the first key encrypts, any decrypts), its timestamps read as
  UTC whatever the server's zone, and the installation it finds kept in memory for
  `AUTHORIZE_CACHE_SECONDS`, so a busy workspace is not a database read per request.
- `StateStore`: slack-sdk's OAuth state store, on the injected clock; a state is consumed
  once, by one atomic DELETE, and expires.
- `Installs`: what `Deps` holds in OAuth mode: the stores, `client_for(team_id)` (the
  workspace's own token, rotated when due), `forget(...)` (every stored token of a workspace
  gone, the authorize caches too) and `rotate_keys` (re-encrypt everything with the first
  key, so an old key can be dropped).

Tokens never leave this module in the clear but as a WebClient's token or to Bolt's
authorize; they are never logged.
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, MutableMapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, MetaData, Text, and_, delete, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from bot.config import Settings
from models.installations import (
    SECRET_COLUMNS,
    NaiveUTC,
    slack_bots,
    slack_installations,
    tables,
)

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.json"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def manifest_scopes() -> list[str]:
    """The bot scopes an install asks for: manifest.json's, the one list."""
    return list(json.loads(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])


def new_key() -> str:
    """A fresh Fernet key for TOKEN_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode()


class TokenKeys:
    """TOKEN_ENCRYPTION_KEYS: the first key encrypts, any of them decrypts."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is needed (TOKEN_ENCRYPTION_KEYS)")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str | None:
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            log.error(
                "a stored token could not be decrypted with any key in TOKEN_ENCRYPTION_KEYS "
                "(was its key dropped before `app.py rotate-token-key`?)"
            )
            return None

    def rotate(self, value: str) -> str:
        """The same secret, encrypted under the first key (InvalidToken if no key reads it)."""
        return self._fernet.rotate(value.encode()).decode()


class Encrypted(TypeDecorator[str]):
    """A secret column: encrypted on the way in, decrypted on the way out; NULL stays NULL
    (the store only ever filters on `bot_token IS NOT NULL`)."""

    impl = Text
    cache_ok = True

    def __init__(self, keys: TokenKeys) -> None:
        super().__init__()
        self.keys = keys

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.keys.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.keys.decrypt(value)


_Key = tuple[str, str | None, str | None, str | None]


class Store(SQLAlchemyInstallationStore):
    """slack-sdk's store on our tables, encrypted, in UTC, and remembering what it found."""

    def __init__(
        self,
        *,
        client_id: str,
        engine: Engine,
        keys: TokenKeys,
        cache_seconds: float = 60,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self.metadata = MetaData()
        self.installations, self.bots, _ = tables(self.metadata, Encrypted(keys), NaiveUTC())
        self.cache_seconds = cache_seconds
        self.monotonic = monotonic
        self._cache: dict[_Key, tuple[float, Installation | Bot | None]] = {}
        self._lock = threading.Lock()

    # ----- the cache: per workspace, dropped by every write to it ---------------------------
    def _cached(self, key: _Key, find: Callable[[], Any]) -> Any:
        """What `find` finds, from memory while it is fresh. A workspace not found is not
        remembered (its install may be under way in another process); a person without an
        installation of their own is (Bolt asks for one on every request)."""
        now = self.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_seconds:
            return copy.copy(hit[1])  # Bolt edits what it is given
        found = find()
        if (found is not None or key[3] is not None) and self.cache_seconds > 0:
            with self._lock:
                self._cache[key] = (now, copy.copy(found))
        return found

    def forget_cached(self, enterprise_id: str | None, team_id: str | None) -> None:
        with self._lock:
            for key in [k for k in self._cache if (k[1], k[2]) == (enterprise_id, team_id)]:
                del self._cache[key]
            if team_id is None:  # an org-wide install: every workspace of the org
                for key in [k for k in self._cache if k[1] == enterprise_id]:
                    del self._cache[key]

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = None if is_enterprise_install or team_id is None else team_id
        found: Installation | None = self._cached(
            ("installation", enterprise_id, team, user_id),
            lambda: super(Store, self).find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )
        return found

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        team = None if is_enterprise_install or team_id is None else team_id
        found: Bot | None = self._cached(
            ("bot", enterprise_id, team, None),
            lambda: super(Store, self).find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            ),
        )
        return found

    def save(self, installation: Installation) -> None:
        self.forget_cached(installation.enterprise_id, installation.team_id)
        super().save(installation)
        self.forget_cached(installation.enterprise_id, installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        self.forget_cached(bot.enterprise_id, bot.team_id)
        super().save_bot(bot)
        self.forget_cached(bot.enterprise_id, bot.team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.forget_cached(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self.forget_cached(enterprise_id, team_id)

    # ----- forgetting a workspace's tokens -------------------------------------------------
    def null_tokens(self, enterprise_id: str | None, team_id: str | None) -> set[str]:
        """Every stored token of the workspace (both tables) set to NULL, in one transaction;
        the tokens it held (so the authorize caches can drop them)."""
        held: set[str] = set()
        with self.engine.begin() as conn:
            for table in (self.installations, self.bots):
                secret = SECRET_COLUMNS[table.name]
                where = and_(
                    table.c.client_id == self.client_id,
                    table.c.enterprise_id == enterprise_id,
                    table.c.team_id == team_id,
                )
                for row in conn.execute(select(*(table.c[n] for n in secret)).where(where)):
                    held.update(value for value in row if value)
                cleared: dict[str, None] = dict.fromkeys(secret)
                cleared["bot_token_expires_at"] = None
                if "user_token_expires_at" in table.c:
                    cleared["user_token_expires_at"] = None
                conn.execute(update(table).where(where).values(**cleared))
        self.forget_cached(enterprise_id, team_id)
        return held


class StateStore(SQLAlchemyOAuthStateStore):
    """The OAuth `state`: issued with an expiry on the injected clock, consumed once."""

    def __init__(
        self, *, expiration_seconds: int, engine: Engine, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=log)
        self.metadata = MetaData()
        _, _, self.oauth_states = tables(self.metadata, Text(), NaiveUTC())
        self.clock = clock

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock()
        table = self.oauth_states
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.expire_at <= now))  # the expired ones
            conn.execute(
                insert(table).values(
                    state=state, expire_at=now + timedelta(seconds=self.expiration_seconds)
                )
            )
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued and not expired; one DELETE, so two callbacks with
        the same state can't both pass."""
        table = self.oauth_states
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(table).where(table.c.state == state, table.c.expire_at > self.clock())
            )
        if gone.rowcount != 1:
            log.info("an OAuth callback came with an unknown, used or expired state")
            return False
        return True


def with_token(client: WebClient, token: str | None) -> WebClient:
    """A client like `client` (its base URL, timeout, retries) acting with `token`."""
    return WebClient(
        token=token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        retry_handlers=list(client.retry_handlers),
        logger=client._logger,
    )


class Installs:
    """OAuth mode's workspaces: their stores, their clients, forgetting them."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        assert settings.slack_client_id and settings.slack_client_secret
        self.settings = settings
        self.client_id = settings.slack_client_id
        self.client_secret = settings.slack_client_secret.get_secret_value()
        self.keys = TokenKeys(settings.token_keys)
        self.store = Store(
            client_id=self.client_id,
            engine=engine,
            keys=self.keys,
            cache_seconds=settings.authorize_cache_seconds,
        )
        self.states = StateStore(
            expiration_seconds=settings.oauth_state_expiration_seconds,
            engine=engine,
            clock=clock,
        )
        self.client = client
        self.rotator = TokenRotator(
            client_id=self.client_id, client_secret=self.client_secret, client=client
        )
        self.token_caches: list[MutableMapping[str, Any]] = []
        """Bolt's authorize caches (keyed by token), registered by handlers/app.py."""
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def token_for(self, team_id: str, enterprise_id: str | None = None) -> str | None:
        """The workspace's bot token, rotated first when it is about to expire."""
        installation = self.store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
        if installation is None and enterprise_id is None:
            return None
        if installation is None:  # an org-wide install serves the org's workspaces
            installation = self.store.find_installation(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        if installation is None:
            return None
        if installation.bot_refresh_token is not None:
            rotated = self.rotator.perform_token_rotation(
                installation=installation,
                minutes_before_expiration=self.settings.token_rotation_expiration_minutes,
            )
            if rotated is not None:
                self.store.save(rotated)
                installation = rotated
        return installation.bot_token

    def client_for(self, team_id: str, enterprise_id: str | None = None) -> WebClient:
        """A client acting in this workspace with its own token (none if it is not installed:
        Slack then answers `not_authed`, and the caller's usual handling of a failed call
        applies)."""
        token = self.token_for(team_id, enterprise_id)
        if token is None:
            log.warning("no stored token for workspace %s: is it installed?", team_id)
            return with_token(self.client, None)
        with self._lock:
            found = self._clients.get(token)
            if found is None:
                if len(self._clients) > 1000:
                    self._clients.clear()
                found = self._clients[token] = with_token(self.client, token)
        return found

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Every stored token of the workspace nulled (installations and bots), and no
        authorize cache of this process holding one any more."""
        held = self.store.null_tokens(enterprise_id, team_id)
        for cache in self.token_caches:
            for token in held:
                cache.pop(token, None)
        with self._lock:
            for token in held:
                self._clients.pop(token, None)
        log.info("forgot the stored tokens of workspace %s (%s)", team_id, enterprise_id or "-")


def rotate_keys(engine: Engine, keys: TokenKeys) -> int:
    """Re-encrypt every stored secret with the first key; how many values were rewritten.
    One transaction: it all happens or none of it does."""
    count = 0
    with engine.begin() as conn:
        for table in (slack_installations, slack_bots):
            names = SECRET_COLUMNS[table.name]
            rows = conn.execute(select(table.c.id, *(table.c[n] for n in names))).all()
            for row in rows:
                values = {
                    name: keys.rotate(value)
                    for name, value in zip(names, row[1:], strict=True)
                    if value is not None
                }
                if values:
                    conn.execute(update(table).where(table.c.id == row[0]).values(**values))
                    count += len(values)
    return count
