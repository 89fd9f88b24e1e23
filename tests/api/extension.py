"""What the App Connect extension does against our API: JWT-carrying GETs and JSON requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Extension:
    http: requests.Session
    api: str
    jwt: str = ""

    def headers(self, jwt: str | None = None) -> dict[str, str]:
        token = self.jwt if jwt is None else jwt
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, jwt: str | None = None, **params: Any) -> requests.Response:
        return self.http.get(f"{self.api}{path}", params=params, headers=self.headers(jwt), timeout=60)

    def send(self, method: str, path: str, body: Any, jwt: str | None = None) -> requests.Response:
        return self.http.request(
            method, f"{self.api}{path}", json=body, headers=self.headers(jwt), timeout=60
        )

    def at_once(
        self, times: int, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> list[requests.Response]:
        """The same request sent ``times`` times at the same moment, each on its own connection, as
        retries and a second client (the extension and server-side logging) do."""

        def one(_: int) -> requests.Response:
            with requests.Session() as own:
                return own.request(
                    method, f"{self.api}{path}", json=body, params=params, headers=self.headers(), timeout=60
                )

        with ThreadPoolExecutor(max_workers=times) as pool:
            return list(pool.map(one, range(times)))
