"""Every environment value the server reads, in one place.

Nothing else in the core or the connectors reads ``os.environ``. Connectors declare the names and defaults
of their own values (``<PLATFORM>_<NAME>``) and read them through :func:`connector_setting`. The README's
configuration table lists every name read here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from appconnect.errors import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip().lower() in _TRUE


def _text(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """A snapshot of the environment, taken once per cold start."""

    stage: str = "aws"
    jwt_secret: str = field(default="", repr=False)
    hash_key: str = field(default="", repr=False)
    jwt_issuer: str = "appconnect"
    jwt_audience: str = "appconnect-extension"
    jwt_lifetime_days: int = 14
    jwt_refresh_window_days: int = 7
    app_server: str = ""
    ringcentral_server: str = "https://platform.ringcentral.com"
    use_cache: bool = False
    tracing_enabled: bool = True
    aws_region: str = "us-east-1"
    dynamodb_endpoint_url: str = ""
    users_table: str = ""
    admin_configs_table: str = ""
    call_logs_table: str = ""
    message_logs_table: str = ""
    cache_table: str = ""
    token_kms_key_id: str = ""
    token_encryption_local_key: str = field(default="", repr=False)
    token_refresh_queue_url: str = ""
    #: how often the token-refresh scheduler runs (its schedule in template.yaml)
    token_refresh_period_s: int = 300

    def require_jwt_secret(self) -> str:
        if not self.jwt_secret:
            raise ConfigurationError("APP_SERVER_SECRET_KEY is not set")
        return self.jwt_secret

    def require_hash_key(self) -> str:
        if not self.hash_key:
            raise ConfigurationError("HASH_KEY is not set")
        return self.hash_key

    def require_table(self, env_name: str) -> str:
        value = {
            "USERS_TABLE": self.users_table,
            "ADMIN_CONFIGS_TABLE": self.admin_configs_table,
            "CALL_LOGS_TABLE": self.call_logs_table,
            "MESSAGE_LOGS_TABLE": self.message_logs_table,
            "CACHE_TABLE": self.cache_table,
        }[env_name]
        if not value:
            raise ConfigurationError(f"{env_name} is not set")
        return value

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def _load() -> Settings:
    return Settings(
        stage=_text("APPCONNECT_STAGE", "aws"),
        jwt_secret=_text("APP_SERVER_SECRET_KEY"),
        hash_key=_text("HASH_KEY"),
        jwt_issuer=_text("JWT_ISSUER", "appconnect"),
        jwt_audience=_text("JWT_AUDIENCE", "appconnect-extension"),
        jwt_lifetime_days=_int("JWT_LIFETIME_DAYS", 14),
        jwt_refresh_window_days=_int("JWT_REFRESH_WINDOW_DAYS", 7),
        app_server=_text("APP_SERVER").rstrip("/"),
        ringcentral_server=_text("RINGCENTRAL_SERVER", "https://platform.ringcentral.com").rstrip("/"),
        use_cache=_flag("USE_CACHE"),
        tracing_enabled=not _flag("POWERTOOLS_TRACE_DISABLED"),
        aws_region=_text("AWS_REGION", _text("AWS_DEFAULT_REGION", "us-east-1")),
        dynamodb_endpoint_url=_text("DYNAMODB_ENDPOINT_URL"),
        users_table=_text("USERS_TABLE"),
        admin_configs_table=_text("ADMIN_CONFIGS_TABLE"),
        call_logs_table=_text("CALL_LOGS_TABLE"),
        message_logs_table=_text("MESSAGE_LOGS_TABLE"),
        cache_table=_text("CACHE_TABLE"),
        token_kms_key_id=_text("TOKEN_KMS_KEY_ID"),
        token_encryption_local_key=_text("TOKEN_ENCRYPTION_LOCAL_KEY"),
        token_refresh_queue_url=_text("TOKEN_REFRESH_QUEUE_URL"),
        token_refresh_period_s=_int("TOKEN_REFRESH_PERIOD_S", 300),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (read once; call :func:`reload` in tests after changing the environment)."""
    return _load()


def reload() -> Settings:
    get_settings.cache_clear()
    connector_setting.cache_clear()
    return get_settings()


@lru_cache(maxsize=256)
def connector_setting(platform: str, name: str, default: str = "") -> str:
    """``<PLATFORM>_<NAME>`` from the environment, e.g. ``PIPEDRIVE_API_URL``; ``default`` when unset."""
    return _text(f"{platform.upper()}_{name.upper()}", default)
