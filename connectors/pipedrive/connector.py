"""Pipedrive: the declarative facts of the connector. Its CRM operations land with its own issue."""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType, Connector


class PipedriveConnector(Connector):
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
        "ALLOWED_HOSTS": "*.pipedrive.com",
    }

    def manifest_values(self) -> dict[str, str]:
        return {
            "clientId": self.setting("CLIENT_ID"),
            "authUrl": f"{self.setting('OAUTH_URL').rstrip('/')}/oauth/authorize",
        }
