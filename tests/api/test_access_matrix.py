"""User B of another company, holding a valid JWT of their own, against user A's data on every JWT route.

A (Avery, Insightly, RingCentral account 37439510) logs a call, caches a note, logs an SMS and saves a
setting. B (Blake, Insightly, RingCentral account 40960001) then calls every JWT route aimed at A's session,
conversation and settings. After each call A's rows in DynamoDB and A's CRM records are exactly as they
were, and nothing of A's (log id, note, setting) is in B's answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.api import insightly_world
from tests.api.insightly_world import AVERY_KEY, BLAKE_KEY, Extension, Sandbox, call_log_body, message_body
from tests.api.stack_tables import stack_table

pytestmark = pytest.mark.stack

AVERY, BLAKE = "5001-insightly", "5002-insightly"
A_NOTE = "Avery's private note about the renewal"
A_SETTING = ("accessMatrixProbe", "avery-only-value")
#: Jordan Lee (an admin of A's company) and Sam Ortiz (an admin of B's company) in the RingCentral sandbox
A_ADMIN_EXTENSION, B_ADMIN_EXTENSION = 62264425008, 71100000001


@pytest.fixture
def insightly(sandbox_url: str, http: requests.Session, dynamodb_url: str) -> Iterator[Sandbox]:
    """The Insightly sandbox; afterwards Blake is forgotten again and Avery's probe setting removed, as the
    other Insightly tests of this stack expect (Blake never connected, Avery's settings their own)."""
    box = Sandbox(http, sandbox_url)
    box.reset()
    dynamodb, users = stack_table(dynamodb_url, "UsersTable")
    blake_key = {"id": {"S": BLAKE}}
    blake_existed = "Item" in dynamodb.get_item(TableName=users, Key=blake_key, ConsistentRead=True)
    yield box
    box.control("DELETE", "insightly/faults")
    if not blake_existed:
        dynamodb.delete_item(TableName=users, Key=blake_key)


def _connected(api_url: str, box: Sandbox, key: str, rc_extension: int) -> Extension:
    leftover = Extension(requests.Session(), api_url)
    if leftover.api_key_login(key, box.api_url).status_code == 200:
        leftover.send("POST", "/unAuthorize", None)
    client = Extension(requests.Session(), api_url)
    response = client.api_key_login(key, box.api_url, rc_token=box.rc_token(rc_extension))
    assert response.status_code == 200, response.text
    return client


def _snapshot(dynamodb_url: str, box: Sandbox, session_id: str) -> dict[str, Any]:
    """Everything of A's that B must not touch: A's rows in every table, and the CRM's events."""
    rows: dict[str, Any] = {}
    for suffix in ("CallLogsTable", "MessageLogsTable"):
        dynamodb, table = stack_table(dynamodb_url, suffix)
        rows[suffix] = dynamodb.query(
            TableName=table,
            KeyConditionExpression="userId = :user",
            ExpressionAttributeValues={":user": {"S": AVERY}},
            ConsistentRead=True,
        )["Items"]
    dynamodb, users = stack_table(dynamodb_url, "UsersTable")
    rows["user"] = dynamodb.get_item(TableName=users, Key={"id": {"S": AVERY}}, ConsistentRead=True)["Item"]
    dynamodb, cache = stack_table(dynamodb_url, "CacheTable")
    note_key = {"id": {"S": f"note#{AVERY}#{session_id}"}}
    rows["cached note"] = dynamodb.get_item(TableName=cache, Key=note_key, ConsistentRead=True).get("Item")
    rows["events"] = box.events()
    return rows


def test_given_user_b_of_another_company_when_every_jwt_route_aims_at_user_as_data_then_a_is_untouched(
    api_url: str, insightly: Sandbox, dynamodb_url: str
) -> None:
    a = _connected(api_url, insightly, AVERY_KEY, A_ADMIN_EXTENSION)
    b = _connected(api_url, insightly, BLAKE_KEY, B_ADMIN_EXTENSION)
    session_id = str(uuid.uuid4().int)[:12]
    conversation = str(uuid.uuid4().int)[:9]
    logged = a.send("POST", "/callLog", call_log_body(session_id, note=A_NOTE))
    assert logged.json()["successful"] is True, logged.text
    a_log_id = str(logged.json()["logId"])
    assert a.send("POST", "/callLog/cacheNote", {"sessionId": session_id, "note": A_NOTE}).status_code == 200
    sms = a.send("POST", "/messageLog", message_body(int(conversation), "hello A", conversation=conversation))
    assert sms.json()["successful"] is True, sms.text
    setting = {"userSettings": {A_SETTING[0]: {"value": A_SETTING[1]}}}
    assert a.send("POST", "/user/settings", setting).status_code == 200
    a_admin = insightly.rc_token(A_ADMIN_EXTENSION)
    before = _snapshot(dynamodb_url, insightly, session_id)
    assert before["CallLogsTable"]
    assert before["MessageLogsTable"]
    assert before["cached note"] is not None
    assert A_SETTING[1] in json.dumps(before["user"])

    #: (route, method, path, query, body, extra headers) aimed at A's session, conversation and settings
    attempts: list[tuple[str, str, str, dict[str, str], Any, dict[str, str]]] = [
        ("getCallLog", "GET", "/callLog", {"sessionIds": session_id}, None, {}),
        (
            "getCallLog details",
            "GET",
            "/callLog",
            {"sessionIds": session_id, "requireDetails": "true"},
            None,
            {},
        ),
        ("updateCallLog", "PATCH", "/callLog", {}, {"sessionId": session_id, "note": "B was here"}, {}),
        (
            "upsertCallDisposition",
            "PUT",
            "/callDisposition",
            {},
            {"sessionId": session_id, "dispositions": {"organisation": 302}},
            {},
        ),
        (
            "cacheCallNote",
            "POST",
            "/callLog/cacheNote",
            {},
            {"sessionId": session_id, "note": "B's note"},
            {},
        ),
        ("createCallLog", "POST", "/callLog", {}, call_log_body(session_id, note="B logs A's call"), {}),
        (
            "createMessageLog",
            "POST",
            "/messageLog",
            {},
            message_body(int(conversation) + 1, "B appends", conversation=conversation),
            {},
        ),
        ("getUserSettings", "GET", "/user/settings", {}, None, {}),
        ("getUserSettings with A's admin", "GET", "/user/settings", {}, None, {"X-RC-Access-Token": a_admin}),
        ("updateUserSettings", "POST", "/user/settings", {}, {"settingKeysToRemove": [A_SETTING[0]]}, {}),
        (
            "getAdminSettings with A's admin",
            "GET",
            "/admin/settings",
            {},
            None,
            {"X-RC-Access-Token": a_admin},
        ),
        ("findContact", "GET", "/contact", {"phoneNumber": str(insightly_world.MAYA["phone"])}, None, {}),
        ("findContactWithName", "GET", "/custom/contact/search", {"name": "Maya"}, None, {}),
        ("hostname", "GET", "/hostname", {}, None, {}),
        ("authValidation", "GET", "/authValidation", {}, None, {}),
        ("refreshUserInfo", "POST", "/user/refreshInfo", {}, None, {}),
        ("unAuthorize", "POST", "/unAuthorize", {}, None, {}),
    ]
    for route, method, path, query, body, extra in attempts:
        response = b.http.request(
            method, f"{api_url}{path}", params=query, json=body, headers={**b.headers(), **extra}, timeout=60
        )
        assert response.status_code < 500, (route, response.text)
        for secret in (A_NOTE, A_SETTING[1], f'"logId":"{a_log_id}"', f'"logId":{a_log_id}'):
            assert secret not in response.text, (route, response.text)
        if route.startswith("getCallLog"):
            assert response.json()["logs"] == [{"sessionId": session_id, "matched": False}], route
        if route == "updateCallLog":
            assert response.json() == {"successful": False}
        if route == "upsertCallDisposition":
            assert response.json()["returnMessage"]["message"] == "Cannot find log"
        if route == "getAdminSettings with A's admin":
            assert response.status_code == 403
        after = _snapshot(dynamodb_url, insightly, session_id)
        a_events = [e for e in after["events"] if str(e["EVENT_ID"]) in json.dumps(before["events"])]
        assert {k: v for k, v in after.items() if k != "events"} == {
            k: v for k, v in before.items() if k != "events"
        }, route
        assert a_events == before["events"], route

    # A still sees their own data, as it was
    again = a.get("/callLog", sessionIds=session_id, requireDetails="true").json()
    assert again["logs"][0]["logData"]["note"] == A_NOTE
    assert a.get("/user/settings").json()[A_SETTING[0]]["value"] == A_SETTING[1]
    a.send("POST", "/user/settings", {"settingKeysToRemove": [A_SETTING[0]]})
