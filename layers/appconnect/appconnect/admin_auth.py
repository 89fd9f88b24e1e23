"""Who may act as a company's admin: RingCentral says so for the caller's token, on every admin route.

The caller's RingCentral access token (``X-RC-Access-Token``, or the legacy ``rcAccessToken``) is checked
with RingCentral (``RINGCENTRAL_SERVER``): its extension must be an admin, and the company whose config
the route reads or writes is the account RingCentral names, never one the request names. A verdict is kept
a minute in the Cache table under a hash of the token (never the token), so an admin page's burst of calls
costs one RingCentral call.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

from appconnect import hashing, ringcentral
from appconnect.errors import AdminForbidden
from appconnect.http import Request
from appconnect.models import CacheModel, UserModel

VERDICT_TTL = timedelta(seconds=60)


@dataclass(frozen=True)
class Admin:
    """A RingCentral admin: their extension and the hashed id of their account (the config's key)."""

    extension_id: str
    hashed_account_id: str


def require_admin(request: Request, user: UserModel | None = None) -> Admin:
    """The caller as an admin, or 403 ``Admin validation failed``. With ``user`` (a JWT route), the user
    must belong to the admin's account too, when the user's account is known."""
    token = request.rc_access_token()
    if not token:
        raise AdminForbidden()
    admin = _verdict(token)
    if admin is None:
        raise AdminForbidden()
    if (
        user is not None
        and user.hashed_rc_account_id
        and user.hashed_rc_account_id != admin.hashed_account_id
    ):
        raise AdminForbidden()  # an admin of account A with a JWT of account B
    return admin


def _verdict(token: str) -> Admin | None:
    key = "admin#" + hashlib.sha256(token.encode("utf-8")).hexdigest()
    try:
        cached = CacheModel.get(key)
        data = cached.data or {}
        if cached.ttl is not None and cached.ttl.timestamp() > time.time():
            return Admin(data["extension_id"], data["hashed_account_id"]) if data.get("admin") else None
    except (CacheModel.DoesNotExist, KeyError):
        pass
    identity = ringcentral.identity(token)  # a token RingCentral refuses: 400 {"error"}, as the reference
    admin = Admin(identity.extension_id, hashing.hash_id(identity.account_id)) if identity.is_admin else None
    data = {"admin": admin is not None}
    if admin is not None:
        data.update(extension_id=admin.extension_id, hashed_account_id=admin.hashed_account_id)
    CacheModel(key, kind="admin", data=data, ttl=VERDICT_TTL).save()
    return admin
