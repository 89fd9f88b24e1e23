"""What each JWT route answers before it does anything else: the reference's "Auth:" behaviour, one table.

Every route named here checks the JWT before it reads its body or query (the reference's order; each
route's "Auth:" line). Three cases differ by route:

* no usable JWT (none, or a bad one in the ``Authorization`` header, which the reference treats as none):
  400 text ``Please go to Settings and authorize CRM platform`` everywhere;
* a bad token only in the legacy ``?jwtToken=`` query, which the reference's routes decode to nothing:
  ``Invalid JWT token``, ``User not found`` or ``Unknown platform`` on some routes (text, 400);
* a valid JWT whose user no longer exists (or holds no CRM credentials): the route's own "not found".

A JWT that a logout ended answers like no JWT (docs/compatibility.md, fix 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from appconnect.errors import AUTHORIZE_CRM_MESSAGE, return_message

#: (status, body): a ``str`` body is text, anything else JSON
Answer = tuple[int, Any]
Query = Mapping[str, str]


def _text(message: str) -> Callable[[Query], Answer]:
    return lambda _query: (400, message)


def _unsuccessful(message: str | None = None, ttl: int = 5000) -> Callable[[Query], Answer]:
    if message is None:
        return lambda _query: (200, {"successful": False})
    return lambda _query: (200, {"successful": False, "returnMessage": return_message(message, ttl=ttl)})


def _no_contact_named(query: Query) -> Answer:
    return 200, {
        "successful": False,
        "returnMessage": return_message(f"No contact found with name {query.get('name', '')}", ttl=5000),
    }


_PLEASE_AUTHORIZE = _text(AUTHORIZE_CRM_MESSAGE)
_USER_NOT_FOUND = _text("User not found")


@dataclass(frozen=True)
class RouteAuth:
    """A JWT route's answers when it cannot go on."""

    bad_query_token: Callable[[Query], Answer] = _PLEASE_AUTHORIZE
    user_missing: Callable[[Query], Answer] = _PLEASE_AUTHORIZE


#: operation name -> its answers; an operation not listed here does not need a JWT
ROUTES: dict[str, RouteAuth] = {
    "findContact": RouteAuth(user_missing=_unsuccessful("Contact not found")),
    "createContact": RouteAuth(user_missing=_unsuccessful()),
    "findContactWithName": RouteAuth(
        bad_query_token=_text("Invalid JWT token"), user_missing=_no_contact_named
    ),
    "getCallLog": RouteAuth(user_missing=_unsuccessful()),
    "createCallLog": RouteAuth(user_missing=_unsuccessful("User not found")),
    "updateCallLog": RouteAuth(user_missing=_unsuccessful()),
    "upsertCallDisposition": RouteAuth(
        bad_query_token=_text("Invalid JWT token"), user_missing=_unsuccessful("Cannot find user", ttl=3000)
    ),
    "cacheCallNote": RouteAuth(),
    "createMessageLog": RouteAuth(user_missing=_unsuccessful("Contact not found")),
    "unAuthorize": RouteAuth(bad_query_token=_USER_NOT_FOUND, user_missing=_USER_NOT_FOUND),
    "authValidation": RouteAuth(bad_query_token=_text("Invalid JWT token"), user_missing=_unsuccessful()),
    "hostname": RouteAuth(bad_query_token=_USER_NOT_FOUND, user_missing=_USER_NOT_FOUND),
    "getUserSettings": RouteAuth(user_missing=_USER_NOT_FOUND),
    "getAdminSettings": RouteAuth(user_missing=_USER_NOT_FOUND),
    "updateUserMapping": RouteAuth(user_missing=_USER_NOT_FOUND),
    "reinitializeUserMapping": RouteAuth(user_missing=_USER_NOT_FOUND),
    "getServerLoggingSettings": RouteAuth(user_missing=_USER_NOT_FOUND),
    "updateServerLoggingSettings": RouteAuth(user_missing=_USER_NOT_FOUND),
    "updateUserSettings": RouteAuth(bad_query_token=_text("Unknown platform"), user_missing=_USER_NOT_FOUND),
    # the reference answers a bad query token from its fallback connector, which has no refreshUserInfo
    "refreshUserInfo": RouteAuth(
        bad_query_token=lambda _query: (200, {"successful": True}),
        user_missing=_unsuccessful("User not found"),
    ),
}
