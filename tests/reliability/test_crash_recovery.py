"""A request killed between the CRM write and the DynamoDB record must not cause a second CRM record.

The handler runs in-process (so the test can kill it at that exact point) against real parts: moto's
DynamoDB server with the template's tables and the Pipedrive sandbox over HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import create_call_log
import create_message_log
import pytest
import requests

from appconnect import claims
from appconnect.models import MessageLogModel
from local.sandbox import SandboxServer
from tests.api.pipedrive_world import call_log_body, message_body, new_session_id
from tests.reliability.stored_users import connected_pipedrive_user
from tests.unit.conftest import LambdaContext, http_event


class Killed(BaseException):
    """Stands for the Lambda being killed: nothing of the request runs after it."""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def pipedrive_user(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    return connected_pipedrive_user(sandbox, monkeypatch)


def activities(sandbox: SandboxServer) -> list[dict[str, Any]]:
    state = requests.get(f"{sandbox.url}/__sandbox/pipedrive/state?collection=activities", timeout=10).json()
    return list(state["activities"])


def post_call_log(token: str, body: dict[str, Any], remaining_ms: int) -> dict[str, Any]:
    event = http_event(
        "POST", "/callLog", headers={"authorization": f"Bearer {token}"}, body=json.dumps(body)
    )
    result: dict[str, Any] = create_call_log.handler(event, LambdaContext(remaining_ms=remaining_ms))
    return result


def test_given_request_killed_after_crm_write_when_retried_after_its_deadline_then_one_activity(
    sandbox: SandboxServer, pipedrive_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = call_log_body(new_session_id())
    before = len(activities(sandbox))

    def killed(*_: Any, **__: Any) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(claims, "complete", killed)
        with pytest.raises(Killed):
            post_call_log(pipedrive_user, body, remaining_ms=3000)
    assert len(activities(sandbox)) == before + 1  # the CRM write happened; the record did not

    time.sleep(3.2)  # the killed Lambda's deadline has passed
    retried = json.loads(post_call_log(pipedrive_user, body, remaining_ms=20_000)["body"])

    after = activities(sandbox)
    assert len(after) == before + 1
    assert retried["successful"] is True
    assert retried["logId"] == after[-1]["id"]  # the recovered activity, its id a number as created


def test_given_request_killed_after_crm_write_when_retried_at_once_then_no_second_activity(
    sandbox: SandboxServer, pipedrive_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = call_log_body(new_session_id())
    before = len(activities(sandbox))
    with monkeypatch.context() as patch:
        patch.setattr(claims, "complete", lambda *_a, **_k: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            post_call_log(pipedrive_user, body, remaining_ms=20_000)

    retried = json.loads(post_call_log(pipedrive_user, body, remaining_ms=2_500)["body"])

    assert retried["successful"] is False
    assert "being logged" in retried["returnMessage"]["message"]
    assert len(activities(sandbox)) == before + 1


def test_given_the_record_write_failing_after_the_crm_write_when_retried_at_once_then_the_activity_is_adopted(
    sandbox: SandboxServer, pipedrive_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = call_log_body(new_session_id())
    before = len(activities(sandbox))

    def storage_down(*_: Any, **__: Any) -> None:
        raise RuntimeError("DynamoDB is unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(claims, "complete", storage_down)
        failed = post_call_log(pipedrive_user, body, remaining_ms=20_000)
    assert failed["statusCode"] == 500

    retried = json.loads(post_call_log(pipedrive_user, body, remaining_ms=20_000)["body"])

    after = activities(sandbox)
    assert len(after) == before + 1
    assert retried["successful"] is True
    assert retried["logId"] == after[-1]["id"]


def post_message_log(token: str, body: dict[str, Any], remaining_ms: int) -> dict[str, Any]:
    event = http_event(
        "POST", "/messageLog", headers={"authorization": f"Bearer {token}"}, body=json.dumps(body)
    )
    result: dict[str, Any] = create_message_log.handler(event, LambdaContext(remaining_ms=remaining_ms))
    return result


def test_given_sms_killed_after_crm_write_when_retried_after_its_deadline_then_one_activity_and_it_continues(
    sandbox: SandboxServer, pipedrive_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = message_body(8801, "Are you free at 3?", conversation="556100")
    before = len(activities(sandbox))

    def killed(*_: Any, **__: Any) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(claims, "complete", killed)
        with pytest.raises(Killed):
            post_message_log(pipedrive_user, first, remaining_ms=3000)
    assert len(activities(sandbox)) == before + 1  # the activity exists; no record says so

    time.sleep(3.2)  # the killed Lambda's deadline has passed
    retried = json.loads(post_message_log(pipedrive_user, first, remaining_ms=20_000)["body"])
    assert retried["successful"] is True
    assert retried["logIds"] == ["8801"]
    after = activities(sandbox)
    assert len(after) == before + 1
    assert "Conversation(1 messages)" in after[-1]["note"], after[-1]["note"]

    second = message_body(8802, "Yes, 3 works.", direction="Outbound", minute=5, conversation="556100")
    answer = json.loads(post_message_log(pipedrive_user, second, remaining_ms=20_000)["body"])
    assert answer["logIds"] == ["8802"]
    final = activities(sandbox)
    assert len(final) == before + 1
    assert "Conversation(2 messages)" in final[-1]["note"]


def test_given_a_message_maybe_logged_before_when_its_conversation_is_busy_then_it_is_checked_later(
    sandbox: SandboxServer, pipedrive_user: str
) -> None:
    body = message_body(8831, "Still there?", conversation="557100")
    owner = "12345-pipedrive"
    now = time.time()
    # an attempt that died holding the message; another request busy with the conversation-day right now
    MessageLogModel(
        owner,
        "msg#8831",
        platform="pipedrive",
        status="pending",
        claim_token="dead",
        claimed_at=now - 60,
        lease_until=now - 1,
    ).save()
    MessageLogModel(
        owner,
        "conv#557100-2026-07-14",
        platform="pipedrive",
        status="pending",
        claim_token="live",
        claimed_at=now,
        lease_until=now + 600,
    ).save()

    answer = json.loads(post_message_log(pipedrive_user, body, remaining_ms=1_500)["body"])

    assert answer["successful"] is False
    assert "being logged by another request" in answer["returnMessage"]["message"]
    # the next attempt must still look in the CRM before appending this message again
    assert MessageLogModel.get(owner, "msg#8831", consistent_read=True).status == "unknown"
