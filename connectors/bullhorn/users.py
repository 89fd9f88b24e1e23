"""The corporation's Bullhorn users, for admin user mapping (every page)."""

from __future__ import annotations

from typing import Any

from appconnect.connector import Connector, CrmUser
from connectors.bullhorn.api import BullhornApi

PAGE_SIZE = 500
#: pages read at most (the reference gave up with an error at 500)
MAX_PAGES = 20


class Users(Connector):
    """Bullhorn's user list."""

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        """``[{id, name, email}]`` of the users not deleted, page after page."""
        api = BullhornApi(self, user)
        listed: list[dict[str, Any]] = []
        start = 0
        for _ in range(MAX_PAGES):
            page = api.get(
                "query/CorporateUser",
                params={
                    "fields": "id,firstName,lastName,email",
                    "where": "isDeleted=false",
                    "start": start,
                    "count": PAGE_SIZE,
                },
            )
            data = [u for u in page.get("data") or [] if isinstance(u, dict)]
            for entry in data:
                name = f"{entry.get('firstName') or ''} {entry.get('lastName') or ''}".strip()
                listed.append({"id": entry.get("id"), "name": name, "email": entry.get("email") or ""})
            if not data:
                break
            start = int(page.get("start") or start) + int(page.get("count") or len(data))
        return listed
