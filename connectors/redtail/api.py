"""Redtail's API (public v1) on the shared CRM client.

One base URL for everything, ``REDTAIL_API_URL`` (checked against ``REDTAIL_ALLOWED_HOSTS`` like any URL
we call). Two credentials: the deployment's partner API key (``REDTAIL_API_KEY``, a secret) and, per
user, the user key Redtail issues at login for the advisor's username and password. The login sends
``Basic base64(<api key>:<username>:<password>)``; every other call ``Userkeyauth base64(<api key>:<user
key>)``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from appconnect.connector import Connector
from appconnect.connector.client import CrmClient, CrmResponse, ensure_allowed
from appconnect.errors import CrmAuthError, CrmBadAnswer, CrmCredentialsRevoked, SessionRenewalFailed

PLATFORM = "redtail"


def partner_key(conf: Connector) -> str:
    """The deployment's Redtail partner API key; a server without one cannot talk to Redtail."""
    key = conf.setting("API_KEY").strip()
    if not key:
        raise SessionRenewalFailed(
            "this server has no Redtail partner API key (REDTAIL_API_KEY)", platform=PLATFORM
        )
    return key


def base_url(conf: Connector) -> str:
    """``REDTAIL_API_URL``, normalised, after the outbound-URL check."""
    return ensure_allowed(conf.setting("API_URL"), conf.allowed_hosts(), PLATFORM).rstrip("/")


class RedtailApi:
    """One invocation's Redtail calls for one user key."""

    def __init__(self, conf: Connector, user_key: str) -> None:
        if not user_key:
            raise CrmCredentialsRevoked("no Redtail user key is stored for this user", platform=PLATFORM)
        self.base = base_url(conf)
        credential = base64.b64encode(f"{partner_key(conf)}:{user_key}".encode()).decode()
        self._headers = {"Authorization": f"Userkeyauth {credential}", "Accept": "application/json"}
        self.client = CrmClient(PLATFORM)

    def _call(self, method: str, path: str, **options: Any) -> CrmResponse:
        headers = {**self._headers, **options.pop("headers", {})}
        try:
            return self.client.request(method, f"{self.base}{path}", headers=headers, **options)
        except CrmAuthError as error:
            if error.status == 401:
                # Redtail answers 401 only for a user key it no longer knows: the user must sign in again
                raise CrmCredentialsRevoked(str(error), status=401, platform=PLATFORM) from error
            raise

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return _object(self._call("GET", path, params=params, headers=dict(headers or {})), path)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return _object(self._call("POST", path, json_body=body), path)

    def put(self, path: str, body: Any) -> dict[str, Any]:
        # a PUT sets the same fields to the same values: safe to repeat after a 5xx
        return _object(self._call("PUT", path, json_body=body), path, empty_ok=True)

    def patch(self, path: str, body: Any) -> dict[str, Any]:
        return _object(self._call("PATCH", path, json_body=body, retry=True), path, empty_ok=True)


def _object(response: CrmResponse, path: str, *, empty_ok: bool = False) -> dict[str, Any]:
    """Redtail answers a read or a create with a JSON object; anything else is not Redtail's API. An update
    may answer 204 with no body."""
    if isinstance(response.body, dict):
        return response.body
    if empty_ok and not response.text.strip():
        return {}
    raise CrmBadAnswer(f"Redtail answered {path.split('?')[0]} with something else", platform=PLATFORM)


def login(conf: Connector, username: str, password: str) -> dict[str, Any]:
    """``GET /authentication`` with the partner key and the advisor's credentials: the authenticated user
    (with its ``user_key``). The password goes into this one request's header and nowhere else."""
    credential = base64.b64encode(f"{partner_key(conf)}:{username}:{password}".encode()).decode()
    response = CrmClient(PLATFORM).get(
        f"{base_url(conf)}/authentication",
        headers={"Authorization": f"Basic {credential}", "Accept": "application/json"},
    )
    body = response.body
    user = body.get("authenticated_user") if isinstance(body, dict) else None
    if not isinstance(user, dict) or not user.get("user_key"):
        raise CrmBadAnswer("Redtail did not return the authenticated user", platform=PLATFORM)
    return user
