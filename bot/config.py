"""Configuration: every setting comes from the environment or `.env`, checked at startup."""

from __future__ import annotations

from typing import Annotated, Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_THANKS_EMOJI = ("pray", "raised_hands", "clap", "heart")


def _split_list(value: object) -> object:
    """Accept `a, b, c` (the friendly form) as well as a real list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """The bot's settings. Secrets are SecretStr so they never print by accident."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # Many workspaces (OAuth installs): set these two and no SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    public_url: str = "http://localhost:3000"
    # Comma-separated Fernet keys; the first encrypts, any of them decrypts (key rotation).
    token_encryption_keys: SecretStr | None = None
    token_rotation_expiration_minutes: int = Field(120, ge=1, le=1440)
    oauth_state_expiration_seconds: int = Field(600, ge=30, le=3600)
    # How long a process keeps a workspace's installation in memory between database reads.
    authorize_cache_seconds: int = Field(60, ge=0, le=3600)
    database_url: str = "sqlite:///reciprocity.db"
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(3000, ge=1, le=65535)
    scheduler_enabled: bool = True
    web_concurrency: int = Field(2, ge=1, le=64)
    # Background processes `app.py serve` runs beside gunicorn for queued work (the first of
    # them also runs the scheduler), and threads running queued work in each.
    worker_processes: int = Field(1, ge=1, le=32)
    worker_threads: int = Field(8, ge=1, le=64)
    # Acks first: above this many new items a second (PostgreSQL), the worker slows down.
    worker_yield_above: int = Field(300, ge=0)  # 0: never
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line (bot/logs.py)
    # When Slack says the app was uninstalled from a workspace: keep its records for a
    # reinstall, or delete every one of them (bot/services/workspace_data.py).
    data_on_uninstall: Literal["keep", "purge"] = "keep"

    # The defaults a new workspace starts with; its admins can change them in Slack.
    kudos_daily_budget: int = Field(5, ge=1, le=1000)
    thanks_emoji: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_THANKS_EMOJI)
    )
    kudos_values: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Rhythm: how often the scheduler looks for due work, and the features' horizons.
    scheduler_tick_seconds: int = Field(120, ge=5, le=3600)
    help_stale_days: int = Field(14, ge=1, le=365)
    pairing_horizon_weeks: int = Field(6, ge=1, le=52)
    mentor_capacity: int = Field(2, ge=1, le=20)

    # Insights: the bot's public address (dashboard links, the OAuth redirect) and the smallest
    # group a number may describe (admins can change it per workspace in Slack).
    insights_min_group: int = Field(5, ge=3, le=10)

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "token_encryption_keys",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("thanks_emoji", "kudos_values", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("thanks_emoji")
    @classmethod
    def _emoji_names(cls, value: list[str]) -> list[str]:
        names = [name.strip(":").lower() for name in value]
        if not names:
            raise ValueError("list at least one emoji name, e.g. pray,clap")
        return names

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://reciprocity.example.com")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("token_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        keys = [k.strip() for k in value.get_secret_value().split(",") if k.strip()]
        for number, key in enumerate(keys, start=1):
            try:
                Fernet(key.encode())
            except ValueError:
                raise ValueError(
                    f"key {number} is not a Fernet key "
                    "(make one with `python app.py new-token-key`)"
                ) from None
        return SecretStr(",".join(keys)) if keys else None

    @model_validator(mode="after")
    def _oauth_needs_a_key(self) -> Settings:
        if self.oauth_enabled and self.token_encryption_keys is None:
            raise ValueError(
                "TOKEN_ENCRYPTION_KEYS is required with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(installs' tokens are stored encrypted): make one with "
                "`python app.py new-token-key`"
            )
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            raise ValueError("set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither")
        return self

    @property
    def oauth_enabled(self) -> bool:
        """Many workspaces: Slack's OAuth installs, each workspace with its own token."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    @property
    def token_keys(self) -> list[str]:
        """TOKEN_ENCRYPTION_KEYS as a list, the encrypting key first."""
        if self.token_encryption_keys is None:
            return []
        return self.token_encryption_keys.get_secret_value().split(",")

    @property
    def has_slack_credentials(self) -> bool:
        return bool((self.slack_bot_token or self.oauth_enabled) and self.slack_signing_secret)


class ConfigError(Exception):
    """A setting is wrong; the message names the variable and what is expected."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning pydantic's report into one readable line per variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            if error["loc"]:
                lines.append(f"{str(error['loc'][0]).upper()}: {error['msg']}")
            else:  # a rule across settings: its message names them
                lines.append(str(error["msg"]).removeprefix("Value error, "))
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
