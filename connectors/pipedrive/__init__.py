"""The Pipedrive connector."""

from connectors.pipedrive.connector import PipedriveConnector

CONNECTOR = PipedriveConnector

__all__ = ["CONNECTOR", "PipedriveConnector"]
