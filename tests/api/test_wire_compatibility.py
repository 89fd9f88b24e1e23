"""What the extension sees, pinned to the reference's exact answers.

Bodies are compared whole, types included, so a refactor cannot move a key, a type or a text.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
import requests

from tests.api import insightly_world
from tests.api.pipedrive_world import (  # noqa: F401 - fixtures, used by name
    MAYA,
    Extension,
    Sandbox,
    call_log_body,
    message_body,
    new_session_id,
    pipedrive_extension,
    pipedrive_sandbox,
)
from tests.api.stack_tables import stack_table
from tests.stack import StackProcess

pytestmark = pytest.mark.stack

PLEASE_AUTHORIZE = "Please go to Settings and authorize CRM platform"


def jwt_of_a_user_who_is_gone(local_stack: StackProcess) -> str:
    """A correctly signed App Connect JWT whose user was never stored (deleted, uninstalled)."""
    now = int(time.time())
    claims = {
        "id": "424242-pipedrive",
        "platform": "pipedrive",
        "iat": now,
        "exp": now + 86_400 * 14,
        "iss": "appconnect",
        "aud": "appconnect-extension",
        "gen": 0,
    }
    return jwt.encode(claims, local_stack.dev_secret("APP_SERVER_SECRET_KEY"), algorithm="HS256")


def send(
    api_url: str, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
) -> Any:
    return requests.request(method, f"{api_url}{path}", headers=headers or {}, timeout=30, **kwargs)


def _unsuccessful(message: str, ttl: int = 5000) -> dict[str, Any]:
    return {"successful": False, "returnMessage": {"message": message, "messageType": "warning", "ttl": ttl}}


CALL = call_log_body("555000111")
#: (method, path, query, body) of every JWT route, with a valid request behind the JWT
ROUTES: dict[str, tuple[str, str, dict[str, str], Any]] = {
    "findContact": ("GET", "/contact", {"phoneNumber": str(MAYA["phone"])}, None),
    "createContact": ("POST", "/contact", {}, {"phoneNumber": MAYA["phone"], "newContactName": "Ada"}),
    "findContactWithName": ("GET", "/custom/contact/search", {"name": "Maya"}, None),
    "getCallLog": ("GET", "/callLog", {"sessionIds": "555000111"}, None),
    "createCallLog": ("POST", "/callLog", {}, CALL),
    "updateCallLog": ("PATCH", "/callLog", {}, {"sessionId": "555000111", "note": "x"}),
    "upsertCallDisposition": ("PUT", "/callDisposition", {}, {"sessionId": "555000111", "dispositions": {}}),
    "createMessageLog": ("POST", "/messageLog", {}, message_body(1, "hi")),
    "unAuthorize": ("POST", "/unAuthorize", {}, None),
    "authValidation": ("GET", "/authValidation", {}, None),
    "hostname": ("GET", "/hostname", {}, None),
    "getUserSettings": ("GET", "/user/settings", {}, None),
    "updateUserSettings": ("POST", "/user/settings", {}, {"userSettings": {}}),
}

#: what each route answers a valid JWT whose user is gone (status, body: text or JSON)
USER_GONE: dict[str, tuple[int, Any]] = {
    "findContact": (200, _unsuccessful("Contact not found")),
    "createContact": (200, {"successful": False}),
    "findContactWithName": (200, _unsuccessful("No contact found with name Maya")),
    "getCallLog": (200, {"successful": False}),
    "createCallLog": (200, _unsuccessful("User not found")),
    "updateCallLog": (200, {"successful": False}),
    "upsertCallDisposition": (200, _unsuccessful("Cannot find log", ttl=3000)),
    "createMessageLog": (200, _unsuccessful("Contact not found")),
    "unAuthorize": (400, "User not found"),
    "authValidation": (200, {"successful": False}),
    "hostname": (400, "User not found"),
    "getUserSettings": (400, "User not found"),
    "updateUserSettings": (400, "User not found"),
}

#: what each route answers a token in ``?jwtToken=`` that does not verify
BAD_QUERY_TOKEN: dict[str, str] = {
    "findContactWithName": "Invalid JWT token",
    "upsertCallDisposition": "Invalid JWT token",
    "authValidation": "Invalid JWT token",
    "unAuthorize": "User not found",
    "hostname": "User not found",
    "updateUserSettings": "Unknown platform",
}


def _body(response: requests.Response) -> Any:
    return (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else response.text
    )


@pytest.mark.parametrize("operation", sorted(ROUTES))
def test_given_no_jwt_when_any_jwt_route_is_called_then_the_authorization_answer_before_any_validation(
    api_url: str, operation: str
) -> None:
    method, path, query, _body_of_a_valid_request = ROUTES[operation]
    # no body at all: a route that validated first would complain about the body instead
    response = send(api_url, method, path, params=query)
    assert (response.status_code, response.text) == (400, PLEASE_AUTHORIZE)


@pytest.mark.parametrize("operation", sorted(ROUTES))
def test_given_a_bad_bearer_token_when_any_jwt_route_is_called_then_the_same_as_no_jwt(
    api_url: str, operation: str
) -> None:
    method, path, query, body = ROUTES[operation]
    response = send(
        api_url, method, path, params=query, json=body, headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert (response.status_code, response.text) == (400, PLEASE_AUTHORIZE)


@pytest.mark.parametrize("operation", sorted(ROUTES))
def test_given_a_bad_token_in_the_query_when_called_then_the_routes_own_text(
    api_url: str, operation: str
) -> None:
    method, path, query, body = ROUTES[operation]
    response = send(api_url, method, path, params={**query, "jwtToken": "not.a.jwt"}, json=body)
    assert (response.status_code, response.text) == (400, BAD_QUERY_TOKEN.get(operation, PLEASE_AUTHORIZE))


@pytest.mark.parametrize("operation", sorted(ROUTES))
def test_given_a_valid_jwt_whose_user_is_gone_when_called_then_the_routes_own_not_found(
    api_url: str, local_stack: StackProcess, operation: str
) -> None:
    method, path, query, body = ROUTES[operation]
    token = jwt_of_a_user_who_is_gone(local_stack)
    response = send(
        api_url, method, path, params=query, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert (response.status_code, _body(response)) == USER_GONE[operation]


def test_given_a_bad_jwt_and_no_messages_when_logging_messages_then_400_not_no_message_to_log(
    api_url: str,
) -> None:
    body = {"logInfo": {"messages": [], "correspondents": []}, "contactId": "1"}
    response = send(
        api_url, "POST", "/messageLog", json=body, headers={"Authorization": "Bearer expired.or.forged"}
    )
    assert (response.status_code, response.text) == (400, PLEASE_AUTHORIZE)


def test_given_a_bad_query_token_when_refreshing_user_info_then_200_successful_as_the_reference(
    api_url: str,
) -> None:
    response = send(api_url, "POST", "/user/refreshInfo", params={"jwtToken": "not.a.jwt"})
    assert (response.status_code, response.json()) == (200, {"successful": True})


@pytest.mark.parametrize("platform", ["pipedrive", "insightly"])
def test_given_a_built_connector_when_interfaces_asked_then_get_log_format_type_is_true(
    api_url: str, platform: str
) -> None:
    assert (
        send(api_url, "GET", "/implementedInterfaces", params={"platform": platform}).json()[
            "getLogFormatType"
        ]
        is True
    )


# -- one call session, several extensions ------------------------------------------------------------


def test_given_one_session_logged_from_two_extensions_when_posted_then_two_records_each_found_by_its_owner(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    before = len(sandbox.activities())
    first = extension.send(
        "POST", "/callLog", call_log_body(session_id, hashedExtensionId="hash-of-101")
    ).json()
    second = extension.send(
        "POST", "/callLog", call_log_body(session_id, hashedExtensionId="hash-of-102")
    ).json()
    again = extension.send(
        "POST", "/callLog", call_log_body(session_id, hashedExtensionId="hash-of-102")
    ).json()
    assert first["successful"] is True
    assert second["successful"] is True
    assert first["logId"] != second["logId"]
    assert again["logId"] == second["logId"]
    assert len(sandbox.activities()) == before + 2
    for hashed, created in (("hash-of-101", first), ("hash-of-102", second)):
        found = extension.get("/callLog", sessionIds=session_id, hashedExtensionId=hashed).json()
        assert found["logs"] == [{"sessionId": session_id, "matched": True, "logId": str(created["logId"])}]


def test_given_server_side_logging_sends_the_raw_extension_id_when_posted_then_it_counts_as_that_extension(
    extension: Extension, api_url: str
) -> None:
    session_id = new_session_id()
    by_client = extension.send(
        "POST", "/callLog", call_log_body(session_id, hashedExtensionId="hash-of-7")
    ).json()
    by_sscl = extension.send("POST", "/callLog", call_log_body(session_id, rcExtensionId="7")).json()
    assert by_client["logId"] != by_sscl["logId"]  # "hash-of-7" is not the server's hash of 7
    repeat = extension.send("POST", "/callLog", call_log_body(session_id, rcExtensionId="7")).json()
    assert repeat["logId"] == by_sscl["logId"]


# -- keys and types ----------------------------------------------------------------------------------


def test_given_a_match_when_looked_up_then_no_return_message_key_and_the_new_contact_entry_as_pipedrives(
    extension: Extension,
) -> None:
    answer = extension.get("/contact", phoneNumber=MAYA["phone"]).json()
    assert set(answer) == {"successful", "contact"}
    assert answer["contact"][-1] == {
        "id": "createNewContact",
        "name": "Create new contact...",
        "isNewContact": True,
    }


def test_given_an_internal_extension_number_when_looked_up_then_no_successful_key(
    extension: Extension,
) -> None:
    answer = extension.get("/contact", phoneNumber="1234").json()
    assert answer == {
        "returnMessage": {
            "message": "Logging against internal extension number is not supported.",
            "messageType": "warning",
            "ttl": 3000,
        },
        "contact": None,
    }


def test_given_insightly_when_nothing_matches_then_its_new_contact_entry_carries_additional_info_null(
    api_url: str, sandbox_url: str, http: requests.Session
) -> None:
    client = insightly_world.connected_avery(api_url, insightly_world.Sandbox(http, sandbox_url))
    answer = client.get("/contact", phoneNumber="+14155550000").json()
    assert answer["contact"] == [
        {
            "id": "createNewContact",
            "name": "Create new contact...",
            "additionalInfo": None,
            "isNewContact": True,
        }
    ]


def test_given_a_call_when_logged_then_log_id_is_the_crms_number(
    extension: Extension, sandbox: Sandbox
) -> None:
    created = extension.send("POST", "/callLog", call_log_body(new_session_id())).json()
    assert isinstance(created["logId"], int)
    assert sandbox.activity(created["logId"])["id"] == created["logId"]


@pytest.mark.parametrize("answer", ["null", "<html>maintenance</html>"])
def test_given_the_crm_answers_a_search_with_something_that_is_not_its_json_then_error_not_not_found(
    extension: Extension, sandbox: Sandbox, answer: str
) -> None:
    sandbox.control(
        "POST",
        "pipedrive/faults",
        {"method": "GET", "path": "/persons/search", "status": 200, "body": answer, "times": 5},
    )
    response = extension.get("/contact", phoneNumber=MAYA["phone"]).json()
    assert response == {
        "successful": False,
        "returnMessage": {
            "message": "Error finding contact",
            "messageType": "warning",
            "ttl": 5000,
            "details": [
                {
                    "title": "Details",
                    "items": [
                        {
                            "id": 1,
                            "type": "text",
                            "text": "Please check if your account has permission to GET contacts.",
                        }
                    ],
                }
            ],
        },
    }


def test_given_a_second_message_of_a_conversation_when_logged_then_only_its_id_is_answered(
    extension: Extension,
) -> None:
    first = extension.send("POST", "/messageLog", message_body(9101, "one", conversation="888001")).json()
    second = extension.send("POST", "/messageLog", message_body(9102, "two", conversation="888001")).json()
    again = extension.send("POST", "/messageLog", message_body(9102, "two", conversation="888001")).json()
    assert (first["logIds"], second["logIds"], again["logIds"]) == (["9101"], ["9102"], [])


# -- found by the route-by-route check ------------------------------------------------------------------


def test_given_the_extensions_analytics_headers_when_the_browser_asks_first_then_the_preflight_allows_them(
    api_url: str,
) -> None:
    wanted = "authorization,content-type,rc-extension-id,rc-account-id,developer-author-name"
    response = requests.options(
        f"{api_url}/contact",
        headers={
            "Origin": "chrome-extension://kkhkjhafgdlihndcbnebljipgkandkhh",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": wanted,
        },
        timeout=30,
    )
    assert response.status_code == 204
    allowed = response.headers["access-control-allow-headers"].lower().split(",")
    assert set(wanted.split(",")) <= set(allowed)


def test_given_a_new_user_of_a_company_with_admin_settings_when_reading_settings_then_the_admin_ones_apply(
    api_url: str, sandbox_url: str, http: requests.Session, local_stack: StackProcess, dynamodb_url: str
) -> None:
    box = insightly_world.Sandbox(http, sandbox_url)
    insightly_world.logout_avery(api_url, box)
    client = insightly_world.Extension(requests.Session(), api_url)
    assert (
        client.api_key_login(insightly_world.AVERY_KEY, box.api_url, rc_token=box.rc_token()).status_code
        == 200
    )
    account_hash = local_stack.hash_id(insightly_world.RC_ACCOUNT)
    dynamodb, table = stack_table(dynamodb_url, "AdminConfigsTable")
    enforced = {"autoLogCall": {"value": True, "customizable": False}}
    dynamodb.put_item(
        TableName=table, Item={"id": {"S": account_hash}, "userSettings": {"S": json.dumps(enforced)}}
    )
    try:
        # a user who never saved a setting has {} stored: the company's enforced setting still applies
        assert client.get("/user/settings").json() == enforced
    finally:
        dynamodb.delete_item(TableName=table, Key={"id": {"S": account_hash}})


def test_given_pipedrive_refuses_user_info_when_connecting_then_the_references_detail(
    api_url: str, sandbox: Sandbox
) -> None:
    callback = sandbox.authorize(f"{api_url}/pipedrive-redirect", user_id=12346)
    sandbox.control("POST", "pipedrive/faults", {"path": "/v1/users/me", "status": 401, "times": 1})
    response = requests.get(f"{api_url}/oauth-callback", params={"callbackUri": callback}, timeout=30)
    assert response.status_code == 200
    assert response.json() == {
        "returnMessage": {
            "message": "Could not load user information",
            "messageType": "warning",
            "ttl": 3000,
            "details": [
                {
                    "title": "Details",
                    "items": [
                        {
                            "id": "1",
                            "type": "text",
                            "text": "Pipedrive was unable to fetch information for the currently logged in "
                            "user. Please check your permissions in Pipedrive and make sure you have "
                            "permission to access and read user information.",
                        }
                    ],
                }
            ],
        }
    }


def test_given_the_uninstall_webhook_names_the_stored_user_key_when_called_then_that_user_is_forgotten(
    extension: Extension, api_url: str
) -> None:
    basic = "Basic " + base64.b64encode(b"sandbox-pipedrive-client:sandbox-pipedrive-secret").decode()
    unauthenticated = requests.delete(f"{api_url}/pipedrive-redirect", data="not json", timeout=30)
    assert (unauthenticated.status_code, unauthenticated.text) == (401, "Unauthorized")
    response = requests.delete(
        f"{api_url}/pipedrive-redirect",
        json={"user_id": "12345-pipedrive"},
        headers={"Authorization": basic},
        timeout=30,
    )
    assert (response.status_code, response.text) == (200, "User deleted")
    assert extension.get("/contact", phoneNumber=MAYA["phone"]).json()["returnMessage"]["message"] == (
        "Contact not found"
    )


def test_given_connector_calls_that_give_no_message_when_answered_then_return_message_is_absent_not_null(
    extension: Extension,
) -> None:
    session_id = new_session_id()
    extension.send("POST", "/callLog", call_log_body(session_id))
    detailed = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    assert "returnMessage" not in detailed  # Pipedrive's getCallLog gives none
    plain = extension.get("/callLog", sessionIds=session_id).json()
    assert plain["returnMessage"] is None  # no connector call: the reference's null
    extension.send("POST", "/messageLog", message_body(9201, "one", conversation="888002"))
    appended = extension.send("POST", "/messageLog", message_body(9202, "two", conversation="888002")).json()
    assert appended == {"successful": True, "logIds": ["9202"]}


def test_given_an_oauth_platform_when_logging_in_with_an_api_key_then_400_json_error(api_url: str) -> None:
    response = send(api_url, "POST", "/apiKeyLogin", json={"platform": "pipedrive", "apiKey": "k"})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "pipedrive signs in with OAuth, not an API key."},
    )


def test_given_the_current_log_cannot_be_read_when_updating_then_the_fields_are_written_anyway(
    extension: Extension, sandbox: Sandbox
) -> None:
    session_id = new_session_id()
    created = extension.send("POST", "/callLog", call_log_body(session_id)).json()
    # as the reference: a failed read of the current body is written over, not an update error
    sandbox.control(
        "POST",
        "pipedrive/faults",
        {"method": "GET", "path": f"/activities/{created['logId']}$", "status": 503, "times": 5},
    )
    updated = extension.send("PATCH", "/callLog", {"sessionId": session_id, "note": "Written anyway."}).json()
    assert updated["successful"] is True, updated
    assert "Written anyway." in sandbox.activity(created["logId"])["note"]


def test_given_an_rc_token_ringcentral_refuses_when_reading_settings_then_the_users_own_settings(
    extension: Extension, api_url: str
) -> None:
    refused = {"X-RC-Access-Token": "not-a-ringcentral-token"}
    # a setting no composer reads: the user is shared with other tests
    extension.send("POST", "/user/settings", {"userSettings": {"wireProbe": {"value": "kept"}}})
    try:
        headers = {**extension.headers(), **refused}
        settings = requests.get(f"{api_url}/user/settings", headers=headers, timeout=30)
        assert settings.status_code == 200, settings.text
        assert settings.json()["wireProbe"] == {"value": "kept"}
    finally:
        extension.send("POST", "/user/settings", {"settingKeysToRemove": ["wireProbe"]})
    preload = requests.get(f"{api_url}/user/preloadSettings", headers=refused, timeout=30)
    assert (preload.status_code, preload.json()) == (
        400,
        {"error": "The RingCentral session is not valid. Please sign in to RingCentral again."},
    )
