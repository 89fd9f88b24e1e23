"""API Gateway (HTTP API, payload 2.0) in, response out: the only module that knows about events.

A function module is three lines: ``handler = api_handler("findContact", find_contact)``. The wrapper
decodes the event into a :class:`Request` (JWT checked and slid forward as the reference does), calls
the operation, and encodes what it returns. Errors are mapped to responses in one place.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from appconnect import deadline
from appconnect import session as sessions
from appconnect.errors import (
    JSON_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    ApiError,
    AuthorizationRequired,
    BadRequest,
    CrmError,
    NotImplementedOperation,
    UserMissing,
    aws_unavailable,
    aws_unavailable_answer,
    crm_failure_answer,
)
from appconnect.observability import API_GATEWAY_HTTP, MetricUnit, logger, metrics, tracer
from appconnect.route_auth import ROUTES
from appconnect.settings import get_settings

REFRESHED_JWT_HEADER = "x-refreshed-jwt-token"

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class Response:
    """What an operation answers. ``body``: ``str`` is text, ``bytes`` binary, anything else JSON."""

    body: Any = None
    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_api_gateway(self) -> dict[str, Any]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            headers.setdefault("content-type", self.content_type or "application/octet-stream")
            return {
                "statusCode": self.status,
                "headers": headers,
                "isBase64Encoded": True,
                "body": base64.b64encode(self.body).decode("ascii"),
            }
        if isinstance(self.body, str):
            headers.setdefault("content-type", self.content_type or TEXT_CONTENT_TYPE)
            text = self.body
        elif self.body is None:
            text = ""
        else:
            headers.setdefault("content-type", self.content_type or JSON_CONTENT_TYPE)
            text = json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)
        return {"statusCode": self.status, "headers": headers, "isBase64Encoded": False, "body": text}


def text(body: str, status: int = 200, content_type: str = TEXT_CONTENT_TYPE) -> Response:
    return Response(body=body, status=status, content_type=content_type)


def error_response(error: ApiError) -> Response:
    return Response(body=error.body(), status=error.status)


@dataclass
class Request:
    """The parts of an HTTP API event an operation needs, with the session already verified."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: str
    request_id: str
    domain_name: str
    context: Any = None
    session: sessions.Session | None = None
    refreshed_token: str | None = None
    #: the only token came in ``?jwtToken=`` and did not verify (a bad header token counts as none)
    bad_query_token: bool = False

    @classmethod
    def from_event(cls, event: dict[str, Any], context: Any = None) -> Request:
        http = event.get("requestContext", {}).get("http", {})
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        body = event.get("body") or ""
        if body and event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(body).decode("utf-8")
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequest("The request body is not valid UTF-8 text.") from exc
        request = cls(
            method=str(http.get("method", "GET")).upper(),
            path=str(event.get("rawPath") or http.get("path") or "/"),
            query={str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
            headers=headers,
            raw_body=body,
            request_id=str(event.get("requestContext", {}).get("requestId", "")),
            domain_name=str(event.get("requestContext", {}).get("domainName", "")),
            context=context,
        )
        request._authenticate()
        return request

    # -- the JWT middleware: the Bearer header first, the legacy ?jwtToken= second ------------------------

    def _bearer_token(self) -> str | None:
        value = self.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        return None

    def _authenticate(self) -> None:
        bearer = self._bearer_token()
        token = bearer or self.query.get("jwtToken") or None
        if not token:
            return
        found = sessions.verify(token)
        if found is None:
            self.bad_query_token = bearer is None
            return
        self.session = found
        if sessions.needs_refresh(found):
            self.refreshed_token = sessions.issue(found.user_id, found.platform, generation=found.generation)

    def require_session(self) -> sessions.Session:
        """The caller's session; the reference's 400 text when there is no valid JWT."""
        if self.session is None:
            raise AuthorizationRequired()
        return self.session

    # -- inputs -------------------------------------------------------------------------------------------

    def param(self, name: str) -> str | None:
        value = self.query.get(name)
        return value if value not in (None, "") else None

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object; a clear 400 when it is missing, not JSON, or not an object."""
        if not self.raw_body.strip():
            return {}
        media_type = str(self.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if media_type and media_type != "application/json" and not media_type.endswith("+json"):
            raise BadRequest("The request body must be JSON, sent with Content-Type: application/json.")
        try:
            # NaN and Infinity are not JSON (the reference's parser refused them too)
            data = json.loads(self.raw_body, parse_constant=_not_json)
        except ValueError as exc:
            raise BadRequest("The request body must be valid JSON.") from exc
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object.")
        return data

    def rc_access_token(self) -> str | None:
        """The RingCentral access token: header ``X-RC-Access-Token``, then body, then query."""
        candidates: list[Any] = [self.headers.get("x-rc-access-token")]
        if self.raw_body.strip().startswith("{"):
            with contextlib.suppress(ValueError, AttributeError):
                candidates.append(json.loads(self.raw_body).get("rcAccessToken"))
        candidates.append(self.query.get("rcAccessToken"))
        for value in candidates:
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, str) and value.strip():
                token = value.strip()
                return token[7:].strip() if token.lower().startswith("bearer ") else token
        return None

    @property
    def server_url(self) -> str:
        """This API's public base URL: ``APP_SERVER`` when set, else the host the request came to."""
        configured = get_settings().app_server
        if configured:
            return configured
        host = self.headers.get("host") or self.domain_name
        scheme = self.headers.get("x-forwarded-proto") or (
            "http" if host.startswith("127.0.0.1") else "https"
        )
        return f"{scheme}://{host}"

    def remaining_ms(self) -> int:
        """Milliseconds left before the Lambda deadline (30 s when there is no Lambda context)."""
        getter = getattr(self.context, "get_remaining_time_in_millis", None)
        return int(getter()) if callable(getter) else 30_000


Operation = Callable[[Request], "Response | dict[str, Any] | list[Any] | str"]


def _as_response(result: Response | dict[str, Any] | list[Any] | str) -> Response:
    return result if isinstance(result, Response) else Response(body=result)


def _route_answer(answer: tuple[int, Any] | None) -> Response:
    """A :mod:`appconnect.route_auth` answer (``None``: the reference's missing-JWT text)."""
    if answer is None:
        return error_response(AuthorizationRequired())
    status, body = answer
    return Response(body=body, status=status)


def _respond(
    operation: str, fn: Operation, event: dict[str, Any], context: Any
) -> tuple[Request | None, Response]:
    """The operation's answer to one event; every error mapped here, in one place."""
    request: Request | None = None
    route = ROUTES.get(operation)
    try:
        request = Request.from_event(event, context)
        deadline.start(request.remaining_ms())
        if route is not None and request.session is None:
            # a JWT route checks the JWT before anything else, as the reference does
            return request, _route_answer(
                route.bad_query_token(request.query) if request.bad_query_token else None
            )
        return request, _as_response(fn(request))
    except UserMissing as error:
        if route is None:
            return request, error_response(error)
        return request, _route_answer(route.user_missing(request.query if request else {}))
    except ApiError as error:
        return request, error_response(error)
    except CrmError as error:
        # a CRM failure no operation answered itself (a token endpoint down, a refresh that took too long):
        # the operation's user-facing message, never a 500
        platform = request.session.platform if request is not None and request.session else ""
        logger.info("crm failure", extra={"error": type(error).__name__, "status": error.status})
        status, body = crm_failure_answer(error, operation, error.platform or platform)
        return request, Response(body=body, status=status)
    except Exception as error:
        if aws_unavailable(error):
            # DynamoDB or KMS throttled or failed past botocore's retries: the request may work in a moment
            logger.warning("aws unavailable", extra={"error": type(error).__name__})
            metrics.add_metric(name="AwsUnavailable", unit=MetricUnit.Count, value=1)
            status, body = aws_unavailable_answer(operation)
            return request, Response(body=body, status=status)
        logger.exception("unhandled error")
        return request, Response(body={"error": "Internal server error"}, status=500)


def api_handler(operation: str, fn: Operation) -> LambdaHandler:
    """The Lambda handler for one HTTP operation."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        metrics.add_dimension(name="operation", value=operation)
        logger.append_keys(operation=operation)
        request, response = _respond(operation, fn, event, context)
        if request is not None and request.refreshed_token:
            response.headers[REFRESHED_JWT_HEADER] = request.refreshed_token
        status_class = (
            "ServerErrors" if response.status >= 500 else "ClientErrors" if response.status >= 400 else None
        )
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        if status_class:
            metrics.add_metric(name=status_class, unit=MetricUnit.Count, value=1)
        metrics.add_metric(
            name="Latency",
            unit=MetricUnit.Milliseconds,
            value=round((time.perf_counter() - started) * 1000, 3),
        )
        return response.to_api_gateway()

    return instrument(handler, correlation_id_path=API_GATEWAY_HTTP)


def instrument(handler: LambdaHandler, correlation_id_path: str | None = None) -> LambdaHandler:
    """Wrap a Lambda handler with the logger's invocation context, metrics flushing and (when on) tracing."""
    wrapped = handler
    if get_settings().tracing_enabled:
        wrapped = tracer().capture_lambda_handler(capture_response=False)(wrapped)
    wrapped = metrics.log_metrics()(wrapped)
    return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(wrapped)


def not_implemented(operation: str) -> LambdaHandler:
    """The handler of a declared route whose operation is not built yet: 501 with a clear message."""

    def refuse(_request: Request) -> Response:
        raise NotImplementedOperation(operation)

    return api_handler(operation, refuse)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")
