"""Driving a sandbox CRM's control API (``/__sandbox/<system>/...``) from tests, over HTTP."""

from __future__ import annotations

from typing import Any

import requests


class SandboxClient:
    """One sandbox system (``pipedrive``, ``insightly`` ...) and the shared control API.

    ``control`` takes a path under ``/__sandbox/`` (``"ringcentral/tokens"``); ``own`` one under this
    system's part of it (``"faults"``).
    """

    def __init__(self, http: requests.Session, url: str, system: str) -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.system = system
        self.base = f"{self.url}/{system}"

    def control(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        response = self.http.request(method, f"{self.url}/__sandbox/{path}", json=body, timeout=30)
        assert response.status_code < 300 or response.status_code == expect, response.text
        return response.json()

    def own(self, method: str, path: str, body: Any = None) -> Any:
        return self.control(method, f"{self.system}/{path}", body)

    def reset(self) -> None:
        self.own("POST", "reset")

    def seed(self, **collections: Any) -> dict[str, list[Any]]:
        return dict(self.own("POST", "seed", collections))

    def fault(self, **rule: Any) -> None:
        self.own("POST", "faults", rule)

    def config(self, **options: Any) -> None:
        self.own("POST", "config", options)

    def journal(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"method": method, "path": path}.items() if v}
        response = self.http.get(f"{self.url}/__sandbox/{self.system}/journal", params=params, timeout=30)
        assert response.status_code == 200, response.text
        return list(response.json()["requests"])

    def clear_journal(self) -> None:
        self.own("DELETE", "journal")

    def state(self, collection: str) -> list[dict[str, Any]]:
        return list(self.own("GET", f"state?collection={collection}")[collection])
