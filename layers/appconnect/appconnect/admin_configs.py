"""Company-wide (admin) settings and user mappings, keyed by the hashed RingCentral account id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from appconnect import users
from appconnect.models import AdminConfigModel


def load(hashed_account_id: str | None) -> AdminConfigModel | None:
    if not hashed_account_id:
        return None
    try:
        return AdminConfigModel.get(hashed_account_id)
    except DoesNotExist:
        return None


def settings_or_none(hashed_account_id: str | None) -> dict[str, Any] | None:
    """The company's user settings, ``None`` when it has none stored (not the same as ``{}``)."""
    config = load(hashed_account_id)
    return dict(config.user_settings) if config is not None and config.user_settings is not None else None


def for_logging(hashed_account_id: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The company's settings and user mappings, read once (what a logging request hands its connector)."""
    config = load(hashed_account_id)
    if config is None:
        return {}, []
    return dict(config.user_settings or {}), list(config.user_mappings or [])


def merge_user_settings(admin: dict[str, Any] | None, user: dict[str, Any] | None) -> dict[str, Any]:
    """The settings a user sees: admin values win unless the admin let users customise them
    (the reference's merge, without the plugin-config merge, which this server does not offer)."""
    # "no settings" is None, as the reference's JavaScript test (an empty object is settings): a new user
    # with {} still gets the company's settings
    if admin is None:
        return dict(user or {})
    if user is None:
        return {}
    result: dict[str, Any] = {}
    for key in list(dict.fromkeys([*admin, *user])):
        admin_entry = admin.get(key)
        user_entry = user.get(key)
        if isinstance(admin_entry, dict) and admin_entry.get("isRemoved"):
            continue
        customizable = admin_entry is None or (
            isinstance(admin_entry, dict)
            and (admin_entry.get("customizable") or admin_entry.get("isCustomizable"))
        )
        if customizable and isinstance(user_entry, dict):
            result[key] = {
                "customizable": True,
                "value": user_entry.get("value"),
                "defaultValue": user_entry.get("defaultValue"),
                "options": user_entry.get("options"),
            }
            result[key] = {k: v for k, v in result[key].items() if v is not None or k == "value"}
        elif admin_entry is not None:
            result[key] = admin_entry
    return result


def update(hashed_account_id: str, change: Callable[[AdminConfigModel], None]) -> AdminConfigModel:
    """Apply ``change`` to the freshest copy of the company's config and save it with its version as the
    condition: when another admin saved in between, re-read and apply again (both saves happen, in order;
    neither is lost to a stale overwrite)."""
    for _ in range(5):
        config = load(hashed_account_id) or AdminConfigModel(hashed_account_id)
        change(config)
        config.updated_at = datetime.now(UTC)
        try:
            config.save()
            return config
        except PutError as error:
            if not users.is_conflict(error):
                raise
    raise RuntimeError("could not save the admin settings: concurrent saves kept winning")
