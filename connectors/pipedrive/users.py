"""The company's Pipedrive users, for admin user mapping."""

from __future__ import annotations

from typing import Any

from appconnect.connector import Connector, CrmUser
from connectors.pipedrive.api import api_for, data_of


class Users(Connector):
    """Pipedrive's user list."""

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        """The company's users that are not deleted, for admin user mapping."""
        api = api_for(self, auth_header, user.hostname)
        users = data_of(api.get(api.company("/api/v1/users"))) or []
        return [
            {"id": u.get("id"), "name": u.get("name"), "email": u.get("email")}
            for u in users
            if isinstance(u, dict) and not u.get("is_deleted")
        ]
