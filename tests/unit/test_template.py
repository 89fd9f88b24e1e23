"""template.yaml against the design: routes, handlers, least-privilege access, tables, limits.

The expected data lives in tests/design_operations.py.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from local.resources import Resolver
from local.template import ROOT, FunctionSpec, functions, load_template, tables
from tests.design_operations import (
    API_GATEWAY_INTEGRATION_LIMIT_SECONDS,
    API_OPERATIONS,
    BY_LOGICAL_ID,
    CACHE,
    CACHE_TTL_ATTRIBUTE,
    OPERATIONS,
    TABLE_ATTRIBUTE_TYPES,
    TABLE_KEYS,
    TABLES,
    USERS,
    USERS_TOKEN_EXPIRY_INDEX,
    Operation,
)

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE["Globals"]["Function"]
FUNCTIONS = {spec.logical_id: spec for spec in functions(TEMPLATE)}
SCHEDULER = "TokenRefreshSchedulerFunction"
WORKER = "TokenRefreshWorkerFunction"

# the README's names; parameters that carry secrets never show in the console or in describe-stacks. The
# OAuth client ids are not secret (the manifest hands them out) and stay in the environment; the others
# live in the AppSecrets secret (tests/unit/test_template_safety.py).
SECRET_PARAMETERS = {
    "PipedriveClientId": "PIPEDRIVE_CLIENT_ID",
    "BullhornClientId": "BULLHORN_CLIENT_ID",
}
TABLE_ENVIRONMENT = {
    "USERS_TABLE": "UsersTable",
    "ADMIN_CONFIGS_TABLE": "AdminConfigsTable",
    "CALL_LOGS_TABLE": "CallLogsTable",
    "MESSAGE_LOGS_TABLE": "MessageLogsTable",
    "CACHE_TABLE": "CacheTable",
}


def _function(operation: Operation) -> FunctionSpec:
    return FUNCTIONS[operation.logical_id]


def _timeout(spec: FunctionSpec) -> int:
    return int(spec.properties["Timeout"])


#: resources whose ``!Ref`` is their ARN (a Secrets Manager secret)
REF_IS_ARN = {"AWS::SecretsManager::Secret"}


def _resource_key(resource: Any) -> str:
    """``{"Fn::GetAtt": [X, "Arn"]}`` -> ``X``; ``{"Fn::Sub": "${X.Arn}/index/I"}`` -> ``X/index/I``;
    ``{"Ref": S}`` -> ``S`` for a secret (its ``!Ref`` is its ARN)."""
    if isinstance(resource, dict) and list(resource) == ["Ref"]:
        target = RESOURCES.get(str(resource["Ref"]), {})
        assert target.get("Type") in REF_IS_ARN, f"resource {resource} is not an ARN"
        return str(resource["Ref"])
    if isinstance(resource, dict) and list(resource) == ["Fn::GetAtt"]:
        logical_id, attribute = resource["Fn::GetAtt"]
        assert attribute == "Arn", f"resource {resource} is not an ARN"
        return str(logical_id)
    if isinstance(resource, dict) and list(resource) == ["Fn::Sub"] and isinstance(resource["Fn::Sub"], str):
        match = re.fullmatch(r"\$\{(\w+)\.Arn\}/index/(\w+)", resource["Fn::Sub"])
        assert match, f"resource {resource} is neither a table ARN nor one index ARN"
        return f"{match.group(1)}/index/{match.group(2)}"
    raise AssertionError(
        f"resource {resource!r} must name one template resource's ARN (no wildcard, no literal)"
    )


def granted_access(spec: FunctionSpec) -> dict[str, frozenset[str]]:
    """Resource key -> actions, from the function's inline policy statements (the only kind allowed)."""
    grants: dict[str, set[str]] = {}
    for policy in spec.properties.get("Policies", []) or []:
        assert isinstance(policy, dict), f"{spec.logical_id}: managed policy {policy!r} is not allowed"
        assert set(policy) <= {"Version", "Statement"}, (
            f"{spec.logical_id}: only inline statements are allowed, not managed policies or SAM policy "
            f"templates (they grant Scan and more): {policy!r}"
        )
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}, statement
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for action in actions:
                assert "*" not in action, f"{spec.logical_id}: wildcard action {action}"
            for resource in resources:
                grants.setdefault(_resource_key(resource), set()).update(actions)
    return {key: frozenset(actions) for key, actions in grants.items()}


