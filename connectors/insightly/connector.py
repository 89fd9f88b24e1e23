"""Insightly: API-key login against the user's pod, contacts and leads found by phone whatever format
they were typed in, and call, SMS, voicemail and fax logs as Insightly events linked to the contact or
lead and to the organisation, opportunity and project the user chose (what differs from the reference
connector: docs/compatibility.md, "Insightly").

The class only declares the connector's facts; the interfaces are the methods of a mixin per concern,
each checked by mypy against :class:`appconnect.connector.Connector`: :mod:`~connectors.insightly.auth`,
:mod:`~connectors.insightly.contacts`, :mod:`~connectors.insightly.call_logs`,
:mod:`~connectors.insightly.messages` and :mod:`~connectors.insightly.users` (events shared by call and
message logs in :mod:`~connectors.insightly.events`, HTTP in :mod:`~connectors.insightly.api`).
"""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType
from connectors.insightly import auth, call_logs, contacts, messages, users


class InsightlyConnector(auth.Auth, contacts.Contacts, call_logs.CallLogs, messages.Messages, users.Users):
    """Insightly: the facts here, the interfaces in a mixin per concern (each method checked by mypy
    against :class:`Connector`)."""

    platform: ClassVar[str] = "insightly"
    display_name: ClassVar[str] = "Insightly"
    auth_type: ClassVar[AuthType] = "apiKey"
    log_format: ClassVar[str] = "text/plain"
    settings: ClassVar[dict[str, str]] = {
        "API_VERSION": "v3.1",
        "ALLOWED_HOSTS": "*.insightly.com",
    }
