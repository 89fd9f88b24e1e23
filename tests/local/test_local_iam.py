"""The local stack's IAM check (local/iam.py): template policies read and matched as IAM matches them, API
calls mapped to IAM actions and resources, and a refused call failing as AWS fails it, per invocation."""

from __future__ import annotations

import struct
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local import config, iam
from local.__main__ import _parser
from local.aws import LocalDynamoDB, aws_client, start_embedded_aws
from local.lambda_runtime import LocalFunction
from local.resources import PhysicalResource, Resolver, local_parameters
from local.template import cached_template

ACCOUNT, REGION = config.ACCOUNT_ID, config.REGION
USERS = "appconnect-local-UsersTable"
CACHE = "appconnect-local-CacheTable"
CALL_LOGS = "appconnect-local-CallLogsTable"
USERS_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{USERS}"
CACHE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{CACHE}"
CALL_LOGS_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{CALL_LOGS}"
INDEX_ARN = f"{USERS_ARN}/index/TokenExpiryIndex"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"


def _allow(actions: list[str], resources: list[str]) -> iam.Statement:
    return iam.Statement(iam.ALLOW, tuple(actions), tuple(resources))


def _policy(*statements: iam.Statement, function_id: str = "ProbeFunction") -> iam.Policy:
    return iam.Policy(function_id, iam.principal_of(function_id), statements)


@pytest.fixture(scope="module")
def policies() -> dict[str, iam.Policy]:
    """The real template's policies, resolved to the local names (no stack needed)."""
    from local.aws import plan_names

    template = cached_template()
    plan = plan_names(template)
    for logical_id in ("TokenRefreshQueue", "TokenRefreshDeadLetterQueue"):
        name = f"{config.RESOURCE_PREFIX}{logical_id}"
        plan.resources[logical_id] = PhysicalResource(
            ref=f"http://127.0.0.1:1/{ACCOUNT}/{name}",
            attributes={"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"},
        )
    return iam.function_policies(
        template, parameters=local_parameters(template, {}), resources=plan.resources
    )


# -- matching ------------------------------------------------------------------------------------------------


def test_given_exact_grant_when_matched_then_only_that_action_on_that_resource_is_allowed() -> None:
    policy = _policy(_allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [USERS_ARN]))

    assert policy.allows("dynamodb:GetItem", USERS_ARN)
    assert policy.allows("dynamodb:UpdateItem", USERS_ARN)
    assert not policy.allows("dynamodb:PutItem", USERS_ARN)
    assert not policy.allows("dynamodb:GetItem", CACHE_ARN)


def test_given_table_grant_when_index_queried_then_the_index_arn_is_not_covered_by_the_table_arn() -> None:
    table_only = _policy(_allow(["dynamodb:Query"], [USERS_ARN]))
    index_only = _policy(_allow(["dynamodb:Query"], [INDEX_ARN]))

    assert not table_only.allows("dynamodb:Query", INDEX_ARN)
    assert index_only.allows("dynamodb:Query", INDEX_ARN)
    assert not index_only.allows("dynamodb:Query", USERS_ARN)


def test_given_action_names_when_matched_then_case_insensitive_with_iam_wildcards() -> None:
    policy = _policy(_allow(["dynamodb:Get*", "kms:Decryp?"], [USERS_ARN, KEY_ARN]))

    assert policy.allows("dynamodb:GetItem", USERS_ARN)
    assert policy.allows("DynamoDB:getitem", USERS_ARN)
    assert policy.allows("kms:Decrypt", KEY_ARN)
    assert not policy.allows("dynamodb:PutItem", USERS_ARN)
    assert not policy.allows("kms:Decrypts", KEY_ARN)


