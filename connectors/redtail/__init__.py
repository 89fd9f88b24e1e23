"""The Redtail connector."""

from connectors.redtail.connector import RedtailConnector

CONNECTOR = RedtailConnector

__all__ = ["CONNECTOR", "RedtailConnector"]
