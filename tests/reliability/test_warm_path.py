"""A warm screen pop: one DynamoDB read (the user), no new CRM connection, against a real DynamoDB API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import find_contact
import pytest
import requests
import urllib3.connectionpool
from pynamodb.connection.base import Connection

from appconnect import account_cache, session, settings, users
from local.sandbox import SandboxServer
from tests.reliability.test_crash_recovery import (  # noqa: F401 - the fixtures this module uses
    pipedrive_user,
    sandbox,
)
from tests.unit.conftest import LambdaContext, http_event


@pytest.fixture
def dynamodb_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """``(operation, table)`` of every DynamoDB request the core makes."""
    seen: list[tuple[str, str]] = []
    send = Connection._make_api_call

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        seen.append((operation_name, str(operation_kwargs.get("TableName", ""))))
        return send(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", counting)
    return seen


@pytest.fixture
def new_connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The host of every HTTP connection opened (urllib3, as requests opens them)."""
    opened: list[str] = []
    new_conn = urllib3.connectionpool.HTTPConnectionPool._new_conn

    def counting(self: urllib3.connectionpool.HTTPConnectionPool) -> Any:
        opened.append(f"{self.host}:{self.port}")
        return new_conn(self)

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "_new_conn", counting)
    return opened


@pytest.fixture
def insightly_user(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    base = sandbox.urls()["insightly"]
    monkeypatch.setenv("INSIGHTLY_ALLOWED_HOSTS", "*.insightly.com,127.0.0.1")
    settings.reload()
    requests.post(f"{sandbox.url}/__sandbox/insightly/reset", timeout=10)
    model = users.save_login(
        users.Login(
            user_id=f"{time.time_ns() % 10**9}-insightly",
            platform="insightly",
            name="Avery Quinn",
            hostname="crm.na1.insightly.com",
            access_token="sandbox-insightly-key-avery",
            refresh_token="",
            token_expiry=None,
            timezone_name="Eastern Standard Time",
            timezone_offset="-5",
            platform_additional_info={"apiUrl": base, "instanceId": time.time_ns()},
            rc_account_id=None,
            hashed_rc_account_id=None,
            hashed_rc_extension_id=None,
        ),
        lambda hostname, _info: hostname,
    )
    return session.issue(model.id, "insightly", generation=int(model.session_generation or 0))


def _pop(token: str, number: str) -> dict[str, Any]:
    event = http_event(
        "GET", "/contact", query={"phoneNumber": number}, headers={"authorization": f"Bearer {token}"}
    )
    result = find_contact.handler(event, LambdaContext(remaining_ms=20_000))
    assert result["statusCode"] == 200, result
    answer: dict[str, Any] = json.loads(result["body"])
    return answer


@pytest.fixture(params=["pipedrive", "insightly"])
def user_token(request: pytest.FixtureRequest) -> Iterator[str]:
    account_cache.forget_all()  # a cold Lambda
    yield request.getfixturevalue(f"{request.param}_user")
    account_cache.forget_all()


def test_given_a_warm_lambda_when_a_screen_pop_comes_then_one_dynamodb_read_and_no_new_connection(
    user_token: str, dynamodb_calls: list[tuple[str, str]], new_connections: list[str]
) -> None:
    assert _pop(user_token, "+14155550142")["contact"]  # the cold pop: reads and learns what it must
    # a first warm pop of the same shape as the one measured: the cold pop's calls ran on threads the pool was
    # still starting, so fewer of them overlapped and it may hold fewer open connections than a warm fan-out
    # uses at once (a slow machine showed one more)
    assert _pop(user_token, "+14155550198")["contact"][-1]["isNewContact"] is True
    dynamodb_calls.clear()
    new_connections.clear()

    answer = _pop(user_token, "+14155550199")

    assert answer["contact"][-1]["isNewContact"] is True
    assert [operation for operation, _ in dynamodb_calls] == ["GetItem"]
    assert dynamodb_calls[0][1] == settings.get_settings().users_table
    assert new_connections == []