# --- routes and handlers ------------------------------------------------------------------------------------


def test_given_design_operations_when_template_read_then_there_is_one_function_per_operation_and_no_other():
    assert sorted(FUNCTIONS) == sorted(op.logical_id for op in OPERATIONS)


@pytest.mark.parametrize("operation", API_OPERATIONS, ids=lambda op: op.name)
def test_given_api_operation_when_routed_then_exactly_one_function_serves_its_method_and_path(operation):
    serving = [
        spec.logical_id
        for spec in FUNCTIONS.values()
        for route in spec.routes
        if (route.method, route.path) == (operation.method, operation.path)
    ]
    assert serving == [operation.logical_id]
    spec = _function(operation)
    assert [(route.method, route.path) for route in spec.routes] == [(operation.method, operation.path)]
    assert spec.handler == f"{operation.module}.handler"
    event = spec.events["Api"]
    assert event["Type"] == "HttpApi"
    assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}


def test_given_template_when_routes_listed_then_no_route_is_served_twice():
    routes = Counter((route.method, route.path) for spec in FUNCTIONS.values() for route in spec.routes)
    assert [route for route, count in routes.items() if count > 1] == []


@pytest.mark.parametrize("logical_id", [SCHEDULER, WORKER])
def test_given_scheduled_function_when_template_read_then_it_has_no_http_route(logical_id):
    spec = FUNCTIONS[logical_id]
    assert spec.routes == ()
    assert spec.handler == f"{BY_LOGICAL_ID[logical_id].module}.handler"


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_given_function_when_its_handler_module_imported_then_handler_is_callable(operation):
    spec = _function(operation)
    module_name, _, attribute = spec.handler.rpartition(".")
    assert (ROOT / spec.code_uri / f"{module_name}.py").is_file()
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))


def test_given_functions_when_packaged_then_all_share_codeuri_runtime_architecture_layer_and_tracing():
    assert GLOBAL_FUNCTION["CodeUri"] == "functions/"
    assert GLOBAL_FUNCTION["Runtime"] == "python3.12"
    assert GLOBAL_FUNCTION["Architectures"] == ["x86_64"]
    assert GLOBAL_FUNCTION["Layers"] == [{"Ref": "AppConnectLayer"}]
    assert GLOBAL_FUNCTION["Tracing"] == "Active"
    overridden = {"CodeUri", "Runtime", "Architectures", "Layers", "Tracing"}
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert overridden.isdisjoint(resource["Properties"]), f"{logical_id} overrides a shared setting"


# --- least privilege ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_given_function_when_policies_read_then_it_gets_exactly_its_designed_table_actions(operation):
    grants = {
        key: actions for key, actions in granted_access(_function(operation)).items() if key != "AppSecrets"
    }
    assert grants == operation.expected_grants()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_given_function_that_only_reads_a_table_when_policies_read_then_it_cannot_write_it(operation):
    reads = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    for resource, actions in granted_access(_function(operation)).items():
        if resource in operation.grants and operation.grants[resource] <= reads:
            assert actions <= reads, f"{operation.name} should only read {resource}"


def test_given_any_function_when_policies_read_then_none_may_scan_or_touch_the_whole_account():
    for spec in FUNCTIONS.values():
        for actions in granted_access(spec).values():
            assert "dynamodb:Scan" not in actions


# --- tables and keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_given_table_when_defined_then_keys_match_the_design(table):
    properties = tables(TEMPLATE)[table]
    hash_key, range_key = TABLE_KEYS[table]
    expected_schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        expected_schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    assert properties["KeySchema"] == expected_schema
    attributes = {item["AttributeName"]: item["AttributeType"] for item in properties["AttributeDefinitions"]}
    assert attributes == TABLE_ATTRIBUTE_TYPES[table]


