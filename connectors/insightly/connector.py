"""Insightly: the declarative facts of the connector. Its CRM operations land with its own issue."""

from __future__ import annotations

from typing import ClassVar

from appconnect.connector import AuthType, Connector


class InsightlyConnector(Connector):
    platform: ClassVar[str] = "insightly"
    display_name: ClassVar[str] = "Insightly"
    auth_type: ClassVar[AuthType] = "apiKey"
    log_format: ClassVar[str] = "text/plain"
    settings: ClassVar[dict[str, str]] = {
        "API_VERSION": "v3.1",
        "ALLOWED_HOSTS": "*.insightly.com",
    }
