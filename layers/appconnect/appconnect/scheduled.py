"""Helpers for the scheduled (non-HTTP) functions."""

from __future__ import annotations

from typing import Any

from appconnect.http import LambdaHandler, instrument


def not_implemented(name: str) -> LambdaHandler:
    """A scheduled function declared in the template but not built yet: it fails loudly, never pretends."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError(f"{name} is not implemented yet; its schedule is disabled until it is.")

    return instrument(handler)
