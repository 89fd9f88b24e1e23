"""AWS answering with an error, injected where botocore sends a request (``Endpoint._send``): every client,
including those created before the fault, sees AWS's error response instead of the real answer, and
botocore's own retry policy (throttling, 5xx) and error parsing run on it as they would in AWS.

The requests that match go nowhere; the others reach moto's server unchanged.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.endpoint
import botocore.exceptions
import botocore.retries.standard
import botocore.retryhandler
import pytest
from botocore.awsrequest import AWSResponse


class _Body:
    """The ``raw`` of a canned response: what botocore reads the body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class Fault:
    """Which requests fail and how: ``target`` is the operation (``PutItem``, ``Decrypt``,
    ``SendMessageBatch``), ``code`` and ``status`` AWS's error; ``when`` a test on the request body;
    ``times`` how many matching requests fail (None: all of them)."""

    target: str
    code: str
    status: int = 400
    when: Callable[[bytes], bool] | None = None
    times: int | None = None
    #: no answer at all: the connection to the endpoint fails (botocore's ``EndpointConnectionError``)
    unreachable: bool = False
    #: the requests that failed (their operation names)
    failed: list[str] = field(default_factory=list)

    def matches(self, operation: str, body: bytes) -> bool:
        if operation != self.target:
            return False
        if self.times is not None and len(self.failed) >= self.times:
            return False
        return self.when is None or self.when(body)

    def response(self, url: str, service: str) -> AWSResponse:
        body = json.dumps({"__type": self.code, "message": f"injected {self.code}"}).encode()
        headers = {
            "x-amzn-requestid": str(uuid.uuid4()),
            "content-type": "application/x-amz-json-1.0",
            "content-length": str(len(body)),
        }
        if service == "AmazonSQS":
            headers["x-amzn-query-error"] = f"{self.code};Sender"
        return AWSResponse(url, self.status, headers, _Body(body))


def _operation(request: Any) -> tuple[str, str]:
    """(service prefix, operation) of a JSON-protocol request: ``X-Amz-Target: DynamoDB_20120810.PutItem``."""
    target = request.headers.get("X-Amz-Target", b"")
    text = target.decode() if isinstance(target, bytes) else str(target)
    service, _, operation = text.partition(".")
    return service, operation


@contextmanager
def aws_faults(monkeypatch: pytest.MonkeyPatch, *faults: Fault) -> Iterator[tuple[Fault, ...]]:
    """While in the block, requests matching a fault get its error; botocore's backoff between retries is
    shortened to 10 ms so a test of "every attempt fails" stays quick (the number of attempts is AWS's)."""
    real_send = botocore.endpoint.Endpoint._send

    def send(self: Any, request: Any) -> Any:
        service, operation = _operation(request)
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        for fault in faults:
            if fault.matches(operation, body):
                fault.failed.append(operation)
                if fault.unreachable:
                    raise botocore.exceptions.EndpointConnectionError(endpoint_url=str(request.url))
                return fault.response(str(request.url), service)
        return real_send(self, request)

    with monkeypatch.context() as patch:
        patch.setattr(botocore.endpoint.Endpoint, "_send", send)
        patch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.01)
        patch.setattr(botocore.retryhandler, "delay_exponential", lambda *_, **__: 0.01)
        yield faults
