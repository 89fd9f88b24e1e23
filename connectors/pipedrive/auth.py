"""Pipedrive login and the app's lifecycle: the OAuth client, who logged in, logout (token revocation),
the ``/pipedrive-redirect`` page and the uninstall webhook.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appconnect.connector import (
    Connector,
    CrmUser,
    LoginRequest,
    LoginResult,
    OAuthInfo,
    PlatformUser,
    ReturnMessage,
)
from appconnect.connector.client import CrmClient, DisallowedUrl, allowed_host
from appconnect.connector.helpers import login_failure
from appconnect.errors import ApiError, BadRequest, CrmError, return_message
from appconnect.observability import logger
from connectors.pipedrive.api import api_for, data_of
from connectors.pipedrive.formatting import PLATFORM

#: the reference's words when Pipedrive does not answer who logged in
USER_INFO_REFUSED = (
    "Pipedrive was unable to fetch information for the currently logged in user. Please check your "
    "permissions in Pipedrive and make sure you have permission to access and read user information."
)
#: ours, for a company address outside PIPEDRIVE_ALLOWED_HOSTS (the reference called any address)
WRONG_ADDRESS = (
    "Pipedrive did not return your user information. Please check that your Pipedrive address is right "
    "and try to connect again."
)
APP_PAGE = (Path(__file__).parent / "redirect.html").read_text(encoding="utf-8")
#: where the App Connect extension runs (docs/compatibility.md gives the source of each): the only
#: windows /pipedrive-redirect hands an authorization code to, with the page's own origin
DEFAULT_REDIRECT_ORIGINS = ",".join(
    (
        "https://apps.ringcentral.com",
        "https://ringcentral.github.io",
        "https://appconnect.labs.ringcentral.com",
        "chrome-extension://kkhkjhafgdlihndcbnebljipgkandkhh",
        "chrome-extension://bgpkbcidaabaeioilooghlffdcmlimgk",
        "chrome-extension://fkoakbdjghpdcjlhelgeiahggkghnkfl",
    )
)
_ORIGIN = re.compile(
    r"^(?:https://[a-z0-9.-]+(?::[0-9]{1,5})?|chrome-extension://[a-p]{32}"
    r"|http://(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?)$"
)


def oauth_url(conf: Connector, path: str) -> str:
    return f"{conf.setting('OAUTH_URL').rstrip('/')}{path}"


def client_basic_auth(conf: Connector) -> str:
    credentials = f"{conf.setting('CLIENT_ID')}:{conf.setting('CLIENT_SECRET')}"
    return "Basic " + base64.b64encode(credentials.encode()).decode()


class Auth(Connector):
    """Pipedrive's login and logout: the interfaces of :mod:`connectors.pipedrive.auth`."""

    def manifest_values(self, *, server_url: str) -> dict[str, str]:
        return {
            "clientId": self.setting("CLIENT_ID"),
            "authUrl": oauth_url(self, "/oauth/authorize"),
            "redirectUri": self.setting("REDIRECT_URI") or f"{server_url}/pipedrive-redirect",
        }

    def get_oauth_info(
        self, *, hostname: str = "", token_url: str = "", api_url: str = "", server_url: str = ""
    ) -> OAuthInfo:
        """Pipedrive's OAuth client. The redirect URI is ``PIPEDRIVE_REDIRECT_URI`` when set, else this
        server's ``/pipedrive-redirect`` (as the manifest tells the extension). The hosts are fixed settings:
        ``hostname``, ``token_url`` and ``api_url`` are not read."""
        redirect_uri = self.setting("REDIRECT_URI")
        if not redirect_uri:
            base = server_url
            if not base:
                from appconnect.settings import get_settings

                base = get_settings().app_server
            redirect_uri = f"{base.rstrip('/')}/pipedrive-redirect"
        return OAuthInfo(
            client_id=self.setting("CLIENT_ID"),
            client_secret=self.setting("CLIENT_SECRET"),
            access_token_uri=oauth_url(self, "/oauth/token"),
            redirect_uri=redirect_uri,
        )

    def get_user_info(self, *, auth_header: str, request: LoginRequest) -> LoginResult:
        """Who logged in (``GET /v1/users/me`` on the global API).

        ``hostname`` ``temp`` (an install from the Pipedrive Marketplace) becomes
        ``<company_domain>.pipedrive.com``. Any other hostname must be an allowed Pipedrive host.
        """
        hostname = request.hostname
        api = api_for(self, auth_header, hostname)
        try:
            host = "" if hostname == "temp" else allowed_host(hostname, self.allowed_hosts(), PLATFORM)
            data = data_of(api.get(api.global_api("/v1/users/me"))) or {}
            user_id = data["id"]
            if hostname == "temp":
                # the company host comes from Pipedrive's answer: it is checked like one the user typed
                domain = data.get("company_domain")
                api_domain = (request.token_response or {}).get("api_domain")
                host = allowed_host(
                    f"{domain}.pipedrive.com" if domain else str(api_domain or ""),
                    self.allowed_hosts(),
                    PLATFORM,
                )
        except (CrmError, KeyError, TypeError) as error:
            logger.info("pipedrive user info failed", extra={"error": type(error).__name__})
            detail = WRONG_ADDRESS if isinstance(error, DisallowedUrl) else USER_INFO_REFUSED
            return login_failure(detail)
        return LoginResult(
            user=PlatformUser(
                id=f"{user_id}-{PLATFORM}",
                # a missing value is stored as "" (as the core stored it from the untyped answer)
                name=str(data.get("name") or ""),
                timezone_name=str(data.get("timezone_name") or ""),
                timezone_offset=str(data.get("timezone_offset") or ""),
                additional_info={
                    "companyId": data.get("company_id"),
                    "companyName": data.get("company_name"),
                    "companyDomain": data.get("company_domain"),
                },
                # always the normalised host: the core stores this, never the text the client sent
                overriding_hostname=host,
            ),
            message=return_message("Connected to Pipedrive.", "success", 1000),
        )

    def unauthorize(self, *, user: CrmUser, auth_header: str) -> ReturnMessage | None:
        """Revoke the refresh token (which also ends its access tokens), then the access token, with the app's
        client credentials (``auth_header``, the user's bearer token, is not what Pipedrive's revoke wants).

        A failed revoke raises: the core must not forget credentials Pipedrive still honours.
        """
        client = CrmClient(PLATFORM)
        headers = {"Authorization": client_basic_auth(self), "Accept": "application/json"}
        for token, hint in ((user.refresh_token, "refresh_token"), (user.access_token, "access_token")):
            if token:
                client.post(
                    oauth_url(self, "/oauth/revoke"),
                    headers=headers,
                    data={"token": token, "token_type_hint": hint},
                    retry=True,  # revoking twice is harmless
                )
        return return_message("Logged out of Pipedrive", "success", 1000)

    def app_page(self, *, query: Mapping[str, str], server_url: str) -> str:
        """``GET /pipedrive-redirect``: Pipedrive redirects here after the OAuth consent. The page hands
        the URL (with ``code`` and ``state``) to the extension window that opened it; opened without a
        code (an install from the Marketplace) it explains how to finish the setup. The page is the same
        for every ``query``: its script reads the URL itself."""
        origins = [o.strip().lower() for o in self.setting("REDIRECT_ORIGINS").split(",") if o.strip()]
        valid = [o for o in origins if _ORIGIN.match(o)]
        # JSON inside a script: "<" escaped so no configured text can close the script element
        return APP_PAGE.replace("__ALLOWED_ORIGINS__", json.dumps(valid).replace("<", "\\u003c"))

    def uninstalled_user_id(self, *, headers: Mapping[str, str], body: Mapping[str, Any]) -> str:
        """``DELETE /pipedrive-redirect``: Pipedrive's app-uninstall webhook, authenticated with the app's
        client credentials (HTTP Basic)."""
        expected = client_basic_auth(self)
        given = headers.get("authorization", "")
        if not self.setting("CLIENT_ID") or not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError("Unauthorized", status=401)
        user_id = str(body.get("user_id") or "")
        if not user_id:
            raise BadRequest("Missing user_id")
        # Pipedrive sends its numeric user id; the reference also took the stored key itself
        return user_id if user_id.endswith(f"-{PLATFORM}") else f"{user_id}-{PLATFORM}"
