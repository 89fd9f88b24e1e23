"""Bullhorn: OAuth sign-in exchanged for a REST session (renewed by the core, once for all concurrent
requests), client contacts, candidates and leads found by any phone field, and call, SMS, voicemail and
fax logs as notes with the note action the user chose (what differs from the reference connector:
docs/compatibility.md, "Bullhorn").

The class declares the facts; the interfaces are the methods of a mixin per concern: :mod:`.auth` (the
code exchange, the REST session, logout), :mod:`.contacts`, :mod:`.call_logs`, :mod:`.messages` and
:mod:`.users`, over :mod:`.api` (sessions and REST calls) and :mod:`.account_data` (picklists).
"""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType
from connectors.bullhorn import auth, call_logs, contacts, messages, users


class BullhornConnector(auth.Auth, contacts.Contacts, call_logs.CallLogs, messages.Messages, users.Users):
    """Bullhorn: the facts here, the interfaces in a mixin per concern."""

    platform: ClassVar[str] = "bullhorn"
    display_name: ClassVar[str] = "Bullhorn"
    auth_type: ClassVar[AuthType] = "oauth"
    log_format: ClassVar[str] = "text/html"
    settings: ClassVar[dict[str, str]] = {
        "CLIENT_ID": "",
        "CLIENT_SECRET": "",
        "AUTH_URL": "https://auth.bullhornstaffing.com",
        "REDIRECT_URI": "https://ringcentral.github.io/ringcentral-embeddable/redirect.html",
        "ALLOWED_HOSTS": "*.bullhornstaffing.com",
    }

    def manifest_values(self, *, server_url: str) -> dict[str, str]:
        return {
            "clientId": self.setting("CLIENT_ID"),
            "authUrl": f"{self.setting('AUTH_URL').rstrip('/')}/oauth/authorize",
            "redirectUri": self.setting("REDIRECT_URI"),
        }