def test_given_resource_wildcard_when_matched_then_case_sensitive_and_anchored() -> None:
    policy = _policy(_allow(["dynamodb:Query"], [f"{USERS_ARN}/index/*"]))

    assert policy.allows("dynamodb:Query", INDEX_ARN)
    assert not policy.allows("dynamodb:Query", INDEX_ARN.replace("UsersTable", "userstable"))
    assert not policy.allows("dynamodb:Query", USERS_ARN)
    # regular-expression characters in an ARN are literal
    assert not _policy(_allow(["s3:GetObject"], ["arn:aws:s3:::a.b"])).allows(
        "s3:GetObject", "arn:aws:s3:::aXb"
    )


def test_given_allow_and_explicit_deny_when_both_match_then_deny_wins_with_its_own_message() -> None:
    policy = _policy(
        _allow(["dynamodb:*"], [USERS_ARN]),
        iam.Statement(iam.DENY, ("dynamodb:DeleteItem",), (USERS_ARN,)),
    )

    denial = policy.denial([iam.Request("dynamodb:DeleteItem", USERS_ARN)])

    assert denial is not None
    assert denial.explicit
    assert denial.message.endswith("with an explicit deny in an identity-based policy")
    assert policy.allows("dynamodb:PutItem", USERS_ARN)


def test_given_several_requests_when_one_is_not_allowed_then_the_denial_names_that_one() -> None:
    policy = _policy(_allow(["dynamodb:BatchGetItem"], [CALL_LOGS_ARN]))

    denial = policy.denial(
        [iam.Request("dynamodb:BatchGetItem", CALL_LOGS_ARN), iam.Request("dynamodb:BatchGetItem", CACHE_ARN)]
    )

    assert denial is not None
    assert denial.request == iam.Request("dynamodb:BatchGetItem", CACHE_ARN)


# -- the template's policies ---------------------------------------------------------------------------------


def test_given_template_when_policies_read_then_every_function_has_one_with_its_role_as_principal(
    policies: dict[str, iam.Policy],
) -> None:
    from local.template import functions

    assert sorted(policies) == sorted(spec.logical_id for spec in functions(cached_template()))
    assert policies["HostnameFunction"].principal == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/appconnect-local-HostnameFunctionRole/"
        "appconnect-local-HostnameFunction"
    )


def test_given_template_getatt_when_resolved_then_grants_name_the_local_table_arns(
    policies: dict[str, iam.Policy],
) -> None:
    settings = policies["UpdateUserSettingsFunction"]

    assert settings.allows("dynamodb:UpdateItem", USERS_ARN)
    assert not settings.allows("dynamodb:PutItem", USERS_ARN)
    assert not settings.allows("dynamodb:Scan", USERS_ARN)
    assert not policies["IsAliveFunction"].allows("dynamodb:GetItem", USERS_ARN)


def test_given_template_sub_when_resolved_then_the_scheduler_may_query_only_the_expiry_index(
    policies: dict[str, iam.Policy],
) -> None:
    scheduler = policies["TokenRefreshSchedulerFunction"]

    assert scheduler.allows("dynamodb:Query", INDEX_ARN)
    assert not scheduler.allows("dynamodb:Query", USERS_ARN)
    assert not scheduler.allows("dynamodb:GetItem", USERS_ARN)
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:appconnect-local-TokenRefreshQueue"
    assert scheduler.allows("sqs:SendMessage", queue)
    assert not scheduler.allows("sqs:SendMessage", queue.replace("Queue", "DeadLetterQueue"))


def test_given_token_key_not_created_locally_when_resolved_then_ref_and_arn_name_the_same_key(
    policies: dict[str, iam.Policy],
) -> None:
    key_name = "appconnect-local-TokenEncryptionKey"
    requests = iam.requests_for("kms", "GenerateDataKey", {"KeyId": key_name})

    assert policies["OauthCallbackFunction"].denial(requests) is None
    assert policies["IsAliveFunction"].denial(requests) is not None


def test_given_sam_defaults_when_policies_read_then_basic_execution_xray_and_sqs_poller_are_granted(
    policies: dict[str, iam.Policy],
) -> None:
    worker, alive = policies["TokenRefreshWorkerFunction"], policies["IsAliveFunction"]

    assert alive.allows("logs:PutLogEvents", "*")
    assert alive.allows("xray:PutTraceSegments", "*")
    assert not alive.allows("sqs:ReceiveMessage", "*")
    assert worker.allows("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:anything")


