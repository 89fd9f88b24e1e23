"""The App Connect connector server core: shared by every Lambda through the AppConnect layer."""

__version__ = "0.1.0"
