"""The local stack end to end on a small template of its own: real HTTP in, fake handlers behind, moto's
DynamoDB and SQS provisioned from the template; scheduled and queue triggers; response conversion."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from local import config
from local.stack import LocalStack, Output

MODULE = f"local_stack_probe_{uuid.uuid4().hex[:8]}"

TEMPLATE = f"""
Transform: AWS::Serverless-2016-10-31
Parameters:
  JwtSecret:
    Type: String
    NoEcho: true
  Greeting:
    Type: String
    Default: hello
Globals:
  Function:
    CodeUri: functions/
    Runtime: python3.12
    Timeout: 5
    MemorySize: 256
    Environment:
      Variables:
        USERS_TABLE: !Ref UsersTable
        APP_SERVER_SECRET_KEY: !Ref JwtSecret
        GREETING: !Ref Greeting
        STACK: !Sub "${{AWS::StackName}}-${{AWS::Region}}"
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["https://app.example.com"]
        AllowMethods: [GET, POST]
        AllowHeaders: [Authorization]
        ExposeHeaders: [x-refreshed-jwt-token]
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {MODULE}.echo
      Events:
        Post:
          Type: HttpApi
          Properties: {{ApiId: !Ref Api, Method: POST, Path: /echo}}
        Item:
          Type: HttpApi
          Properties: {{ApiId: !Ref Api, Method: GET, Path: "/items/{{id}}"}}
  ShapesFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {MODULE}.shapes
      Timeout: 1
      Events:
        Api:
          Type: HttpApi
          Properties: {{ApiId: !Ref Api, Method: GET, Path: /shape}}
  ClaimFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {MODULE}.claim
      Events:
        Api:
          Type: HttpApi
          Properties: {{ApiId: !Ref Api, Method: POST, Path: /claim}}
  SchedulerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {MODULE}.scheduler
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {MODULE}.worker
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
  UsersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {{AttributeName: id, AttributeType: S}}
      KeySchema:
        - {{AttributeName: id, KeyType: HASH}}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn
        maxReceiveCount: 2
  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue
"""

HANDLERS = """
import base64
import decimal
import os
import time

import boto3

RECEIVED = []
SCHEDULED = []
# created at import, as in Lambda: the stack has set the environment (endpoint, region) by then
_dynamodb = boto3.client("dynamodb")


def echo(event, context):
    names = ("USERS_TABLE", "APP_SERVER_SECRET_KEY", "GREETING", "STACK")
    names += ("DYNAMODB_ENDPOINT_URL", "APPCONNECT_STAGE")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "https://evil.example"},
        "body": __import__("json").dumps({
            "event": event,
            "env": {name: os.environ.get(name) for name in names},
            "remaining": context.get_remaining_time_in_millis(),
        }),
    }


def shapes(event, context):
    kind = event["queryStringParameters"]["kind"]
    if kind == "string":
        return "hello"
    if kind == "dict":
        return {"successful": True, "n": decimal.Decimal("2")}
    if kind == "binary":
        return {"statusCode": 200, "isBase64Encoded": True, "headers": {"content-type": "image/png"},
                "body": base64.b64encode(bytes([0, 1, 255])).decode()}
    if kind == "cookies":
        return {"statusCode": 201, "cookies": ["a=1", "b=2"], "body": ""}
    if kind == "malformed":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if kind == "raise":
        raise RuntimeError("handler exploded")
    if kind == "slow":
        time.sleep(1.2)
        return "late"
    raise ValueError(kind)


def claim(event, context):
    try:
        _dynamodb.put_item(
            TableName=os.environ["USERS_TABLE"],
            Item={"id": {"S": event["body"]}},
            ConditionExpression="attribute_not_exists(id)",
        )
    except _dynamodb.exceptions.ConditionalCheckFailedException:
        return {"statusCode": 409, "body": "taken"}
    return {"statusCode": 201, "body": "claimed"}


def scheduler(event, context):
    SCHEDULED.append(event)
    raise RuntimeError("scheduler failed on purpose")


def worker(event, context):
    RECEIVED.extend(record["body"] for record in event["Records"])
    failed = [record["messageId"] for record in event["Records"] if record["body"].startswith("fail")]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