def _resolver() -> Resolver:
    return Resolver({"Resources": {}}, parameters={}, resources={})


@pytest.mark.parametrize(
    ("policies_value", "reason"),
    [
        (
            [
                {
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {}}
                    ]
                }
            ],
            "Condition",
        ),
        ([{"DynamoDBCrudPolicy": {"TableName": "t"}}], "SAM policy template"),
        (["AmazonDynamoDBFullAccess"], "not known"),
        ([{"Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}], "Allow or Deny"),
    ],
    ids=["condition", "sam-template", "unknown-managed", "bad-effect"],
)
def test_given_policy_the_stack_cannot_evaluate_when_read_then_refused_with_the_reason(
    policies_value: list[Any], reason: str
) -> None:
    with pytest.raises(iam.PolicyError, match=reason):
        iam.function_policy("OddFunction", {"Policies": policies_value}, _resolver())


def test_given_known_managed_policy_arn_when_read_then_its_statements_are_granted() -> None:
    policy = iam.function_policy(
        "F",
        {"Policies": ["arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]},
        _resolver(),
    )

    assert policy.allows("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:123456789012:q")


def test_given_function_with_its_own_role_when_read_then_refused() -> None:
    with pytest.raises(iam.PolicyError, match="Role"):
        iam.function_policy("F", {"Role": "arn:aws:iam::123456789012:role/x"}, _resolver())


# -- API call -> IAM requests --------------------------------------------------------------------------------


def test_given_item_operation_when_mapped_then_dynamodb_action_on_the_table_arn() -> None:
    assert iam.requests_for("dynamodb", "PutItem", {"TableName": USERS}) == [
        iam.Request("dynamodb:PutItem", USERS_ARN)
    ]
    assert iam.requests_for("dynamodb", "GetItem", {"TableName": USERS_ARN}) == [
        iam.Request("dynamodb:GetItem", USERS_ARN)
    ]


def test_given_query_or_scan_with_index_when_mapped_then_the_index_arn() -> None:
    query = {"TableName": USERS, "IndexName": "TokenExpiryIndex"}

    assert iam.requests_for("dynamodb", "Query", query) == [iam.Request("dynamodb:Query", INDEX_ARN)]
    assert iam.requests_for("dynamodb", "Scan", query) == [iam.Request("dynamodb:Scan", INDEX_ARN)]
    assert iam.requests_for("dynamodb", "Query", {"TableName": USERS}) == [
        iam.Request("dynamodb:Query", USERS_ARN)
    ]


def test_given_batch_operations_when_mapped_then_the_batch_action_on_each_table() -> None:
    items = {"RequestItems": {CALL_LOGS: {"Keys": []}, CACHE: {"Keys": []}}}

    assert iam.requests_for("dynamodb", "BatchGetItem", items) == [
        iam.Request("dynamodb:BatchGetItem", CALL_LOGS_ARN),
        iam.Request("dynamodb:BatchGetItem", CACHE_ARN),
    ]
    assert iam.requests_for("dynamodb", "BatchWriteItem", items) == [
        iam.Request("dynamodb:BatchWriteItem", CALL_LOGS_ARN),
        iam.Request("dynamodb:BatchWriteItem", CACHE_ARN),
    ]


def test_given_transaction_when_mapped_then_each_item_needs_its_own_action_on_its_table() -> None:
    write = {
        "TransactItems": [
            {"Put": {"TableName": CALL_LOGS, "Item": {}}},
            {"Update": {"TableName": USERS, "Key": {}}},
            {"ConditionCheck": {"TableName": CACHE, "Key": {}}},
            {"Delete": {"TableName": CACHE, "Key": {}}},
        ]
    }

    assert iam.requests_for("dynamodb", "TransactWriteItems", write) == [
        iam.Request("dynamodb:PutItem", CALL_LOGS_ARN),
        iam.Request("dynamodb:UpdateItem", USERS_ARN),
        iam.Request("dynamodb:ConditionCheckItem", CACHE_ARN),
        iam.Request("dynamodb:DeleteItem", CACHE_ARN),
    ]
    read = {"TransactItems": [{"Get": {"TableName": USERS, "Key": {}}}]}
    assert iam.requests_for("dynamodb", "TransactGetItems", read) == [
        iam.Request("dynamodb:GetItem", USERS_ARN)
    ]


def test_given_operation_without_table_when_mapped_then_all_resources() -> None:
    assert iam.requests_for("dynamodb", "ListTables", {}) == [iam.Request("dynamodb:ListTables", "*")]


def test_given_kms_key_forms_when_mapped_then_the_key_or_alias_arn() -> None:
    assert iam.requests_for("kms", "GenerateDataKey", {"KeyId": KEY_ID}) == [
        iam.Request("kms:GenerateDataKey", KEY_ARN)
    ]
    assert iam.requests_for("kms", "GenerateDataKey", {"KeyId": KEY_ARN})[0].resource == KEY_ARN
    assert iam.requests_for("kms", "Encrypt", {"KeyId": "alias/tokens"})[0].resource == (
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/tokens"
    )


def test_given_decrypt_without_key_id_when_mapped_then_the_key_named_in_the_ciphertext() -> None:
    blob = struct.pack(">36s12s16s", KEY_ID.encode(), b"\0" * 12, b"\0" * 16) + b"sealed"

    assert iam.requests_for("kms", "Decrypt", {"CiphertextBlob": blob}) == [
        iam.Request("kms:Decrypt", KEY_ARN)
    ]
    assert iam.requests_for("kms", "Decrypt", {"CiphertextBlob": b"opaque"}) == [
        iam.Request("kms:Decrypt", "*")
    ]


def test_given_sqs_calls_when_mapped_then_queue_arn_and_batches_need_the_single_message_action() -> None:
    url = f"http://127.0.0.1:5000/{ACCOUNT}/work"
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work"

    assert iam.requests_for("sqs", "SendMessage", {"QueueUrl": url}) == [
        iam.Request("sqs:SendMessage", queue_arn)
    ]
    assert iam.requests_for("sqs", "SendMessageBatch", {"QueueUrl": url}) == [
        iam.Request("sqs:SendMessage", queue_arn)
    ]
    assert iam.requests_for("sqs", "DeleteMessageBatch", {"QueueUrl": url})[0].action == "sqs:DeleteMessage"
    assert iam.requests_for("sqs", "GetQueueUrl", {"QueueName": "work"}) == [
        iam.Request("sqs:GetQueueUrl", queue_arn)
    ]


def test_given_unmapped_service_when_mapped_then_checked_on_the_action_only() -> None:
    (request,) = iam.requests_for("sts", "GetCallerIdentity", {})

    assert request == iam.Request("sts:GetCallerIdentity", None)
    assert _policy(_allow(["sts:GetCallerIdentity"], ["arn:aws:iam::1:role/x"])).denial([request]) is None


# -- through botocore, against the embedded AWS --------------------------------------------------------------


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalDynamoDB]:
    was_installed = iam.installed()
    iam.install()
    local = start_embedded_aws()
    yield local
    local.stop()
    if not was_installed:
        iam.uninstall()


@pytest.fixture(scope="module")
def dynamodb(aws: LocalDynamoDB) -> Any:
    return aws_client("dynamodb", aws.endpoint_url)


def _key(value: str) -> dict[str, Any]:
    return {"id": {"S": value}}


def _exists(dynamodb: Any, table: str, key: str) -> bool:
    return "Item" in dynamodb.get_item(TableName=table, Key=_key(key), ConsistentRead=True)


def test_given_get_and_update_only_when_put_item_called_then_access_denied_as_aws_answers_and_nothing_written(
    dynamodb: Any, policies: dict[str, iam.Policy]
) -> None:
    key = f"denied-{uuid.uuid4().hex}"

    with iam.acting_as(policies["UpdateUserSettingsFunction"]), pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName=USERS, Item=_key(key))

    error = raised.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["Error"]["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/appconnect-local-UpdateUserSettingsFunctionRole/"
        "appconnect-local-UpdateUserSettingsFunction is not authorized to perform: dynamodb:PutItem on "
        f"resource: {USERS_ARN} because no identity-based policy allows the dynamodb:PutItem action"
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert raised.value.operation_name == "PutItem"
    assert "(AccessDeniedException) when calling the PutItem operation: User: arn:aws:sts::" in str(
        raised.value
    )
    assert not _exists(dynamodb, USERS, key)


def test_given_granted_call_when_made_inside_the_function_then_it_reaches_dynamodb(
    dynamodb: Any, policies: dict[str, iam.Policy]
) -> None:
    key = f"allowed-{uuid.uuid4().hex}"

    with iam.acting_as(policies["OauthCallbackFunction"]):
        dynamodb.put_item(TableName=USERS, Item=_key(key))
        assert _exists(dynamodb, USERS, key)


def test_given_no_function_running_when_any_call_made_then_it_is_not_checked(dynamodb: Any) -> None:
    key = f"outside-{uuid.uuid4().hex}"

    assert iam.current_policy() is None
    dynamodb.put_item(TableName=CACHE, Item=_key(key))
    dynamodb.delete_item(TableName=CACHE, Key=_key(key))
    dynamodb.scan(TableName=CACHE, Limit=1)


def test_given_index_grant_when_querying_then_index_allowed_and_base_table_denied(
    dynamodb: Any, policies: dict[str, iam.Policy]
) -> None:
    values = {":s": {"S": "oauth#0"}}
    with iam.acting_as(policies["TokenRefreshSchedulerFunction"]):
        dynamodb.query(
            TableName=USERS,
            IndexName="TokenExpiryIndex",
            KeyConditionExpression="refreshShard = :s",
            ExpressionAttributeValues=values,
        )
        with pytest.raises(ClientError, match=r"dynamodb:Query on resource: .*UsersTable because"):
            dynamodb.query(
                TableName=USERS, KeyConditionExpression="id = :s", ExpressionAttributeValues=values
            )


def test_given_pynamodb_model_when_save_refused_then_put_error_caused_by_access_denied(
    aws: LocalDynamoDB, policies: dict[str, iam.Policy]
) -> None:
    from pynamodb.attributes import UnicodeAttribute
    from pynamodb.exceptions import PutError
    from pynamodb.models import Model

    class Cache(Model):
        class Meta:
            table_name = CACHE
            host = aws.endpoint_url
            region = REGION
            aws_access_key_id = "local-dev-access-key"
            aws_secret_access_key = "local-dev-secret-key"

        id = UnicodeAttribute(hash_key=True)

    with iam.acting_as(policies["CacheCallNoteFunction"].without("dynamodb:PutItem")):
        with pytest.raises(PutError) as raised:
            Cache(f"note-{uuid.uuid4().hex}").save()
        assert raised.value.cause_response_code == "AccessDeniedException"
        assert "dynamodb:PutItem on resource: " + CACHE_ARN in str(raised.value.cause_response_message)
    with iam.acting_as(policies["CacheCallNoteFunction"]):
        Cache(f"note-{uuid.uuid4().hex}").save()


def test_given_sqs_send_not_granted_when_called_then_access_denied_as_sqs_answers(
    aws: LocalDynamoDB, policies: dict[str, iam.Policy]
) -> None:
    sqs = aws_client("sqs", aws.endpoint_url)
    dead_letters = aws.provisioned.queues["TokenRefreshDeadLetterQueue"]
    queue = aws.provisioned.queues["TokenRefreshQueue"]
    live = iam.function_policies(
        cached_template(),
        parameters=local_parameters(cached_template(), {}),
        resources=aws.provisioned.resources,
    )["TokenRefreshSchedulerFunction"]

    with iam.acting_as(live):
        sqs.send_message(QueueUrl=queue, MessageBody="user")
        with pytest.raises(ClientError) as raised:
            sqs.send_message(QueueUrl=dead_letters, MessageBody="user")

    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:" in str(raised.value)
    assert live.principal == policies["TokenRefreshSchedulerFunction"].principal


def test_given_two_functions_running_at_once_when_each_writes_then_each_is_held_to_its_own_policy(
    dynamodb: Any, policies: dict[str, iam.Policy]
) -> None:
    both_inside = threading.Barrier(2, timeout=10)
    outcomes: dict[str, list[str]] = {"OauthCallbackFunction": [], "UpdateUserSettingsFunction": []}

    def run(function_id: str) -> None:
        for _ in range(5):
            with iam.acting_as(policies[function_id]):
                both_inside.wait()  # both threads are inside their own invocation now
                seen = iam.current_policy()
                assert seen is not None
                assert seen.function_id == function_id
                try:
                    dynamodb.put_item(TableName=USERS, Item=_key(f"{function_id}-{uuid.uuid4().hex}"))
                    outcomes[function_id].append("written")
                except ClientError as error:
                    outcomes[function_id].append(error.response["Error"]["Code"])
                both_inside.wait()

    threads = [threading.Thread(target=run, args=(function_id,)) for function_id in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcomes == {
        "OauthCallbackFunction": ["written"] * 5,
        "UpdateUserSettingsFunction": ["AccessDeniedException"] * 5,
    }
    assert iam.current_policy() is None


def test_given_hook_registered_twice_on_a_client_when_call_refused_then_refused_once_like_aws(
    aws: LocalDynamoDB, policies: dict[str, iam.Policy]
) -> None:
    client = iam.enforce_on(iam.enforce_on(aws_client("dynamodb", aws.endpoint_url)))

    with iam.acting_as(policies["IsAliveFunction"]), pytest.raises(ClientError) as raised:
        client.get_item(TableName=USERS, Key=_key("x"))

    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "dynamodb:GetItem on resource: " + USERS_ARN in str(raised.value)


# -- the local runtime and the command line ------------------------------------------------------------------


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[str]:
    module = f"local_iam_probe_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(
        textwrap.dedent(
            """
            from local import iam

            AT_IMPORT = iam.current_policy()

            def handler(event, context):
                policy = iam.current_policy()
                return {
                    "import": AT_IMPORT.function_id if AT_IMPORT else None,
                    "invoke": policy.function_id if policy else None,
                }
            """
        ),
        encoding="utf-8",
    )
    saved_path = list(sys.path)
    yield module
    sys.path[:] = saved_path
    sys.modules.pop(module, None)


def test_given_function_with_policy_when_invoked_then_init_and_handler_run_under_it_and_nothing_after(
    tmp_path: Path, probe: str
) -> None:
    policy = _policy(function_id="ProbeFunction")
    function = LocalFunction("ProbeFunction", handler=f"{probe}.handler", code_uri=tmp_path, policy=policy)

    invocation = function.invoke({})

    assert invocation.result == {"import": "ProbeFunction", "invoke": "ProbeFunction"}
    assert iam.current_policy() is None


def test_given_function_without_policy_when_invoked_then_nothing_is_checked(
    tmp_path: Path, probe: str
) -> None:
    function = LocalFunction("ProbeFunction", handler=f"{probe}.handler", code_uri=tmp_path)

    assert function.invoke({}).result == {"import": None, "invoke": None}


@pytest.mark.parametrize(
    ("argv", "enforced"),
    [([], True), (["--no-iam"], False), (["run", "--no-iam"], False), (["invoke", "F", "--no-iam"], False)],
)
def test_given_command_line_when_parsed_then_iam_is_enforced_unless_no_iam(
    argv: list[str], enforced: bool
) -> None:
    assert _parser().parse_args(argv).no_iam is not enforced
