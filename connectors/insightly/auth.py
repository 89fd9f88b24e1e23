"""Insightly login: an API key sent as Basic auth to the pod the user named, where the user's API lives,
and the answers to a login that fails.
"""

from __future__ import annotations

import base64
from typing import Any

from appconnect.connector import Connector, CrmUser, LoginRequest, LoginResult, PlatformUser, ReturnMessage
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


class Auth(Connector):
    """Insightly's login and logout: the interfaces of :mod:`connectors.insightly.auth`."""

    def api_home(self, *, hostname: str, additional_info: dict[str, Any]) -> str:
        """The pod's API URL: the web ``hostname`` only shapes links."""
        return str(additional_info.get("apiUrl") or "")

    def get_basic_auth(self, *, api_key: str) -> str:
        """``base64("<api key>:")``: Insightly takes the key as the user name and ignores the password."""
        return base64.b64encode(f"{api_key}:".encode()).decode()

    def get_user_info(self, *, auth_header: str, request: LoginRequest) -> LoginResult:
        """Who owns the API key (``GET /users/me`` on the pod of ``additionalInfo.apiUrl``).

        A URL outside ``INSIGHTLY_ALLOWED_HOSTS`` is refused before any call; a key Insightly rejects
        (401/403) or an API URL with no Insightly behind it (404) answers "Could not load user
        information". Other failures (429, 5xx) are raised for the core to answer.
        """
        api_url = str(request.additional_info.get("apiUrl") or "")
        try:
            base = api_base(api_url, self.allowed_hosts())
        except DisallowedUrl:
            logger.info("insightly login refused", extra={"reason": "api url not allowed"})
            return login_failure(
                "The API URL must be the address of your Insightly pod, as shown under User Settings > API "
                "in Insightly (for example https://api.na1.insightly.com/v3.1)."
            )
        api = open_api(self, auth_header, base)
        try:
            me = api.get("/users/me")
        except CrmAuthError:
            return login_failure(KEY_REFUSED_DETAIL, message=KEY_REFUSED)
        except CrmNotFound:
            return login_failure("Please check your API URL and try again.")
        if not isinstance(me, dict) or me.get("USER_ID") is None:
            return login_failure("Insightly did not return your user information.")
        from connectors.insightly.timezones import utc_offset_hours

        timezone = str(me.get("TIMEZONE_ID") or "")
        # the offset in hours as text (``-4``, ``5.5``), as it is stored; an unknown zone (0) is stored empty
        offset = utc_offset_hours(timezone)
        return LoginResult(
            user=PlatformUser(
                id=f"{me['USER_ID']}-{PLATFORM}",
                name=full_name(me),
                timezone_name=timezone,
                timezone_offset=str(offset) if offset else "",
                # the instance names the company: users of one instance share its phone profile
                additional_info={"apiUrl": base, **_instance(me)},
            ),
            message=return_message("Connected to Insightly.", "success", 1000),
        )

    def unauthorize(self, *, user: CrmUser, auth_header: str) -> ReturnMessage | None:
        """Nothing to revoke at Insightly (an API key lives until the user resets it); the core forgets it."""
        return return_message("Logged out of Insightly", "success", 1000)


def _instance(me: dict[str, Any]) -> dict[str, Any]:
    instance = me.get("INSTANCE_ID")
    return {"instanceId": instance} if isinstance(instance, int | str) and str(instance).strip() else {}
