"""Insightly users, for the admin's mapping of RingCentral users to CRM users."""

from __future__ import annotations

from typing import Any

from appconnect.connector import Connector, CrmUser
from connectors.insightly.api import user_api
from connectors.insightly.records import full_name


class Users(Connector):
    """Insightly's user list."""

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        """The instance's active users, for admin user mapping."""
        api = user_api(self, user, auth_header)
        users = api.get("/users")
        return [
            {"id": u.get("USER_ID"), "name": full_name(u), "email": u.get("EMAIL_ADDRESS")}
            for u in users or []
            if isinstance(u, dict) and u.get("ACTIVE") is not False
        ]
