"""The connector SDK: the base class every CRM connector implements, the request and result types of its
interface (:mod:`appconnect.connector.types`), and the registry that loads them."""

from appconnect.connector import types
from appconnect.connector.base import INTERFACES, AuthType, Connector, CrmUser, OAuthInfo
from appconnect.connector.registry import UnknownPlatform, get_connector, known_platforms
from appconnect.connector.types import *  # noqa: F403 - the interface's types, listed in types.__all__

__all__ = [
    "INTERFACES",
    "AuthType",
    "Connector",
    "CrmUser",
    "OAuthInfo",
    "UnknownPlatform",
    "get_connector",
    "known_platforms",
    *types.__all__,
]
