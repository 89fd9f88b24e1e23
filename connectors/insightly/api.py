"""Insightly's REST calls for one user, on the shared CRM client.

The API base is the pod URL the user pasted at login (``https://api.na1.insightly.com/v3.1``): its version
suffix is dropped when it is stored, ``INSIGHTLY_API_VERSION`` is appended to every call, and the host is
checked against ``INSIGHTLY_ALLOWED_HOSTS`` before any call, at login and on every later use, so no one
can make the server request another address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from appconnect.connector import Connector, CrmUser
from appconnect.connector.client import (
    CrmClient,
    CrmResponse,
    DisallowedUrl,
    allowed_url,
)
from appconnect.errors import CrmAuthError, CrmBadAnswer

PLATFORM = "insightly"
#: Insightly answers these on every call (a daily quota); the client publishes them for the core to log
#: (``appconnect.connector.client.take_rate_limit``)
RATE_LIMIT_HEADERS = ("X-RateLimit-Remaining", "X-RateLimit-Limit", "X-RateLimit-Reset")
#: Insightly's documented limit per API key, which its headers (a daily quota) do not show: calls are paced
#: to it so a screen pop's parallel wave never trips it
REQUESTS_PER_SECOND = 10

_VERSION_SUFFIX = re.compile(r"/v\d+(?:\.\d+)*(?:/.*)?$", re.IGNORECASE)


def api_base(api_url: str, allowed_hosts: Sequence[str]) -> str:
    """The pod's API root (``https://api.na1.insightly.com``) from what the user pasted.

    The scheme defaults to https; a trailing version segment (``/v3.1``, ``/v3.1/``) and everything after
    it are dropped. The reference cut at the first ``/v`` anywhere, which also cut hosts starting with v.
    Raises :class:`DisallowedUrl` for a host outside ``allowed_hosts`` or text that is not a URL.
    """
    raw = (api_url or "").strip()
    if not raw:
        raise DisallowedUrl("no Insightly API URL was given", platform=PLATFORM)
    if "://" not in raw:
        raw = f"https://{raw}"
    allowed = allowed_url(raw, allowed_hosts, PLATFORM)
    path = _VERSION_SUFFIX.sub("", allowed.path).rstrip("/")
    return str(replace(allowed, path=path))


class InsightlyApi:
    """One invocation's Insightly calls for one user: base URL, ``Authorization`` header, client."""

    def __init__(self, *, auth_header: str, api_url: str, version: str, allowed_hosts: Sequence[str]) -> None:
        if not api_url:
            raise CrmAuthError(
                "The Insightly API URL of this user is unknown: connect again", status=None, platform=PLATFORM
            )
        self.base = f"{api_base(api_url, allowed_hosts)}/{version.strip('/')}"
        self.client = CrmClient(
            PLATFORM, rate_limit_headers=RATE_LIMIT_HEADERS, requests_per_second=REQUESTS_PER_SECOND
        )
        self._headers = {"Authorization": auth_header, "Accept": "application/json"}

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.client.get(self.url(path), headers=self._headers, params=params).body

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(self.url(path), headers=self._headers, json_body=body).body

    def put(self, path: str, body: Any) -> Any:
        # PUT sets the same fields to the same values: safe to repeat after a 5xx.
        return self.client.put(self.url(path), headers=self._headers, json_body=body).body

    def delete(self, path: str) -> CrmResponse:
        return self.client.delete(self.url(path), headers=self._headers)

    def search(self, collection: str, field: str, value: str) -> list[dict[str, Any]]:
        """``GET /{collection}/search`` for records whose ``field`` equals ``value`` (full records)."""
        response = self.client.get(
            self.url(f"/{collection}/search"),
            headers=self._headers,
            params={"field_name": field, "field_value": value, "brief": "false"},
        )
        body = response.body
        if isinstance(body, dict) and isinstance(body.get("items"), list):  # count_total=true shape
            body = body["items"]
        if isinstance(body, list):
            return [r for r in body if isinstance(r, dict)]
        if not response.text.strip():
            return []  # an empty answer: nothing matched
        raise CrmBadAnswer(f"Insightly answered a {collection} search with something else", platform=PLATFORM)


def open_api(conf: Connector, auth_header: str, api_url: str) -> InsightlyApi:
    """The calls of ``conf`` (the connector, for its settings) on the pod at ``api_url``."""
    return InsightlyApi(
        auth_header=auth_header,
        api_url=api_url,
        version=conf.setting("API_VERSION"),
        allowed_hosts=conf.allowed_hosts(),
    )


def user_api(conf: Connector, user: CrmUser, auth_header: str) -> InsightlyApi:
    """The calls of a logged-in user, on the pod stored at login."""
    return open_api(conf, auth_header, str(user.platform_additional_info.get("apiUrl") or ""))
