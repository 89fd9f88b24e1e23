"""Every environment value the server reads, in one place.

Nothing else in the core or the connectors reads ``os.environ``. Connectors declare the names and defaults
of their own values (``<PLATFORM>_<NAME>``) and read them through :func:`connector_setting`. The README's
configuration table lists every name read here.

Secrets (:data:`SECRET_NAMES`, and a connector's ``<PLATFORM>_CLIENT_SECRET`` and ``<PLATFORM>_API_KEY``) are
read through :func:`secret_setting`: from the Secrets Manager secret ``APPCONNECT_SECRETS_ID`` names (a JSON
object keyed by these names; :mod:`appconnect.secrets`, on first use, never at import) or, when no secret is
named (development, unit tests), from the environment variable of the same name.
"""

from __future__ import annotations

import os
from functools import lru_cache

from appconnect.errors import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip().lower() in _TRUE


def _text(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value or default


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(name: str) -> str:
    value = _text(name, "INFO").upper()
    if value not in _LOG_LEVELS:
        raise ConfigurationError(f"{name} must be one of {', '.join(_LOG_LEVELS)}, got {value!r}")
    return value


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


class Settings:
    """A snapshot of the environment, taken once per cold start (read-only by convention).

    A plain class: generating a 24-field frozen dataclass's methods costs about 2 ms of every cold start.
    """

    __slots__ = (
        "admin_configs_table",
        "app_server",
        "aws_region",
        "cache_table",
        "call_logs_table",
        "dynamodb_endpoint_url",
        "jwt_audience",
        "jwt_issuer",
        "jwt_lifetime_days",
        "jwt_refresh_window_days",
        "log_level",
        "message_logs_table",
        "metrics_disabled",
        "ringcentral_server",
        "secrets_id",
        "secrets_max_age_s",
        "stage",
        "token_encryption_local_key",
        "token_kms_key_id",
        "token_refresh_period_s",
        "token_refresh_queue_url",
        "tracing_enabled",
        "use_cache",
        "users_table",
    )

    def __init__(self) -> None:
        self.stage: str = _text("APPCONNECT_STAGE", "aws")
        #: the Secrets Manager secret (ARN) holding the secrets; empty: they come from the environment
        self.secrets_id: str = _text("APPCONNECT_SECRETS_ID")
        #: how long a secret read from Secrets Manager is kept before it is read again (rotation)
        self.secrets_max_age_s: int = _int("SECRETS_MAX_AGE_S", 900)
        self.jwt_issuer: str = _text("JWT_ISSUER", "appconnect")
        self.jwt_audience: str = _text("JWT_AUDIENCE", "appconnect-extension")
        self.jwt_lifetime_days: int = _int("JWT_LIFETIME_DAYS", 14)
        self.jwt_refresh_window_days: int = _int("JWT_REFRESH_WINDOW_DAYS", 7)
        self.app_server: str = _text("APP_SERVER").rstrip("/")
        self.ringcentral_server: str = _text("RINGCENTRAL_SERVER", "https://platform.ringcentral.com").rstrip(
            "/"
        )
        self.use_cache: bool = _flag("USE_CACHE")
        self.tracing_enabled: bool = not _flag("POWERTOOLS_TRACE_DISABLED")
        self.log_level: str = _log_level("POWERTOOLS_LOG_LEVEL")
        self.metrics_disabled: bool = _flag("POWERTOOLS_METRICS_DISABLED")
        self.aws_region: str = _text("AWS_REGION", _text("AWS_DEFAULT_REGION", "us-east-1"))
        self.dynamodb_endpoint_url: str = _text("DYNAMODB_ENDPOINT_URL")
        self.users_table: str = _text("USERS_TABLE")
        self.admin_configs_table: str = _text("ADMIN_CONFIGS_TABLE")
        self.call_logs_table: str = _text("CALL_LOGS_TABLE")
        self.message_logs_table: str = _text("MESSAGE_LOGS_TABLE")
        self.cache_table: str = _text("CACHE_TABLE")
        self.token_kms_key_id: str = _text("TOKEN_KMS_KEY_ID")
        self.token_encryption_local_key: str = _text("TOKEN_ENCRYPTION_LOCAL_KEY")
        self.token_refresh_queue_url: str = _text("TOKEN_REFRESH_QUEUE_URL")
        #: how often the token-refresh scheduler runs (its schedule in template.yaml)
        self.token_refresh_period_s: int = _int("TOKEN_REFRESH_PERIOD_S", 300)

    def __repr__(self) -> str:
        return f"Settings(stage={self.stage!r}, aws_region={self.aws_region!r})"

    def require_jwt_secret(self) -> str:
        return _require_secret("APP_SERVER_SECRET_KEY")

    def require_hash_key(self) -> str:
        return _require_secret("HASH_KEY")

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


def xray_trace_header() -> str:
    """The invocation's X-Ray trace header, which Lambda sets in the environment before each invocation
    (so read afresh, not part of the cold start's snapshot)."""
    return os.environ.get("_X_AMZN_TRACE_ID", "")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (read once; call :func:`reload` in tests after changing the environment)."""
    return Settings()


def reload() -> Settings:
    get_settings.cache_clear()
    _connector_environment.cache_clear()
    import sys

    secrets_module = sys.modules.get("appconnect.secrets")
    if secrets_module is not None:
        secrets_module.clear_cache()
    return get_settings()


#: the core's secrets; a connector's are its ``<PLATFORM>_CLIENT_SECRET`` and ``<PLATFORM>_API_KEY``
SECRET_NAMES = ("APP_SERVER_SECRET_KEY", "HASH_KEY")
_CONNECTOR_SECRET_SUFFIXES = ("_CLIENT_SECRET", "_API_KEY")


def is_secret(name: str) -> bool:
    """Whether ``name`` is read from the secret (when one is named) rather than the environment."""
    return name in SECRET_NAMES or name.endswith(_CONNECTOR_SECRET_SUFFIXES)


def secret_setting(name: str, default: str = "") -> str:
    """The secret ``name`` (see the module's docstring); ``default`` when it is empty or absent."""
    if not get_settings().secrets_id:
        # development and tests: the template never puts a secret in the environment
        return _text(name) or default
    from appconnect.secrets import secret_value

    return secret_value(name) or default


def _require_secret(name: str) -> str:
    value = secret_setting(name)
    if not value:
        raise ConfigurationError(f"{name} is not set")
    return value


def connector_setting(platform: str, name: str, default: str = "") -> str:
    """``<PLATFORM>_<NAME>``, e.g. ``PIPEDRIVE_API_URL``, from the environment (a secret such as
    ``PIPEDRIVE_CLIENT_SECRET`` through :func:`secret_setting`); ``default`` when unset."""
    full_name = f"{platform.upper()}_{name.upper()}"
    if is_secret(full_name):
        return secret_setting(full_name, default)
    return _connector_environment(full_name, default)


@lru_cache(maxsize=256)
def _connector_environment(full_name: str, default: str) -> str:
    return _text(full_name, default)
