"""Redtail: the declarative facts of the connector. Its CRM operations land with its own issue."""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType, Connector


class RedtailConnector(Connector):
    platform: ClassVar[str] = "redtail"
    display_name: ClassVar[str] = "Redtail"
    auth_type: ClassVar[AuthType] = "apiKey"
    log_format: ClassVar[str] = "text/html"
    settings: ClassVar[dict[str, str]] = {
        "API_KEY": "",
        "API_URL": "https://review.crm.redtailtechnology.com/api/public/v1",
        "ALLOWED_HOSTS": "*.redtailtechnology.com",
    }
