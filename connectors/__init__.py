"""CRM connectors, one package per platform; each exposes ``CONNECTOR``, its Connector subclass."""
