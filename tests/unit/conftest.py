"""Fixtures for the core's unit tests: a known environment and a Lambda-like context."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from appconnect import deadline, settings

SECRET = "unit-test-jwt-secret-0123456789abcdef"
HASH_KEY = "unit-test-hash-key"


@pytest.fixture(autouse=True)
def core_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("APP_SERVER_SECRET_KEY", SECRET)
    monkeypatch.setenv("HASH_KEY", HASH_KEY)
    monkeypatch.delenv("APP_SERVER", raising=False)
    monkeypatch.delenv("USE_CACHE", raising=False)
    settings.reload()
    deadline.clear()
    yield
    monkeypatch.undo()
    settings.reload()
    deadline.clear()


class LambdaContext:
    function_name = "unit-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:unit-test"
    log_group_name = "/aws/lambda/unit-test"
    log_stream_name = "unit"

    def __init__(self, remaining_ms: int = 25_000) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def http_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event."""
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", **(headers or {})},
        "queryStringParameters": query,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {path}",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }
