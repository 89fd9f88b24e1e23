"""The fault matrix (issue 16, item 4): the CRM, DynamoDB, KMS and SQS failing in each way they fail, through
the real Lambda handlers, against the Pipedrive sandbox over HTTP and moto's server.

CRM faults come from the sandbox's fault rules (a 429 with ``Retry-After``, a 5xx, a call that hangs past
the Lambda's remaining time and then succeeds, a dropped connection); AWS faults are AWS's own error
responses, injected where botocore sends the request (:mod:`tests.reliability.aws_faults`), so botocore's
retries run on them. Each case checks what the user gets (status and body) and the CRM's records: the
activities the sandbox holds are counted, the same request is sent again, and counted again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import api_key_login
import create_call_log
import find_contact
import pytest
import requests

from appconnect import crypto, models, scheduled, settings, users
from local.aws import LocalDynamoDB, aws_client
from local.sandbox import SandboxServer
from tests.api.pipedrive_world import call_log_body, new_session_id
from tests.reliability.aws_faults import Fault, aws_faults
from tests.reliability.stored_users import connected_pipedrive_user
from tests.unit.conftest import LambdaContext, http_event

ACTIVITIES = "^/api/v2/activities$"
SEARCH = "^/api/v2/persons/search$"
DATABASE_FAILED = "Database operation failed"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


def control(sandbox: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(method, f"{sandbox.url}/__sandbox/pipedrive/{path}", json=body, timeout=10)
    assert response.status_code < 300, response.text
    return response.json()


@pytest.fixture
def jwt(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """Jordan Lee of the Pipedrive sandbox, connected: the JWT the extension holds."""
    return connected_pipedrive_user(sandbox, monkeypatch)


def activities(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return list(control(sandbox, "GET", "state?collection=activities")["activities"])


def log_call(jwt: str, body: dict[str, Any], remaining_ms: int = 20_000) -> tuple[int, dict[str, Any]]:
    """``POST /callLog`` through its Lambda handler: (status, JSON body)."""
    event = http_event("POST", "/callLog", headers={"authorization": f"Bearer {jwt}"}, body=json.dumps(body))
    result = create_call_log.handler(event, LambdaContext(remaining_ms=remaining_ms))
    return int(result["statusCode"]), json.loads(result["body"])


def screen_pop(jwt: str, remaining_ms: int = 20_000) -> tuple[int, dict[str, Any]]:
    event = http_event(
        "GET", "/contact", headers={"authorization": f"Bearer {jwt}"}, query={"phoneNumber": "+14155550142"}
    )
    result = find_contact.handler(event, LambdaContext(remaining_ms=remaining_ms))
    return int(result["statusCode"]), json.loads(result["body"])


def details(body: dict[str, Any]) -> str:
    return " ".join(
        item["text"] for block in body["returnMessage"].get("details") or [] for item in block["items"]
    )


def assert_logged_once(sandbox: SandboxServer, jwt: str, body: dict[str, Any], before: int) -> Any:
    """The call is in the CRM exactly once, and sending the request again changes nothing: the same log id."""
    held = activities(sandbox)
    assert len(held) == before + 1, [a["id"] for a in held[before:]]
    status, again = log_call(jwt, body)
    assert status == 200, again
    assert again["successful"] is True, again
    assert again["logId"] == held[-1]["id"]
    assert len(activities(sandbox)) == before + 1
    return held[-1]["id"]


# -- the CRM ------------------------------------------------------------------------------------------------


def test_given_the_crm_answers_429_with_a_short_retry_after_when_logging_a_call_then_logged_once(
    sandbox: SandboxServer, jwt: str
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    control(
        sandbox,
        "POST",
        "faults",
        {
            "method": "POST",
            "path": ACTIVITIES,
            "status": 429,
            "headers": {"Retry-After": "1"},
            "body": {"success": False},
        },
    )
    started = time.monotonic()
    status, answer = log_call(jwt, body)
    assert time.monotonic() - started >= 1.0  # it waited as the CRM asked, then sent the write again
    assert (status, answer["successful"]) == (200, True), answer
    assert answer["logId"] == assert_logged_once(sandbox, jwt, body, before)


def test_given_a_429_longer_than_the_time_left_when_logging_then_rate_limit_exceeded_and_nothing_written(
    sandbox: SandboxServer, jwt: str
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    control(
        sandbox,
        "POST",
        "faults",
        {
            "method": "POST",
            "path": ACTIVITIES,
            "status": 429,
            "times": None,
            "headers": {"Retry-After": "30"},
        },
    )
    status, answer = log_call(jwt, body, remaining_ms=5_000)
    assert (status, answer["successful"]) == (200, False), answer
    assert answer["returnMessage"]["message"] == "Rate limit exceeded"
    assert "Please try again in 30 seconds" in details(answer)
    assert len(activities(sandbox)) == before
    control(sandbox, "DELETE", "faults")
    status, retried = log_call(jwt, body)
    assert (status, retried["successful"]) == (200, True), retried
    assert retried["logId"] == assert_logged_once(sandbox, jwt, body, before)


@pytest.mark.parametrize(
    "fault",
    [{"status": 503, "body": {"success": False, "error": "Service unavailable"}}, {"drop": True}],
    ids=["5xx", "dropped-connection"],
)
def test_given_the_crm_fails_the_write_when_logging_then_a_clear_message_and_the_retry_logs_it_once(
    sandbox: SandboxServer, jwt: str, fault: dict[str, Any]
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    control(sandbox, "POST", "faults", {"method": "POST", "path": ACTIVITIES, **fault})
    status, answer = log_call(jwt, body)
    assert (status, answer["successful"]) == (200, False), answer
    assert answer["returnMessage"]["message"] == "Error creating call log"
    assert "pipedrive is not responding right now" in details(answer)
    # the POST was not sent twice (the CRM may have acted on it): nothing was written
    assert len(control(sandbox, "GET", "journal?method=POST&path=activities")["requests"]) == 1
    assert len(activities(sandbox)) == before
    status, retried = log_call(jwt, body)
    assert (status, retried["successful"]) == (200, True), retried
    assert retried["logId"] == assert_logged_once(sandbox, jwt, body, before)


def test_given_the_crm_write_hangs_past_the_time_left_then_succeeds_when_retried_then_its_record_is_adopted(
    sandbox: SandboxServer, jwt: str
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    control(sandbox, "POST", "faults", {"method": "POST", "path": ACTIVITIES, "delay_ms": 3_000})
    started = time.monotonic()
    status, answer = log_call(jwt, body, remaining_ms=2_500)
    assert time.monotonic() - started < 2.5  # answered within the Lambda's time
    assert (status, answer["successful"]) == (200, False), answer
    assert answer["returnMessage"]["message"] == "Error creating call log"
    assert "pipedrive is not responding right now" in details(answer)
    deadline = time.monotonic() + 5
    while len(activities(sandbox)) == before and time.monotonic() < deadline:
        time.sleep(0.1)  # the CRM carries on after the server stopped waiting, and writes the activity
    assert len(activities(sandbox)) == before + 1

    status, retried = log_call(jwt, body)
    assert (status, retried["successful"]) == (200, True), retried
    assert retried["logId"] == assert_logged_once(sandbox, jwt, body, before)


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "times": 2},
        {"status": 429, "headers": {"Retry-After": "1"}},
        {"drop": True},
    ],
    ids=["5xx-twice", "429", "dropped-connection"],
)
def test_given_the_crm_search_fails_briefly_when_a_screen_pop_arrives_then_the_contact_is_found(
    sandbox: SandboxServer, jwt: str, fault: dict[str, Any]
) -> None:
    control(sandbox, "POST", "faults", {"method": "GET", "path": SEARCH, **fault})
    status, answer = screen_pop(jwt)
    assert (status, answer["successful"]) == (200, True), answer
    assert {c["id"] for c in answer["contact"] if c.get("id") != "createNewContact"} >= {101, 105}


def test_given_the_crm_search_hangs_past_the_time_left_when_a_screen_pop_arrives_then_a_clear_message_in_time(
    sandbox: SandboxServer, jwt: str
) -> None:
    control(sandbox, "POST", "faults", {"method": "GET", "path": SEARCH, "delay_ms": 4_000, "times": None})
    started = time.monotonic()
    status, answer = screen_pop(jwt, remaining_ms=2_500)
    assert time.monotonic() - started < 2.5
    assert (status, answer["successful"]) == (200, False), answer
    assert answer["returnMessage"]["message"] == "Error finding contact"
    control(sandbox, "DELETE", "faults")


# -- DynamoDB -----------------------------------------------------------------------------------------------


def _call_logs(body: bytes) -> bool:
    return b"CallLogs" in body


def test_given_dynamodb_throttles_the_claim_once_when_logging_then_retried_and_logged_once(
    sandbox: SandboxServer, jwt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    throttled = Fault("PutItem", "ProvisionedThroughputExceededException", when=_call_logs, times=1)
    with aws_faults(monkeypatch, throttled):
        status, answer = log_call(jwt, body)
    assert throttled.failed == ["PutItem"]
    assert (status, answer["successful"]) == (200, True), answer
    assert answer["logId"] == assert_logged_once(sandbox, jwt, body, before)


def test_given_dynamodb_throttling_every_claim_attempt_when_logging_then_a_clear_message_and_no_crm_write(
    sandbox: SandboxServer, jwt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    throttled = Fault("PutItem", "ProvisionedThroughputExceededException", when=_call_logs)
    with aws_faults(monkeypatch, throttled):
        status, answer = log_call(jwt, body)
    assert len(throttled.failed) > 1  # botocore retried before giving up
    assert status == 200, answer
    assert answer == {
        "successful": False,
        "returnMessage": {"message": DATABASE_FAILED, "messageType": "warning", "ttl": 5000},
    }
    assert len(activities(sandbox)) == before
    status, retried = log_call(jwt, body)
    assert (status, retried["successful"]) == (200, True), retried
    assert retried["logId"] == assert_logged_once(sandbox, jwt, body, before)


def test_given_dynamodb_fails_every_write_after_the_crm_write_when_retried_after_its_deadline_then_adopted(
    sandbox: SandboxServer, jwt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    down = Fault("UpdateItem", "InternalServerError", status=500, when=_call_logs)
    with aws_faults(monkeypatch, down):
        status, answer = log_call(jwt, body, remaining_ms=3_000)
    assert status == 200, answer
    assert answer["successful"] is False
    assert answer["returnMessage"]["message"] == DATABASE_FAILED
    assert len(activities(sandbox)) == before + 1  # the CRM write happened; neither record nor "unknown" did
    time.sleep(3.2)  # the failed request's claim runs out with its Lambda's deadline
    status, retried = log_call(jwt, body)
    assert (status, retried["successful"]) == (200, True), retried
    assert retried["logId"] == assert_logged_once(sandbox, jwt, body, before)


def test_given_the_conditional_record_write_fails_after_the_crm_write_when_retried_then_the_same_log_id(
    sandbox: SandboxServer, jwt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim's last write is conditional on still holding it; AWS refusing it (as when the claim was
    taken over meanwhile) does not hide the CRM record from the user, nor lead to a second one."""
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    refused = Fault(
        "UpdateItem",
        "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        when=lambda b: _call_logs(b) and b'"logged"' in b,
        times=1,
    )
    with aws_faults(monkeypatch, refused):
        status, answer = log_call(jwt, body, remaining_ms=3_000)
    assert refused.failed == ["UpdateItem"]
    assert (status, answer["successful"]) == (200, True), answer
    assert answer["logId"] == activities(sandbox)[-1]["id"]
    time.sleep(3.2)
    assert assert_logged_once(sandbox, jwt, body, before) == answer["logId"]


