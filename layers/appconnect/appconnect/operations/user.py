"""User settings and info."""

from __future__ import annotations

import contextlib
from typing import Any

from appconnect import admin_configs, hashing, ringcentral, users, validation
from appconnect.context import authenticate, load_user
from appconnect.errors import (
    BadRequest,
    JsonBadRequest,
    SessionRevoked,
    UserMissing,
    return_message,
)
from appconnect.http import Request


def _hashed_account(request: Request) -> str | None:
    """The caller's hashed RC account id, vouched for by RingCentral (an RC token), never taken on trust.
    A token RingCentral refuses raises :class:`JsonBadRequest`."""
    token = request.rc_access_token()
    if not token:
        return None
    return hashing.hash_id(ringcentral.identity(token).account_id)


def get_user_settings(request: Request) -> dict[str, Any]:
    """GET /user/settings: the user's settings merged with the company's admin settings.

    As the reference, a failed admin lookup (a token RingCentral refuses) only means no admin settings."""
    _session, model = load_user(request)
    try:
        hashed = _hashed_account(request) or model.hashed_rc_account_id
    except JsonBadRequest:
        hashed = model.hashed_rc_account_id
    admin = admin_configs.settings_or_none(hashed) if hashed else None
    user_settings = dict(model.user_settings) if model.user_settings is not None else None
    return admin_configs.merge_user_settings(admin, user_settings)


def update_user_settings(request: Request) -> dict[str, Any]:
    """POST /user/settings: replace the given entries, remove the named keys."""
    body = request.json_body()
    changes = body.get("userSettings") or {}
    removals = body.get("settingKeysToRemove") or []
    if not isinstance(changes, dict) or not isinstance(removals, list):
        raise BadRequest("userSettings must be an object and settingKeysToRemove a list of setting ids.")
    validation.user_settings(changes)
    _session, model = load_user(request)

    def apply(current: Any) -> list[Any]:
        updated = dict(current.user_settings or {})
        updated.update(changes)
        for key in removals:
            if isinstance(key, str) and updated.get(key):
                updated.pop(key)
        apply.result = updated  # type: ignore[attr-defined]
        return [type(current).user_settings.set(updated)]

    if users.update(model.id, apply) is None:
        raise BadRequest("User not found")
    return {"userSettings": apply.result}  # type: ignore[attr-defined]


def preload_user_settings(request: Request) -> dict[str, Any]:
    """GET /user/preloadSettings: the company's settings before login. Needs an RC token (the reference
    also took a bare ``rcAccountId``, which let anyone read any company's settings)."""
    hashed = _hashed_account(request)
    if hashed is None:
        raise BadRequest("Cannot find rc user login")
    settings = admin_configs.settings_or_none(hashed)
    return {"userSettings": settings} if settings is not None else {}


def refresh_user_info(request: Request) -> dict[str, Any]:
    """POST /user/refreshInfo: let the connector refresh what it stores about the user."""
    from appconnect.context import connector_for

    connector = connector_for(request.require_session())
    if not type(connector).implements("refreshUserInfo"):
        # as the reference, whether or not the user still exists; but a JWT a logout ended is refused
        with contextlib.suppress(UserMissing):
            load_user(request)
        return {"successful": True}
    try:
        context = authenticate(request)
    except SessionRevoked:
        # this route answers a dead grant 200, not 401, as the reference
        return {
            "successful": False,
            "returnMessage": return_message("User session expired. Please connect again."),
        }
    result = context.call(connector.refresh_user_info)
    return {"successful": result.successful, "returnMessage": result.message}
