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


#: no connector call answered yet (the reference's initial ``returnMessage: null``)
NOTHING_CALLED: Any = object()


def with_last_message(answer: dict[str, Any], last_message: Any) -> dict[str, Any]:
    """``answer`` with the ``returnMessage`` of the last connector call, as the reference sends it:
    ``null`` when no call was made, absent when the last call gave none, the message otherwise."""
    if last_message is NOTHING_CALLED:
        return {**answer, "returnMessage": None}
    if last_message is None:
        return answer
    return {**answer, "returnMessage": last_message}
