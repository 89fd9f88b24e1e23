"""Issue 14, scheduled token refresh, end to end on a local stack of its own.

The scheduler is fired as EventBridge would (``POST /__local/schedules/TokenRefreshSchedulerFunction``),
its messages go through the stack's SQS queue to the worker as Lambda's event source mapping delivers them
(batches of 10, partial batch failures, a dead-letter queue after three receives), and every refresh is a
real ``grant_type=refresh_token`` call to the sandbox CRM, whose journal is the witness. Users are stored by
the product's own code with real sandbox grants (``tests/api/refresh_world.py``). IAM is enforced: each
function may only make the AWS calls its template policy grants.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from local.triggers import sqs_event
from tests.api import bullhorn_world, insightly_world, pipedrive_world, redtail_world
from tests.api.refresh_world import (
    SANDBOX_PIPEDRIVE_USER,
    RefreshStack,
    Sandbox,
    StoredUser,
    product_against,
    start_refresh_stack,
    store_pipedrive_users,
    store_user,
)
from tests.api.stack_tables import raw_user, stack_table

pytestmark = pytest.mark.stack

MAYA_PHONE = "+14155550142"
#: inside the scheduler's window (720 s) but outside a request's refresh margin (120 s)
DUE_IN_S = 300
#: the acceptance figure
MANY = 1000


@pytest.fixture(scope="module")
def refresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RefreshStack]:
    stack = start_refresh_stack(tmp_path_factory.mktemp("token-refresh"))
    try:
        assert stack.local_description()["iam"] == "enforced"
        yield stack
    finally:
        stack.http.close()
        stack.stack.stop()


@pytest.fixture(autouse=True)
def clean_slate(refresh_stack: RefreshStack) -> Iterator[None]:
    """Each test starts with no user and empty queues, so a scheduler run queues only its own users."""
    _forget_everyone(refresh_stack)
    refresh_stack.mark()
    yield
    _forget_everyone(refresh_stack)


def _forget_everyone(stack: RefreshStack) -> None:
    stack.wait_until_drained(timeout=60)  # the worker empties the refresh queue by itself
    dynamodb, table = stack_table(stack.stack.dynamodb_url, "UsersTable")
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="id"):
        for item in page.get("Items", []):
            dynamodb.delete_item(TableName=table, Key={"id": item["id"]})
    while True:
        answer = stack.sqs.receive_message(QueueUrl=stack.dead_letter_url, MaxNumberOfMessages=10)
        messages = answer.get("Messages") or []
        if not messages:
            break
        for message in messages:
            stack.sqs.delete_message(QueueUrl=stack.dead_letter_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def pipedrive(refresh_stack: RefreshStack) -> Iterator[Sandbox]:
    sandbox = refresh_stack.sandbox("pipedrive")
    sandbox.reset()
    yield sandbox
    sandbox.control("DELETE", "pipedrive/faults")
    sandbox.control("DELETE", "pipedrive/latency")


def _pipedrive_users(stack: RefreshStack, sandbox: Sandbox, count: int, expires_in: int) -> list[StoredUser]:
    with product_against(stack.stack):
        return store_pipedrive_users(sandbox, f"{uuid.uuid4().int % 10**8}", count, expires_in=expires_in)


def _item(stack: RefreshStack, user_id: str) -> dict[str, Any]:
    return raw_user(stack.stack.dynamodb_url, user_id)


def _get_contact(stack: RefreshStack, jwt: str, session: requests.Session | None = None) -> requests.Response:
    return (session or requests).get(
        f"{stack.api_url}/contact",
        params={"phoneNumber": MAYA_PHONE},
        headers={"Authorization": f"Bearer {jwt}"},
        timeout=60,
    )


# -- 1,000 users: one scheduler run, each refreshed once, no scan ----------------------------------------


def test_given_1000_users_due_when_the_scheduler_runs_once_then_each_is_refreshed_once_without_a_scan(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    started = time.monotonic()
    due = _pipedrive_users(refresh_stack, pipedrive, MANY, DUE_IN_S)
    not_due = _pipedrive_users(refresh_stack, pipedrive, 5, 3599)
    seeded = time.monotonic()
    pipedrive.clear_journal()

    with refresh_stack.recording_dynamodb() as calls:
        queued = refresh_stack.run_scheduler()
        scheduled = time.monotonic()
        refresh_stack.wait_until_drained(timeout=280, messages=MANY)
    drained = time.monotonic()

    timings = {
        "seed_s": round(seeded - started, 1),
        "scheduler_s": round(scheduled - seeded, 1),
        "worker_after_scheduler_s": round(drained - scheduled, 1),
        "scheduler_and_worker_s": round(drained - seeded, 1),
        "worker_invocations_s": round(sum(b["durationMs"] for b in refresh_stack.worker_batches()) / 1000, 1),
    }
    print(f"\n{MANY} users: {timings}")

    assert queued == MANY
    # every due grant was used exactly once, and no other
    presented = pipedrive.refreshes_by_token()
    assert sum(presented.values()) == MANY
    assert set(presented) == {user.refresh_token for user in due}
    assert set(presented.values()) == {1}
    assert all(entry["status"] == 200 for entry in pipedrive.refresh_grants())
    batches = refresh_stack.worker_batches()
    assert sum(batch["messages"] for batch in batches) == MANY
    assert sum(batch["failed"] for batch in batches) == 0
    assert refresh_stack.dead_letters() == []
    # DynamoDB: the scheduler's Query on the expiry index, one per shard; never a Scan; the worker only
    # reads and writes single items
    operations = Counter(call.operation for call in calls)
    assert "Scan" not in operations
    assert set(operations) <= {"Query", "GetItem", "PutItem", "UpdateItem", "DeleteItem"}, operations
    queries = [call for call in calls if call.operation == "Query"]
    assert len(queries) == 4, queries  # one per shard oauth#0..3; 1,000 keys fit one page each
    for query in queries:
        assert query.table.endswith("UsersTable")
        assert query.index == "TokenExpiryIndex"
        names = query.body.get("ExpressionAttributeNames", {})
        assert sorted(names.values()) == ["refreshShard", "tokenExpiresAt"]
        assert "<=" in query.body["KeyConditionExpression"]
    shards = sorted(
        str(value["S"])
        for query in queries
        for value in query.body["ExpressionAttributeValues"].values()
        if "S" in value
    )
    assert shards == ["oauth#0", "oauth#1", "oauth#2", "oauth#3"]
    # every token is fresh now: the next run finds no one due (the not-due users never were)
    assert refresh_stack.run_scheduler() == 0
    refresh_stack.wait_until_drained()
    assert sum(pipedrive.refreshes_by_token().values()) == MANY
    for user in due[:3] + not_due[:1]:
        item = _item(refresh_stack, user.user_id)
        assert float(item["tokenExpiresAt"]["N"]) > time.time() + 3000


# -- a refused grant ---------------------------------------------------------------------------------------


def test_given_a_revoked_refresh_token_when_the_worker_refreshes_then_marked_and_next_request_401_without_crm(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    # the sandbox's own user, so that they can connect again through the API at the end
    tokens = pipedrive.mint(DUE_IN_S)
    with product_against(refresh_stack.stack):
        user = store_user(
            f"{SANDBOX_PIPEDRIVE_USER}-pipedrive",
            "pipedrive",
            access_token=str(tokens["access_token"]),
            refresh_token=str(tokens["refresh_token"]),
            token_expiry=time.time() + DUE_IN_S,
            additional_info={"companyId": 7001},
        )
    pipedrive.revoke(user.refresh_token)
    pipedrive.clear_journal()

    assert refresh_stack.run_scheduler() == 1
    refresh_stack.wait_until_drained()

    [refused] = pipedrive.refresh_grants()
    assert refused["status"] == 400  # the sandbox's invalid_grant
    item = _item(refresh_stack, user.user_id)
    assert item["needsReconnect"] == {"BOOL": True}
    assert "refreshShard" not in item
    assert "tokenExpiresAt" not in item
    # a revoked grant is an outcome, not a failure: no retry, nothing in the dead-letter queue
    assert sum(batch["failed"] for batch in refresh_stack.worker_batches()) == 0
    assert refresh_stack.dead_letters() == []

    pipedrive.clear_journal()
    response = _get_contact(refresh_stack, user.jwt)

    assert response.status_code == 401, response.text
    assert response.json()["errorCode"] == "CRM_SESSION_REVOKED"
    assert pipedrive.journal() == []  # answered without a single CRM call
    assert refresh_stack.run_scheduler() == 0  # a dead grant is not scheduled again
    refresh_stack.wait_until_drained()
    assert pipedrive.journal() == []

    # until they connect again
    client = pipedrive_world.Extension(requests.Session(), refresh_stack.api_url)
    client.login(pipedrive_world.Sandbox(refresh_stack.http, refresh_stack.sandbox_url))
    assert client.get("/contact", phoneNumber=MAYA_PHONE).json()["successful"] is True
    assert _get_contact(refresh_stack, user.jwt).status_code == 200  # the same session goes on
    item = _item(refresh_stack, user.user_id)
    assert "needsReconnect" not in item
    assert "tokenExpiresAt" in item  # scheduled again
    assert "refreshShard" in item


def test_given_the_token_endpoint_down_when_the_worker_refreshes_then_retried_dead_lettered_and_not_marked(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    [user] = _pipedrive_users(refresh_stack, pipedrive, 1, DUE_IN_S)
    pipedrive.clear_journal()
    pipedrive.fault(method="POST", path="/oauth/token", status=503, body={"error": "unavailable"}, times=9)

    assert refresh_stack.run_scheduler() == 1
    deadline = time.monotonic() + 30
    while refresh_stack.dead_letters() == [] and time.monotonic() < deadline:
        time.sleep(0.2)

    assert [json.loads(body)["userId"] for body in refresh_stack.dead_letters()] == [user.user_id]
    refresh_stack.wait_until_drained()
    assert [e["status"] for e in pipedrive.refresh_grants()] == [503, 503, 503]  # three receives
    assert sum(batch["failed"] for batch in refresh_stack.worker_batches()) == 3
    item = _item(refresh_stack, user.user_id)
    assert "needsReconnect" not in item  # the grant may well be good: still connected, still scheduled
    assert "tokenExpiresAt" in item


# -- the worker racing the user's own requests ----------------------------------------------------------


def test_given_20_requests_in_flight_for_an_expiring_user_when_the_worker_runs_then_one_refresh_and_no_401(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    # inside a request's margin too: every one of the 20 requests wants to refresh as well
    [user] = _pipedrive_users(refresh_stack, pipedrive, 1, 60)
    pipedrive.clear_journal()
    # a slow token endpoint keeps the refresh in flight while everyone else arrives
    pipedrive.fault(method="POST", path="/oauth/token", delay_ms=1000, times=5)
    start = threading.Barrier(21)
    queued: list[int] = []

    def request(_: int) -> requests.Response:
        with requests.Session() as own:
            start.wait()
            return _get_contact(refresh_stack, user.jwt, own)

    def scheduler() -> None:
        start.wait()
        queued.append(refresh_stack.run_scheduler())

    runner = threading.Thread(target=scheduler)
    runner.start()
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(request, range(20)))
    runner.join()
    refresh_stack.wait_until_drained()

    assert queued == [1]
    assert sum(batch["messages"] for batch in refresh_stack.worker_batches()) == 1
    assert [r.status_code for r in responses] == [200] * 20, [
        r.text for r in responses if r.status_code != 200
    ]
    assert all(r.json()["successful"] is True for r in responses), [r.text for r in responses]
    assert pipedrive.refreshes_by_token() == Counter({user.refresh_token: 1})
    assert sum(batch["failed"] for batch in refresh_stack.worker_batches()) == 0
    item = _item(refresh_stack, user.user_id)
    assert "needsReconnect" not in item
    assert float(item["tokenExpiresAt"]["N"]) > time.time() + 3000


# -- a poison message ------------------------------------------------------------------------------------


def test_given_a_poison_message_in_a_batch_when_the_worker_runs_then_only_it_fails_and_the_others_refresh(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    users = _pipedrive_users(refresh_stack, pipedrive, 3, DUE_IN_S)
    pipedrive.clear_journal()
    queue_arn = refresh_stack.sqs.get_queue_attributes(
        QueueUrl=refresh_stack.queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    bodies = ["not json", *(f'{{"userId": "{user.user_id}"}}' for user in users)]
    event = sqs_event(
        [
            {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "Attributes": {}}
            for i, body in enumerate(bodies)
        ],
        queue_arn,
    )

    response = refresh_stack.http.post(
        f"{refresh_stack.api_url}/__local/invoke/TokenRefreshWorkerFunction", json=event, timeout=60
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert pipedrive.refreshes_by_token() == Counter({user.refresh_token: 1 for user in users})


def test_given_a_poison_message_on_the_queue_when_retried_then_it_lands_in_the_dead_letter_queue(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    users = _pipedrive_users(refresh_stack, pipedrive, 3, DUE_IN_S)
    pipedrive.clear_journal()

    refresh_stack.send_raw("not json", *(f'{{"userId": "{user.user_id}"}}' for user in users))

    deadline = time.monotonic() + 30
    while refresh_stack.dead_letters() == [] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert refresh_stack.dead_letters() == ["not json"]
    refresh_stack.wait_until_drained()
    assert pipedrive.refreshes_by_token() == Counter({user.refresh_token: 1 for user in users})
    batches = refresh_stack.worker_batches()
    # received three times (maxReceiveCount 3), failed each time; everything else succeeded once
    assert sum(batch["failed"] for batch in batches) == 3
    assert sum(batch["messages"] for batch in batches) == 3 + len(users)


# -- a user queued twice ----------------------------------------------------------------------------------


def test_given_a_user_queued_by_two_scheduler_runs_before_the_worker_when_it_runs_then_one_refresh(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    # the worker is busy with another user's slow refresh while the scheduler runs twice
    [busy] = _pipedrive_users(refresh_stack, pipedrive, 1, DUE_IN_S)
    pipedrive.clear_journal()
    pipedrive.fault(method="POST", path="/oauth/token", delay_ms=3000, times=1)
    assert refresh_stack.run_scheduler() == 1
    deadline = time.monotonic() + 10
    while refresh_stack.queue_counts() != (0, 1) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert refresh_stack.queue_counts() == (0, 1), "the worker never took the first message"

    [user] = _pipedrive_users(refresh_stack, pipedrive, 1, DUE_IN_S)
    first = refresh_stack.run_scheduler()
    second = refresh_stack.run_scheduler()
    waiting, _ = refresh_stack.queue_counts()

    assert (first, second) == (2, 2)  # both users, twice (the busy one's refresh is still in flight)
    assert waiting == 4, "the worker took the new messages before both runs"
    refresh_stack.wait_until_drained()
    assert pipedrive.refreshes_by_token() == Counter({busy.refresh_token: 1, user.refresh_token: 1})
    assert sum(batch["failed"] for batch in refresh_stack.worker_batches()) == 0
    assert refresh_stack.dead_letters() == []


def test_given_a_bullhorn_user_queued_by_two_scheduler_runs_before_the_worker_when_it_runs_then_one_refresh(
    refresh_stack: RefreshStack, pipedrive: Sandbox
) -> None:
    bullhorn = bullhorn_world.Sandbox(refresh_stack.http, refresh_stack.sandbox_url)
    bullhorn.reset()
    [busy] = _pipedrive_users(refresh_stack, pipedrive, 1, DUE_IN_S)
    pipedrive.fault(method="POST", path="/oauth/token", delay_ms=3000, times=1)
    assert refresh_stack.run_scheduler() == 1
    deadline = time.monotonic() + 10
    while refresh_stack.queue_counts() != (0, 1) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert refresh_stack.queue_counts() == (0, 1), "the worker never took the first message"

    bullhorn_world.Extension(requests.Session(), refresh_stack.api_url).login(bullhorn)
    bullhorn.clear_journal()
    first = refresh_stack.run_scheduler()
    second = refresh_stack.run_scheduler()
    waiting, _ = refresh_stack.queue_counts()

    assert (first, second, waiting) == (2, 2, 4)
    refresh_stack.wait_until_drained()
    assert sum(batch["failed"] for batch in refresh_stack.worker_batches()) == 0
    assert pipedrive.refreshes_by_token()[busy.refresh_token] == 1
    assert len(bullhorn.token_grants("refresh_token")) == 1


# -- API-key CRMs and Bullhorn ---------------------------------------------------------------------------


def test_given_insightly_redtail_and_bullhorn_users_when_scheduled_then_only_bullhorn_refreshed_and_checked(
    refresh_stack: RefreshStack,
) -> None:
    insightly = insightly_world.Sandbox(refresh_stack.http, refresh_stack.sandbox_url)
    redtail = redtail_world.Sandbox(refresh_stack.http, refresh_stack.sandbox_url)
    bullhorn = bullhorn_world.Sandbox(refresh_stack.http, refresh_stack.sandbox_url)
    for sandbox in (insightly, redtail, bullhorn):
        sandbox.reset()
    avery = insightly_world.Extension(requests.Session(), refresh_stack.api_url)
    assert avery.api_key_login(insightly_world.AVERY_KEY, insightly.api_url).status_code == 200
    agent = redtail_world.Extension(requests.Session(), refresh_stack.api_url)
    assert agent.api_key_login().status_code == 200
    bailey = bullhorn_world.Extension(requests.Session(), refresh_stack.api_url)
    bailey.login(bullhorn)  # Bullhorn's access tokens live 10 minutes: due within the window
    dynamodb, table = stack_table(refresh_stack.stack.dynamodb_url, "UsersTable")
    stored = dynamodb.scan(TableName=table)["Items"]
    assert sorted(item["platform"]["S"] for item in stored) == ["bullhorn", "insightly", "redtail"]
    for item in stored:
        if item["platform"]["S"] != "bullhorn":
            # no expiry, no refresh token: not in the expiry index at all
            assert "refreshShard" not in item, item
            assert "tokenExpiresAt" not in item, item
    bullhorn.expire_sessions()  # the worker must notice and open a new one
    for sandbox in (insightly, redtail, bullhorn):
        sandbox.clear_journal()
    before = _item(refresh_stack, bullhorn_world.APP_USER_ID)

    queued = refresh_stack.run_scheduler()
    refresh_stack.wait_until_drained()

    assert queued == 1
    assert insightly.journal() == []
    assert redtail.journal() == []
    assert len(bullhorn.token_grants("refresh_token")) == 1
    assert [e["status"] for e in bullhorn.journal("GET", "/ping$")] == [401, 200]  # checked, renewed
    assert len(bullhorn.rest_logins()) == 1
    after = _item(refresh_stack, bullhorn_world.APP_USER_ID)
    assert after["encryptedAccessToken"] != before["encryptedAccessToken"]
    assert after["encryptedSession"] != before["encryptedSession"]
    assert sum(batch["failed"] for batch in refresh_stack.worker_batches()) == 0
    # Bailey carries on with the renewed session, without another login
    bullhorn.clear_journal()
    assert bailey.get("/contact", phoneNumber=bullhorn_world.MAYA["phone"]).json()["successful"] is True
    assert bullhorn.rest_logins(status=None) == []
