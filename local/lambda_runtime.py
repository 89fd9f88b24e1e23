"""Run a template function's handler the way the Lambda Python runtime does.

The module named by ``Handler`` is imported with the function's CodeUri on ``sys.path`` (and the layer's
content after it), lazily and once; each invocation gets a Lambda-like context whose remaining time
counts down from the function's Timeout; the result is serialised to JSON as the runtime does (Decimal
becomes a number; anything else unserialisable is a ``Runtime.MarshalError``).

Local differences, on purpose: all functions share one process and one environment, invocations of the
same function may run concurrently in threads (so races are exercised as with many Lambda instances), and
a function that outlives its Timeout is reported as timed out when it returns rather than killed.
"""

from __future__ import annotations

import decimal
import importlib
import json
import secrets
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local import config, iam
from local.resources import arn, local_name

#: Lambda's limit on a synchronous response payload
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The attributes and method of the Lambda Python runtime's context object."""

    def __init__(
        self,
        *,
        function_name: str,
        memory_limit_in_mb: int,
        timeout_s: float,
        aws_request_id: str,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn("lambda", f"function:{function_name}")
        # the real runtime hands it over as the string it reads from the environment
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.aws_request_id = aws_request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + secrets.token_hex(16)
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(time.time() * 1000 + timeout_s * 1000)

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


@dataclass(frozen=True)
class FunctionError:
    error_type: str
    error_message: str
    stack_trace: list[str]

    def payload(self, request_id: str) -> dict[str, Any]:
        """The error document Lambda returns for an unhandled error."""
        return {
            "errorMessage": self.error_message,
            "errorType": self.error_type,
            "requestId": request_id,
            "stackTrace": self.stack_trace,
        }


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation."""

    function_id: str
    request_id: str
    duration_ms: float
    #: the JSON-decoded result (as API Gateway or the caller would see it); None on error
    result: Any = None
    error: FunctionError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _lambda_json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_from(exc: BaseException) -> FunctionError:
    frames = traceback.format_tb(exc.__traceback__)
    return FunctionError(
        error_type=type(exc).__name__,
        error_message=str(exc),
        stack_trace=[frame.rstrip("\n") for frame in frames],
    )


class LocalFunction:
    """One ``AWS::Serverless::Function`` of the template, loaded on first use."""

    def __init__(
        self,
        logical_id: str,
        *,
        handler: str,
        code_uri: Path,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        function_name: str | None = None,
        policy: iam.Policy | None = None,
    ) -> None:
        self.logical_id = logical_id
        self.handler_spec = handler
        self.code_uri = code_uri
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.function_name = function_name or local_name(logical_id)
        #: the template policy its AWS calls are checked against (None: not checked; see local.iam)
        self.policy = policy
        self._handler: Handler | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._handler is not None

    def load(self) -> Handler:
        """Import the handler (once; a failed import is retried on the next call, as a new cold start)."""
        handler = self._handler
        if handler is not None:
            return handler
        with self._lock:
            if self._handler is None:
                module_name, _, attribute = self.handler_spec.rpartition(".")
                if not module_name:
                    raise ValueError(
                        f"{self.logical_id}: Handler {self.handler_spec!r} is not module.function"
                    )
                code_dir = str(self.code_uri)
                if code_dir not in sys.path:
                    sys.path.insert(0, code_dir)
                # the init phase runs with the function's role too
                with iam.acting_as(self.policy):
                    module = importlib.import_module(module_name.replace("/", "."))
                found = getattr(module, attribute, None)
                if not callable(found):
                    raise AttributeError(f"{self.logical_id}: {module_name} has no callable {attribute!r}")
                self._handler = found
            return self._handler

    def invoke(self, event: Any, *, request_id: str | None = None) -> Invocation:
        request_id = request_id or str(uuid.uuid4())
        started = time.perf_counter()
        try:
            handler = self.load()
            context = LambdaContext(
                function_name=self.function_name,
                memory_limit_in_mb=self.memory_mb,
                timeout_s=self.timeout_s,
                aws_request_id=request_id,
            )
            with iam.acting_as(self.policy):
                raw = handler(event, context)
        except Exception as exc:
            return Invocation(
                self.logical_id, request_id, (time.perf_counter() - started) * 1000, error=_error_from(exc)
            )
        duration_ms = (time.perf_counter() - started) * 1000
        if duration_ms > self.timeout_s * 1000:
            message = f"Task timed out after {self.timeout_s:.2f} seconds"
            return Invocation(
                self.logical_id, request_id, duration_ms, error=FunctionError("Sandbox.Timedout", message, [])
            )
        try:
            payload = json.dumps(raw, default=_lambda_json_default)
        except (TypeError, ValueError) as exc:
            error = FunctionError("Runtime.MarshalError", f"Unable to marshal response: {exc}", [])
            return Invocation(self.logical_id, request_id, duration_ms, error=error)
        if len(payload.encode("utf-8")) > MAX_RESPONSE_BYTES:
            error = FunctionError(
                "Function.ResponseSizeTooLarge",
                "Response payload size exceeded maximum allowed payload size",
                [],
            )
            return Invocation(self.logical_id, request_id, duration_ms, error=error)
        return Invocation(self.logical_id, request_id, duration_ms, result=json.loads(payload))


def functions_from_template(template: dict[str, Any], root: Path = config.ROOT) -> dict[str, LocalFunction]:
    """Logical id -> :class:`LocalFunction` for every function of the template."""
    from local.template import functions

    result = {}
    for spec in functions(template):
        props = spec.properties
        code_uri = (root / (spec.code_uri or ".")).resolve()
        result[spec.logical_id] = LocalFunction(
            spec.logical_id,
            handler=spec.handler,
            code_uri=code_uri,
            timeout_s=float(props.get("Timeout", DEFAULT_TIMEOUT_S)),
            memory_mb=int(props.get("MemorySize", DEFAULT_MEMORY_MB)),
            function_name=str(props["FunctionName"]) if isinstance(props.get("FunctionName"), str) else None,
        )
    return result


def layer_paths(template: dict[str, Any], root: Path = config.ROOT) -> list[Path]:
    """Where the template's layers' content sits locally (``python/`` inside it when the layer has one)."""
    from local.resources import resources_of_type

    paths = []
    for props in resources_of_type(template, "AWS::Serverless::LayerVersion").values():
        content = props.get("ContentUri")
        if not isinstance(content, str):
            continue
        directory = (root / content).resolve()
        python_dir = directory / "python"
        paths.append(python_dir if python_dir.is_dir() else directory)
    return paths


def prepare_sys_path(template: dict[str, Any], root: Path = config.ROOT) -> list[str]:
    """Put the functions' CodeUri directories, then the layers' content, then the repository root (home of
    ``connectors/``, which the layer build copies in) on ``sys.path``, as Lambda orders /var/task and /opt."""
    wanted: list[str] = []
    for function in functions_from_template(template, root).values():
        if str(function.code_uri) not in wanted:
            wanted.append(str(function.code_uri))
    wanted += [str(path) for path in layer_paths(template, root)]
    wanted.append(str(root.resolve()))
    added = []
    for position, path in enumerate(dict.fromkeys(wanted)):
        if path not in sys.path:
            sys.path.insert(position, path)
            added.append(path)
    return added
