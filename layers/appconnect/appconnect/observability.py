"""Structured logs, CloudWatch metrics and (opt-in) tracing, configured once for every function.

Logs are one JSON object per line on stdout, with the keys Powertools Logger writes (``level``,
``location``, ``message``, ``timestamp``, ``service``, the Lambda context's ``cold_start``,
``function_name``, ``function_memory_size``, ``function_arn``, ``function_request_id``, the API Gateway
request id as ``correlation_id``, ``xray_trace_id``), then the keys a handler appended and the call's
``extra``. Whatever a record carries passes through :func:`redact` after serialisation, so a JWT, a
bearer token or a value under a secret-looking key never reaches CloudWatch even if a careless
``logger.info(...)`` includes it.

Metrics are CloudWatch embedded metric format (EMF) documents printed when a handler returns: namespace
``AppConnect``, dimensions ``service`` and whatever the handler added (``operation``).

Both are written here on the standard library rather than with Powertools Logger and Metrics: those two
cost 8 to 10 ms of every cold start (``aws_lambda_powertools`` imports its Logger, Metrics and Tracer,
and typing_extensions, whichever one is used), a third of what a handler adds to the floor of
``pynamodb`` and ``requests`` (docs/performance.md, "Cold start"). The X-Ray tracer stays Powertools',
created only when tracer subsegments are on.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from appconnect.settings import get_settings, xray_trace_header

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = "appconnect"
NAMESPACE = "AppConnect"
REDACTED = "[REDACTED]"
#: where API Gateway's HTTP API (payload 2.0) puts its request id, the correlation id of an API call
API_GATEWAY_HTTP = "requestContext.requestId"

_SECRET_KEY = r"(?:[a-z_]*token|[a-z_]*secret|password|api_?key|authorization|bhresttoken|code|credentials?)"

Handler = TypeVar("Handler", bound=Callable[..., Any])


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The redaction patterns, compiled by the first log line (about 1.5 ms a cold start need not pay when
    its first request logs nothing)."""
    return (
        # a JSON member whose key looks secret: "accessToken": "abc" -> "accessToken": "[REDACTED]"
        (re.compile(rf'("{_SECRET_KEY}"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE), rf'\1"{REDACTED}"'),
        # JWTs anywhere
        (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),
        # Authorization header values
        (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), rf"\1 {REDACTED}"),
        # credentials in query strings
        (re.compile(rf"([?&]{_SECRET_KEY}=)[^&\s\"']+", re.IGNORECASE), rf"\1{REDACTED}"),
    )


def redact(text: str) -> str:
    """``text`` with every token-looking value replaced by ``[REDACTED]``."""
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


#: what every LogRecord carries by itself; anything else on a record came from ``extra``
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, redacted after serialisation. ``context`` holds the keys every record of
    the invocation carries (Lambda context, correlation id, appended keys)."""

    def __init__(self, service: str = SERVICE) -> None:
        super().__init__()
        self.service = service
        self.context: dict[str, Any] = {}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": _timestamp(record.created),
            "service": self.service,
        }
        entry.update(self.context)
        trace = _xray_trace_id()
        if trace:
            entry["xray_trace_id"] = trace
        entry.update((k, v) for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception_name"] = record.exc_info[0].__name__
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


def _timestamp(created: float) -> str:
    """Powertools' timestamp format: ``2026-12-06 18:52:53,123+0000``."""
    moment = datetime.fromtimestamp(created, tz=UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S},{moment.microsecond // 1000:03d}+0000"


def _xray_trace_id() -> str:
    """The invocation's X-Ray trace id (``Root=1-...``), from what Lambda sets per invocation."""
    header = xray_trace_header()
    for part in header.split(";"):
        if part.startswith("Root="):
            return part[len("Root=") :]
    return ""


def _at_path(event: Any, path: str) -> Any:
    """``event[a][b]...`` for ``path`` ``a.b...``; None where the event has no such member."""
    for key in path.split("."):
        if not isinstance(event, dict):
            return None
        event = event.get(key)
    return event


class Logger:
    """The server's logger: ``info``/``warning``/``debug``/``exception`` with ``extra``, keys appended for
    the rest of the invocation, and :meth:`inject_lambda_context` around a handler."""

    def __init__(self, service: str = SERVICE, stream: Any = None) -> None:
        self.formatter = JsonFormatter(service)
        self._logger = logging.getLogger(service)
        self._logger.propagate = False  # the Lambda runtime's root handler would print every line twice
        self._logger.handlers.clear()
        handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
        handler.setFormatter(self.formatter)
        self._logger.addHandler(handler)
        self._logger.setLevel(get_settings().log_level)
        self._cold = True

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.debug(msg, *args, stacklevel=2, **kwargs)

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.info(msg, *args, stacklevel=2, **kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.warning(msg, *args, stacklevel=2, **kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.error(msg, *args, stacklevel=2, **kwargs)

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._logger.exception(msg, *args, stacklevel=2, **kwargs)

    def append_keys(self, **keys: Any) -> None:
        """Keys every later record of this invocation carries."""
        self.formatter.context.update(keys)

    def inject_lambda_context(
        self, correlation_id_path: str | None = None, clear_state: bool = True
    ) -> Callable[[Handler], Handler]:
        """Around a handler: the Lambda context's keys and the correlation id on every record of the
        invocation (the previous invocation's appended keys dropped when ``clear_state``)."""

        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            def wrapped(event: Any, context: Any) -> Any:
                if clear_state:
                    self.formatter.context.clear()
                self._logger.setLevel(get_settings().log_level)
                self.formatter.context.update(self._lambda_keys(context))
                if correlation_id_path:
                    correlation_id = _at_path(event, correlation_id_path)
                    if correlation_id is not None:
                        self.formatter.context["correlation_id"] = correlation_id
                return handler(event, context)

            return wrapped  # type: ignore[return-value]

        return decorate

    def _lambda_keys(self, context: Any) -> dict[str, Any]:
        keys: dict[str, Any] = {"cold_start": self._cold}
        self._cold = False
        for key, attribute in (
            ("function_name", "function_name"),
            ("function_memory_size", "memory_limit_in_mb"),
            ("function_arn", "invoked_function_arn"),
            ("function_request_id", "aws_request_id"),
        ):
            value = getattr(context, attribute, None)
            if value is not None:
                keys[key] = value
        return keys


class MetricUnit:
    """The CloudWatch units the server's metrics use."""

    Count = "Count"
    Milliseconds = "Milliseconds"


#: CloudWatch's limits on one EMF document
MAX_METRICS_PER_DOCUMENT = 100
MAX_DIMENSIONS = 30


class Metrics:
    """Metrics added during an invocation, printed as EMF documents by :meth:`log_metrics` when the
    handler returns (or raises). Safe to add to from the parallel CRM calls' threads."""

    def __init__(self, namespace: str = NAMESPACE, service: str = SERVICE, stream: Any = None) -> None:
        self.namespace = namespace
        self.service = service
        self._stream = stream
        self._lock = threading.Lock()
        self._values: dict[str, list[float]] = {}
        self._units: dict[str, str] = {}
        self._dimensions: dict[str, str] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        with self._lock:
            self._values.setdefault(name, []).append(float(value))
            self._units[name] = unit

    def add_dimension(self, name: str, value: str) -> None:
        with self._lock:
            if name in self._dimensions or len(self._dimensions) < MAX_DIMENSIONS - 1:
                self._dimensions[name] = str(value)

    def documents(self) -> Iterator[dict[str, Any]]:
        """The EMF documents of what was added (at most 100 metrics each)."""
        dimensions = {"service": self.service, **self._dimensions}
        names = list(self._values)
        timestamp = int(time.time() * 1000)
        for start in range(0, len(names), MAX_METRICS_PER_DOCUMENT):
            chunk = names[start : start + MAX_METRICS_PER_DOCUMENT]
            document: dict[str, Any] = {
                "_aws": {
                    "Timestamp": timestamp,
                    "CloudWatchMetrics": [
                        {
                            "Namespace": self.namespace,
                            "Dimensions": [list(dimensions)],
                            "Metrics": [{"Name": name, "Unit": self._units[name]} for name in chunk],
                        }
                    ],
                },
                **dimensions,
            }
            for name in chunk:
                values = self._values[name]
                document[name] = values[0] if len(values) == 1 else values
            yield document

    def flush(self) -> None:
        """Print what was added (unless metrics are off) and start afresh."""
        with self._lock:
            try:
                if self._values and not get_settings().metrics_disabled:
                    stream = self._stream if self._stream is not None else sys.stdout
                    for document in self.documents():
                        stream.write(json.dumps(document, separators=(",", ":")) + "\n")
                    stream.flush()
            finally:
                self._values.clear()
                self._units.clear()
                self._dimensions.clear()

    def log_metrics(self) -> Callable[[Handler], Handler]:
        """Around a handler: flush the invocation's metrics when it returns or raises."""

        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            def wrapped(event: Any, context: Any) -> Any:
                try:
                    return handler(event, context)
                finally:
                    self.flush()

            return wrapped  # type: ignore[return-value]

        return decorate


logger = Logger()
metrics = Metrics()


@cache
def tracer() -> Tracer:
    """The X-Ray tracer, created on first use: importing the X-Ray SDK costs 0.2-0.4 s of cold start, so
    a deployment with tracing off (``POWERTOOLS_TRACE_DISABLED=true``) never pays it."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)
