"""Handlers run as the Lambda Python runtime runs them: imported from CodeUri, a Lambda-like context,
the result serialised to JSON, errors reported as Lambda reports them."""

from __future__ import annotations

import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.lambda_runtime import LambdaContext, LocalFunction, functions_from_template, prepare_sys_path


@pytest.fixture
def code_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A CodeUri directory with a handler module of a unique name; sys.path and sys.modules restored after."""
    module = f"local_runtime_probe_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(
        textwrap.dedent(
            """
            import decimal
            import threading
            import time

            IMPORTS = 0
            IMPORTS += 1
            SEEN = []

            def handler(event, context):
                SEEN.append(threading.get_ident())
                kind = event.get("kind")
                if kind == "context":
                    return {
                        "function_name": context.function_name,
                        "memory_limit_in_mb": context.memory_limit_in_mb,
                        "invoked_function_arn": context.invoked_function_arn,
                        "aws_request_id": context.aws_request_id,
                        "log_group_name": context.log_group_name,
                        "log_stream_name": context.log_stream_name,
                        "remaining": context.get_remaining_time_in_millis(),
                    }
                if kind == "raise":
                    raise KeyError("missing-thing")
                if kind == "decimal":
                    return {"n": decimal.Decimal("1.5"), "t": (1, 2)}
                if kind == "object":
                    return {"o": object()}
                if kind == "sleep":
                    time.sleep(event["seconds"])
                    return {"remaining": context.get_remaining_time_in_millis()}
                return {"imports": IMPORTS}

            not_callable = 42
            """
        ),
        encoding="utf-8",
    )
    saved_path = list(sys.path)
    yield tmp_path, module
    sys.path[:] = saved_path
    sys.modules.pop(module, None)


def _function(code: tuple[Path, str], attribute: str = "handler", timeout_s: float = 3) -> LocalFunction:
    directory, module = code
    return LocalFunction(
        "ProbeFunction",
        handler=f"{module}.{attribute}",
        code_uri=directory,
        timeout_s=timeout_s,
        memory_mb=512,
    )


def test_given_context_when_time_passes_then_remaining_time_counts_down_to_zero() -> None:
    context = LambdaContext(function_name="f", memory_limit_in_mb=128, timeout_s=0.2, aws_request_id="r")

    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)
    second = context.get_remaining_time_in_millis()
    time.sleep(0.2)

    assert 150 <= first <= 200
    assert second < first
    assert context.get_remaining_time_in_millis() == 0


def test_given_handler_in_code_uri_when_invoked_then_lambda_like_context(code_dir: tuple[Path, str]) -> None:
    invocation = _function(code_dir, timeout_s=25).invoke({"kind": "context"}, request_id="req-42")

    assert invocation.ok
    result = invocation.result
    assert result["function_name"] == "appconnect-local-ProbeFunction"
    assert result["memory_limit_in_mb"] == "512"
    assert (
        result["invoked_function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:appconnect-local-ProbeFunction"
    )
    assert result["aws_request_id"] == "req-42"
    assert result["log_group_name"] == "/aws/lambda/appconnect-local-ProbeFunction"
    assert "[$LATEST]" in result["log_stream_name"]
    assert 24_000 < result["remaining"] <= 25_000


def test_given_handler_when_invoked_many_times_concurrently_then_imported_once(
    code_dir: tuple[Path, str],
) -> None:
    function = _function(code_dir)
    results: list[object] = []

    threads = [threading.Thread(target=lambda: results.append(function.invoke({}).result)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [{"imports": 1}] * 8
    assert len(sys.modules[code_dir[1]].SEEN) == 8


def test_given_handler_raises_when_invoked_then_lambda_error_document(code_dir: tuple[Path, str]) -> None:
    invocation = _function(code_dir).invoke({"kind": "raise"}, request_id="req-1")

    assert not invocation.ok
    assert invocation.error is not None
    payload = invocation.error.payload("req-1")
    assert payload["errorType"] == "KeyError"
    assert "missing-thing" in payload["errorMessage"]
    assert payload["requestId"] == "req-1"
    assert any("handler" in line for line in payload["stackTrace"])


def test_given_decimal_result_when_serialised_then_number_as_the_lambda_runtime_does(
    code_dir: tuple[Path, str],
) -> None:
    assert _function(code_dir).invoke({"kind": "decimal"}).result == {"n": 1.5, "t": [1, 2]}


def test_given_unserialisable_result_when_invoked_then_marshal_error(code_dir: tuple[Path, str]) -> None:
    invocation = _function(code_dir).invoke({"kind": "object"})

    assert invocation.error is not None
    assert invocation.error.error_type == "Runtime.MarshalError"


def test_given_handler_outlives_timeout_when_invoked_then_reported_timed_out(
    code_dir: tuple[Path, str],
) -> None:
    invocation = _function(code_dir, timeout_s=0.1).invoke({"kind": "sleep", "seconds": 0.2})

    assert invocation.error is not None
    assert invocation.error.error_type == "Sandbox.Timedout"
    assert "timed out after 0.10 seconds" in invocation.error.error_message


@pytest.mark.parametrize(
    ("attribute", "error"), [("missing", "AttributeError"), ("not_callable", "AttributeError")]
)
def test_given_bad_handler_name_when_invoked_then_failed_invocation(
    code_dir: tuple[Path, str], attribute: str, error: str
) -> None:
    invocation = _function(code_dir, attribute=attribute).invoke({})

    assert invocation.error is not None
    assert invocation.error.error_type == error


def test_given_real_template_when_functions_read_then_code_uri_timeout_and_memory_from_template() -> None:
    from local.template import cached_template

    found = functions_from_template(cached_template())

    assert found["IsAliveFunction"].code_uri.name == "functions"
    assert found["IsAliveFunction"].handler_spec == "is_alive.handler"
    assert found["IsAliveFunction"].timeout_s == 25
    assert found["IsAliveFunction"].memory_mb == 512
    assert found["TokenRefreshWorkerFunction"].timeout_s == 60


def test_given_real_template_when_sys_path_prepared_then_code_uri_before_layer_before_root() -> None:
    from local import config
    from local.template import cached_template

    saved = list(sys.path)
    try:
        sys.path[:] = [entry for entry in sys.path if not entry.startswith(str(config.ROOT))]
        prepare_sys_path(cached_template())
        ours = [entry for entry in sys.path if entry.startswith(str(config.ROOT))]
    finally:
        sys.path[:] = saved

    assert ours == [
        str(config.ROOT / "functions"),
        str(config.ROOT / "layers" / "appconnect"),
        str(config.ROOT),
    ]
