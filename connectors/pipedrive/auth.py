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

from appconnect.connector import Connector, CrmUser, OAuthInfo
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


def oauth_url(connector: Connector, path: str) -> str:
    return f"{connector.setting('OAUTH_URL').rstrip('/')}{path}"


def client_basic_auth(connector: Connector) -> str:
    credentials = f"{connector.setting('CLIENT_ID')}:{connector.setting('CLIENT_SECRET')}"
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def manifest_values(connector: Connector, *, server_url: str) -> dict[str, str]:
    return {
        "clientId": connector.setting("CLIENT_ID"),
        "authUrl": oauth_url(connector, "/oauth/authorize"),
        "redirectUri": connector.setting("REDIRECT_URI") or f"{server_url}/pipedrive-redirect",
    }


def get_oauth_info(connector: Connector, *, server_url: str) -> OAuthInfo:
    """Pipedrive's OAuth client. The redirect URI is ``PIPEDRIVE_REDIRECT_URI`` when set, else this
    server's ``/pipedrive-redirect`` (as the manifest tells the extension)."""
    redirect_uri = connector.setting("REDIRECT_URI")
    if not redirect_uri:
        base = server_url
        if not base:
            from appconnect.settings import get_settings

            base = get_settings().app_server
        redirect_uri = f"{base.rstrip('/')}/pipedrive-redirect"
    return OAuthInfo(
        client_id=connector.setting("CLIENT_ID"),
        client_secret=connector.setting("CLIENT_SECRET"),
        access_token_uri=oauth_url(connector, "/oauth/token"),
        redirect_uri=redirect_uri,
    )


def get_user_info(
    connector: Connector,
    *,
    auth_header: str,
    hostname: str,
    token_response: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Who logged in (``GET /v1/users/me`` on the global API).

    ``hostname`` ``temp`` (an install from the Pipedrive Marketplace) becomes
    ``<company_domain>.pipedrive.com``. Any other hostname must be an allowed Pipedrive host.
    """
    api = api_for(connector, auth_header, hostname)
    try:
        host = "" if hostname == "temp" else allowed_host(hostname, connector.allowed_hosts(), PLATFORM)
        data = data_of(api.get(api.global_api("/v1/users/me"))) or {}
        user_id = data["id"]
        if hostname == "temp":
            # the company host comes from Pipedrive's answer: it is checked like one the user typed
            domain = data.get("company_domain")
            api_domain = (token_response or {}).get("api_domain")
            host = allowed_host(
                f"{domain}.pipedrive.com" if domain else str(api_domain or ""),
                connector.allowed_hosts(),
                PLATFORM,
            )
    except (CrmError, KeyError, TypeError) as error:
        logger.info("pipedrive user info failed", extra={"error": type(error).__name__})
        detail = WRONG_ADDRESS if isinstance(error, DisallowedUrl) else USER_INFO_REFUSED
        return login_failure(detail)
    return {
        "successful": True,
        "platformUserInfo": {
            "id": f"{user_id}-{PLATFORM}",
            "name": data.get("name"),
            "timezoneName": data.get("timezone_name"),
            "timezoneOffset": data.get("timezone_offset"),
            "platformAdditionalInfo": {
                "companyId": data.get("company_id"),
                "companyName": data.get("company_name"),
                "companyDomain": data.get("company_domain"),
            },
            # always the normalised host: the core stores this, never the text the client sent
            "overridingHostname": host,
        },
        "returnMessage": return_message("Connected to Pipedrive.", "success", 1000),
        "extraDataTracking": api.tracking,
    }


def unauthorize(connector: Connector, *, user: CrmUser) -> dict[str, Any]:
    """Revoke the refresh token (which also ends its access tokens), then the access token.

    A failed revoke raises: the core must not forget credentials Pipedrive still honours.
    """
    client = CrmClient(PLATFORM)
    headers = {"Authorization": client_basic_auth(connector), "Accept": "application/json"}
    for token, hint in ((user.refresh_token, "refresh_token"), (user.access_token, "access_token")):
        if token:
            client.post(
                oauth_url(connector, "/oauth/revoke"),
                headers=headers,
                data={"token": token, "token_type_hint": hint},
                retry=True,  # revoking twice is harmless
            )
    return {"returnMessage": return_message("Logged out of Pipedrive", "success", 1000)}


def app_page(connector: Connector) -> str:
    """``GET /pipedrive-redirect``: Pipedrive redirects here after the OAuth consent. The page hands
    the URL (with ``code`` and ``state``) to the extension window that opened it; opened without a
    code (an install from the Marketplace) it explains how to finish the setup."""
    origins = [o.strip().lower() for o in connector.setting("REDIRECT_ORIGINS").split(",") if o.strip()]
    valid = [o for o in origins if _ORIGIN.match(o)]
    # JSON inside a script: "<" escaped so no configured text can close the script element
    return APP_PAGE.replace("__ALLOWED_ORIGINS__", json.dumps(valid).replace("<", "\\u003c"))


def uninstalled_user_id(connector: Connector, *, headers: Mapping[str, str], body: Mapping[str, Any]) -> str:
    """``DELETE /pipedrive-redirect``: Pipedrive's app-uninstall webhook, authenticated with the app's
    client credentials (HTTP Basic)."""
    expected = client_basic_auth(connector)
    given = headers.get("authorization", "")
    if not connector.setting("CLIENT_ID") or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError("Unauthorized", status=401)
    user_id = str(body.get("user_id") or "")
    if not user_id:
        raise BadRequest("Missing user_id")
    # Pipedrive sends its numeric user id; the reference also took the stored key itself
    return user_id if user_id.endswith(f"-{PLATFORM}") else f"{user_id}-{PLATFORM}"
