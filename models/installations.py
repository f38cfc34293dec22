"""slack-sdk's OAuth tables (installations, bots, OAuth states), on our metadata.

The tables are slack-sdk's own, built by its stores' public `build_*_table` class methods,
so that our Alembic migration creates exactly what the stores read and write (never their
`create_tables()`). Two changes: the columns that hold a secret (tokens, refresh tokens, the
incoming webhook URL) are `Text`, wide enough for their encrypted form (a Fernet ciphertext
is about 2.6 times the token: 292 characters for a 150-character one, over the stores'
`String(200)`); and `tables()` builds a copy for a store in which those columns encrypt and
decrypt (bot/installs.py gives the types) and the timestamps are read back as UTC.

(This module is the one place `models/` knows slack-sdk: the tables are its.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import DateTime, MetaData, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from models.base import Base

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"

SECRET_COLUMNS = {
    INSTALLATIONS: (
        "bot_token",
        "bot_refresh_token",
        "user_token",
        "user_refresh_token",
        "incoming_webhook_url",
    ),
    BOTS: ("bot_token", "bot_refresh_token"),
}
"""The columns that hold a secret, per table: stored encrypted, never in the clear."""

TIME_COLUMNS = {
    INSTALLATIONS: ("bot_token_expires_at", "user_token_expires_at", "installed_at"),
    BOTS: ("bot_token_expires_at", "installed_at"),
    OAUTH_STATES: ("expire_at",),
}


class NaiveUTC(TypeDecorator[datetime]):
    """slack-sdk's naive `DateTime` columns, read back as UTC (never as the server's local
    time) and written as UTC whatever the datetime's zone (a naive one is taken as UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _retype(table: Table, columns: tuple[str, ...], type_: TypeEngine[Any]) -> Table:
    for name in columns:
        table.c[name].type = type_
    return table


def tables(
    metadata: MetaData,
    secret: TypeEngine[Any],
    moment: TypeEngine[Any] | None = None,
) -> tuple[Table, Table, Table]:
    """The installations, bots and OAuth states tables on `metadata`, with `secret` as the
    type of every secret column (and `moment`, if given, of every timestamp)."""
    built = (
        SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS),
        SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES),
    )
    for table in built:
        _retype(table, SECRET_COLUMNS.get(table.name, ()), secret)
        if moment is not None:
            _retype(table, TIME_COLUMNS.get(table.name, ()), moment)
    return built


slack_installations, slack_bots, slack_oauth_states = tables(Base.metadata, Text())
"""As the migration creates them: what is stored (ciphertext, in Text columns)."""
