"""Redtail CRM: sign-in with the advisor's Redtail username and password (traded once for a user key),
contacts found by phone however the number was typed, and call, SMS, voicemail and fax logs as completed
Redtail activities filed under the category the user chose (what differs from the reference connector:
docs/compatibility.md, "Redtail").

The class declares the facts; the interfaces are the methods of a mixin per concern: :mod:`.auth`,
:mod:`.contacts`, :mod:`.call_logs`, :mod:`.messages` and :mod:`.users`, over :mod:`.api` (the partner
key, the user key and HTTP), :mod:`.activities` (what call and message logs share) and
:mod:`.categories`.
"""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType
from connectors.redtail import auth, call_logs, contacts, messages, users


class RedtailConnector(auth.Auth, contacts.Contacts, call_logs.CallLogs, messages.Messages, users.Users):
    """Redtail: the facts here, the interfaces in a mixin per concern."""

    platform: ClassVar[str] = "redtail"
    display_name: ClassVar[str] = "Redtail"
    auth_type: ClassVar[AuthType] = "apiKey"
    log_format: ClassVar[str] = "text/html"
    settings: ClassVar[dict[str, str]] = {
        "API_KEY": "",
        "API_URL": "https://crm.redtailtechnology.com/api/public/v1",
        "ALLOWED_HOSTS": "*.redtailtechnology.com",
    }
