"""The Insightly connector."""

from connectors.insightly.connector import InsightlyConnector

CONNECTOR = InsightlyConnector

__all__ = ["CONNECTOR", "InsightlyConnector"]
