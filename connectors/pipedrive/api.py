"""Pipedrive's hosts and REST calls, on the shared CRM client.

Three hosts, each configurable (``PIPEDRIVE_OAUTH_URL``, ``PIPEDRIVE_API_URL``, ``PIPEDRIVE_COMPANY_URL``):
the OAuth server, the global API (``/v1/users/me`` before the company is known) and the company's own
API host, built from the user's Pipedrive hostname. A hostname comes from the client, so the company URL
is checked against ``PIPEDRIVE_ALLOWED_HOSTS`` before the first call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from appconnect.connector import Connector
from appconnect.connector.client import (
    CrmClient,
    CrmResponse,
    allowed_host,
    ensure_allowed,
)
from connectors.pipedrive.formatting import PLATFORM

#: captured by the client, which publishes them (``appconnect.connector.client.take_rate_limit``)
RATE_LIMIT_HEADERS = ("x-ratelimit-remaining", "x-ratelimit-limit", "x-ratelimit-reset")


class PipedriveApi:
    """One invocation's Pipedrive calls for one user: hosts, the ``Authorization`` header, the client."""

    def __init__(
        self,
        *,
        auth_header: str,
        hostname: str,
        api_url: str,
        company_url: str,
        allowed_hosts: Sequence[str],
    ) -> None:
        self.client = CrmClient(PLATFORM, rate_limit_headers=RATE_LIMIT_HEADERS)
        self._headers = {"Authorization": auth_header, "Accept": "application/json"}
        self._hostname = hostname
        self._api_url = api_url.rstrip("/")
        self._company_template = company_url.rstrip("/")
        self._allowed_hosts = allowed_hosts
        self._company_base: str | None = None

    def company_base(self) -> str:
        """The company API base URL; raises :class:`DisallowedUrl` for a host outside the allowed ones."""
        if self._company_base is None:
            self._company_base = company_base_url(self._company_template, self._hostname, self._allowed_hosts)
        return self._company_base

    def company(self, path: str) -> str:
        return f"{self.company_base()}{path}"

    def global_api(self, path: str) -> str:
        return f"{self._api_url}{path}"

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> CrmResponse:
        return self.client.get(url, headers=self._headers, params=params)

    def post(self, url: str, body: Any) -> CrmResponse:
        return self.client.post(url, headers=self._headers, json_body=body)

    def patch(self, url: str, body: Any) -> CrmResponse:
        # Setting the same fields twice leaves the activity as once: safe to retry.
        return self.client.patch(url, headers=self._headers, json_body=body, retry=True)


def api_for(connector: Connector, auth_header: str, hostname: str = "") -> PipedriveApi:
    """The calls of one invocation, on the hosts the connector's settings name."""
    return PipedriveApi(
        auth_header=auth_header,
        hostname=hostname,
        api_url=connector.setting("API_URL"),
        company_url=connector.setting("COMPANY_URL"),
        allowed_hosts=connector.allowed_hosts(),
    )


def company_base_url(template: str, hostname: str, allowed_hosts: Sequence[str]) -> str:
    """``PIPEDRIVE_COMPANY_URL`` with ``{hostname}`` filled in and checked against the allowed hosts.

    A template without ``{hostname}`` (the local sandbox) is the operator's own setting and used as is, but
    the user's hostname must still be a Pipedrive host: it is stored, and the extension builds links with it.
    """
    template = template.rstrip("/")
    host = allowed_host(hostname, allowed_hosts, PLATFORM)
    if "{hostname}" not in template:
        return template
    url = template.replace("{hostname}", host)
    return ensure_allowed(url, allowed_hosts, PLATFORM).rstrip("/")


def data_of(response: CrmResponse) -> Any:
    """The ``data`` member of a Pipedrive answer (``None`` when absent)."""
    body = response.body
    return body.get("data") if isinstance(body, dict) else None
