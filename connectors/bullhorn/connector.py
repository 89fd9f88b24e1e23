"""Bullhorn: the declarative facts of the connector. Its CRM operations land with its own issue."""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType, Connector


class BullhornConnector(Connector):
    platform: ClassVar[str] = "bullhorn"
    display_name: ClassVar[str] = "Bullhorn"
    auth_type: ClassVar[AuthType] = "oauth"
    log_format: ClassVar[str] = "text/html"
    settings: ClassVar[dict[str, str]] = {
        "CLIENT_ID": "",
        "CLIENT_SECRET": "",
        "AUTH_URL": "https://auth.bullhornstaffing.com",
        "ALLOWED_HOSTS": "*.bullhornstaffing.com",
    }

    def manifest_values(self, *, server_url: str) -> dict[str, str]:
        return {
            "clientId": self.setting("CLIENT_ID"),
            "authUrl": f"{self.setting('AUTH_URL').rstrip('/')}/oauth/authorize",
        }
