"""The Bullhorn connector."""

from connectors.bullhorn.connector import BullhornConnector

CONNECTOR = BullhornConnector

__all__ = ["CONNECTOR", "BullhornConnector"]
