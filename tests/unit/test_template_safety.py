"""template.yaml is safe by default (issue 16, item 6): secrets in Secrets Manager, logs kept a bounded time,
alarms to one SNS topic, API throttling, bounded concurrency where a CRM's rate limit needs it, a dashboard.

Each point is read off the parsed template; `make validate` (cfn-lint) checks the rest of its syntax.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

from appconnect import settings
from appconnect.errors import CrmError
from local.resources import environment_variables, secret_keys
from local.template import ROOT, functions, load_template
from tests.design_operations import OPERATIONS

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
FUNCTION_IDS = sorted(spec.logical_id for spec in functions(TEMPLATE))
LAYER = ROOT / "layers" / "appconnect" / "appconnect"
SCHEDULER = "TokenRefreshSchedulerFunction"
WORKER = "TokenRefreshWorkerFunction"
ALARM_ACTIONS = [{"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}]
TABLES = ("UsersTable", "AdminConfigsTable", "CallLogsTable", "MessageLogsTable", "CacheTable")

#: secret parameter -> the setting it becomes, a key of the AppSecrets JSON document
SECRETS = {
    "JwtSecret": "APP_SERVER_SECRET_KEY",
    "HashKey": "HASH_KEY",
    "PipedriveClientSecret": "PIPEDRIVE_CLIENT_SECRET",
    "BullhornClientSecret": "BULLHORN_CLIENT_SECRET",
    "RedtailApiKey": "REDTAIL_API_KEY",
}


def _of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == resource_type}


def _refs(value: Any) -> set[str]:
    """Every name ``value`` refers to through ``Ref`` or ``${...}`` (parameters and resources)."""
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value)) if value else set()
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            if key == "Ref":
                found.add(str(item))
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", str(text))}
                found |= _refs(item[1:] if isinstance(item, list) else [])
            else:
                found |= _refs(item)
        return found
    return set()


def _connector_secret_settings() -> set[str]:
    """``<PLATFORM>_<NAME>`` of every connector setting the server reads as a secret."""
    import connectors
    from appconnect.connector.base import Connector

    for module in pkgutil.iter_modules(connectors.__path__):
        if module.ispkg:
            importlib.import_module(f"connectors.{module.name}.connector")
    names = set()
    pending = list(Connector.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        for name in cls.settings:
            full = f"{cls.platform.upper()}_{name}"
            if cls.platform and settings.is_secret(full):
                names.add(full)
    return names


# --- secrets ------------------------------------------------------------------------------------------------


def test_given_the_stack_when_deployed_then_every_secret_is_one_key_of_the_secrets_manager_secret():
    secret = RESOURCES["AppSecrets"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret_keys(TEMPLATE) == {setting: parameter for parameter, setting in SECRETS.items()}
    # the JSON document is what appconnect.secrets parses: valid JSON once the parameters are filled in
    text = secret["Properties"]["SecretString"]["Fn::Sub"]
    filled = re.sub(r"\$\{(\w+)\}", lambda m: f"value-of-{m.group(1)}", text)
    assert json.loads(filled) == {setting: f"value-of-{p}" for p, setting in SECRETS.items()}


def test_given_the_secret_when_the_stack_is_deleted_then_it_is_retained_with_the_tables():
    # without HASH_KEY the hashed ids the retained tables hold could never be matched again
    assert RESOURCES["AppSecrets"]["DeletionPolicy"] == "Retain"
    assert RESOURCES["AppSecrets"]["UpdateReplacePolicy"] == "Retain"


def test_given_every_setting_the_server_reads_as_a_secret_when_deployed_then_the_secret_holds_it():
    in_secret = set(secret_keys(TEMPLATE))
    assert set(settings.SECRET_NAMES) <= in_secret
    assert _connector_secret_settings() <= in_secret
    assert all(settings.is_secret(name) for name in in_secret)


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_given_a_function_when_its_environment_is_read_then_it_holds_the_secrets_name_never_a_value(
    function_id,
):
    variables = environment_variables(TEMPLATE)[function_id]
    assert variables["APPCONNECT_SECRETS_ID"] == {"Ref": "AppSecrets"}
    assert not (_refs(list(variables.values())) & set(SECRETS)), "a secret parameter reaches the environment"
    assert not [name for name in variables if settings.is_secret(name)]


@pytest.mark.parametrize("parameter", SECRETS)
def test_given_a_secret_parameter_when_deployed_then_it_is_hidden_and_cannot_break_the_json(parameter):
    definition = PARAMETERS[parameter]
    assert definition["NoEcho"] is True
    pattern = definition["AllowedPattern"]
    assert re.fullmatch(pattern, "0123456789abcdef" * 4)
    for bad in ('abc"def' * 6, "abc\\def" * 6, "abc def" * 6):
        assert not re.fullmatch(pattern, bad), bad


@pytest.mark.parametrize("parameter", ["JwtSecret", "HashKey"])
def test_given_the_jwt_or_hash_key_when_typed_then_fewer_than_32_characters_are_refused(parameter):
    definition = PARAMETERS[parameter]
    assert int(definition["MinLength"]) >= 32
    assert "Default" not in definition


def test_given_functions_that_verify_a_users_jwt_when_deployed_then_each_may_read_exactly_the_secret():
    readers = set()
    for spec in functions(TEMPLATE):
        for policy in spec.properties.get("Policies", []) or []:
            for statement in policy["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                if any(a.startswith("secretsmanager:") for a in actions):
                    assert actions == ["secretsmanager:GetSecretValue"]
                    assert statement["Resource"] == {"Ref": "AppSecrets"}
                    readers.add(spec.logical_id)
    # every function that works on the tables verifies a JWT, hashes a RingCentral id with HASH_KEY or calls a
    # CRM with the app's client secret; the scheduler (an index query, a queue) and the table-less health,
    # manifest and redirect functions never read a secret
    expected = {op.logical_id for op in OPERATIONS if op.grants and op.logical_id != SCHEDULER}
    assert readers == expected
    assert SCHEDULER not in readers
    assert "IsAliveFunction" not in readers


# --- logs ---------------------------------------------------------------------------------------------------


def test_given_every_log_group_when_deployed_then_it_is_kept_log_retention_days():
    groups = _of_type("AWS::Logs::LogGroup")
    named = {}
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        named[str(group["Properties"].get("LogGroupName", {}).get("Fn::Sub", ""))] = name
    for function_id in FUNCTION_IDS:
        assert f"/aws/lambda/${{{function_id}}}" in named, f"{function_id} has no log group with a retention"
    access_log = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]["DestinationArn"]
    assert access_log["Fn::GetAtt"][0] in groups
    assert PARAMETERS["LogRetentionDays"]["Default"] == 30


# --- alarms -------------------------------------------------------------------------------------------------


def _metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return [
            {
                "Namespace": props["Namespace"],
                "MetricName": props["MetricName"],
                "Dimensions": props.get("Dimensions", []),
            }
        ]
    return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]


def test_given_any_alarm_when_it_fires_then_it_notifies_the_topic_the_parameter_names_or_the_stacks_own():
    alarms = _of_type("AWS::CloudWatch::Alarm")
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == ALARM_ACTIONS, name
        # CloudWatch allows at most 10 metrics in an alarm's math expression
        assert len(_metric_stats(alarm)) <= 10, name
    assert RESOURCES["AlarmTopic"]["Condition"] == "CreateAlarmTopic"
    assert TEMPLATE["Conditions"]["CreateAlarmTopic"] == {"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}
    assert PARAMETERS["AlarmTopicArn"]["Default"] == ""


def test_given_the_api_when_over_5_percent_of_answers_are_5xx_then_an_alarm_fires():
    alarm = RESOURCES["ApiServerErrorRateAlarm"]["Properties"]
    metrics = {m["MetricName"]: m for m in _metric_stats(RESOURCES["ApiServerErrorRateAlarm"])}
    assert set(metrics) == {"5xx", "Count"}
    for metric in metrics.values():
        assert metric["Namespace"] == "AWS/ApiGateway"
        assert metric["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    (expression,) = [m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData")]
    assert "100 * errors / requests" in expression
    assert alarm["Threshold"] == 5
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_given_a_function_when_it_fails_or_is_throttled_then_its_alarm_fires(function_id):
    alarm = RESOURCES[f"{function_id}ErrorsAlarm"]
    metrics = {m["MetricName"]: m for m in _metric_stats(alarm)}
    assert set(metrics) == {"Errors", "Throttles"}
    for metric in metrics.values():
        assert metric["Namespace"] == "AWS/Lambda"
        assert metric["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
    assert alarm["Properties"]["Threshold"] == 0


def test_given_a_refresh_message_when_dead_lettered_then_an_alarm_fires():
    (metric,) = _metric_stats(RESOURCES["TokenRefreshDeadLetterAlarm"])
    assert metric["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert metric["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["TokenRefreshDeadLetterQueue", "QueueName"]}
    assert RESOURCES["TokenRefreshDeadLetterAlarm"]["Properties"]["Threshold"] == 0


def _crm_error_names() -> set[str]:
    importlib.import_module("appconnect.oauth")
    _connector_secret_settings()  # imports every connector, and so its own errors
    names, pending = {CrmError.__name__}, list(CrmError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        names.add(cls.__name__)
    return names


def test_given_token_refreshes_failing_for_any_reason_when_counted_then_an_alarm_sums_every_reason():
    # appconnect.scheduled counts TokenRefreshFailedCrm (a session renewal) and TokenRefreshFailed<the
    # CrmError's class name>; an error class no alarm lists would fail unwatched
    source = (LAYER / "scheduled.py").read_text(encoding="utf-8")
    assert 'name="TokenRefreshFailedCrm"' in source
    assert 'name=f"TokenRefreshFailed{type(error).__name__}"' in source
    alarms = [RESOURCES["TokenRefreshFailuresAlarm"], RESOURCES["TokenRefreshRefusedAlarm"]]
    watched = {m["MetricName"] for alarm in alarms for m in _metric_stats(alarm)}
    expected = {"TokenRefreshFailedCrm"} | {f"TokenRefreshFailed{name}" for name in _crm_error_names()}
    expected.discard("TokenRefreshFailedSessionRenewalFailed")  # counted as TokenRefreshFailedCrm
    assert watched == expected
    for alarm in alarms:
        for metric in _metric_stats(alarm):
            # the worker's metrics carry the service dimension only (no operation)
            assert metric["Namespace"] == "AppConnect"
            assert metric["Dimensions"] == [{"Name": "service", "Value": "appconnect"}]
        metrics = alarm["Properties"]["Metrics"]
        (expression,) = [m["Expression"] for m in metrics if m.get("ReturnData")]
        assert all(f"FILL({m['Id']}, 0)" in expression for m in metrics if "MetricStat" in m)


@pytest.mark.parametrize("table", TABLES)
def test_given_a_table_when_dynamodb_throttles_it_then_an_alarm_fires(table):
    (metric,) = _metric_stats(RESOURCES[f"{table}ThrottlesAlarm"])
    assert (metric["Namespace"], metric["MetricName"]) == ("AWS/DynamoDB", "ThrottledRequests")
    assert metric["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": table}}]


# --- throttling and concurrency -----------------------------------------------------------------------------


def test_given_the_http_api_when_flooded_then_its_default_route_throttles_at_the_parameters_rates():
    route = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert route == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    assert PARAMETERS["ApiThrottlingRateLimit"]["Default"] > 0
    assert PARAMETERS["ApiThrottlingBurstLimit"]["Default"] >= PARAMETERS["ApiThrottlingRateLimit"]["Default"]


def test_given_the_refresh_functions_when_deployed_then_their_concurrency_is_reserved_and_bounded():
    worker = RESOURCES[WORKER]["Properties"]
    assert worker["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReserveConcurrencyIsOn", {"Ref": "TokenRefreshMaxConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    # the event source never asks for more workers than are reserved (or SQS messages would be throttled)
    (event,) = worker["Events"].values()
    assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "TokenRefreshMaxConcurrency"}
    assert RESOURCES[SCHEDULER]["Properties"]["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReserveConcurrencyIsOn", 1, {"Ref": "AWS::NoValue"}]
    }
    assert PARAMETERS["ReserveConcurrency"]["Default"] == "true"


# --- dashboard ----------------------------------------------------------------------------------------------


def _emitted_metric_names() -> set[str]:
    """Every metric name the layer writes (an f-string name by its constant prefix)."""
    names = set()
    for path in LAYER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'add_metric\(\s*name=f?"([A-Za-z]+)', text))
        names |= set(re.findall(r'"((?:Server|Client)Errors)"', text))
    return names


def test_given_the_dashboard_when_opened_then_it_graphs_every_metric_the_server_writes():
    dashboard = RESOURCES["Dashboard"]["Properties"]
    body = dashboard["DashboardBody"]["Fn::Sub"]
    document = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    expressions = " ".join(
        metric[0]["expression"]
        for widget in document["widgets"]
        for metric in widget["properties"]["metrics"]
    )
    emitted = _emitted_metric_names()
    assert {"Requests", "ClientErrors", "ServerErrors", "Latency", "CrmCalls", "TokensRefreshed"} <= emitted
    exact = set(re.findall(r'MetricName="(\w+)"', expressions))  # MetricName="X": X only
    partial = set(re.findall(r"MetricName=(\w+)", expressions))  # MetricName=X: every name starting so
    for name in emitted:
        assert name in exact or any(name.startswith(p) for p in partial), f"{name} is not on the dashboard"
    assert "AppConnect" in expressions


def test_given_the_operations_guide_when_read_then_it_names_every_new_parameter():
    guide = Path(ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for parameter in (
        "LogRetentionDays",
        "AlarmTopicArn",
        "AlarmEmail",
        "ApiThrottlingRateLimit",
        "ApiThrottlingBurstLimit",
        "ReserveConcurrency",
    ):
        assert f"`{parameter}`" in guide, parameter
