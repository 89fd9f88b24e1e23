"""Insightly login: an API key sent as Basic auth to the pod the user named, and the answers to a login
that fails.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from appconnect.connector import Connector
from appconnect.connector.client import DisallowedUrl
from appconnect.connector.helpers import login_failure
from appconnect.errors import CrmAuthError, CrmNotFound, return_message
from appconnect.observability import logger
from connectors.insightly.api import api_base, open_api
from connectors.insightly.records import PLATFORM, full_name

#: the reference's answer to a rejected API key, word for word
KEY_REFUSED = "Could not load user information Please check your API key and try again."
KEY_REFUSED_DETAIL = (
    "Insightly was unable to fetch information for the currently logged in user. "
    "Please check your permissions in Insightly and make sure you have permission to access and read user "
    "information."
)


def get_basic_auth(*, api_key: str) -> str:
    """``base64("<api key>:")``: Insightly takes the key as the user name and ignores the password."""
    return base64.b64encode(f"{api_key}:".encode()).decode()


def get_user_info(
    conf: Connector, *, auth_header: str, additional_info: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Who owns the API key (``GET /users/me`` on the pod of ``additionalInfo.apiUrl``).

    A URL outside ``INSIGHTLY_ALLOWED_HOSTS`` is refused before any call; a key Insightly rejects
    (401/403) or an API URL with no Insightly behind it (404) answers "Could not load user
    information". Other failures (429, 5xx) are raised for the core to answer.
    """
    api_url = str((additional_info or {}).get("apiUrl") or "")
    try:
        base = api_base(api_url, conf.allowed_hosts())
    except DisallowedUrl:
        logger.info("insightly login refused", extra={"reason": "api url not allowed"})
        return login_failure(
            "The API URL must be the address of your Insightly pod, as shown under User Settings > API "
            "in Insightly (for example https://api.na1.insightly.com/v3.1)."
        )
    api = open_api(conf, auth_header, base)
    try:
        me = api.get("/users/me")
    except CrmAuthError:
        return login_failure(KEY_REFUSED_DETAIL, message=KEY_REFUSED)
    except CrmNotFound:
        return login_failure("Please check your API URL and try again.")
    if not isinstance(me, dict) or me.get("USER_ID") is None:
        return login_failure("Insightly did not return your user information.")
    from connectors.insightly.timezones import utc_offset_hours

    timezone = me.get("TIMEZONE_ID") or ""
    return {
        "successful": True,
        "platformUserInfo": {
            "id": f"{me['USER_ID']}-{PLATFORM}",
            "name": full_name(me),
            "timezoneName": timezone,
            "timezoneOffset": utc_offset_hours(timezone),
            "platformAdditionalInfo": {"apiUrl": base},
        },
        "returnMessage": return_message("Connected to Insightly.", "success", 1000),
        "extraDataTracking": api.tracking,
    }


def unauthorize() -> dict[str, Any]:
    """Nothing to revoke at Insightly (an API key lives until the user resets it); the core forgets it."""
    return {"returnMessage": return_message("Logged out of Insightly", "success", 1000)}
