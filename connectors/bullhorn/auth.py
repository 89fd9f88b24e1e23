"""Bullhorn login: the OAuth code exchange (every parameter in the query string), the REST login that
opens the user's session, and who the user is (``CorporateUser``).

The data centre is found by the extension, which sends its ``tokenUrl`` and ``apiUrl`` (REST login base)
with the callback; both must be Bullhorn hosts before the client secret or a token goes there.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from appconnect import oauth
from appconnect.connector import (
    Connector,
    CrmUser,
    LoginRequest,
    LoginResult,
    OAuthInfo,
    PlatformUser,
    ReturnMessage,
    ServiceLogin,
    StatusResult,
)
from appconnect.connector.client import CrmClient, CrmRedirected, DisallowedUrl
from appconnect.connector.helpers import login_failure
from appconnect.errors import CrmAuthError, CrmBadRequest, CrmError, CrmSessionExpired, return_message
from appconnect.observability import logger
from connectors.bullhorn.api import PLATFORM, BullhornApi, allowed, jpql_string, rest_login

#: the reference's answer to a failed login
LOGIN_FAILED = "Could not load user information"


def utc_offset_text(offset_from_eastern: Any) -> str:
    """``CorporateUser.timeZoneOffsetEST`` as ``±HH:MM`` from UTC. Bullhorn documents it in hours from US
    Eastern (Pacific is -3); the reference read minutes (300 for UTC). Small values are taken as hours."""
    try:
        value = float(offset_from_eastern)
    except (TypeError, ValueError):
        return ""
    minutes = (value - 5) * 60 if abs(value) <= 16 else value - 300
    sign = "+" if minutes >= 0 else "-"
    whole = round(abs(minutes))
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}"


class Auth(Connector):
    """Bullhorn's login, sessions and logout."""

    def get_oauth_info(
        self, *, hostname: str = "", token_url: str = "", api_url: str = "", server_url: str = ""
    ) -> OAuthInfo:
        """Bullhorn's client, at the data centre's token endpoint the extension found (a Bullhorn host)."""
        if not token_url:
            raise DisallowedUrl("the Bullhorn token URL (tokenUrl) is missing", platform=PLATFORM)
        if api_url:
            allowed(self, api_url)  # refused before the code is spent at the token endpoint
        return OAuthInfo(
            client_id=self.setting("CLIENT_ID"),
            client_secret=self.setting("CLIENT_SECRET"),
            access_token_uri=allowed(self, token_url),
            redirect_uri=self.setting("REDIRECT_URI"),
            client_auth="query",
        )

    def get_user_info(self, *, auth_header: str, request: LoginRequest) -> LoginResult:
        """Open the REST session, then read the user's ``CorporateUser``."""
        if not request.api_url or not request.username:
            return login_failure("The Bullhorn data centre (apiUrl) and username are required.", LOGIN_FAILED)
        login_url = allowed(self, request.api_url).rstrip("/")
        try:
            session = rest_login(self, login_url, request.access_token)
            api = BullhornApi(self, CrmUser(id="", platform=PLATFORM, session=session))
            found = api.get(
                "query/CorporateUser",
                params={
                    "fields": "id,name,timeZoneOffsetEST,masterUserID",
                    "where": f"username={jpql_string(request.username)}",
                },
            ).get("data")
        except (CrmSessionExpired, CrmError) as error:
            logger.info("bullhorn login failed", extra={"error": type(error).__name__})
            return login_failure(
                "Bullhorn did not open a session for this sign-in. Please try connecting again.", LOGIN_FAILED
            )
        me = found[0] if isinstance(found, list) and found and isinstance(found[0], dict) else None
        if me is None or me.get("masterUserID") is None:
            return login_failure(f"Bullhorn has no user named {request.username}.", LOGIN_FAILED)
        return LoginResult(
            user=PlatformUser(
                id=f"{me['masterUserID']}-{PLATFORM}",
                name=str(me.get("name") or ""),
                timezone_offset=utc_offset_text(me.get("timeZoneOffsetEST")),
                additional_info={
                    "id": me.get("id"),
                    "tokenUrl": allowed(self, request.token_url) if request.token_url else "",
                    "loginUrl": login_url,
                },
                session=session,
            ),
            message=return_message("Connected to Bullhorn.", "success", 1000),
        )

    def api_home(self, *, hostname: str, additional_info: dict[str, Any]) -> str:
        """The data centre the user signs in at (its REST login base)."""
        return str(additional_info.get("loginUrl") or "")

    def start_session(self, *, user: CrmUser, auth_header: str) -> Mapping[str, Any]:
        """A new REST session with the user's current access token."""
        return rest_login(self, str(user.platform_additional_info.get("loginUrl") or ""), user.access_token)

    def validate_session(self, *, user: CrmUser, auth_header: str) -> StatusResult:
        """``GET ping``: the session answers and has not expired (an expired one is renewed by the core)."""
        expires = BullhornApi(self, user).get("ping").get("sessionExpires")
        if isinstance(expires, int | float) and expires / 1000 <= time.time():
            raise CrmSessionExpired("the Bullhorn session has expired", platform=PLATFORM)
        return StatusResult(successful=True)

    def server_logging_settings(self, *, user: CrmUser) -> dict[str, Any]:
        """The service account's username; its password is kept encrypted and never answered back."""
        return {"apiUsername": str(user.secrets.get("apiUsername") or ""), "apiPassword": ""}

    def service_login(self, *, user: CrmUser, values: Mapping[str, Any]) -> ServiceLogin:
        """Sign the service account in with its password (Bullhorn's ``action=Login`` authorization, whose
        answer is a redirect carrying the code: read, never followed), then open its REST session. An empty
        password keeps the stored one for the same username."""
        username = str(values.get("apiUsername") or "").strip()
        password = str(values.get("apiPassword") or "")
        if not password and username == user.secrets.get("apiUsername"):
            password = str(user.secrets.get("apiPassword") or "")
        if not username or not password:
            raise CrmBadRequest(
                "the service account's username and password are both required", platform=PLATFORM
            )
        token_url = str(user.platform_additional_info.get("tokenUrl") or "")
        info = self.get_oauth_info(token_url=token_url)
        code = _password_code(self, info, username, password)
        tokens = oauth.exchange_code(info, PLATFORM, code)
        session = rest_login(
            self, str(user.platform_additional_info.get("loginUrl") or ""), tokens.access_token
        )
        return ServiceLogin(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            session=session,
            secrets={"apiUsername": username, "apiPassword": password},
        )

    def unauthorize(self, *, user: CrmUser, auth_header: str) -> ReturnMessage | None:
        """End the REST session (best effort; Bullhorn has no call to revoke an OAuth grant)."""
        try:
            BullhornApi(self, user).get("logout")
        except CrmError as error:
            logger.info("bullhorn session logout failed", extra={"error": type(error).__name__})
        return return_message("Logged out of Bullhorn", "success", 1000)


def _password_code(conf: Connector, info: OAuthInfo, username: str, password: str) -> str:
    """The authorization code Bullhorn puts in its redirect for a correct username and password; a login
    page (no redirect) or a redirect without a code means refused."""
    base = info.access_token_uri
    authorize = allowed(conf, base[: -len("/token")] + "/authorize" if base.endswith("/token") else base)
    params = {
        "client_id": info.client_id,
        "response_type": "code",
        "action": "Login",
        "username": username,
        "password": password,
        "redirect_uri": info.redirect_uri,
    }
    try:
        CrmClient(PLATFORM).get(authorize, params=params)
    except CrmRedirected as redirected:
        codes = parse_qs(urlsplit(redirected.location).query).get("code")
        if codes and codes[0]:
            return codes[0]
    raise CrmAuthError("Bullhorn refused the service account's username and password", platform=PLATFORM)
