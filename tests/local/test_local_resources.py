"""The local stack's reading of template.yaml: intrinsic functions, table definitions, the functions'
environment and the development configuration."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest

from local import config
from local.aws import table_request
from local.resources import (
    PhysicalResource,
    Resolver,
    UnresolvableError,
    http_api_cors,
    local_parameters,
    merged_function_environment,
    parameter_env_names,
    queue_triggers,
    resources_of_type,
    schedule_triggers,
)
from local.template import cached_template

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "JwtSecret": {"Type": "String", "NoEcho": True},
        "Greeting": {"Type": "String", "Default": "hello"},
        "Flag": {"Type": "String", "Default": "true"},
    },
    "Conditions": {"FlagOn": {"Fn::Equals": [{"Ref": "Flag"}, "true"]}},
    "Globals": {
        "Function": {
            "Environment": {
                "Variables": {
                    "USERS_TABLE": {"Ref": "UsersTable"},
                    "APP_SERVER_SECRET_KEY": {"Ref": "JwtSecret"},
                    "GREETING": {"Ref": "Greeting"},
                }
            }
        }
    },
    "Resources": {
        "UsersTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "One": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "one.handler",
                "Environment": {"Variables": {"QUEUE_URL": {"Ref": "Queue"}, "SHARED": "a"}},
                "Events": {
                    "Queue": {
                        "Type": "SQS",
                        "Properties": {
                            "Queue": {"Fn::GetAtt": ["Queue", "Arn"]},
                            "BatchSize": 5,
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                        },
                    }
                },
            },
        },
        "Two": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "two.handler",
                "Environment": {"Variables": {"SHARED": "b", "GONE": {"Ref": "AWS::NoValue"}}},
                "Events": {"Tick": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)"}}},
            },
        },
    },
}

RESOURCES = {
    "UsersTable": PhysicalResource(
        "local-Users", {"Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/local-Users"}
    ),
    "Queue": PhysicalResource("http://127.0.0.1:1/123456789012/local-Queue", {"Arn": "arn:queue"}),
}


def _resolver(parameters: dict[str, str] | None = None) -> Resolver:
    return Resolver(
        TEMPLATE,
        parameters=parameters or {"JwtSecret": "s", "Greeting": "hi", "Flag": "true"},
        resources=RESOURCES,
    )


def test_given_intrinsics_when_resolved_then_local_values() -> None:
    resolver = _resolver()

    assert resolver.resolve({"Ref": "UsersTable"}) == "local-Users"
    assert resolver.resolve({"Fn::GetAtt": ["UsersTable", "Arn"]}).endswith(":table/local-Users")
    assert resolver.resolve({"Fn::GetAtt": "Queue.Arn"}) == "arn:queue"
    assert resolver.resolve({"Ref": "Greeting"}) == "hi"
    assert resolver.resolve({"Fn::Sub": "${AWS::StackName}-${UsersTable}-${!Literal}"}) == (
        "appconnect-local-local-Users-${Literal}"
    )
    assert resolver.resolve(
        {"Fn::Sub": ["${X}/index/${UsersTable.Arn}", {"X": {"Ref": "Greeting"}}]}
    ).startswith("hi/index/arn:")
    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Greeting"}]]}) == "a-hi"
    assert resolver.resolve({"Fn::If": ["FlagOn", "ENABLED", "DISABLED"]}) == "ENABLED"
    assert resolver.resolve({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}]}) == {"b": [1]}


def test_given_resource_not_created_locally_when_referenced_then_placeholder_naming_it() -> None:
    resolver = _resolver()

    assert resolver.resolve({"Ref": "Logs"}) == "appconnect-local-Logs"
    assert resolver.resolve({"Fn::GetAtt": ["Logs", "Arn"]}) == "local:Logs.Arn"


def test_given_reference_to_missing_resource_when_resolved_then_clear_error() -> None:
    with pytest.raises(UnresolvableError, match="Missing"):
        _resolver().resolve({"Ref": "Missing"})


def test_given_template_when_parameters_resolved_then_dev_secret_default_or_dev_value() -> None:
    secrets = {"APP_SERVER_SECRET_KEY": "generated"}

    parameters = local_parameters(TEMPLATE, secrets)

    assert parameters == {"JwtSecret": "generated", "Greeting": "hello", "Flag": "true"}
    assert parameter_env_names(TEMPLATE)["JwtSecret"] == ["APP_SERVER_SECRET_KEY"]


def test_given_functions_with_own_environment_when_merged_then_union_with_conflicts_reported() -> None:
    merged = merged_function_environment(TEMPLATE, _resolver())

    assert merged.values["USERS_TABLE"] == "local-Users"
    assert merged.values["QUEUE_URL"] == "http://127.0.0.1:1/123456789012/local-Queue"
    assert merged.values["APP_SERVER_SECRET_KEY"] == "s"
    assert "GONE" not in merged.values
    assert merged.conflicts == ("SHARED",)
    assert merged.resource_backed == ("QUEUE_URL", "USERS_TABLE")


def test_given_event_sources_when_read_then_queue_and_schedule_triggers() -> None:
    (queue,) = queue_triggers(TEMPLATE)
    (schedule,) = schedule_triggers(TEMPLATE)

    assert (queue.function_id, queue.queue_id, queue.batch_size, queue.report_batch_item_failures) == (
        "One",
        "Queue",
        5,
        True,
    )
    assert (schedule.function_id, schedule.event_type, schedule.expression) == (
        "Two",
        "Schedule",
        "rate(5 minutes)",
    )


def test_given_real_template_when_read_then_every_table_translates_to_create_table_with_its_own_schema() -> (
    None
):
    for logical_id, props in resources_of_type(cached_template(), "AWS::DynamoDB::Table").items():
        request = table_request(f"local-{logical_id}", props)

        assert request.create["TableName"] == f"local-{logical_id}"
        assert request.create["KeySchema"] == props["KeySchema"]
        assert request.create["AttributeDefinitions"] == props["AttributeDefinitions"]
        assert request.create.get("GlobalSecondaryIndexes", []) == props.get("GlobalSecondaryIndexes", [])
        assert "PointInTimeRecoverySpecification" not in request.create
        assert request.point_in_time_recovery == bool(props.get("PointInTimeRecoverySpecification"))


def test_given_cloudformation_table_properties_when_translated_then_api_shapes() -> None:
    request = table_request(
        "t",
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True},
            "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
            "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
            "DeletionProtectionEnabled": True,
            "TableName": "ignored",
        },
    )

    assert request.create["TableName"] == "t"
    assert request.create["SSESpecification"] == {"Enabled": True}
    assert request.create["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert "DeletionProtectionEnabled" not in request.create
    assert "TimeToLiveSpecification" not in request.create
    assert request.time_to_live == {"AttributeName": "ttl", "Enabled": True}


def test_given_real_template_when_cors_read_then_any_origin_and_refreshed_jwt_exposed() -> None:
    cors = http_api_cors(cached_template())

    assert cors is not None
    assert cors["AllowOrigins"] == ["*"]
    assert "x-refreshed-jwt-token" in cors["ExposeHeaders"]


# -- configuration ------------------------------------------------------------------------------------------


def test_given_no_state_when_dev_secrets_requested_then_generated_once_and_kept_private(
    tmp_path: Path,
) -> None:
    first = config.dev_secrets(tmp_path)
    second = config.dev_secrets(tmp_path)

    assert first == second
    assert set(first) == set(config.GENERATED_SECRETS)
    assert len(first["APP_SERVER_SECRET_KEY"]) >= 32
    assert len(first["HASH_KEY"]) >= 32
    assert len(base64.b64decode(first["TOKEN_ENCRYPTION_LOCAL_KEY"])) == 32
    mode = stat.S_IMODE((tmp_path / "dev-secrets.json").stat().st_mode)
    assert mode == 0o600


def _environment(shell: dict[str, str]) -> config.FunctionEnvironment:
    return config.function_environment(
        {"USERS_TABLE": "local-Users", "PIPEDRIVE_CLIENT_ID": "dev-client"},
        aws_endpoint_url="http://127.0.0.1:8000",
        sandbox_url="http://127.0.0.1:8100",
        api_url="http://127.0.0.1:3000",
        secrets_={"HASH_KEY": "h" * 40},
        shell=shell,
        resource_backed=("USERS_TABLE",),
    )


def test_given_local_stack_when_environment_built_then_aws_local_and_connectors_at_sandboxes() -> None:
    env = _environment({}).values

    assert env["DYNAMODB_ENDPOINT_URL"] == "http://127.0.0.1:8000"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:8000"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["APPCONNECT_STAGE"] == "local"
    assert env["USERS_TABLE"] == "local-Users"
    assert env["HASH_KEY"] == "h" * 40
    assert env["APP_SERVER"] == "http://127.0.0.1:3000"
    assert env["PIPEDRIVE_API_URL"] == "http://127.0.0.1:8100/pipedrive"
    assert env["PIPEDRIVE_COMPANY_URL"] == "http://127.0.0.1:8100/pipedrive"
    assert env["RINGCENTRAL_SERVER"] == "http://127.0.0.1:8100/ringcentral"
    assert env["REDTAIL_API_URL"] == "http://127.0.0.1:8100/redtail"
    for crm in ("PIPEDRIVE", "BULLHORN", "INSIGHTLY", "REDTAIL"):
        assert "127.0.0.1" in env[f"{crm}_ALLOWED_HOSTS"].split(",")


def test_given_shell_values_when_environment_built_then_they_win_except_local_aws_and_resources() -> None:
    result = _environment(
        {
            "PIPEDRIVE_CLIENT_ID": "my-real-client",
            "DYNAMODB_ENDPOINT_URL": "https://dynamodb.us-east-1.amazonaws.com",
            "AWS_ENDPOINT_URL": "https://example.invalid",
            "USERS_TABLE": "prod-Users",
        }
    )

    assert result.values["PIPEDRIVE_CLIENT_ID"] == "my-real-client"
    assert result.values["USERS_TABLE"] == "local-Users"
    assert result.values["DYNAMODB_ENDPOINT_URL"] == "http://127.0.0.1:8000"
    assert result.values["AWS_ENDPOINT_URL"] == "http://127.0.0.1:8000"
    assert result.from_shell == ("PIPEDRIVE_CLIENT_ID",)


def test_given_port_variables_when_read_then_ports_or_clear_error() -> None:
    assert config.ports_from_env({}) == config.Ports(3000, 8000, 8100)
    assert config.ports_from_env(
        {"PORT": "3100", "DYNAMODB_PORT": "0", "SANDBOX_PORT": " 8200 "}
    ) == config.Ports(3100, 0, 8200)
    with pytest.raises(SystemExit, match="PORT"):
        config.ports_from_env({"PORT": "http"})


def test_given_connectors_when_local_environment_built_then_every_url_and_host_setting_is_local() -> None:
    """Each connector's ``*_URL`` and ``ALLOWED_HOSTS`` settings get a local value (so no local request
    reaches a real CRM), and the local host patterns keep the CRM's own."""
    from appconnect.connector.registry import get_connector, known_platforms

    env = config.connector_environment("http://127.0.0.1:8100", "http://127.0.0.1:3000")
    for platform in known_platforms():
        connector = get_connector(platform)
        for name, default in connector.settings.items():
            variable = f"{platform.upper()}_{name}"
            if name.endswith("_URL"):
                assert env.get(variable, "").startswith("http://127.0.0.1:8100/"), variable
            if name == "ALLOWED_HOSTS":
                assert env[variable].startswith(default), variable


@pytest.mark.parametrize("crm", ["pipedrive", "bullhorn"])
def test_given_sandbox_oauth_client_when_compared_then_dev_values_match(crm: str) -> None:
    import importlib

    module = importlib.import_module(f"local.sandbox.{crm}")
    if not hasattr(module, "CLIENT_ID"):
        pytest.skip(f"the {crm} sandbox declares no OAuth client yet")

    assert config.DEV_PARAMETER_VALUES[f"{crm.upper()}_CLIENT_ID"] == module.CLIENT_ID
    assert config.DEV_PARAMETER_VALUES[f"{crm.upper()}_CLIENT_SECRET"] == module.CLIENT_SECRET
