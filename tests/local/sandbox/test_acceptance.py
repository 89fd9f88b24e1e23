"""The acceptance scenarios of issue 3, scripted over real HTTP against a running sandbox server."""

from __future__ import annotations

import time

import pytest

from tests.local.sandbox.conftest import Sandbox, query_of

REDIRECT = "http://127.0.0.1:3000/oauth-callback"


def pipedrive_code_exchange(sandbox: Sandbox) -> dict:
    base = sandbox.base("pipedrive")
    authorize = sandbox.http.get(
        f"{base}/oauth/authorize",
        params={
            "client_id": "sandbox-pipedrive-client",
            "redirect_uri": REDIRECT,
            "state": "platform=pipedrive",
        },
        allow_redirects=False,
    )
    code = query_of(authorize.headers["Location"])["code"]
    response = sandbox.http.post(
        f"{base}/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=("sandbox-pipedrive-client", "sandbox-pipedrive-secret"),
    )
    assert response.status_code == 200
    return response.json()


def bullhorn_code_exchange(sandbox: Sandbox) -> dict:
    base = sandbox.base("bullhorn")
    authorize = sandbox.http.get(
        f"{base}/oauth/authorize",
        params={
            "client_id": "sandbox-bullhorn-client",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "state": "s",
        },
        allow_redirects=False,
    )
    code = query_of(authorize.headers["Location"])["code"]
    response = sandbox.http.post(
        f"{base}/oauth/token",
        params={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "sandbox-bullhorn-client",
            "client_secret": "sandbox-bullhorn-secret",
            "redirect_uri": REDIRECT,
        },
    )
    assert response.status_code == 200
    return response.json()


def test_given_pipedrive_sandbox_when_code_exchanged_then_tokens_that_call_the_api(sandbox: Sandbox):
    tokens = pipedrive_code_exchange(sandbox)
    assert tokens["access_token"]
    assert tokens["refresh_token"]
    assert tokens["expires_in"] > 0
    me = sandbox.http.get(
        f"{sandbox.base('pipedrive')}/v1/users/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert me.json()["data"]["name"] == "Jordan Lee"


def test_given_bullhorn_sandbox_when_code_exchanged_then_tokens_that_log_in(sandbox: Sandbox):
    tokens = bullhorn_code_exchange(sandbox)
    assert tokens["access_token"]
    assert tokens["refresh_token"]
    assert tokens["expires_in"] > 0
    login = sandbox.http.post(
        f"{sandbox.base('bullhorn')}/rest-services/login",
        params={"version": "2.0", "access_token": tokens["access_token"]},
    )
    assert login.json()["restUrl"].endswith("/")


@pytest.mark.parametrize("system", ["pipedrive", "bullhorn"])
def test_given_used_single_use_refresh_token_when_refreshed_again_then_400_invalid_grant(
    sandbox: Sandbox, system: str
):
    if system == "pipedrive":
        tokens = pipedrive_code_exchange(sandbox)

        def refresh(token: str):
            return sandbox.http.post(
                f"{sandbox.base('pipedrive')}/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": token},
                auth=("sandbox-pipedrive-client", "sandbox-pipedrive-secret"),
            )
    else:
        tokens = bullhorn_code_exchange(sandbox)

        def refresh(token: str):
            return sandbox.http.post(
                f"{sandbox.base('bullhorn')}/oauth/token",
                params={
                    "grant_type": "refresh_token",
                    "refresh_token": token,
                    "client_id": "sandbox-bullhorn-client",
                    "client_secret": "sandbox-bullhorn-secret",
                },
            )

    assert refresh(tokens["refresh_token"]).status_code == 200
    reused = refresh(tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_given_fault_rule_when_next_call_matches_then_503_and_the_call_after_succeeds(sandbox: Sandbox):
    token = sandbox.control("POST", "pipedrive/tokens", {}, expect=201)["access_token"]
    sandbox.control(
        "POST",
        "pipedrive/faults",
        {"method": "GET", "path": "^/api/v2/persons/search$", "status": 503},
        expect=201,
    )
    url = f"{sandbox.base('pipedrive')}/api/v2/persons/search"
    params = {"term": "4155550142", "fields": "phone"}
    headers = {"Authorization": f"Bearer {token}"}
    assert sandbox.http.get(url, params=params, headers=headers).status_code == 503
    assert sandbox.http.get(url, params=params, headers=headers).status_code == 200


def test_given_50ms_latency_when_next_call_made_then_it_takes_at_least_50ms(sandbox: Sandbox):
    minted = sandbox.control("POST", "bullhorn/tokens", {}, expect=201)
    sandbox.control("POST", "bullhorn/latency", {"delay_ms": 50})
    started = time.perf_counter()
    response = sandbox.http.get(f"{minted['restUrl']}ping", headers={"BhRestToken": minted["BhRestToken"]})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.050
