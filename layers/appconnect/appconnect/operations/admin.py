"""Company admin routes: settings for everyone and the mapping of RingCentral extensions to CRM users.

Every route checks with RingCentral that the caller is an admin (:mod:`appconnect.admin_auth`) and works
on that admin's own company only. Unlike the reference: ``GET /admin/settings`` answers the settings and
mappings, never RingCentral tokens; ``POST /admin/settings`` stores only the known fields, validated; a
save never silently overwrites another admin's concurrent save (the config's version decides, and the
later save is applied on top of the earlier one).
"""

from __future__ import annotations

from typing import Any

from appconnect import admin_configs, user_mapping
from appconnect.admin_auth import require_admin
from appconnect.context import authenticate, load_user
from appconnect.errors import BadRequest
from appconnect.http import Request, Response, text
from appconnect.models import AdminConfigModel


def _settings_answer(config: AdminConfigModel | None) -> dict[str, Any]:
    if config is None:
        return {"customConnector": None, "userSettings": {}}
    return {
        "id": config.id,
        "userSettings": dict(config.user_settings or {}),
        "userMappings": list(config.user_mappings or []),
        "updatedAt": config.updated_at.isoformat() if config.updated_at else None,
    }


def get_admin_settings(request: Request) -> dict[str, Any]:
    """GET: the company's settings and user mappings (JWT and admin)."""
    _session, model = load_user(request)
    admin = require_admin(request, model)
    return _settings_answer(admin_configs.load(admin.hashed_account_id))


def _validated_settings(body: dict[str, Any]) -> dict[str, Any]:
    settings = body.get("adminSettings")
    if not isinstance(settings, dict):
        raise BadRequest("adminSettings must be an object.")
    accepted: dict[str, Any] = {}
    if "userSettings" in settings:
        user_settings = settings["userSettings"]
        if not isinstance(user_settings, dict) or not all(
            isinstance(v, dict) for v in user_settings.values()
        ):
            raise BadRequest("adminSettings.userSettings must map each setting id to an object.")
        accepted["userSettings"] = user_settings
    if "userMappings" in settings:
        try:
            accepted["userMappings"] = user_mapping.validated(settings["userMappings"])
        except ValueError as error:
            raise BadRequest(str(error)) from error
    return accepted


def update_admin_settings(request: Request) -> Response:
    """POST: save the settings (and mappings) an admin sends; other fields are not stored."""
    admin = require_admin(request)
    accepted = _validated_settings(request.json_body())

    def change(config: AdminConfigModel) -> None:
        if "userSettings" in accepted:
            config.user_settings = accepted["userSettings"]
        if "userMappings" in accepted:
            config.user_mappings = accepted["userMappings"]

    admin_configs.update(admin.hashed_account_id, change)
    return text("Admin settings updated")


def _map_users(request: Request, *, rematch: bool) -> list[dict[str, Any]]:
    loaded = load_user(request)
    admin = require_admin(request, loaded[1])
    extensions = request.json_body().get("rcExtensionList")
    if not isinstance(extensions, list) or not all(isinstance(e, dict) for e in extensions):
        raise BadRequest("rcExtensionList must be a list of RingCentral extensions.")
    context = authenticate(request, loaded)
    if not type(context.connector).implements("getUserList"):
        return []
    crm_users = context.call(context.connector.get_user_list)
    result: dict[str, list[dict[str, Any]]] = {}

    def change(config: AdminConfigModel) -> None:
        items, mappings = user_mapping.resolve(
            crm_users, extensions, config.user_mappings or [], rematch=rematch
        )
        config.user_mappings = mappings
        result["items"] = items

    admin_configs.update(admin.hashed_account_id, change)
    return result["items"]


def update_user_mapping(request: Request) -> list[dict[str, Any]]:
    """POST /admin/userMapping: the CRM users with the extensions mapped to them; new matches are stored."""
    return _map_users(request, rematch=False)


def reinitialize_user_mapping(request: Request) -> list[dict[str, Any]]:
    """POST /admin/reinitializeUserMapping: match again, keeping the mappings the admin made."""
    return _map_users(request, rematch=True)
