"""Health and manifest operations. No authentication."""

from __future__ import annotations

from typing import Any

from appconnect import manifest
from appconnect.connector import INTERFACES, UnknownPlatform, get_connector
from appconnect.connector.base import UNSUPPORTED_INTERFACES
from appconnect.errors import BadRequest, JsonBadRequest
from appconnect.http import Request, Response, text
from appconnect.settings import get_settings


def is_alive(_request: Request) -> Response:
    """GET /isAlive: 200 ``OK`` as text/plain."""
    return text("OK", content_type="text/plain; charset=utf-8")


def server_version_info(_request: Request) -> dict[str, Any]:
    """GET /serverVersionInfo: the manifest's version."""
    return {"version": manifest.version()}


def crm_manifest(request: Request) -> dict[str, Any]:
    """GET /crmManifest?platformName=: the manifest, pointing at this API.

    ``default`` (or no name) gives every platform; a platform name gives the manifest with just that
    platform (the reference answers only ``default``; docs/compatibility.md).
    """
    name = request.param("platformName") or manifest.DEFAULT
    rendered = manifest.render(name, request.server_url)
    if rendered is None or not rendered.get("author", {}).get("name"):
        raise BadRequest("Platform not found")
    return rendered


def implemented_interfaces(request: Request) -> dict[str, bool]:
    """GET /implementedInterfaces?platform=: which connector interfaces the platform implements."""
    platform = request.param("platform")
    if platform is None:
        raise BadRequest("Please provide platform.")
    try:
        connector = get_connector(platform)
    except UnknownPlatform as error:
        raise JsonBadRequest(str(error)) from error
    auth_type = connector.get_auth_type()
    result: dict[str, bool] = {}
    for interface in INTERFACES:
        if interface == "getOauthInfo" and auth_type != "oauth":
            continue
        if interface == "getBasicAuth" and auth_type != "apiKey":
            continue
        result[interface] = type(connector).implements(interface)
    result.update(dict.fromkeys(UNSUPPORTED_INTERFACES, False))
    result["cacheCallNote"] = get_settings().use_cache
    return result


def release_notes(_request: Request) -> dict[str, Any]:
    """GET /releaseNotes: per version, the global notes and each platform's."""
    notes = manifest.release_notes()
    return {version: {"global": entry.get("global", []), **entry} for version, entry in notes.items()}
