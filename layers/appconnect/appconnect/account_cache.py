"""The :class:`~appconnect.connector.AccountCache` connectors get: Cache-table items with a TTL, remembered
by the warm Lambda for a few minutes.

Keys are namespaced ``crm#<platform>#<connector key>``; expired items are ignored on read (DynamoDB
deletes them some time after their TTL, not at it). A value read or written is kept in memory for
:data:`MEMORY_SECONDS` (never past its TTL), so a warm screen pop reads only the user from DynamoDB; other
Lambdas see a new value within that time. At most :data:`MEMORY_ENTRIES` values are kept.

It is a cache: a Cache table DynamoDB cannot read or write is a miss, logged, never a failed request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import PynamoDBException

from appconnect.models import CacheModel
from appconnect.observability import logger

#: how long a warm Lambda trusts a value it read (company-wide CRM data: picklists, phone profiles)
MEMORY_SECONDS = 300.0
#: most values a Lambda remembers (the least recently used go first)
MEMORY_ENTRIES = 256

_lock = threading.Lock()
#: key -> (value, monotonic time it is forgotten)
_memory: OrderedDict[str, tuple[Any, float]] = OrderedDict()


def _remember(key: str, value: Any, seconds: float) -> None:
    with _lock:
        _memory[key] = (value, time.monotonic() + max(0.0, min(MEMORY_SECONDS, seconds)))
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def _recalled(key: str) -> tuple[bool, Any]:
    with _lock:
        entry = _memory.get(key)
        if entry is None:
            return False, None
        if entry[1] <= time.monotonic():
            del _memory[key]
            return False, None
        _memory.move_to_end(key)
        return True, entry[0]


def forget_all() -> None:
    """Drop what this Lambda remembers (tests that change the table under it)."""
    with _lock:
        _memory.clear()


class DynamoAccountCache:
    def __init__(self, platform: str) -> None:
        self._prefix = f"crm#{platform}#"

    def get(self, key: str) -> Any | None:
        full_key = self._prefix + key
        known, value = _recalled(full_key)
        if known:
            return value
        try:
            item = CacheModel.get(full_key)
        except CacheModel.DoesNotExist:
            return None
        except PynamoDBException as error:
            logger.warning("account cache unreadable", extra={"error": type(error).__name__})
            return None
        now = datetime.now(UTC)
        if item.ttl is not None and item.ttl <= now:
            return None
        value = (item.data or {}).get("value")
        left = (item.ttl - now).total_seconds() if item.ttl is not None else MEMORY_SECONDS
        _remember(full_key, value, left)
        return value

    def put(self, key: str, value: Any, ttl_seconds: int) -> None:
        seconds = max(1, int(ttl_seconds))
        item = CacheModel(
            self._prefix + key, kind="crm", data={"value": value}, ttl=timedelta(seconds=seconds)
        )
        try:
            item.save()
        except PynamoDBException as error:  # the next request reads the CRM again
            logger.warning("account cache not written", extra={"error": type(error).__name__})
            return
        _remember(self._prefix + key, value, seconds)
