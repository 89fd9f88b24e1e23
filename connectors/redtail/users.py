"""The Redtail database's users, for admin user mapping (every page)."""

from __future__ import annotations

from typing import Any

from appconnect.connector import Connector, CrmUser
from connectors.redtail.api import RedtailApi

#: pages read at most (a database of thousands of users is beyond what a mapping screen shows)
MAX_PAGES = 20


class Users(Connector):
    """Redtail's user list."""

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        """``[{id, name, email}]`` of ``/lists/database_users``, page after page while Redtail says there
        are more."""
        api = RedtailApi(self, user.access_token)
        listed: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            answer = api.get("/lists/database_users", params={"page": page})
            for entry in answer.get("database_users") or []:
                if isinstance(entry, dict) and entry.get("id") is not None:
                    name = " ".join(str(entry.get(k) or "").strip() for k in ("first_name", "last_name"))
                    listed.append(
                        {"id": entry["id"], "name": name.strip(), "email": entry.get("email") or ""}
                    )
            if page >= int((answer.get("meta") or {}).get("total_pages") or 1):
                break
        return listed
