"""The secrets of a deployed stack, read from AWS Secrets Manager through Powertools Parameters.

The template keeps every secret (the JWT signing key, the hash key, the CRM client secrets and API keys) in
one Secrets Manager secret, a JSON object keyed by the settings' names (``APP_SERVER_SECRET_KEY`` ...); the
functions' environment holds only its ARN (``APPCONNECT_SECRETS_ID``, read by :mod:`appconnect.settings`).

The secret is read on the first request that needs one of its values, never at import: Powertools and boto3
load then (about 50 to 75 ms, once per execution environment), not on every cold start. It is then kept
``SECRETS_MAX_AGE_S`` seconds (900) in Powertools' cache, so a rotated secret reaches every warm function
within that time without a redeployment. When a later read fails, the last value read goes on being used
(and a warning is logged); when the first read fails, the request fails with a :class:`ConfigurationError`.
Values are never logged and never part of an error message.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from appconnect.errors import ConfigurationError
from appconnect.settings import get_settings

_lock = threading.Lock()
_provider: Any = None
#: the last document read successfully, per secret id
_last_good: dict[str, dict[str, str]] = {}


def _secrets_provider() -> Any:
    """Powertools' Secrets Manager provider (created on first use; it imports boto3)."""
    global _provider
    if _provider is None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        _provider = SecretsProvider()
    return _provider


def _document(raw: Any) -> dict[str, str]:
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8")
    try:
        loaded = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        loaded = None
    if not isinstance(loaded, dict):
        # the message names the problem, never the content
        raise ConfigurationError("the secret APPCONNECT_SECRETS_ID names is not a JSON object")
    return {str(key): value.strip() for key, value in loaded.items() if isinstance(value, str)}


def secret_document(secret_id: str, max_age_s: int) -> dict[str, str]:
    """The secret's JSON object, from Powertools' cache while younger than ``max_age_s``."""
    with _lock:
        try:
            raw = _secrets_provider().get(secret_id, max_age=max(max_age_s, 1))
        except Exception as exc:
            previous = _last_good.get(secret_id)
            if previous is None:
                raise ConfigurationError(
                    f"cannot read the secret APPCONNECT_SECRETS_ID names ({type(exc).__name__})"
                ) from None
            from appconnect.observability import logger

            logger.warning(
                "secret refresh failed; the value read before is used",
                extra={"error_type": type(exc).__name__},
            )
            return previous
        document = _document(raw)
        _last_good[secret_id] = document
        return document


def secret_value(name: str) -> str:
    """The value of ``name`` in the stack's secret ("" when the secret has no such key)."""
    settings = get_settings()
    if not settings.secrets_id:
        raise ConfigurationError("APPCONNECT_SECRETS_ID is not set")
    return secret_document(settings.secrets_id, settings.secrets_max_age_s).get(name, "")


def clear_cache() -> None:
    """Forget every value read (tests, after changing the environment)."""
    global _provider
    with _lock:
        _provider = None
        _last_good.clear()


def use_provider(provider: Any) -> None:
    """Read secrets through ``provider`` (an object with Powertools' ``get(name, max_age=...)``): tests."""
    global _provider
    with _lock:
        _provider = provider
        _last_good.clear()


__all__ = ["clear_cache", "secret_document", "secret_value", "use_provider"]
