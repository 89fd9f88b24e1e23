"""Redtail login: the advisor's username and password, traded once for a user key.

The password is sent to Redtail in the login request's header and dropped: it is never stored or
logged (the core also removes ``password`` from what it stores). The user key becomes the stored
credential (``overriding_api_key``), which the core keeps encrypted; nothing secret goes into the
user's additional info.
"""

from __future__ import annotations

import base64
from typing import Any

from appconnect.connector import Connector, CrmUser, LoginRequest, LoginResult, PlatformUser, ReturnMessage
from appconnect.connector.helpers import login_failure
from appconnect.errors import CrmAuthError, return_message
from appconnect.observability import logger
from connectors.redtail import api

#: the reference's answer to a failed login, word for word
LOGIN_FAILED = "Could not load user information Please check your credentials."
#: what Redtail's authenticated user holds that is worth keeping (never the user key)
_KEPT_USER_FIELDS = ("id", "first_name", "last_name", "email", "database_id")


class Auth(Connector):
    """Redtail's login and logout."""

    def get_basic_auth(self, *, api_key: str) -> str:
        """``base64(<stored credential>)``, as the reference builds it; Redtail's data calls do not use it
        (they send the partner key with the user key, :class:`connectors.redtail.api.RedtailApi`)."""
        return base64.b64encode(api_key.encode()).decode()

    def get_user_info(self, *, auth_header: str, request: LoginRequest) -> LoginResult:
        """``GET /authentication`` with the partner key, username and password; the user key it returns is
        stored instead of anything the form sent."""
        username = str(request.additional_info.get("username") or "").strip()
        password = str(request.additional_info.get("password") or "")
        if not username or not password:
            return login_failure("Please enter your Redtail username and password.", LOGIN_FAILED)
        if not self.setting("API_KEY").strip():
            return login_failure(
                "This App Connect server is not set up for Redtail yet: its administrator must set the "
                "Redtail partner API key (REDTAIL_API_KEY).",
                LOGIN_FAILED,
            )
        try:
            authenticated = api.login(self, username, password)
        except CrmAuthError:
            logger.info("redtail login refused")
            return login_failure(
                "Redtail refused the sign-in. Check your username and password; if they are right, ask your "
                "administrator to check this server's Redtail partner API key.",
                LOGIN_FAILED,
            )
        kept: dict[str, Any] = {k: authenticated.get(k) for k in _KEPT_USER_FIELDS if k in authenticated}
        return LoginResult(
            user=PlatformUser(
                id=f"{username}-{api.PLATFORM}",
                name=username,
                additional_info={"username": username, "userResponse": kept},
                overriding_api_key=str(authenticated["user_key"]),
            ),
            message=return_message("Connected to Redtail.", "success", 3000),
        )

    def unauthorize(self, *, user: CrmUser, auth_header: str) -> ReturnMessage | None:
        """Redtail has no call to revoke a user key; the core forgets it."""
        return return_message("Logged out of Redtail", "success", 1000)
