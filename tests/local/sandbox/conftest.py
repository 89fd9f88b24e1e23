"""Fixtures for the sandbox contract tests: one sandbox server per test process (on a free port), reset
before every test, and small helpers to drive its control API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local.sandbox import SandboxServer


class Sandbox:
    """A thin HTTP client for one running sandbox server."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url = server.url
        self.http = requests.Session()

    def base(self, system: str) -> str:
        return self.server.urls()[system]

    def control(self, method: str, path: str, body: Any = None, expect: int | None = 200) -> Any:
        response = self.http.request(method, f"{self.url}/__sandbox/{path}", json=body, timeout=10)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response.json()

    def journal(self, system: str, **params: Any) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.url}/__sandbox/{system}/journal", params=params, timeout=10)
        assert response.status_code == 200
        return response.json()["requests"]


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Sandbox:
    client = Sandbox(sandbox_server)
    client.control("POST", "reset")
    return client


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
