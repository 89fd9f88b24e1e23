"""What the core hands a connector, and what a connector hands back: one request and one result type per
interface, so mypy checks every connector against :class:`appconnect.connector.Connector` (a misspelled
field is an attribute error, a wrong return type an incompatible override).

Requests are frozen keyword-only dataclasses the core fills from the extension's body; results are the
connector's answer without the wire envelope (``successful``, ``returnMessage`` placement, camelCase keys),
which the core adds. ``message`` is the extension's ``returnMessage`` object
(``appconnect.errors.return_message``) or None.

The types are defined by concern, in this package's modules (``login``, ``contacts``, ``call_logs``,
``message_logs``, ``results``), and each module is imported the first time one of its types is asked for,
here or from :mod:`appconnect.connector`. Creating a dataclass compiles its generated methods, about half a
millisecond each; a function imports only the types its own operation uses, and the rest load with its
connector on the first request that needs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

__all__ = [
    "AccountCache",
    "CallLogDetails",
    "CallLogUpdate",
    "CallLogWrite",
    "ContactLookup",
    "ContactMatches",
    "CreatedContact",
    "DispositionUpdate",
    "LogId",
    "LogRef",
    "LogResult",
    "LoginRequest",
    "LoginResult",
    "MessageLogWrite",
    "NewContact",
    "PlatformUser",
    "ReturnMessage",
    "ServiceLogin",
    "StatusResult",
    "UpdateResult",
]

#: A CRM record id as the CRM gave it: Pipedrive and Insightly ids are numbers, and the extension compares
#: ``logId`` with what it stored, so a number stays a number.
LogId = str | int
#: ``{message, messageType, ttl, details?}``: what the extension shows the user.
ReturnMessage = dict[str, Any]


def _empty() -> Mapping[str, Any]:
    return {}


class AccountCache(Protocol):
    """A small key-value cache with expiry, shared by the Lambdas of a deployment (passed as ``cache``).

    For CRM data every user of a company may see (activity types, picklists), never for records: keys are
    the connector's own, namespaced by platform. ``get`` answers None for a missing or expired key, and for
    one the store could not read; ``put`` never fails a request. Values are JSON-serialisable.
    """

    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any, ttl_seconds: int) -> None: ...


#: the module of this package that defines each request and result type
DEFINED_IN: dict[str, str] = {
    "LoginRequest": "login",
    "PlatformUser": "login",
    "LoginResult": "login",
    "ServiceLogin": "login",
    "ContactLookup": "contacts",
    "ContactMatches": "contacts",
    "NewContact": "contacts",
    "CreatedContact": "contacts",
    "CallLogWrite": "call_logs",
    "CallLogUpdate": "call_logs",
    "CallLogDetails": "call_logs",
    "DispositionUpdate": "call_logs",
    "MessageLogWrite": "message_logs",
    "LogResult": "results",
    "UpdateResult": "results",
    "StatusResult": "results",
    "LogRef": "results",
}

if TYPE_CHECKING:
    from appconnect.connector.types.call_logs import (
        CallLogDetails,
        CallLogUpdate,
        CallLogWrite,
        DispositionUpdate,
    )
    from appconnect.connector.types.contacts import ContactLookup, ContactMatches, CreatedContact, NewContact
    from appconnect.connector.types.login import LoginRequest, LoginResult, PlatformUser, ServiceLogin
    from appconnect.connector.types.message_logs import MessageLogWrite
    from appconnect.connector.types.results import LogRef, LogResult, StatusResult, UpdateResult
else:

    def __getattr__(name: str) -> Any:
        """A request or result type, its module imported on first use."""
        module = DEFINED_IN.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
