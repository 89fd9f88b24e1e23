"""Operations: one module per area; each function takes a Request and returns what the client gets."""

from __future__ import annotations

from typing import Any

from appconnect.errors import BadRequest


def object_field(body: dict[str, Any], name: str) -> dict[str, Any]:
    """``body[name]`` when it is a JSON object, ``{}`` when it is absent or empty; a clear 400 otherwise
    (connectors read these forms with ``.get``: a list or a string there must not become a 500)."""
    value = body.get(name)
    if not value:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be a JSON object.")
    return value
