"""The App Connect manifest our API serves, built from ``connectors/manifest.json``.

The file holds the extension's manifest schema with placeholders: ``${serverUrl}`` (this API's public
URL) and ``${<platform>.<name>}`` (values the platform's connector supplies, e.g. its OAuth client id and
authorize URL, so one file serves AWS and the local sandboxes alike).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from appconnect.connector import UnknownPlatform, get_connector

DEFAULT = "default"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")


@cache
def _raw_manifest() -> dict[str, Any]:
    text = resources.files("connectors").joinpath("manifest.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def release_notes() -> dict[str, Any]:
    text = resources.files("connectors").joinpath("release_notes.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def version() -> str:
    return str(_raw_manifest().get("version") or "unknown")


def platforms() -> list[str]:
    return list(_raw_manifest().get("platforms", {}))


def _values(server_url: str, platform_names: list[str]) -> dict[str, str]:
    values = {"serverUrl": server_url}
    for name in platform_names:
        try:
            connector = get_connector(name)
        except UnknownPlatform:
            continue
        values.update(
            {
                f"{name}.{key}": value
                for key, value in connector.manifest_values(server_url=server_url).items()
            }
        )
    return values


def _substitute(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), node)
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _substitute(item, values) for key, item in node.items()}
    return node


def render(platform_name: str, server_url: str) -> dict[str, Any] | None:
    """The manifest for ``platform_name`` (every platform for ``default``), or ``None`` if unknown."""
    raw = _raw_manifest()
    if platform_name == DEFAULT:
        selected = list(raw.get("platforms", {}))
    elif platform_name in raw.get("platforms", {}):
        selected = [platform_name]
    else:
        return None
    manifest = copy.deepcopy(raw)
    manifest["platforms"] = {name: manifest["platforms"][name] for name in selected}
    rendered: dict[str, Any] = _substitute(manifest, _values(server_url, selected))
    return rendered
