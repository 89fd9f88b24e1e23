"""The connector SDK: the base class every CRM connector implements and the registry that loads them."""

from appconnect.connector.base import INTERFACES, AccountCache, AuthType, Connector, CrmUser, OAuthInfo
from appconnect.connector.registry import UnknownPlatform, get_connector, known_platforms

__all__ = [
    "INTERFACES",
    "AccountCache",
    "AuthType",
    "Connector",
    "CrmUser",
    "OAuthInfo",
    "UnknownPlatform",
    "get_connector",
    "known_platforms",
]
