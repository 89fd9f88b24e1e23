"""The company's Pipedrive users, for admin user mapping."""

from __future__ import annotations

from typing import Any

from appconnect.connector import Connector, CrmUser
from connectors.pipedrive.api import api_for, data_of


def get_user_list(connector: Connector, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
    """The company's users that are not deleted, for admin user mapping."""
    api = api_for(connector, auth_header, user.hostname)
    users = data_of(api.get(api.company("/api/v1/users"))) or []
    return [
        {"id": u.get("id"), "name": u.get("name"), "email": u.get("email")}
        for u in users
        if isinstance(u, dict) and not u.get("is_deleted")
    ]
