"""The bad-input catalogue: what a user (or a broken client) gets for each kind of bad request.

Every case is sent through the local stack by a logged-in Pipedrive user (Pipedrive renders notes as HTML)
and answers a 4xx with a message a person can act on (or the reference's documented answer), and writes
nothing: the sandbox CRM's journal shows no write and the user's rows in DynamoDB are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from appconnect.composer import escape_html
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
from tests.api.stack_tables import raw_user, stack_table

pytestmark = pytest.mark.stack

USER_ID = "12345-pipedrive"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _rows(dynamodb_url: str, suffix: str) -> list[dict[str, Any]]:
    dynamodb, table = stack_table(dynamodb_url, suffix)
    answer = dynamodb.query(
        TableName=table,
        KeyConditionExpression="userId = :user",
        ExpressionAttributeValues={":user": {"S": USER_ID}},
        ConsistentRead=True,
    )
    return list(answer["Items"])


@contextmanager
def nothing_written(sandbox: Sandbox, dynamodb_url: str) -> Iterator[None]:
    """Asserts that the block wrote nothing: no write reached the CRM, no log row, the user unchanged."""
    before = (
        _rows(dynamodb_url, "CallLogsTable"),
        _rows(dynamodb_url, "MessageLogsTable"),
        raw_user(dynamodb_url, USER_ID),
    )
    sandbox.clear_journal()
    yield
    writes = [entry for entry in sandbox.journal() if entry["method"] in WRITES]
    assert writes == [], writes
    after = (
        _rows(dynamodb_url, "CallLogsTable"),
        _rows(dynamodb_url, "MessageLogsTable"),
        raw_user(dynamodb_url, USER_ID),
    )
    assert after == before


def post_raw(extension: Extension, path: str, data: bytes | str, content_type: str) -> requests.Response:
    headers = {**extension.headers(), "Content-Type": content_type}
    return extension.http.post(f"{extension.api}{path}", data=data, headers=headers, timeout=60)


def _answer(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.text


# -- the body itself ----------------------------------------------------------------------------------------

NOT_JSON = "The request body must be valid JSON."
NOT_AN_OBJECT = "The request body must be a JSON object."
WRONG_TYPE = "The request body must be JSON, sent with Content-Type: application/json."

BODIES = [
    pytest.param(b'{"logInfo": {"sessionId": ', "application/json", NOT_JSON, id="truncated-json"),
    pytest.param(b"{'logInfo': {}}", "application/json", NOT_JSON, id="single-quoted-json"),
    pytest.param(b'{"logInfo": {"duration": NaN}}', "application/json", NOT_JSON, id="nan-is-not-json"),
    pytest.param(b"[1, 2]", "application/json", NOT_AN_OBJECT, id="a-list"),
    pytest.param(b'"text"', "application/json", NOT_AN_OBJECT, id="a-string"),
    pytest.param(
        b"\xff\xfe\x00garbage", "application/json", "The request body is not valid UTF-8 text.", id="binary"
    ),
    pytest.param(b"logInfo=1&note=2", "application/x-www-form-urlencoded", WRONG_TYPE, id="form-encoded"),
    pytest.param(b"<logInfo/>", "application/xml", WRONG_TYPE, id="xml"),
    pytest.param(
        json.dumps(call_log_body("555000999")).encode(),
        "text/plain",
        WRONG_TYPE,
        id="json-sent-as-text-plain",
    ),
]


@pytest.mark.parametrize(("data", "content_type", "message"), BODIES)
@pytest.mark.parametrize("path", ["/callLog", "/messageLog", "/contact", "/user/settings"])
def test_given_a_body_that_is_not_a_json_object_when_posted_then_400_saying_so_and_nothing_written(
    extension: Extension,
    sandbox: Sandbox,
    dynamodb_url: str,
    path: str,
    data: bytes,
    content_type: str,
    message: str,
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = post_raw(extension, path, data, content_type)
    assert _answer(response) == (400, message)


def test_given_a_body_over_the_api_limit_when_posted_then_413_and_nothing_written(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    body = call_log_body(new_session_id(), note="x" * 11_000_000)
    with nothing_written(sandbox, dynamodb_url):
        response = post_raw(extension, "/callLog", json.dumps(body), "application/json")
    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}


# -- fields: missing, extra, wrong, absurd ------------------------------------------------------------------


def _call(**changes: Any) -> dict[str, Any]:
    body = call_log_body(new_session_id())
    for dotted, value in changes.items():
        container, _, name = dotted.rpartition("__")
        target = body["logInfo"] if container == "logInfo" else body
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return body


TIME = "logInfo.startTime must be a time: epoch milliseconds or ISO 8601 text such as 2026-07-14T10:00:00Z."
DURATION = "logInfo.duration must be a number of seconds, at most 315360000."
CALL_LOGS = [
    pytest.param(_call(logInfo=None), "logInfo with a sessionId is required.", id="no-log-info"),
    pytest.param(_call(logInfo__sessionId=None), "logInfo with a sessionId is required.", id="no-session-id"),
    pytest.param(_call(logInfo__from="+14155550142"), "logInfo.from must be an object.", id="from-as-text"),
    pytest.param(
        _call(logInfo__startTime={"at": 1}), "logInfo.startTime must be a number or text.", id="time-obj"
    ),
    pytest.param(_call(note=["a", "b"]), "note must be text.", id="note-as-a-list"),
    pytest.param(_call(logInfo__startTime="2026-02-30T10:00:00Z"), TIME, id="february-30th"),
    pytest.param(_call(logInfo__startTime="2026-07-14T25:61:00Z"), TIME, id="hour-25"),
    pytest.param(_call(logInfo__startTime="yesterday at noon"), TIME, id="words-for-a-date"),
    pytest.param(_call(logInfo__startTime="2026-07-14T10:00:00+25:00"), TIME, id="offset-out-of-range"),
    pytest.param(_call(logInfo__startTime="2026-07-14T10:00:00 Mars/Olympus"), TIME, id="unknown-time-zone"),
    pytest.param(_call(logInfo__startTime=10**20), TIME, id="epoch-beyond-the-calendar"),
    pytest.param(_call(logInfo__duration=2**63), DURATION, id="duration-2-to-the-63"),
    pytest.param(_call(logInfo__duration=-(10**12)), DURATION, id="duration-hugely-negative"),
    pytest.param(_call(logInfo__duration="1e300"), DURATION, id="duration-1e300-as-text"),
    pytest.param(
        _call(contactName="N" * 5_000), "contactName must be at most 1000 characters.", id="huge-name"
    ),
    pytest.param(
        _call(logInfo__customSubject="S" * 5_000),
        "logInfo.customSubject must be at most 1000 characters.",
        id="huge-subject",
    ),
]


@pytest.mark.parametrize(("body", "message"), CALL_LOGS)
def test_given_a_call_log_with_a_missing_wrong_or_absurd_field_when_posted_then_400_naming_it(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, body: dict[str, Any], message: str
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = extension.send("POST", "/callLog", body)
    assert _answer(response) == (400, message)


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"startTime": "2026-13-01T00:00:00Z"}, "startTime must be a time"),
        ({"duration": float(10**15)}, "duration must be a number of seconds"),
        ({"subject": "S" * 5_000}, "subject must be at most 1000 characters."),
        ({"note": {"text": "x"}}, "note must be text."),
    ],
    ids=["bad-date", "absurd-duration", "huge-subject", "note-as-an-object"],
)
def test_given_a_logged_call_when_updated_with_a_bad_field_then_400_and_the_activity_unchanged(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, update: dict[str, Any], message: str
) -> None:
    session_id = new_session_id()
    logged = extension.send("POST", "/callLog", call_log_body(session_id))
    assert logged.json()["successful"] is True, logged.text
    activity = sandbox.activity(logged.json()["logId"])
    with nothing_written(sandbox, dynamodb_url):
        response = extension.send("PATCH", "/callLog", {"sessionId": session_id, **update})
    assert response.status_code == 400
    assert response.text.startswith(message)
    assert sandbox.activity(logged.json()["logId"]) == activity


def test_given_extra_fields_the_server_does_not_know_when_a_call_is_logged_then_they_are_ignored(
    extension: Extension, sandbox: Sandbox
) -> None:
    body = call_log_body(new_session_id(), unknownField={"x": 1})
    body["logInfo"]["notAField"] = [1, 2, 3]
    response = extension.send("POST", "/callLog", body)
    assert response.json()["successful"] is True, response.text
    assert "notAField" not in json.dumps(sandbox.activity(response.json()["logId"]))


# -- phone numbers -------------------------------------------------------------------------------------------

NOT_A_NUMBER = "phoneNumber must be a phone number such as +14155550142."


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("", "phoneNumber is required."),
        ("garbage", NOT_A_NUMBER),
        ("<script>alert(1)</script>", NOT_A_NUMBER),
        ("'; DROP TABLE users; --", NOT_A_NUMBER),
        ("+", NOT_A_NUMBER),
        ("+1" + "4" * 60, NOT_A_NUMBER),
    ],
    ids=["empty", "letters", "script", "sql", "plus-only", "sixty-digits"],
)
def test_given_something_that_is_not_a_phone_number_when_creating_a_contact_then_400_and_no_contact(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, phone: str, message: str
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = extension.send("POST", "/contact", {"phoneNumber": phone, "newContactName": "Ada"})
    assert _answer(response) == (400, message)


def test_given_a_huge_name_when_creating_a_contact_then_400_and_no_contact(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = extension.send(
            "POST", "/contact", {"phoneNumber": MAYA["phone"], "newContactName": "A" * 5000}
        )
    assert _answer(response) == (400, "newContactName must be at most 1000 characters.")


@pytest.mark.parametrize(
    "phone",
    ["garbage", "12", "<script>", "%2B14155550142"],
    ids=["letters", "short-number", "markup", "double-encoded"],
)
def test_given_a_number_without_a_plus_when_looked_up_in_pipedrive_then_the_references_extension_warning(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, phone: str
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = extension.get("/contact", phoneNumber=phone)
    assert response.status_code == 200
    assert response.json() == {
        "returnMessage": {
            "message": "Logging against internal extension number is not supported.",
            "messageType": "warning",
            "ttl": 3000,
        },
        "contact": None,
    }


@pytest.mark.parametrize(
    "phone", ["+999123456789", "++++", "+1" + "1" * 40, "+'; DROP TABLE persons; --"], ids=str
)
def test_given_a_number_nobody_has_when_looked_up_then_contact_not_found_and_the_new_contact_entry(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, phone: str
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = extension.get("/contact", phoneNumber=phone)
    assert response.status_code == 200
    body = response.json()
    assert body["successful"] is True
    assert [entry["id"] for entry in body["contact"]] == ["createNewContact"]
    assert body["returnMessage"]["message"] == "Contact not found"


def test_given_no_phone_number_when_looked_up_then_400_please_provide_it(extension: Extension) -> None:
    assert _answer(extension.get("/contact")) == (400, "Please provide phoneNumber.")


# -- platforms ---


def test_given_an_unknown_platform_when_asking_for_its_manifest_then_400_platform_not_found(
    api_url: str,
) -> None:
    response = requests.get(f"{api_url}/crmManifest", params={"platformName": "nosuchcrm"}, timeout=30)
    assert _answer(response) == (400, "Platform not found")


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("POST", "/apiKeyLogin", {}, {"platform": "nosuchcrm", "apiKey": "x"}),
        ("GET", "/oauth-callback", {"callbackUri": "https://x/?code=1", "state": "platform=nosuchcrm"}, None),
        ("GET", "/implementedInterfaces", {"platform": "nosuchcrm"}, None),
    ],
    ids=["api-key-login", "oauth-callback", "implemented-interfaces"],
)
def test_given_an_unknown_platform_when_logging_in_or_asking_then_400_connector_not_found(
    api_url: str, method: str, path: str, params: dict[str, str], body: Any
) -> None:
    response = requests.request(method, f"{api_url}{path}", params=params, json=body, timeout=30)
    assert response.status_code == 400
    assert response.json() == {"error": "Connector not found for platform: nosuchcrm"}


# -- settings ---


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"redtailCustomTimezone": "-5"},
            'userSettings.redtailCustomTimezone must be an object such as {"value": ...}.',
        ),
        ({"theme": {"value": "dark", "options": {}}}, "userSettings.theme.options must be a list."),
        (
            {"theme": {"value": "dark", "customizable": "yes"}},
            "userSettings.theme.customizable must be true or false.",
        ),
    ],
    ids=["bare-value", "options-not-a-list", "customizable-not-a-boolean"],
)
def test_given_a_malformed_setting_when_saved_then_400_naming_it_and_the_settings_unchanged(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str, settings: dict[str, Any], message: str
) -> None:
    with nothing_written(sandbox, dynamodb_url):
        response = extension.send("POST", "/user/settings", {"userSettings": settings})
    assert _answer(response) == (400, message)


# -- text that a CRM renders ---

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "'; DROP TABLE activities; --",
    "Robert'); DELETE FROM users WHERE ('1'='1",
    "</b><b>Call details</b><li>forged</li>",
    "{{7*7}} ${7*7} $& $1",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_given_markup_or_sql_in_a_note_when_logged_to_an_html_crm_then_escaped_and_read_back_as_typed(
    extension: Extension, sandbox: Sandbox, text: str
) -> None:
    session_id = new_session_id()
    response = extension.send("POST", "/callLog", call_log_body(session_id, note=text, contactName=text))
    assert response.json()["successful"] is True, response.text
    stored = sandbox.activity(response.json()["logId"])["note"]
    assert "<script" not in stored
    assert 'onerror="' not in stored
    assert "<li>forged" not in stored
    read = extension.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    assert read["logs"][0]["logData"]["note"] == text


@pytest.mark.parametrize("text", HOSTILE[:3], ids=range(3))
def test_given_markup_in_an_sms_when_logged_to_an_html_crm_then_escaped(
    extension: Extension, sandbox: Sandbox, text: str
) -> None:
    message = message_body(int(new_session_id()), text, conversation=new_session_id())
    response = extension.send("POST", "/messageLog", message)
    assert response.json()["successful"] is True, response.text
    notes = [str(a.get("note")) for a in sandbox.activities() if escape_html(text) in str(a.get("note"))]
    assert len(notes) == 1
    assert "<script" not in notes[0]
    assert 'onerror="' not in notes[0]


# -- credentials that cannot be credentials ---


@pytest.mark.parametrize(
    "token", ["tökén-ü", "\U00037556abc", "a b\tc"], ids=["latin-1", "astral", "whitespace"]
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/admin/settings"), ("GET", "/user/preloadSettings"), ("GET", "/userInfoHash")],
)
def test_given_an_rc_token_no_header_can_carry_when_checked_then_400_session_not_valid_not_500(
    api_url: str, method: str, path: str, token: str
) -> None:
    response = requests.request(
        method,
        f"{api_url}{path}",
        params={"rcAccessToken": token, "extensionId": "1", "accountId": "1"},
        json={"adminSettings": {}} if method == "POST" else None,
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "The RingCentral session is not valid. Please sign in to RingCentral again."
    }


def test_given_a_write_inside_the_guard_when_checked_then_the_guard_fails(
    extension: Extension, sandbox: Sandbox, dynamodb_url: str
) -> None:
    with pytest.raises(AssertionError), nothing_written(sandbox, dynamodb_url):
        assert (
            extension.send("POST", "/callLog", call_log_body(new_session_id())).json()["successful"] is True
        )
