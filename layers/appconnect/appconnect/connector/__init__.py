"""The connector SDK: the base class every CRM connector implements, the request and result types of its
interface (:mod:`appconnect.connector.types`), and the registry that loads them.

The request and result types are looked up on first use (``from appconnect.connector import ContactLookup``
imports the contacts types only): see :mod:`appconnect.connector.types`.
"""

from typing import TYPE_CHECKING, Any

from appconnect.connector import types
from appconnect.connector.base import INTERFACES, AuthType, Connector, CrmUser, OAuthInfo
from appconnect.connector.registry import UnknownPlatform, get_connector, known_platforms
from appconnect.connector.types import AccountCache, LogId, ReturnMessage

if TYPE_CHECKING:
    from appconnect.connector.types import (
        CallLogDetails,
        CallLogUpdate,
        CallLogWrite,
        ContactLookup,
        ContactMatches,
        CreatedContact,
        DispositionUpdate,
        LoginRequest,
        LoginResult,
        LogRef,
        LogResult,
        MessageLogWrite,
        NewContact,
        PlatformUser,
        ServiceLogin,
        StatusResult,
        UpdateResult,
    )
else:

    def __getattr__(name: str) -> Any:
        """A request or result type of :mod:`appconnect.connector.types`, imported on first use."""
        if name in types.DEFINED_IN:
            value = getattr(types, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INTERFACES",
    "AccountCache",
    "AuthType",
    "CallLogDetails",
    "CallLogUpdate",
    "CallLogWrite",
    "Connector",
    "ContactLookup",
    "ContactMatches",
    "CreatedContact",
    "CrmUser",
    "DispositionUpdate",
    "LogId",
    "LogRef",
    "LogResult",
    "LoginRequest",
    "LoginResult",
    "MessageLogWrite",
    "NewContact",
    "OAuthInfo",
    "PlatformUser",
    "ReturnMessage",
    "ServiceLogin",
    "StatusResult",
    "UnknownPlatform",
    "UpdateResult",
    "get_connector",
    "known_platforms",
]