@pytest.mark.parametrize("table", TABLES)
def test_given_table_when_defined_then_it_is_on_demand_encrypted_recoverable_and_retained(table):
    resource = RESOURCES[table]
    properties = resource["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert "TableName" not in properties, (
        "CloudFormation names tables per stack; functions read the name from env"
    )


def test_given_users_table_when_defined_then_scheduler_finds_expiring_tokens_through_a_keys_only_index():
    name, hash_key, range_key, projection = USERS_TOKEN_EXPIRY_INDEX
    (index,) = tables(TEMPLATE)[USERS]["GlobalSecondaryIndexes"]
    assert index == {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": projection},
    }


def test_given_cache_table_when_defined_then_items_expire_by_their_ttl_attribute():
    assert tables(TEMPLATE)[CACHE]["TimeToLiveSpecification"] == {
        "AttributeName": CACHE_TTL_ATTRIBUTE,
        "Enabled": True,
    }
    for table in set(TABLES) - {CACHE}:
        assert "TimeToLiveSpecification" not in tables(TEMPLATE)[table]


def test_given_functions_when_configured_then_table_names_and_token_key_come_from_the_stack():
    variables = GLOBAL_FUNCTION["Environment"]["Variables"]
    for name, table in TABLE_ENVIRONMENT.items():
        assert variables[name] == {"Ref": table}
    assert variables["TOKEN_KMS_KEY_ID"] == {"Ref": "TokenEncryptionKey"}


