"""Every way a JWT can be wrong, on every JWT route: each answers exactly what that route answers with no
JWT at all, and nothing is read from or written to the CRM for the user the token names.

The forged tokens name a real, connected user (Pipedrive user 12345): a route that trusted any of them would
reach that user's CRM, which the sandbox's journal would show.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests

from tests.api.pipedrive_world import (  # noqa: F401 - fixtures, used by name
    Extension,
    Sandbox,
    call_log_body,
    message_body,
    new_session_id,
    pipedrive_extension,
    pipedrive_sandbox,
)
from tests.api.stack_tables import raw_user, stack_table
from tests.api.test_wire_compatibility import PLEASE_AUTHORIZE, ROUTES, USER_GONE
from tests.stack import StackProcess

pytestmark = pytest.mark.stack

USER_ID = "12345-pipedrive"
#: the JWT routes beyond the ones the wire-compatibility tests list: all answer "Please go to Settings" too
MORE_ROUTES: dict[str, tuple[str, str, dict[str, str], Any]] = {
    "cacheCallNote": ("POST", "/callLog/cacheNote", {}, {"sessionId": "555000111", "note": "x"}),
    "refreshUserInfo": ("POST", "/user/refreshInfo", {}, None),
    "getAdminSettings": ("GET", "/admin/settings", {}, None),
    "updateUserMapping": ("POST", "/admin/userMapping", {}, {"userMappings": []}),
    "reinitializeUserMapping": ("POST", "/admin/reinitializeUserMapping", {}, None),
    "getServerLoggingSettings": ("GET", "/admin/serverLoggingSettings", {}, None),
    "updateServerLoggingSettings": (
        "POST",
        "/admin/serverLoggingSettings",
        {},
        {"additionalFieldValues": {}},
    ),
}
EVERY_ROUTE = {**ROUTES, **MORE_ROUTES}


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "id": USER_ID,
        "platform": "pipedrive",
        "iat": now,
        "exp": now + 86_400 * 14,
        "iss": "appconnect",
        "aud": "appconnect-extension",
        "gen": 0,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _swap_payload(token: str, claims: dict[str, Any]) -> str:
    header, _payload, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"


#: name -> a function of (the stack's secret, a genuine token of the user) giving the bad token
BAD_TOKENS: dict[str, Callable[[str, str], str]] = {
    "alg-none": lambda _secret, _genuine: _unsigned(_claims()),
    "alg-none-upper-case": lambda _secret, _genuine: _unsigned(_claims()).replace(
        _b64(b'{"alg": "none", "typ": "JWT"}'), _b64(b'{"alg": "NONE", "typ": "JWT"}')
    ),
    "hs384-same-secret": lambda secret, _genuine: jwt.encode(_claims(), secret, algorithm="HS384"),
    "hs512-same-secret": lambda secret, _genuine: jwt.encode(_claims(), secret, algorithm="HS512"),
    "wrong-audience": lambda secret, _genuine: jwt.encode(
        _claims(aud="someone-else"), secret, algorithm="HS256"
    ),
    "wrong-issuer": lambda secret, _genuine: jwt.encode(_claims(iss="evil"), secret, algorithm="HS256"),
    "no-audience": lambda secret, _genuine: jwt.encode(_claims(aud=None), secret, algorithm="HS256"),
    "no-expiry": lambda secret, _genuine: jwt.encode(_claims(exp=None), secret, algorithm="HS256"),
    "expired": lambda secret, _genuine: jwt.encode(
        _claims(iat=int(time.time()) - 86_400 * 15, exp=int(time.time()) - 60), secret, algorithm="HS256"
    ),
    "other-secret": lambda _secret, _genuine: jwt.encode(
        _claims(), "not-the-servers-secret", algorithm="HS256"
    ),
    "tampered-payload": lambda _secret, genuine: _swap_payload(genuine, _claims(id="99999-pipedrive")),
    "tampered-signature": lambda _secret, genuine: _flip_signature(genuine),
    "truncated": lambda _secret, genuine: genuine.rsplit(".", 1)[0],
    "garbage": lambda _secret, _genuine: "not.a.jwt",
}


def _send(api_url: str, route: str, token: str | None) -> requests.Response:
    method, path, query, body = EVERY_ROUTE[route]
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.request(method, f"{api_url}{path}", params=query, json=body, headers=headers, timeout=30)


def _crm_calls(sandbox: Sandbox) -> list[str]:
    return [f"{entry['method']} {entry['path']}" for entry in sandbox.journal()]


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
def test_given_a_bad_jwt_naming_a_real_user_when_any_jwt_route_is_called_then_refused_like_no_jwt(
    api_url: str,
    local_stack: StackProcess,
    extension: Extension,
    sandbox: Sandbox,
    dynamodb_url: str,
    kind: str,
) -> None:
    token = BAD_TOKENS[kind](local_stack.dev_secret("APP_SERVER_SECRET_KEY"), extension.jwt)
    user_before = raw_user(dynamodb_url, USER_ID)
    sandbox.clear_journal()
    answers = {}
    for route in sorted(EVERY_ROUTE):
        without = _send(api_url, route, None)
        with_bad = _send(api_url, route, token)
        answers[route] = (with_bad.status_code, with_bad.text)
        assert answers[route] == (without.status_code, without.text), route
        assert "x-refreshed-jwt-token" not in with_bad.headers
    assert set(answers.values()) == {(400, PLEASE_AUTHORIZE)}
    assert _crm_calls(sandbox) == []
    assert raw_user(dynamodb_url, USER_ID) == user_before
    # the genuine token still works: the refusals were the tokens', not the user's
    assert extension.get("/hostname").text == "sandbox.pipedrive.com"


def test_given_a_logged_out_jwt_when_any_jwt_route_is_called_then_refused_like_no_jwt(
    api_url: str, extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    ended = extension.jwt
    assert extension.send("POST", "/unAuthorize", None).status_code == 200
    user_after_logout = raw_user(dynamodb_url, USER_ID)
    sandbox.clear_journal()
    for route in sorted(EVERY_ROUTE):
        answer = _send(api_url, route, ended)
        assert (answer.status_code, answer.text) == (400, PLEASE_AUTHORIZE), route
    assert _crm_calls(sandbox) == []
    assert raw_user(dynamodb_url, USER_ID) == user_after_logout


def test_given_a_deleted_user_when_their_valid_jwt_is_used_then_each_routes_not_found_and_nothing_recreated(
    api_url: str, sandbox: Sandbox, dynamodb_url: str
) -> None:
    client = Extension(requests.Session(), api_url)
    client.login(sandbox, user_id=12347)
    dynamodb, table = stack_table(dynamodb_url, "UsersTable")
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "12347-pipedrive"}})
    sandbox.clear_journal()
    for route, (method, path, query, body) in ROUTES.items():
        if route == "findContactWithName":
            query = {"name": "Maya"}
        response = client.http.request(
            method, f"{api_url}{path}", params=query, json=body, headers=client.headers(), timeout=30
        )
        is_json = response.headers.get("content-type", "").startswith("application/json")
        assert (response.status_code, response.json() if is_json else response.text) == USER_GONE[route], (
            route
        )
    assert _crm_calls(sandbox) == []
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"id": {"S": "12347-pipedrive"}})
