"""The few RingCentral API calls the server makes: who owns an RC access token, and are they an admin."""

from __future__ import annotations

import re
from dataclasses import dataclass

from appconnect.connector.client import CrmClient
from appconnect.errors import CrmAuthError, CrmError, JsonBadRequest
from appconnect.settings import get_settings

_INVALID_SESSION = "The RingCentral session is not valid. Please sign in to RingCentral again."
#: what an OAuth bearer token can be made of (RFC 6750's b64token, and any other visible ASCII)
_SENDABLE_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class RcIdentity:
    extension_id: str
    account_id: str
    name: str
    email: str
    is_admin: bool


def identity(rc_access_token: str) -> RcIdentity:
    """The extension behind ``rc_access_token``, from RingCentral itself (never from the request).

    A token RingCentral refuses, or no answer, is 400 ``{"error": message}``, the reference's shape. A token
    that cannot even be sent in a header (a character outside visible ASCII) is refused the same way,
    without a call."""
    if not _SENDABLE_TOKEN.fullmatch(rc_access_token):
        raise JsonBadRequest(_INVALID_SESSION)
    url = f"{get_settings().ringcentral_server}/restapi/v1.0/account/~/extension/~"
    try:
        response = CrmClient("ringcentral").get(url, headers={"Authorization": f"Bearer {rc_access_token}"})
    except CrmAuthError as error:
        raise JsonBadRequest(_INVALID_SESSION) from error
    except CrmError as error:
        raise JsonBadRequest(f"RingCentral could not be reached to check your identity ({error}).") from error
    body = response.json() if isinstance(response.json(), dict) else {}
    account = body.get("account") or {}
    if not body.get("id") or not account.get("id"):
        raise JsonBadRequest("RingCentral did not say which account this session belongs to.")
    contact = body.get("contact") or {}
    permissions = body.get("permissions") or {}
    return RcIdentity(
        extension_id=str(body["id"]),
        account_id=str(account["id"]),
        name=str(body.get("name") or ""),
        email=str(contact.get("email") or ""),
        is_admin=bool((permissions.get("admin") or {}).get("enabled")),
    )
