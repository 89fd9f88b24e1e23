"""Logs are JSON lines that never carry secrets, whatever a log call is handed; metrics are EMF documents."""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace
from typing import Any

import pytest

from appconnect.errors import ConfigurationError
from appconnect.observability import API_GATEWAY_HTTP, Logger, Metrics, MetricUnit, redact
from appconnect.settings import reload

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjEtcGlwZWRyaXZlIn0.c2lnbmF0dXJlLXZhbHVl"


def test_given_jwt_in_text_when_redacted_then_gone() -> None:
    assert JWT not in redact(f"token was {JWT} ok")


def test_given_bearer_header_when_redacted_then_value_gone() -> None:
    assert redact("Authorization: Bearer abc.def-123") == "Authorization: Bearer [REDACTED]"


def test_given_secret_json_members_when_redacted_then_values_gone_and_others_kept() -> None:
    text = json.dumps(
        {
            "accessToken": "at-1",
            "refresh_token": "rt-2",
            "apiKey": "k-3",
            "password": "p",
            "platform": "pipedrive",
        }
    )
    cleaned = json.loads(redact(text))
    assert cleaned == {
        "accessToken": "[REDACTED]",
        "refresh_token": "[REDACTED]",
        "apiKey": "[REDACTED]",
        "password": "[REDACTED]",
        "platform": "pipedrive",
    }


def test_given_credentials_in_a_url_when_redacted_then_gone() -> None:
    assert (
        redact("GET /contact?jwtToken=abc&phoneNumber=1") == "GET /contact?jwtToken=[REDACTED]&phoneNumber=1"
    )


def _logger() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    return Logger(service="observability-test", stream=stream), stream


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_given_logger_when_extra_fields_carry_tokens_then_output_has_none() -> None:
    log, stream = _logger()
    log.info(
        "user logged in", extra={"accessToken": "plain-secret-token", "jwt": JWT, "user": "42-pipedrive"}
    )
    output = stream.getvalue()
    assert "plain-secret-token" not in output
    assert JWT not in output
    assert "42-pipedrive" in output


def test_given_an_api_invocation_when_it_logs_then_each_line_is_json_with_the_lambda_context_and_request_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-6751f0e5-0123456789abcdef01234567;Parent=53995c3f42cd8ad8")
    log, stream = _logger()
    context = SimpleNamespace(
        function_name="find-contact",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:find-contact",
        aws_request_id="c6af9ac6-7b61-11e6-9a41-93e812345678",
    )

    def handler(event: dict[str, Any], context: Any) -> str:
        log.append_keys(operation="findContact")
        log.info("contact found", extra={"matches": 2})
        return "ok"

    wrapped = log.inject_lambda_context(correlation_id_path=API_GATEWAY_HTTP)(handler)
    wrapped({"requestContext": {"requestId": "abc-123"}}, context)
    wrapped({"requestContext": {"requestId": "def-456"}}, context)

    first, second = _lines(stream)
    assert first["level"] == "INFO"
    assert first["message"] == "contact found"
    assert first["location"].startswith("handler:")
    assert first["service"] == "observability-test"
    assert first["cold_start"] is True
    assert second["cold_start"] is False
    assert first["function_request_id"] == "c6af9ac6-7b61-11e6-9a41-93e812345678"
    assert first["function_memory_size"] == 512
    assert first["correlation_id"] == "abc-123"
    assert second["correlation_id"] == "def-456"
    assert first["xray_trace_id"] == "1-6751f0e5-0123456789abcdef01234567"
    assert first["operation"] == "findContact"
    assert first["matches"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000", first["timestamp"])


def test_given_keys_appended_in_one_invocation_when_the_next_logs_then_they_are_gone() -> None:
    log, stream = _logger()

    def first(event: Any, context: Any) -> None:
        log.append_keys(userId="42-pipedrive")
        log.info("one")

    def second(event: Any, context: Any) -> None:
        log.info("two")

    log.inject_lambda_context()(first)({}, None)
    log.inject_lambda_context()(second)({}, None)
    assert "userId" not in _lines(stream)[1]


def test_given_an_exception_when_logged_then_the_line_names_it_and_carries_no_secret_from_its_text() -> None:
    log, stream = _logger()
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        log.exception("unhandled error")
    (line,) = _lines(stream)
    assert line["level"] == "ERROR"
    assert line["exception_name"] == "ValueError"
    assert "Traceback" in line["exception"]
    assert JWT not in stream.getvalue()


def test_given_a_level_of_warning_when_info_is_logged_then_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    reload()
    try:
        log, stream = _logger()
        log.inject_lambda_context()(lambda event, context: log.info("quiet"))({}, None)
        log.warning("loud")
        assert [line["message"] for line in _lines(stream)] == ["loud"]
    finally:
        monkeypatch.undo()
        reload()


def test_given_an_unknown_log_level_when_settings_load_then_the_error_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "LOUD")
    try:
        with pytest.raises(ConfigurationError, match="POWERTOOLS_LOG_LEVEL"):
            reload()
    finally:
        monkeypatch.undo()
        reload()


def _metrics() -> tuple[Metrics, io.StringIO]:
    stream = io.StringIO()
    return Metrics(namespace="AppConnect", service="appconnect", stream=stream), stream


def test_given_metrics_added_in_an_invocation_when_it_returns_then_one_emf_document_carries_them() -> None:
    collected, stream = _metrics()

    def handler(event: Any, context: Any) -> str:
        collected.add_dimension(name="operation", value="findContact")
        collected.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        collected.add_metric(name="CrmCalls", unit=MetricUnit.Count, value=1)
        collected.add_metric(name="CrmCalls", unit=MetricUnit.Count, value=1)
        collected.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=12.5)
        return "ok"

    assert collected.log_metrics()(handler)({}, None) == "ok"
    (document,) = _lines(stream)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "AppConnect"
    assert directive["Dimensions"] == [["service", "operation"]]
    assert directive["Metrics"] == [
        {"Name": "Requests", "Unit": "Count"},
        {"Name": "CrmCalls", "Unit": "Count"},
        {"Name": "Latency", "Unit": "Milliseconds"},
    ]
    assert isinstance(document["_aws"]["Timestamp"], int)
    assert document["service"] == "appconnect"
    assert document["operation"] == "findContact"
    assert document["Requests"] == 1.0
    assert document["CrmCalls"] == [1.0, 1.0]
    assert document["Latency"] == 12.5


def test_given_a_handler_that_raises_when_it_ends_then_its_metrics_are_written_and_cleared() -> None:
    collected, stream = _metrics()

    def failing(event: Any, context: Any) -> None:
        collected.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        collected.log_metrics()(failing)({}, None)
    collected.log_metrics()(lambda event, context: None)({}, None)
    assert len(_lines(stream)) == 1


def test_given_more_than_100_metric_names_when_flushed_then_each_document_holds_at_most_100() -> None:
    collected, stream = _metrics()
    for index in range(150):
        collected.add_metric(name=f"M{index}", unit=MetricUnit.Count, value=1)
    collected.flush()
    sizes = [len(doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for doc in _lines(stream)]
    assert sizes == [100, 50]


def test_given_metrics_disabled_when_flushed_then_nothing_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    reload()
    try:
        collected, stream = _metrics()
        collected.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        collected.flush()
        assert stream.getvalue() == ""
    finally:
        monkeypatch.undo()
        reload()
