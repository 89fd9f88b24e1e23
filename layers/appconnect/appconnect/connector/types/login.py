"""Login: what ``/oauth-callback``, ``/apiKeyLogin`` and a service sign-in hand a connector, and its answers
(see :mod:`appconnect.connector.types`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from appconnect.connector.types import ReturnMessage, _empty


@dataclass(frozen=True, kw_only=True)
class LoginRequest:
    """Who is logging in: what ``/oauth-callback`` or ``/apiKeyLogin`` received (``auth_header`` is passed
    beside it, built from the new token or key)."""

    hostname: str = ""
    token_url: str = ""
    api_url: str = ""
    username: str = ""
    #: the CRM's token answer (OAuth), which some CRMs use to carry the user's API address
    token_response: Mapping[str, Any] | None = None
    access_token: str = ""
    #: the login form's fields (apiKey connectors)
    additional_info: Mapping[str, Any] = field(default_factory=_empty)
    api_key: str = ""


@dataclass(frozen=True, kw_only=True)
class PlatformUser:
    """The CRM user a login found (``platformUserInfo``)."""

    id: str
    name: str = ""
    timezone_name: str = ""
    timezone_offset: str = ""
    #: stored as ``platformAdditionalInfo`` (never secrets: the core drops known secret keys)
    additional_info: Mapping[str, Any] = field(default_factory=_empty)
    #: the company host the CRM says this user belongs to, stored instead of the one typed
    overriding_hostname: str = ""
    #: a credential the CRM issued in exchange for the one given (stored instead of it)
    overriding_api_key: str = ""
    #: the CRM session opened at login (secrets such as a session token), stored encrypted
    session: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class LoginResult:
    """The login's outcome: ``user`` None means refused, with ``message`` saying why."""

    user: PlatformUser | None
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceLogin:
    """A sign-in the connector made without the user's browser (a service account's password): the new
    OAuth tokens, the CRM session they opened, and the credentials to keep (all stored encrypted)."""

    access_token: str
    refresh_token: str | None
    expires_at: float | None
    session: Mapping[str, Any] | None = None
    secrets: Mapping[str, Any] = field(default_factory=_empty)
