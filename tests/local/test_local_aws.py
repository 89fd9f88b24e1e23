"""The embedded AWS (moto on loopback) provisioned from template.yaml, as tests and ``make run`` use it;
and the rules the queue poller applies to a worker's answer."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest

from local.aws import EmbeddedAws, LocalDynamoDB, aws_client, port_is_free, provision
from local.lambda_runtime import FunctionError, Invocation
from local.resources import ScheduleTrigger, resources_of_type
from local.template import cached_template
from local.triggers import failed_message_ids, scheduled_event


def test_given_template_when_provisioned_then_every_table_exists_with_its_key_schema(
    local_dynamodb: LocalDynamoDB,
) -> None:
    client = aws_client("dynamodb", local_dynamodb.endpoint_url)

    for logical_id, props in resources_of_type(cached_template(), "AWS::DynamoDB::Table").items():
        table = client.describe_table(TableName=local_dynamodb.tables[logical_id])["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        assert [index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])] == [
            index["IndexName"] for index in props.get("GlobalSecondaryIndexes", [])
        ]


def test_given_template_when_provisioned_then_queue_redrives_to_its_dead_letter_queue(
    local_dynamodb: LocalDynamoDB,
) -> None:
    queues = local_dynamodb.provisioned.queues
    sqs = aws_client("sqs", local_dynamodb.endpoint_url)

    attributes = sqs.get_queue_attributes(QueueUrl=queues["TokenRefreshQueue"], AttributeNames=["All"])[
        "Attributes"
    ]

    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(f":{local_dynamodb.prefix}TokenRefreshDeadLetterQueue")
    assert int(redrive["maxReceiveCount"]) == 3
    assert attributes["VisibilityTimeout"] == "360"


def test_given_local_dynamodb_when_environment_requested_then_template_names_point_at_local_resources(
    local_dynamodb: LocalDynamoDB,
) -> None:
    env = local_dynamodb.environment()

    assert env["USERS_TABLE"] == local_dynamodb.tables["UsersTable"]
    assert env["CACHE_TABLE"] == local_dynamodb.tables["CacheTable"]
    assert env["TOKEN_REFRESH_QUEUE_URL"] == local_dynamodb.provisioned.queues["TokenRefreshQueue"]
    assert env["DYNAMODB_ENDPOINT_URL"] == local_dynamodb.endpoint_url
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"


def test_given_env_fixture_when_used_then_process_environment_points_at_local_tables(
    local_dynamodb_env: LocalDynamoDB,
) -> None:
    import os

    assert os.environ["USERS_TABLE"] == local_dynamodb_env.tables["UsersTable"]
    assert os.environ["DYNAMODB_ENDPOINT_URL"] == local_dynamodb_env.endpoint_url
    assert "AWS_PROFILE" not in os.environ


def test_given_concurrent_conditional_writes_when_racing_then_exactly_one_wins(
    local_dynamodb: LocalDynamoDB,
) -> None:
    import boto3

    table = local_dynamodb.tables["CacheTable"]
    session = boto3.session.Session()
    clients = [aws_client("dynamodb", local_dynamodb.endpoint_url, session) for _ in range(20)]
    key = f"lock-{uuid.uuid4().hex}"
    barrier = threading.Barrier(len(clients))
    winners: list[int] = []

    def claim(index: int) -> None:
        client = clients[index]
        barrier.wait()
        try:
            client.put_item(
                TableName=table, Item={"id": {"S": key}}, ConditionExpression="attribute_not_exists(id)"
            )
            winners.append(index)
        except client.exceptions.ConditionalCheckFailedException:
            pass

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(winners) == 1


def test_given_kms_keys_requested_when_provisioned_then_key_refs_resolve_to_moto_keys() -> None:
    aws = EmbeddedAws(port=0).start()
    try:
        template = {
            "Resources": {
                "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "tokens"}},
                "Table": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "BillingMode": "PAY_PER_REQUEST",
                        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    },
                },
            }
        }

        done = provision(aws.endpoint_url, template, parameters={}, prefix="kms-test-", create_kms_keys=True)

        key = done.resources["Key"]
        kms = aws_client("kms", aws.endpoint_url)
        assert kms.describe_key(KeyId=key.ref)["KeyMetadata"]["Arn"] == key.attributes["Arn"]
        assert done.tables == {"Table": "kms-test-Table"}
    finally:
        aws.stop()


def test_given_stopped_embedded_aws_when_port_checked_then_free_again() -> None:
    aws = EmbeddedAws(port=0).start()
    port = aws.port
    assert not port_is_free(port)

    aws.stop()

    assert port_is_free(port)


# -- trigger rules ------------------------------------------------------------------------------------------


def _invocation(result: Any = None, error: bool = False) -> Invocation:
    return Invocation(
        "Worker",
        "r",
        1.0,
        result=result,
        error=FunctionError("RuntimeError", "boom", []) if error else None,
    )


IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("invocation", "report", "failed"),
    [
        (_invocation(None), True, set()),
        (_invocation({"batchItemFailures": []}), True, set()),
        (_invocation({"batchItemFailures": [{"itemIdentifier": "m2"}]}), True, {"m2"}),
        (_invocation({"batchItemFailures": [{"itemIdentifier": "m2"}]}), False, set()),
        (_invocation({"batchItemFailures": [{"itemIdentifier": ""}]}), True, set(IDS)),
        (_invocation({"batchItemFailures": [{"itemIdentifier": "other"}]}), True, set(IDS)),
        (_invocation(error=True), True, set(IDS)),
        (_invocation(error=True), False, set(IDS)),
    ],
    ids=["none", "empty", "one", "not-reporting", "blank-id", "unknown-id", "raised", "raised-not-reporting"],
)
def test_given_worker_answer_when_batch_settled_then_lambda_rules_decide_what_stays_queued(
    invocation: Invocation, report: bool, failed: set[str]
) -> None:
    assert failed_message_ids(invocation, IDS, report) == failed


def test_given_schedule_rule_when_fired_then_eventbridge_scheduled_event() -> None:
    event = scheduled_event(ScheduleTrigger("Fn", "Tick", "Schedule", "rate(5 minutes)", None), now=0)

    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "1970-01-01T00:00:00Z"
    assert event["region"] == "us-east-1"
    assert event["detail"] == {}
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")


def test_given_schedule_with_input_or_scheduler_v2_when_fired_then_input_or_empty() -> None:
    assert scheduled_event(ScheduleTrigger("Fn", "T", "Schedule", "rate(1 hour)", '{"a": 1}')) == {"a": 1}
    assert scheduled_event(ScheduleTrigger("Fn", "T", "ScheduleV2", "rate(1 hour)", None)) == {}
