"""The :class:`~appconnect.connector.AccountCache` connectors get: Cache-table items with a TTL.

Keys are namespaced ``crm#<platform>#<connector key>``; expired items are ignored on read (DynamoDB
deletes them some time after their TTL, not at it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from appconnect.models import CacheModel


class DynamoAccountCache:
    def __init__(self, platform: str) -> None:
        self._prefix = f"crm#{platform}#"

    def get(self, key: str) -> Any | None:
        try:
            item = CacheModel.get(self._prefix + key)
        except CacheModel.DoesNotExist:
            return None
        if item.ttl is not None and item.ttl <= datetime.now(UTC):
            return None
        return (item.data or {}).get("value")

    def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        CacheModel(
            self._prefix + key,
            kind="crm",
            data={"value": value},
            ttl=timedelta(seconds=max(1, int(ttl_seconds))),
        ).save()