"""


class Stack:
    def __init__(self, stack: LocalStack, out: io.StringIO, err: io.StringIO) -> None:
        self.stack = stack
        self.out = out
        self.err = err
        assert stack.urls is not None
        self.url = stack.urls.api
        self.http = requests.Session()

    @property
    def handlers(self) -> Any:
        return sys.modules[MODULE]

    def sqs(self) -> Any:
        from local.aws import aws_client

        assert self.stack.urls is not None
        return aws_client("sqs", self.stack.urls.dynamodb)

    def access_log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("mini-stack")
    (root / "functions").mkdir()
    (root / "functions" / f"{MODULE}.py").write_text(textwrap.dedent(HANDLERS), encoding="utf-8")
    (root / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    out, err = io.StringIO(), io.StringIO()
    local = LocalStack(
        template_path=root / "template.yaml",
        root=root,
        ports=config.Ports(0, 0, 0),
        state_dir=root / "state",
        with_sandbox=False,
        retry_visibility_timeout=0,
        output=Output(out, err),
    )
    local.start()
    try:
        yield Stack(local, out, err)
    finally:
        local.stop()
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        sys.modules.pop(MODULE, None)


def test_given_post_when_routed_then_handler_gets_v2_event_and_resolved_environment(stack: Stack) -> None:
    response = stack.http.post(f"{stack.url}/echo?a=1&a=2", json={"x": 1}, timeout=10)

    assert response.status_code == 200
    document = response.json()
    event = document["event"]
    assert event["routeKey"] == "POST /echo"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert json.loads(event["body"]) == {"x": 1}
    assert event["requestContext"]["requestId"] == response.headers["apigw-requestid"]
    env = document["env"]
    assert env["USERS_TABLE"] == "appconnect-local-UsersTable"
    assert env["GREETING"] == "hello"
    assert env["STACK"] == "appconnect-local-us-east-1"
    assert env["APPCONNECT_STAGE"] == "local"
    assert env["DYNAMODB_ENDPOINT_URL"] == stack.stack.urls.dynamodb  # type: ignore[union-attr]
    assert len(env["APP_SERVER_SECRET_KEY"]) >= 32
    assert 4000 < document["remaining"] <= 5000


def test_given_path_parameter_route_when_requested_then_parameters_in_event(stack: Stack) -> None:
    event = stack.http.get(f"{stack.url}/items/42", timeout=10).json()["event"]

    assert event["pathParameters"] == {"id": "42"}
    assert event["routeKey"] == "GET /items/{id}"


@pytest.mark.parametrize(
    ("kind", "status", "content_type", "body"),
    [
        ("string", 200, "application/json", b'"hello"'),
        ("dict", 200, "application/json", b'{"successful":true,"n":2.0}'),
        ("binary", 200, "image/png", bytes([0, 1, 255])),
        ("malformed", 500, "application/json", b'{"message": "Internal Server Error"}'),
        ("raise", 500, "application/json", b'{"message": "Internal Server Error"}'),
        ("slow", 500, "application/json", b'{"message": "Internal Server Error"}'),
    ],
)
def test_given_function_result_when_answered_then_converted_as_api_gateway_does(
    stack: Stack, kind: str, status: int, content_type: str, body: bytes
) -> None:
    response = stack.http.get(f"{stack.url}/shape", params={"kind": kind}, timeout=10)

    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.content == body


def test_given_cookies_in_result_when_answered_then_one_set_cookie_each(stack: Stack) -> None:
    response = stack.http.get(f"{stack.url}/shape", params={"kind": "cookies"}, timeout=10)

    assert response.status_code == 201
    assert response.raw.headers.getlist("set-cookie") == ["a=1", "b=2"]


def test_given_handler_raises_when_answered_then_error_logged_to_stderr_not_client(stack: Stack) -> None:
    response = stack.http.get(f"{stack.url}/shape", params={"kind": "raise"}, timeout=10)

    request_id = response.headers["apigw-requestid"]
    errors = [json.loads(line) for line in stack.err.getvalue().splitlines()]
    (error,) = [e for e in errors if e.get("requestId") == request_id]
    assert error["errorType"] == "RuntimeError"
    assert error["function"] == "ShapesFunction"
    assert "handler exploded" not in response.text


def test_given_cors_configuration_when_cross_origin_request_then_function_cors_headers_replaced(
    stack: Stack,
) -> None:
    response = stack.http.post(f"{stack.url}/echo", headers={"Origin": "https://app.example.com"}, timeout=10)
    preflight = stack.http.options(
        f"{stack.url}/echo",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert response.headers["access-control-expose-headers"] == "x-refreshed-jwt-token"
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"


def test_given_request_when_answered_then_one_access_log_line_without_query_headers_or_body(
    stack: Stack,
) -> None:
    response = stack.http.post(
        f"{stack.url}/echo?jwtToken=query-secret",
        headers={"Authorization": "Bearer header-secret"},
        data="body-secret",
        timeout=10,
    )

    (record,) = [r for r in stack.access_log() if r["requestId"] == response.headers["apigw-requestid"]]
    assert set(record) == {"time", "requestId", "method", "path", "status", "durationMs", "function"}
    assert (record["method"], record["path"], record["status"], record["function"]) == (
        "POST",
        "/echo",
        200,
        "EchoFunction",
    )
    everything = stack.out.getvalue() + stack.err.getvalue()
    assert "query-secret" not in everything
    assert "header-secret" not in everything
    assert "body-secret" not in everything


def test_given_twenty_concurrent_claims_when_handled_then_exactly_one_conditional_write_wins(
    stack: Stack,
) -> None:
    key = f"user-{uuid.uuid4().hex}"

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(
                lambda _: requests.post(f"{stack.url}/claim", data=key, timeout=30).status_code, range(20)
            )
        )

    assert sorted(statuses) == [201] + [409] * 19


def test_given_failing_scheduler_when_fired_then_502_lambda_error_and_scheduled_event_delivered(
    stack: Stack,
) -> None:
    response = stack.http.post(f"{stack.url}/__local/schedules/SchedulerFunction", timeout=10)

    assert response.status_code == 502
    assert response.headers["x-amz-function-error"] == "Unhandled"
    assert response.json()["errorType"] == "RuntimeError"
    assert response.json()["errorMessage"] == "scheduler failed on purpose"
    event = stack.handlers.SCHEDULED[-1]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert stack.http.get(f"{stack.url}/items/1", timeout=10).status_code == 200


def test_given_unknown_schedule_when_fired_then_404(stack: Stack) -> None:
    assert stack.http.post(f"{stack.url}/__local/schedules/EchoFunction", timeout=10).status_code == 404


def test_given_event_when_posted_to_invoke_then_function_result_returned(stack: Stack) -> None:
    event = {"queryStringParameters": {"kind": "dict"}}

    response = stack.http.post(f"{stack.url}/__local/invoke/ShapesFunction", json=event, timeout=10)

    assert response.status_code == 200
    assert response.json() == {"successful": True, "n": 2.0}


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_given_queued_messages_when_worker_reports_item_failures_then_failed_retried_then_dead_lettered(
    stack: Stack,
) -> None:
    assert stack.stack.provisioned is not None
    queues = stack.stack.provisioned.queues
    sqs = stack.sqs()
    ok_body, fail_body = f"ok-{uuid.uuid4().hex}", f"fail-{uuid.uuid4().hex}"

    sqs.send_message(QueueUrl=queues["WorkQueue"], MessageBody=ok_body)
    sqs.send_message(QueueUrl=queues["WorkQueue"], MessageBody=fail_body)

    dead: list[str] = []

    def dead_lettered() -> bool:
        response = sqs.receive_message(QueueUrl=queues["WorkDeadLetterQueue"], WaitTimeSeconds=0)
        dead.extend(message["Body"] for message in response.get("Messages", []))
        return fail_body in dead

    _wait_for(dead_lettered)
    received = stack.handlers.RECEIVED
    assert received.count(ok_body) == 1
    assert received.count(fail_body) == 2  # maxReceiveCount
    assert ok_body not in dead


def test_given_batch_payload_when_rendered_then_sqs_event_records(stack: Stack) -> None:
    from local.triggers import sqs_event

    event = sqs_event(
        [
            {
                "MessageId": "m1",
                "ReceiptHandle": "r1",
                "Body": "hello",
                "Attributes": {"ApproximateReceiveCount": 1},
                "MessageAttributes": {"kind": {"StringValue": "x", "DataType": "String"}},
            }
        ],
        "arn:aws:sqs:us-east-1:123456789012:q",
    )

    (record,) = event["Records"]
    assert record["messageId"] == "m1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:q"
    assert record["attributes"] == {"ApproximateReceiveCount": "1"}
    assert record["messageAttributes"]["kind"]["stringValue"] == "x"
    assert record["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"


def test_given_binary_request_body_when_routed_then_base64_in_event(stack: Stack) -> None:
    raw = bytes(range(256))

    event = stack.http.post(
        f"{stack.url}/echo", data=raw, headers={"Content-Type": "application/octet-stream"}, timeout=10
    ).json()["event"]

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_given_stack_when_described_then_routes_schedules_and_functions_listed(stack: Stack) -> None:
    description = stack.http.get(f"{stack.url}/__local", timeout=10).json()

    assert description["routes"]["GET /items/{id}"] == "EchoFunction"
    assert description["schedules"] == ["SchedulerFunction"]
    assert "WorkerFunction" in description["functions"]


def test_given_stack_when_banner_printed_then_every_url_listed(stack: Stack) -> None:
    banner = stack.stack.banner()

    assert f"{stack.url}/echo" in banner
    assert f"{stack.url}/items/{{id}}" in banner
    assert f"{stack.url}/__local/schedules/SchedulerFunction" in banner
    assert stack.stack.urls.dynamodb in banner  # type: ignore[union-attr]
    assert "appconnect-local-WorkQueue" in banner
    assert "PIPEDRIVE_API_URL=" in banner


def test_given_template_without_code_when_path_prepared_then_the_test_root_is_used(tmp_path: Path) -> None:
    assert Path(sys.modules[MODULE].__file__).parent.name == "functions"  # type: ignore[arg-type]
