"""Bullhorn's server-side-logging service account, end to end: ``/admin/serverLoggingSettings`` through the
local API, RingCentral's admin check against its sandbox, the password sign-in against Bullhorn's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.api.bullhorn_world import MAYA, Extension, Sandbox, connected_bailey
from tests.api.stack_tables import stack_table

pytestmark = pytest.mark.stack

ADMIN_EXTENSION = 62264425008
NOT_ADMIN_EXTENSION = 62264425009
SERVICE_USERNAME = "api.service"
SERVICE_PASSWORD = "sandbox-password"
SERVICE_USER_ID = 1002
PATH = "/admin/serverLoggingSettings"


@pytest.fixture
def sandbox(sandbox_url: str, http: requests.Session) -> Iterator[Sandbox]:
    box = Sandbox(http, sandbox_url)
    box.reset()
    yield box
    box.own("DELETE", "faults")


@pytest.fixture
def bailey(api_url: str, sandbox: Sandbox) -> Extension:
    return connected_bailey(api_url, sandbox)


def _rc_token(sandbox: Sandbox, extension_id: int) -> str:
    body = sandbox.control("POST", "ringcentral/tokens", {"extension_id": extension_id})
    return str(body["access_token"])


def _as(client: Extension, sandbox: Sandbox, extension_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.jwt}", "X-RC-Access-Token": _rc_token(sandbox, extension_id)}


def _save(
    client: Extension, sandbox: Sandbox, values: dict[str, Any], extension_id: int = ADMIN_EXTENSION
) -> Any:
    return client.http.post(
        f"{client.api}{PATH}",
        json={"additionalFieldValues": values},
        headers=_as(client, sandbox, extension_id),
        timeout=60,
    )


def _session_users(sandbox: Sandbox) -> set[int]:
    return {int(s["user_id"]) for s in sandbox.sessions()}


def test_given_a_user_not_an_admin_when_reading_or_saving_the_service_account_then_403_and_nothing_saved(
    bailey: Extension, sandbox: Sandbox
) -> None:
    read = bailey.http.get(
        f"{bailey.api}{PATH}", headers=_as(bailey, sandbox, NOT_ADMIN_EXTENSION), timeout=60
    )
    saved = _save(
        bailey,
        sandbox,
        {"apiUsername": SERVICE_USERNAME, "apiPassword": SERVICE_PASSWORD},
        NOT_ADMIN_EXTENSION,
    )
    without_rc = bailey.http.get(
        f"{bailey.api}{PATH}", headers={"Authorization": f"Bearer {bailey.jwt}"}, timeout=60
    )

    assert (read.status_code, saved.status_code, without_rc.status_code) == (403, 403, 403)
    assert SERVICE_USER_ID not in _session_users(sandbox)


def test_given_a_wrong_service_password_when_an_admin_saves_it_then_update_failed_and_the_users_session_stays(
    bailey: Extension, sandbox: Sandbox
) -> None:
    response = _save(bailey, sandbox, {"apiUsername": SERVICE_USERNAME, "apiPassword": "wrong"})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "successful": False,
        "returnMessage": {
            "message": "Server logging settings update failed. Please check your username and password.",
            "messageType": "warning",
            "ttl": 10000,
        },
    }
    assert bailey.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True
    assert SERVICE_USER_ID not in _session_users(sandbox)


def test_given_the_service_account_when_an_admin_saves_it_then_its_session_used_and_password_never_shown(
    bailey: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    response = _save(bailey, sandbox, {"apiUsername": SERVICE_USERNAME, "apiPassword": SERVICE_PASSWORD})

    assert response.status_code == 200, response.text
    assert response.json()["successful"] is True
    assert response.json()["returnMessage"]["message"] == "Server logging settings updated"
    read = bailey.http.get(f"{bailey.api}{PATH}", headers=_as(bailey, sandbox, ADMIN_EXTENSION), timeout=60)
    assert read.json() == {"apiUsername": SERVICE_USERNAME, "apiPassword": ""}
    sandbox.clear_journal()
    assert bailey.get("/contact", phoneNumber=MAYA["phone"]).json()["successful"] is True
    [search, *_] = sandbox.journal("POST", "search/ClientContact")
    token = {k.lower(): v for k, v in search["headers"].items()}["bhresttoken"]
    assert next(s for s in sandbox.sessions() if s["BhRestToken"] == token)["user_id"] == SERVICE_USER_ID
    dynamodb, table = stack_table(dynamodb_url, "UsersTable")
    assert SERVICE_PASSWORD not in str(dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])


def test_given_the_service_account_when_its_refresh_token_is_refused_then_it_signs_in_again_unnoticed(
    bailey: Extension, sandbox: Sandbox
) -> None:
    assert _save(bailey, sandbox, {"apiUsername": SERVICE_USERNAME, "apiPassword": SERVICE_PASSWORD}).json()[
        "successful"
    ]
    for grant in sandbox.own("GET", "state?collection=oauth")["oauth"]["grants"]:
        if grant["kind"] == "refresh" and grant["user_id"] == SERVICE_USER_ID:
            sandbox.own("POST", "expire", {"token": grant["token"], "revoke": True})
    sandbox.own("POST", "expire", {"all": True})  # every access token and session dead too
    sandbox.clear_journal()

    answer = bailey.get("/contact", phoneNumber=MAYA["phone"])

    assert answer.status_code == 200, answer.text
    assert answer.json()["successful"] is True
    assert len(sandbox.journal("GET", "/oauth/authorize")) == 1  # the password sign-in, once


def test_given_empty_fields_when_an_admin_saves_them_then_the_service_account_is_forgotten(
    bailey: Extension, sandbox: Sandbox
) -> None:
    _save(bailey, sandbox, {"apiUsername": SERVICE_USERNAME, "apiPassword": SERVICE_PASSWORD})

    cleared = _save(bailey, sandbox, {"apiUsername": "", "apiPassword": ""})

    assert cleared.json()["returnMessage"]["message"] == "Server logging settings cleared"
    read = bailey.http.get(f"{bailey.api}{PATH}", headers=_as(bailey, sandbox, ADMIN_EXTENSION), timeout=60)
    assert read.json() == {"apiUsername": "", "apiPassword": ""}