def test_given_token_key_when_defined_then_it_rotates_and_the_account_administers_it():
    key = RESOURCES["TokenEncryptionKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    (statement,) = key["Properties"]["KeyPolicy"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    alias = RESOURCES["TokenEncryptionKeyAlias"]
    assert alias["Properties"]["TargetKeyId"] == {"Ref": "TokenEncryptionKey"}


# --- limits and scheduled refresh ---------------------------------------------------------------------------


@pytest.mark.parametrize("operation", API_OPERATIONS, ids=lambda op: op.name)
def test_given_api_function_when_configured_then_it_times_out_before_api_gateway_gives_up(operation):
    assert _timeout(_function(operation)) < API_GATEWAY_INTEGRATION_LIMIT_SECONDS


def test_given_refresh_queue_when_configured_then_no_message_is_redelivered_while_a_worker_holds_it():
    queue = RESOURCES["TokenRefreshQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * _timeout(FUNCTIONS[WORKER])
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["TokenRefreshDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 3,
    }
    assert RESOURCES["TokenRefreshDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"


def test_given_worker_when_batch_partly_fails_then_only_failed_messages_return_to_the_queue():
    (event,) = FUNCTIONS[WORKER].events.values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["TokenRefreshQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_given_default_parameters_when_deployed_then_the_refresh_schedule_runs_every_5_minutes():
    (event,) = FUNCTIONS[SCHEDULER].events.values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == "rate(5 minutes)"
    condition = event["Properties"]["State"]["Fn::If"]
    assert condition == ["TokenRefreshScheduleIsEnabled", "ENABLED", "DISABLED"]
    assert TEMPLATE["Conditions"]["TokenRefreshScheduleIsEnabled"] == {
        "Fn::Equals": [{"Ref": "TokenRefreshScheduleEnabled"}, "true"]
    }
    assert TEMPLATE["Parameters"]["TokenRefreshScheduleEnabled"]["Default"] == "true"
    own_environment = RESOURCES[SCHEDULER]["Properties"]["Environment"]["Variables"]
    # the period the scheduler looks ahead by is the schedule's own
    assert own_environment == {
        "TOKEN_REFRESH_QUEUE_URL": {"Ref": "TokenRefreshQueue"},
        "TOKEN_REFRESH_PERIOD_S": "300",
    }


def test_given_the_refresh_worker_when_deployed_then_paced_and_alarmed():
    (event,) = FUNCTIONS[WORKER].events.values()
    assert event["Properties"]["ScalingConfig"] == {
        "MaximumConcurrency": {"Ref": "TokenRefreshMaxConcurrency"}
    }
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    alarms = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {(a["Namespace"], a["MetricName"]) for a in alarms.values() if "MetricName" in a}
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched  # the dead-letter queue
    assert ("AWS/SQS", "ApproximateAgeOfOldestMessage") in watched  # the backlog
    assert ("AppConnect", "SessionsRevoked") in watched


# --- API, layer, parameters, outputs ------------------------------------------------------------------------


def test_given_extension_when_calling_cross_origin_then_cors_allows_it_and_exposes_the_refreshed_jwt():
    api = RESOURCES["HttpApi"]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    assert api["Properties"]["CorsConfiguration"] == {
        "AllowOrigins": ["*"],
        "AllowMethods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "AllowHeaders": [
            "Authorization",
            "Content-Type",
            "X-RC-Access-Token",
            "rc-extension-id",  # the extension's analytics headers, on every call
            "rc-account-id",
            "developer-author-name",
        ],
        "ExposeHeaders": ["x-refreshed-jwt-token"],
    }
    for spec in FUNCTIONS.values():
        for event in spec.events.values():
            # HttpApi events default to payload format 2.0; nothing may ask for 1.0.
            assert event["Properties"].get("PayloadFormatVersion", "2.0") == "2.0"


def test_given_layer_when_built_then_its_makefile_target_packs_python312_code():
    layer = RESOURCES["AppConnectLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    makefile = Path(ROOT, layer["Properties"]["ContentUri"], "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build-AppConnectLayer:", makefile, re.MULTILINE)
    assert "compileall" in makefile
    assert "--python-version 3.12" in makefile


@pytest.mark.parametrize(("parameter", "variable"), SECRET_PARAMETERS.items())
def test_given_secret_parameter_when_deployed_then_it_is_hidden_and_reaches_functions_by_its_design_name(
    parameter, variable
):
    assert TEMPLATE["Parameters"][parameter]["NoEcho"] is True
    assert GLOBAL_FUNCTION["Environment"]["Variables"][variable] == {"Ref": parameter}


def test_given_default_parameters_when_deployed_then_lambda_traces_but_tracer_subsegments_are_opt_in():
    # Lambda's own trace of every invocation costs nothing at import; Powertools Tracer's subsegments need
    # the X-Ray SDK (0.1 to 0.2 s of every cold start), so they wait for TraceSubsegments=true.
    assert GLOBAL_FUNCTION["Tracing"] == "Active"
    parameter = TEMPLATE["Parameters"]["TraceSubsegments"]
    assert parameter["Default"] == "false"
    assert parameter["AllowedValues"] == ["true", "false"]
    assert TEMPLATE["Conditions"]["TraceSubsegmentsAreOn"] == {
        "Fn::Equals": [{"Ref": "TraceSubsegments"}, "true"]
    }
    variable = GLOBAL_FUNCTION["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"]
    assert variable == {"Fn::If": ["TraceSubsegmentsAreOn", "false", "true"]}
    defaults = {name: str(p.get("Default", "x" * 32)) for name, p in TEMPLATE["Parameters"].items()}
    for value, disabled in (("false", "true"), ("true", "false")):
        resolver = Resolver(TEMPLATE, parameters={**defaults, "TraceSubsegments": value}, resources={})
        assert resolver.resolve(variable) == disabled
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::Function":
            own = (resource["Properties"].get("Environment") or {}).get("Variables") or {}
            assert "POWERTOOLS_TRACE_DISABLED" not in own, f"{logical_id} overrides the tracing switch"


def test_given_functions_when_configured_then_powertools_names_the_service_and_metrics_namespace():
    variables = GLOBAL_FUNCTION["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "appconnect"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "AppConnect"
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert TEMPLATE["Parameters"]["RingCentralServer"]["Default"] == "https://platform.ringcentral.com"


def test_given_deployed_stack_when_outputs_read_then_the_api_url_and_table_names_are_there():
    outputs = TEMPLATE["Outputs"]
    assert outputs["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    for table in TABLES:
        assert outputs[f"{table}Name"]["Value"] == {"Ref": table}
