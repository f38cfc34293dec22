"""Configuration: every setting comes from the environment or `.env`, checked at startup."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
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
    database_url: str = "sqlite:///reciprocity.db"
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(3000, ge=1, le=65535)
    scheduler_enabled: bool = True
    web_concurrency: int = Field(2, ge=1, le=64)
    worker_threads: int = Field(8, ge=1, le=64)  # threads running queued work, per worker
    # Acks first: above this many new items a second (PostgreSQL), the worker slows down.
    worker_yield_above: int = Field(300, ge=0)  # 0: never
    log_level: str = "INFO"

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
    public_url: str = "http://localhost:3000"
    insights_min_group: int = Field(5, ge=3, le=10)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
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

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)


class ConfigError(Exception):
    """A setting is wrong; the message names the variable and what is expected."""


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning pydantic's report into one readable line per variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            lines.append(f"{name}: {error['msg']}")
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
