"""Powertools Logger, Metrics and Tracer, configured once for every function.

Logs are JSON with the API Gateway request id as correlation id. Whatever a log record carries passes
through :class:`RedactingFormatter`, so a JWT, a bearer token or a value under a secret-looking key never
reaches CloudWatch even if a careless ``logger.info(...)`` includes it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = "appconnect"
NAMESPACE = "AppConnect"
REDACTED = "[REDACTED]"

_SECRET_KEY = r"(?:[a-z_]*token|[a-z_]*secret|password|api_?key|authorization|bhresttoken|code|credentials?)"


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


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, scrubbed of secrets after serialisation."""

    def format(self, record: Any) -> str:
        return redact(super().format(record))


if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


@cache
def tracer() -> Tracer:
    """The X-Ray tracer, created on first use: importing the X-Ray SDK costs 0.2-0.4 s of cold start, so
    a deployment with tracing off (``POWERTOOLS_TRACE_DISABLED=true``) never pays it."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)
