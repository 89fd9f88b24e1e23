"""Pipedrive: OAuth login, contacts (persons with their open deals and leads), and call, SMS, voicemail and
fax logs as Pipedrive activities (what differs from the reference connector: docs/compatibility.md).

The class declares the facts; the interfaces are the methods of a mixin per concern: :mod:`.auth`
(login, logout, the app's redirect page and uninstall webhook), :mod:`.contacts`, :mod:`.call_logs`,
:mod:`.messages` and :mod:`.users`, over :mod:`.api` (hosts and HTTP) and :mod:`.activities` (what call
and message logs share).
"""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType
from connectors.pipedrive import auth, call_logs, contacts, messages, users
from connectors.pipedrive.auth import DEFAULT_REDIRECT_ORIGINS


class PipedriveConnector(auth.Auth, contacts.Contacts, call_logs.CallLogs, messages.Messages, users.Users):
    """Pipedrive: the facts here, the interfaces in a mixin per concern (each method checked by mypy
    against :class:`Connector`)."""

    platform: ClassVar[str] = "pipedrive"
    display_name: ClassVar[str] = "Pipedrive"
    auth_type: ClassVar[AuthType] = "oauth"
    log_format: ClassVar[str] = "text/html"
    settings: ClassVar[dict[str, str]] = {
        "CLIENT_ID": "",
        "CLIENT_SECRET": "",
        "API_URL": "https://api.pipedrive.com",
        "OAUTH_URL": "https://oauth.pipedrive.com",
        "COMPANY_URL": "https://{hostname}",
        "REDIRECT_URI": "",
        "ALLOWED_HOSTS": "*.pipedrive.com",
        "REDIRECT_ORIGINS": DEFAULT_REDIRECT_ORIGINS,
    }
