"""The real Lambda handlers, invoked as Lambda would with a short deadline, against a real DynamoDB API:
what the user gets when the CRM session cannot be renewed in time or the platform is not built."""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

import pytest

from appconnect import locks
from tests.reliability.stored_users import store_user
from tests.unit.conftest import LambdaContext, http_event


def invoke(
    function: str, method: str, path: str, jwt: str, *, remaining_ms: int = 25_000, **event: Any
) -> Any:
    handler = importlib.import_module(function).handler
    headers = {"authorization": f"Bearer {jwt}", **event.pop("headers", {})}
    return handler(http_event(method, path, headers=headers, **event), LambdaContext(remaining_ms))


def test_given_a_refresh_held_elsewhere_too_long_when_a_screen_pop_arrives_then_200_with_a_message() -> None:
    user_id, jwt = store_user("pipedrive", token_expiry=time.time() + 30)  # due for a refresh
    holder = locks.acquire(f"refresh#{user_id}", lease_s=60)  # a live refresh elsewhere that never ends
    assert holder is not None
    started = time.monotonic()
    result = invoke(
        "find_contact", "GET", "/contact", jwt, remaining_ms=1_500, query={"phoneNumber": "+14155550142"}
    )
    assert time.monotonic() - started < 1.5
    assert result["statusCode"] == 200, result["body"]
    body = json.loads(result["body"])
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == "Could not renew your pipedrive session"
    locks.release(f"refresh#{user_id}", holder)


CALL_LOG = {
    "logInfo": {
        "sessionId": "s-501",
        "direction": "Inbound",
        "from": {"phoneNumber": "+14155550142"},
        "to": {"phoneNumber": "+16505550199"},
        "startTime": 1_752_487_200_000,
        "duration": 30,
    },
    "contactId": "101",
    "contactName": "Maya Patel",
    "note": "",
}
MESSAGE_LOG = {
    "logInfo": {
        "conversationId": "c-501",
        "conversationLogId": "c-501-2026-07-14",
        "correspondents": [{"phoneNumber": "+14155550142"}],
        "messages": [{"id": 501, "direction": "Inbound", "subject": "hi", "creationTime": 1_752_487_200_000}],
    },
    "contactId": "101",
}


@pytest.mark.parametrize(
    ("function", "method", "path", "request_body", "query"),
    [
        ("find_contact", "GET", "/contact", None, {"phoneNumber": "+14155550142"}),
        ("find_contact_with_name", "GET", "/custom/contact/search", None, {"name": "Maya"}),
        (
            "create_contact",
            "POST",
            "/contact",
            {"phoneNumber": "+14155550142", "newContactName": "Maya"},
            None,
        ),
        ("create_call_log", "POST", "/callLog", CALL_LOG, None),
        ("create_message_log", "POST", "/messageLog", MESSAGE_LOG, None),
    ],
)
def test_given_a_user_of_a_platform_whose_connector_is_not_built_when_calling_then_501_and_nothing_claimed(
    function: str,
    method: str,
    path: str,
    request_body: dict[str, Any] | None,
    query: dict[str, str] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from appconnect import context
    from appconnect.connector import Connector
    from appconnect.models import CallLogModel, MessageLogModel

    class Unbuilt(Connector):
        """A connector with its facts declared and no interface written yet (a fresh scaffold)."""

        platform = "bullhorn"
        display_name = "Unbuilt CRM"

    # every shipped connector is built now: the platform's connector is replaced by an unbuilt one
    monkeypatch.setattr(context, "get_connector", lambda _platform: Unbuilt())
    user_id, jwt = store_user("bullhorn", token_expiry=time.time() + 3600)
    result = invoke(
        function, method, path, jwt, query=query, body=json.dumps(request_body) if request_body else None
    )
    assert result["statusCode"] == 501, result["body"]
    body = json.loads(result["body"])
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == "Unbuilt CRM is not supported by this server yet"
    assert list(CallLogModel.query(user_id)) == []
    assert list(MessageLogModel.query(user_id)) == []
