"""Contract of the sandbox RingCentral: extension info with sandbox-issued tokens, OAuth, errors."""

from __future__ import annotations

import requests

from tests.local.sandbox.conftest import Sandbox, query_of

ADMIN_EXTENSION = 62264425008
REGULAR_EXTENSION = 62264425009
CLIENT = ("sandbox-rc-client", "sandbox-rc-secret")


def mint(sandbox: Sandbox, extension_id: int = ADMIN_EXTENSION, **extra: object) -> dict:
    return sandbox.control("POST", "ringcentral/tokens", {"extension_id": extension_id, **extra}, expect=201)


def me(
    sandbox: Sandbox, token: str | None, path: str = "/restapi/v1.0/account/~/extension/~"
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return sandbox.http.get(f"{sandbox.base('ringcentral')}{path}", headers=headers)


def test_given_admin_token_when_extension_info_requested_then_identity_and_admin_permission(sandbox: Sandbox):
    response = me(sandbox, mint(sandbox)["access_token"])
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == ADMIN_EXTENSION
    assert body["account"]["id"] == "37439510"
    assert body["name"] == "Jordan Lee"
    assert body["contact"]["email"] == "jordan.lee@sandbox.example"
    assert body["permissions"]["admin"]["enabled"] is True
    assert response.headers["X-Rate-Limit-Group"] == "light"
    assert int(response.headers["X-Rate-Limit-Remaining"]) >= 0


def test_given_regular_user_token_when_extension_info_requested_then_admin_disabled(sandbox: Sandbox):
    body = me(sandbox, mint(sandbox, REGULAR_EXTENSION)["access_token"]).json()
    assert body["id"] == REGULAR_EXTENSION
    assert body["permissions"]["admin"]["enabled"] is False


def test_given_unknown_token_when_extension_info_requested_then_401_token_invalid(sandbox: Sandbox):
    response = me(sandbox, "not-a-token")
    assert response.status_code == 401
    body = response.json()
    assert body["errorCode"] == "TokenInvalid"
    assert body["errors"][0]["errorCode"] == "OAU-213"
    assert body["message"]


def test_given_no_token_when_extension_info_requested_then_401(sandbox: Sandbox):
    response = me(sandbox, None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]


def test_given_expired_token_when_extension_info_requested_then_401_token_expired(sandbox: Sandbox):
    token = mint(sandbox, expires_in=60)["access_token"]
    sandbox.control("POST", "ringcentral/clock", {"advance_seconds": 61})
    response = me(sandbox, token)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "TokenExpired"


def test_given_token_expired_by_control_api_when_used_then_401(sandbox: Sandbox):
    token = mint(sandbox)["access_token"]
    sandbox.control("POST", "ringcentral/expire", {"token": token})
    assert me(sandbox, token).status_code == 401


def test_given_explicit_own_ids_when_extension_info_requested_then_same_extension(sandbox: Sandbox):
    token = mint(sandbox)["access_token"]
    response = me(sandbox, token, f"/restapi/v1.0/account/37439510/extension/{ADMIN_EXTENSION}")
    assert response.json()["id"] == ADMIN_EXTENSION


def test_given_unknown_extension_when_requested_then_404(sandbox: Sandbox):
    response = me(sandbox, mint(sandbox)["access_token"], "/restapi/v1.0/account/~/extension/1")
    assert response.status_code == 404
    assert response.json()["errors"][0]["errorCode"] == "CMN-102"


def test_given_token_when_account_requested_then_account_id_returned(sandbox: Sandbox):
    response = me(sandbox, mint(sandbox)["access_token"], "/restapi/v1.0/account/~")
    assert response.status_code == 200
    assert response.json()["id"] == 37439510


def test_given_unknown_extension_when_minting_then_400(sandbox: Sandbox):
    sandbox.control("POST", "ringcentral/tokens", {"extension_id": 1}, expect=400)


def test_given_authorize_then_code_exchange_then_tokens_work(sandbox: Sandbox):
    base = sandbox.base("ringcentral")
    authorize = sandbox.http.get(
        f"{base}/restapi/oauth/authorize",
        params={
            "client_id": CLIENT[0],
            "redirect_uri": "http://localhost/cb",
            "state": "s1",
            "response_type": "code",
        },
        allow_redirects=False,
    )
    assert authorize.status_code == 302
    query = query_of(authorize.headers["Location"])
    assert query["state"] == "s1"
    token = sandbox.http.post(
        f"{base}/restapi/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": "http://localhost/cb",
        },
        auth=CLIENT,
    )
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "bearer"
    assert body["owner_id"] == str(ADMIN_EXTENSION)
    assert me(sandbox, body["access_token"]).status_code == 200


def test_given_sandbox_user_param_when_authorizing_then_that_extension_logs_in(sandbox: Sandbox):
    base = sandbox.base("ringcentral")
    authorize = sandbox.http.get(
        f"{base}/restapi/oauth/authorize",
        params={
            "client_id": CLIENT[0],
            "redirect_uri": "http://localhost/cb",
            "sandbox_user": REGULAR_EXTENSION,
        },
        allow_redirects=False,
    )
    code = query_of(authorize.headers["Location"])["code"]
    token = sandbox.http.post(
        f"{base}/restapi/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"},
        auth=CLIENT,
    ).json()
    assert token["owner_id"] == str(REGULAR_EXTENSION)


def test_given_refresh_token_when_refreshed_twice_then_second_is_invalid_grant(sandbox: Sandbox):
    tokens = mint(sandbox)
    url = f"{sandbox.base('ringcentral')}/restapi/oauth/token"
    first = sandbox.http.post(
        url, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=CLIENT
    )
    assert first.status_code == 200
    second = sandbox.http.post(
        url, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=CLIENT
    )
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_given_password_grant_when_credentials_valid_then_tokens(sandbox: Sandbox):
    response = sandbox.http.post(
        f"{sandbox.base('ringcentral')}/restapi/oauth/token",
        data={
            "grant_type": "password",
            "username": "jordan.lee@sandbox.example",
            "password": "sandbox-password",
        },
        auth=CLIENT,
    )
    assert response.status_code == 200
    assert response.json()["owner_id"] == str(ADMIN_EXTENSION)


def test_given_wrong_client_secret_when_token_requested_then_401_invalid_client(sandbox: Sandbox):
    response = sandbox.http.post(
        f"{sandbox.base('ringcentral')}/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(CLIENT[0], "wrong"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_given_revoked_token_when_used_then_401(sandbox: Sandbox):
    tokens = mint(sandbox)
    sandbox.http.post(
        f"{sandbox.base('ringcentral')}/restapi/oauth/revoke", data={"token": tokens["refresh_token"]}
    )
    assert me(sandbox, tokens["access_token"]).status_code == 401


def test_given_rate_limit_exhausted_when_called_then_429_with_rc_error_shape(sandbox: Sandbox):
    token = mint(sandbox)["access_token"]
    sandbox.control("POST", "ringcentral/ratelimit", {"limit": 0})
    response = me(sandbox, token)
    assert response.status_code == 429
    assert response.json()["errorCode"] == "CMN-301"
    assert "Retry-After" in response.headers
