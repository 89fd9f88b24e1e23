"""OAuth 2.0 authorization-code exchange and refresh (RFC 6749), over the shared CRM client."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from appconnect.connector import OAuthInfo
from appconnect.connector.client import CrmClient
from appconnect.errors import CrmAuthError, CrmBadRequest, CrmError


class OAuthError(CrmError):
    """The token endpoint refused: ``code`` is the OAuth error (``invalid_grant`` ...)."""

    def __init__(
        self, message: str, *, code: str = "", status: int | None = None, platform: str = ""
    ) -> None:
        super().__init__(message, status=status, platform=platform)
        self.code = code


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: float | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def code_from_callback(callback_uri: str, redirect_uri: str) -> str:
    """The ``code`` of the URL the CRM redirected the browser to, checked as client-oauth2 does."""
    parts = urlsplit(callback_uri)
    if redirect_uri and urlsplit(redirect_uri).path != parts.path:
        raise OAuthError("Redirected path should match configured path, but got: " + parts.path)
    query = parse_qs(parts.query)
    if "error" in query:
        description = (query.get("error_description") or query["error"])[0]
        raise OAuthError(description, code=query["error"][0])
    codes = query.get("code")
    if not codes or not codes[0]:
        raise OAuthError("Unable to process uri: missing code")
    return codes[0]


def _post_token(info: OAuthInfo, platform: str, form: dict[str, str]) -> Tokens:
    headers = {"Accept": "application/json, application/x-www-form-urlencoded"}
    client = CrmClient(platform)
    params: dict[str, str] | None = None
    data: dict[str, str] | None = None
    if info.client_auth == "query":
        params = {**form, "client_id": info.client_id, "client_secret": info.client_secret}
    else:
        credential = base64.b64encode(f"{info.client_id}:{info.client_secret}".encode()).decode()
        headers["Authorization"] = f"Basic {credential}"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = form
    try:
        # A token request is never repeated blindly: a code or a rotating refresh token is single-use.
        response = client.post(info.access_token_uri, headers=headers, params=params, data=data, retry=False)
    except (CrmBadRequest, CrmAuthError) as error:
        code = error.body.get("error") if isinstance(error.body, dict) else None
        raise OAuthError(
            str(error),
            code=code if isinstance(code, str) else _error_code(str(error)),
            status=error.status,
            platform=platform,
        ) from error
    body = response.json() if isinstance(response.json(), dict) else {}
    if body.get("error"):
        raise OAuthError(
            str(body.get("error_description") or body["error"]),
            code=str(body["error"]),
            status=response.status,
            platform=platform,
        )
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("the token endpoint answered without an access token", platform=platform)
    expires_in = body.get("expires_in")
    expires_at = (
        time.time() + float(expires_in)
        if isinstance(expires_in, int | float | str) and str(expires_in).replace(".", "", 1).isdigit()
        else None
    )
    refresh = body.get("refresh_token")
    return Tokens(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=expires_at,
        raw=body,
    )


def _error_code(message: str) -> str:
    lowered = message.lower()
    for code in ("invalid_grant", "invalid_client", "invalid_request", "unauthorized_client"):
        if code in lowered:
            return code
    return ""


def exchange_code(info: OAuthInfo, platform: str, code: str) -> Tokens:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": info.redirect_uri}
    return _post_token(info, platform, form)


def refresh(info: OAuthInfo, platform: str, refresh_token: str) -> Tokens:
    return _post_token(info, platform, {"grant_type": "refresh_token", "refresh_token": refresh_token})
