"""Process settings, read from the environment (and `.env`) by the composition root only."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite://helpdesk.sqlite3"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # connect and read timeout of every Redis command: a stopped (not dead) Redis must not
    # hold requests for the kernel's TCP timeout; rate limits then fail open, bot updates
    # are left for redelivery, /readyz answers 503
    redis_timeout_seconds: float = Field(0.5, gt=0, le=60)
    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    public_base_url: str | None = None
    # where browsers reach this server, for the console's sign-in links (unset: the
    # PUBLIC_BASE_URL, else http://HTTP_HOST:HTTP_PORT)
    console_base_url: str | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str | None = None
    telegram_bot_username: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_rate_per_second: float = Field(30.0, gt=0)

    max_bot_token: SecretStr | None = None
    max_api_base: str | None = None
    max_bot_username: str | None = None
    max_webhook_url: str | None = None
    max_webhook_secret: SecretStr | None = None
    max_rate_per_second: float = Field(30.0, gt=0)

    webhook_allow_private_networks: bool = False
    # operations (helpdesk/housekeeping.py, helpdesk/workers.py)
    outbox_retention_days: int = Field(7, ge=1)
    housekeeping_interval_seconds: float = Field(300.0, gt=0)
    outbox_lease_seconds: float = Field(300.0, ge=1)  # a dead worker's rows return after this
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    default_locale: Literal["en", "ru"] = "en"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise ValueError("must start with sqlite://, postgres:// or postgresql://")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _telegram_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # the shape aiogram's Bot checks (digits, a colon, the secret): refused here in one
        # line instead of a TokenValidationError traceback when the bot is built
        if value is not None:
            bot_id, colon, secret = value.get_secret_value().partition(":")
            if not (colon and bot_id.isdigit() and secret) or any(
                c.isspace() for c in secret
            ):
                raise ValueError("must look like 123456789:AA… (the token @BotFather gave)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "telegram_bot_token",
        "max_bot_token",
        "telegram_api_base",
        "max_api_base",
        "public_base_url",
        "console_base_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value


def console_base_url(settings: Settings) -> str:
    """The origin the console's sign-in links point at (no trailing slash)."""
    base = settings.console_base_url or settings.public_base_url
    return (base or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Build settings; turn pydantic's report into one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
