"""Connectors are loaded lazily, by platform name, from the ``connectors`` package.

A function imports only the connector its request names, so a cold start pays for one CRM, not four.
Each ``connectors.<platform>`` package exposes ``CONNECTOR``: its :class:`Connector` subclass.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from functools import cache
from pathlib import Path

from appconnect.connector.base import Connector
from appconnect.errors import AppConnectError

PACKAGE = "connectors"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


class UnknownPlatform(AppConnectError):
    def __init__(self, platform: str) -> None:
        super().__init__(f"Connector not found for platform: {platform}")
        self.platform = platform


def _exists(platform: str) -> bool:
    if not _NAME.match(platform):
        return False
    try:
        return importlib.util.find_spec(f"{PACKAGE}.{platform}") is not None
    except ImportError:
        return False


@cache
def get_connector(platform: str) -> Connector:
    """The connector for ``platform``; :class:`UnknownPlatform` when there is none."""
    if not _exists(platform):
        raise UnknownPlatform(platform)
    module = importlib.import_module(f"{PACKAGE}.{platform}")
    connector_class = getattr(module, "CONNECTOR", None)
    if not (isinstance(connector_class, type) and issubclass(connector_class, Connector)):
        raise UnknownPlatform(platform)
    return connector_class()


def known_platforms() -> list[str]:
    """Every platform with a connector package (imports nothing)."""
    package = importlib.import_module(PACKAGE)
    names = []
    for location in package.__path__:
        for child in sorted(Path(location).iterdir()):
            if child.is_dir() and (child / "__init__.py").exists() and _NAME.match(child.name):
                names.append(child.name)
    return names