@pytest.mark.parametrize(
    "fault",
    [Fault("GetItem", "ThrottlingException"), Fault("GetItem", "", unreachable=True)],
    ids=["throttled", "unreachable"],
)
def test_given_dynamodb_unavailable_when_a_screen_pop_arrives_then_a_clear_message_and_no_crm_call(
    sandbox: SandboxServer, jwt: str, monkeypatch: pytest.MonkeyPatch, fault: Fault
) -> None:
    control(sandbox, "DELETE", "journal")
    with aws_faults(monkeypatch, fault):
        status, answer = screen_pop(jwt)
    assert len(fault.failed) > 1  # botocore retried before giving up
    assert status == 200, answer
    assert answer["successful"] is False
    assert answer["returnMessage"]["message"] == DATABASE_FAILED
    assert control(sandbox, "GET", "journal")["requests"] == []


# -- KMS ----------------------------------------------------------------------------------------------------


@pytest.fixture
def with_kms(dynamodb: LocalDynamoDB, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tokens encrypted under a KMS data key (moto's KMS), as in AWS, instead of the development key."""
    key_id = aws_client("kms", dynamodb.endpoint_url).create_key(Description="fault tests")["KeyMetadata"][
        "KeyId"
    ]
    monkeypatch.delenv("TOKEN_ENCRYPTION_LOCAL_KEY")
    monkeypatch.setenv("TOKEN_KMS_KEY_ID", key_id)
    models.bind(settings.reload())
    crypto.reset()
    yield
    crypto.reset()


def test_given_kms_unavailable_on_a_cold_start_when_logging_then_a_clear_message_and_the_retry_logs_once(
    sandbox: SandboxServer, with_kms: None, jwt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, before = call_log_body(new_session_id()), len(activities(sandbox))
    crypto.reset()  # a new Lambda: the data key that sealed the user's token is not in memory
    control(sandbox, "DELETE", "journal")
    unavailable = Fault("Decrypt", "KMSInternalException", status=500)
    with aws_faults(monkeypatch, unavailable):
        status, answer = log_call(jwt, body)
    assert unavailable.failed
    assert status == 200, answer
    assert answer["successful"] is False
    assert answer["returnMessage"]["message"] == DATABASE_FAILED
    assert control(sandbox, "GET", "journal")["requests"] == []  # the CRM was never called
    assert len(activities(sandbox)) == before
    status, retried = log_call(jwt, body)
    assert (status, retried["successful"]) == (200, True), retried
    assert retried["logId"] == assert_logged_once(sandbox, jwt, body, before)


def test_given_kms_unavailable_when_logging_in_then_a_clear_error_no_jwt_and_nothing_stored(
    sandbox: SandboxServer, with_kms: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTLY_ALLOWED_HOSTS", "*.insightly.com,127.0.0.1")
    settings.reload()
    key = "sandbox-insightly-key-avery"
    login = {
        "platform": "insightly",
        "hostname": "crm.na1.insightly.com",
        "apiKey": key,
        "additionalInfo": {"apiKey": key, "apiUrl": f"{sandbox.urls()['insightly']}/v3.1"},
    }
    event = http_event("POST", "/apiKeyLogin", body=json.dumps(login))
    earlier = users.load("5001-insightly")
    if earlier is not None:
        earlier.delete()
    crypto.reset()  # no data key in memory: the login must ask KMS for one to seal the API key
    with aws_faults(monkeypatch, Fault("GenerateDataKey", "KMSInternalException", status=500)) as faults:
        result = api_key_login.handler(event, LambdaContext(remaining_ms=20_000))
    assert faults[0].failed
    assert (result["statusCode"], json.loads(result["body"])) == (400, {"error": DATABASE_FAILED})
    assert users.load("5001-insightly") is None

    result = api_key_login.handler(event, LambdaContext(remaining_ms=20_000))
    assert result["statusCode"] == 200, result["body"]
    assert json.loads(result["body"])["jwtToken"]
    stored = users.load("5001-insightly")
    assert stored is not None
    assert stored.encrypted_access_token
    assert key not in stored.encrypted_access_token


# -- SQS ----------------------------------------------------------------------------------------------------


def test_given_sqs_refusing_sends_when_the_scheduler_runs_then_it_says_so_and_the_next_run_queues_each_once(
    dynamodb: LocalDynamoDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs = aws_client("sqs", dynamodb.endpoint_url)
    queue_url = settings.get_settings().token_refresh_queue_url
    assert queue_url
    sqs.purge_queue(QueueUrl=queue_url)
    due = []
    for n in range(12):  # two batches of SendMessageBatch
        user_id = f"{880000 + n}-pipedrive"
        users.save_login(
            users.Login(
                user_id=user_id,
                platform="pipedrive",
                name="Due",
                hostname="sandbox.pipedrive.com",
                access_token="access",
                refresh_token="refresh",
                token_expiry=time.time() + 60,
                timezone_name="",
                timezone_offset="",
                platform_additional_info={},
                rc_account_id=None,
                hashed_rc_account_id=None,
                hashed_rc_extension_id=None,
            ),
            lambda hostname, _info: hostname,
        )
        due.append(user_id)
    refused = Fault("SendMessageBatch", "AWS.SimpleQueueService.ServiceUnavailable", status=503)
    with aws_faults(monkeypatch, refused):
        answer = scheduled.scheduler_handler({}, LambdaContext(remaining_ms=60_000))
    assert refused.failed
    assert answer["queued"] == 0
    assert answer["notQueued"] >= len(due)
    assert (
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )

    answer = scheduled.scheduler_handler({}, LambdaContext(remaining_ms=60_000))
    queued: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages") or []
        if not messages:
            break
        queued += [json.loads(m["Body"])["userId"] for m in messages]
    assert sorted(u for u in queued if u in due) == sorted(due)  # each due user, once
    assert answer["queued"] == len(queued)
    assert "notQueued" not in answer or answer["notQueued"] == 0
