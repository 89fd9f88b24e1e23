"""What API Gateway's HTTP API does around a Lambda integration, for payload format 2.0.

* :class:`Router` picks the route for a request as HTTP APIs do (exact path before ``{param}`` before
  ``{proxy+}``; a method before ``ANY``); no route is a 404 ``{"message":"Not Found"}``.
* :func:`build_event` turns an HTTP request into the v2.0 event.
* :func:`integration_response` turns the function's result back into an HTTP response (including the
  rules for a result without ``statusCode``), and a failed invocation into API Gateway's 500.
* :class:`Cors` answers preflight requests and adds the CORS headers the CorsConfiguration asks for.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, unquote

from local import config

T = TypeVar("T")

#: API Gateway's payload limit for HTTP APIs
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-javascript|ecmascript|ld\+json|graphql|[\w.+-]+\+(json|xml)))$"
)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    #: the path as received, still percent-encoded, without the query string
    raw_path: str
    raw_query: str
    #: header (name, value) pairs as received, in order
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return ",".join(values) if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


def json_response(status: int, document: Any, headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
    body = json.dumps(document).encode("utf-8")
    return HttpResponse(status, [("content-type", "application/json"), *headers], body)


def not_found() -> HttpResponse:
    return json_response(404, {"message": "Not Found"})


def internal_server_error() -> HttpResponse:
    return json_response(500, {"message": "Internal Server Error"})


# -- routing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    target: T
    route_key: str
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class _Route(Generic[T]):
    method: str
    path: str
    target: T
    pattern: re.Pattern[str]
    #: lower sorts first: exact paths, then more literal segments, then greedy
    rank: tuple[int, int, int]
    order: int


def _compile(path: str) -> tuple[re.Pattern[str], tuple[int, int, int]]:
    segments = path.strip("/").split("/") if path.strip("/") else []
    parts = []
    literal = 0
    greedy = 0
    for segment in segments:
        match = re.fullmatch(r"\{([A-Za-z0-9_.-]+)(\+)?\}", segment)
        if match is None:
            parts.append(re.escape(segment))
            literal += 1
        elif match.group(2):
            parts.append(f"(?P<{_group(match.group(1))}>.+)")
            greedy = 1
        else:
            parts.append(f"(?P<{_group(match.group(1))}>[^/]+)")
    regex = "^/" + "/".join(parts) + "$"
    exact = 0 if literal == len(segments) else 1
    return re.compile(regex), (greedy, exact, -literal)


def _target_name(target: object) -> str:
    return str(getattr(target, "logical_id", target))


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", lambda m: f"_{ord(m.group()):x}_", name)


def _ungroup(group: str) -> str:
    return re.sub(r"_([0-9a-f]+)_", lambda m: chr(int(m.group(1), 16)), group[2:])


class Router(Generic[T]):
    """Routes ``METHOD /path`` (``{name}``, ``{name+}`` and ``ANY`` understood) to targets."""

    def __init__(self) -> None:
        self._routes: list[_Route[T]] = []

    def add(self, method: str, path: str, target: T) -> None:
        method = method.upper()
        if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            method = "ANY"
        pattern, rank = _compile(path)
        for route in self._routes:
            if route.method == method and route.path == path:
                raise ValueError(f"duplicate route {method} {path}")
        self._routes.append(_Route(method, path, target, pattern, rank, len(self._routes)))
        self._routes.sort(key=lambda route: (route.rank, route.method == "ANY"))

    @property
    def route_keys(self) -> list[tuple[str, str]]:
        """(route key, the target's logical id or str) in the order the routes were added."""
        ordered = sorted(self._routes, key=lambda route: route.order)
        return [(f"{route.method} {route.path}", _target_name(route.target)) for route in ordered]

    def match(self, method: str, path: str) -> RouteMatch[T] | None:
        method = method.upper()
        for route in self._routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found is not None:
                params = {_ungroup(key): value for key, value in found.groupdict().items()}
                return RouteMatch(route.target, f"{route.method} {route.path}", params)
        return None


# -- request -> event ---------------------------------------------------------------------------------------


def new_request_id() -> str:
    """An id shaped like API Gateway's (``JKJaXmPLvHcESHA=``)."""
    return base64.b64encode(secrets.token_bytes(10)).decode("ascii")


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return bool(_TEXT_TYPES.match(media_type))


def build_event(
    request: HttpRequest,
    *,
    route_key: str,
    path_parameters: Mapping[str, str],
    request_id: str,
    now: float | None = None,
    api_id: str = config.API_ID,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for ``request``."""
    now = time.time() if now is None else now
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    host = headers.get("host", f"{config.HOST}")
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    if ":" in host:
        headers.setdefault("x-forwarded-port", host.rsplit(":", 1)[1])
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(now):08x}-{secrets.token_hex(12)}")

    path = unquote(request.raw_path)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.raw_query:
        query: dict[str, str] = {}
        for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        if query:
            event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": config.ACCOUNT_ID,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if request.body:
        if is_text(headers.get("content-type")):
            try:
                event["body"] = request.body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(request.body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


# -- result -> response -------------------------------------------------------------------------------------


class MalformedIntegrationResponse(ValueError):
    """The function answered something API Gateway would reject (it answers 500)."""


def integration_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a payload 2.0 function result.

    A dict with ``statusCode`` is a proxy response; anything else (a string, a dict without
    ``statusCode``, a list ...) is sent as a 200 JSON body, exactly as returned.
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        encoded = json.dumps(result, separators=(",", ":")).encode("utf-8")
        return HttpResponse(200, [("content-type", "application/json")], encoded)

    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedIntegrationResponse(f"statusCode must be an HTTP status, got {status!r}")
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise MalformedIntegrationResponse("headers must be an object")
    for name, value in raw_headers.items():
        headers.append((str(name), _header_text(value)))
    raw_cookies = result.get("cookies") or []
    if not isinstance(raw_cookies, list):
        raise MalformedIntegrationResponse("cookies must be a list")
    headers.extend(("set-cookie", str(cookie)) for cookie in raw_cookies)
    body = result.get("body")
    payload: bytes
    if body is None:
        payload = b""
    elif isinstance(body, str):
        if result.get("isBase64Encoded"):
            try:
                payload = base64.b64decode(body, validate=True)
            except binascii.Error as exc:
                raise MalformedIntegrationResponse("isBase64Encoded body is not valid base64") from exc
        else:
            payload = body.encode("utf-8")
    else:
        raise MalformedIntegrationResponse(f"body must be a string, got {type(body).__name__}")
    return HttpResponse(status, headers, payload)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(item) for item in value)
    return str(value)


# -- CORS ---------------------------------------------------------------------------------------------------


class Cors:
    """The HTTP API's CorsConfiguration (SAM property names: AllowOrigins, AllowMethods ...)."""

    def __init__(self, configuration: Mapping[str, Any]) -> None:
        self.allow_origins = [str(origin) for origin in configuration.get("AllowOrigins", []) or []]
        self.allow_methods = [str(method).upper() for method in configuration.get("AllowMethods", []) or []]
        self.allow_headers = [str(header).lower() for header in configuration.get("AllowHeaders", []) or []]
        self.expose_headers = [str(header).lower() for header in configuration.get("ExposeHeaders", []) or []]
        max_age = configuration.get("MaxAge")
        self.max_age = None if max_age is None else int(max_age)
        self.allow_credentials = bool(configuration.get("AllowCredentials", False))

    def allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for ``origin``; None when it is not allowed."""
        if not origin:
            return None
        for allowed in self.allow_origins:
            if allowed == "*":
                return "*"
            if allowed.endswith("*") and origin.startswith(allowed[:-1]):
                return origin
            if allowed.rstrip("/").lower() == origin.rstrip("/").lower():
                return origin
        return None

    @staticmethod
    def is_preflight(request: HttpRequest) -> bool:
        return (
            request.method == "OPTIONS"
            and request.header("origin") is not None
            and request.header("access-control-request-method") is not None
        )

    def preflight(self, request: HttpRequest) -> HttpResponse:
        """API Gateway's own answer to a preflight request (no function runs)."""
        origin = self.allowed_origin(request.header("origin"))
        wanted_method = (request.header("access-control-request-method") or "").strip().upper()
        wanted_headers = [
            header.strip().lower()
            for header in (request.header("access-control-request-headers") or "").split(",")
            if header.strip()
        ]
        method_ok = "*" in self.allow_methods or wanted_method in self.allow_methods
        headers_ok = "*" in self.allow_headers or all(
            header in self.allow_headers for header in wanted_headers
        )
        if origin is None or not method_ok or not headers_ok:
            return HttpResponse(204)
        headers = [
            ("access-control-allow-origin", origin),
            ("access-control-allow-methods", ",".join(self.allow_methods)),
        ]
        if self.allow_headers:
            headers.append(("access-control-allow-headers", ",".join(self.allow_headers)))
        if self.max_age is not None:
            headers.append(("access-control-max-age", str(self.max_age)))
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        return HttpResponse(204, headers)

    def apply(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Replace the function's CORS headers with the configured ones, as API Gateway does."""
        headers = [
            (key, value) for key, value in response.headers if not key.lower().startswith("access-control-")
        ]
        origin = self.allowed_origin(request.header("origin"))
        if origin is not None:
            headers.append(("access-control-allow-origin", origin))
            if self.expose_headers:
                headers.append(("access-control-expose-headers", ",".join(self.expose_headers)))
            if self.allow_credentials:
                headers.append(("access-control-allow-credentials", "true"))
        response.headers = headers
        return response
