"""Which Pipedrive activity type a call or message log gets.

An admin may pick one (admin settings ``pipedriveCallActivityType`` / ``pipedriveSMSActivityType``);
otherwise the first active type whose name contains ``call`` / ``sms``. The company's active types are
kept for a day in the cache the core hands over (:class:`AccountCache`), so logging a call costs one
Pipedrive write, not a read and a write. A miss (a type created or activated since) refreshes the list
once before giving up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from appconnect.connector import AccountCache

TTL_SECONDS = 24 * 3600

CALL_SETTING = "pipedriveCallActivityType"
SMS_SETTING = "pipedriveSMSActivityType"

ActivityTypes = list[dict[str, str]]


def from_response(body: Any) -> ActivityTypes:
    """``GET /v1/activityTypes`` -> ``[{const: key_string, title: name}]`` of the active types, in order."""
    data = body.get("data") if isinstance(body, dict) else None
    types: ActivityTypes = []
    for item in data or []:
        if isinstance(item, dict) and item.get("active_flag") and item.get("key_string"):
            types.append({"const": str(item["key_string"]), "title": str(item.get("name") or "")})
    return types


class ActivityTypeResolver:
    """Resolves activity types for one company; ``fetch`` reads the list from Pipedrive."""

    def __init__(
        self, fetch: Callable[[], ActivityTypes], cache: AccountCache | None, cache_key: str
    ) -> None:
        self._fetch = fetch
        self._cache = cache
        self._key = cache_key
        self._types: ActivityTypes | None = None
        self._fresh = False

    def prefetch(self) -> ActivityTypes:
        """The list from the cache, or from Pipedrive (and then cached)."""
        if self._types is None:
            cached = self._cache.get(self._key) if self._cache is not None else None
            if isinstance(cached, list):
                self._types = [t for t in cached if isinstance(t, dict)]
            else:
                self._refresh()
        assert self._types is not None
        return self._types

    def _refresh(self) -> ActivityTypes:
        self._types = self._fetch()
        self._fresh = True
        if self._cache is not None:
            self._cache.put(self._key, self._types, TTL_SECONDS)
        return self._types

    def resolve(self, configured: str, keyword: str) -> str | None:
        """The configured key if it is an active type, else the first type named like ``keyword``."""
        types = self.prefetch()
        if configured:
            if _has(types, configured):
                return configured
            if not self._fresh:
                types = self._refresh()
                if _has(types, configured):
                    return configured
        found = _named_like(types, keyword)
        if found is None and not self._fresh:
            found = _named_like(self._refresh(), keyword)
        return found


def _has(types: ActivityTypes, key: str) -> bool:
    return any(t.get("const") == key for t in types)


def _named_like(types: ActivityTypes, keyword: str) -> str | None:
    for t in types:
        if keyword in str(t.get("title", "")).lower():
            return t.get("const")
    return None
