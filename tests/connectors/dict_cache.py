"""The account cache the core passes to connectors, in memory, for the connector tests."""

from __future__ import annotations

from typing import Any


class DictCache:
    """``get`` / ``put`` with a TTL (recorded, not enforced: a test lives shorter than any TTL), in memory."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.ttls: dict[str, int] = {}

    def get(self, key: str) -> Any | None:
        return self.values.get(key)

    def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        self.values[key] = value
        self.ttls[key] = ttl_seconds
