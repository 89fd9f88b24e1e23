"""The local API Gateway: v2.0 events from HTTP requests, responses from function results, routing, CORS."""

from __future__ import annotations

import base64
import json

import pytest

from local.apigw import (
    Cors,
    HttpRequest,
    MalformedIntegrationResponse,
    Router,
    build_event,
    integration_response,
    is_text,
    new_request_id,
)


def _request(
    method: str = "GET",
    path: str = "/contact",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> HttpRequest:
    return HttpRequest(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=headers if headers is not None else [("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8")],
        body=body,
        source_ip="127.0.0.1",
    )


def _event(request: HttpRequest, **kwargs: object) -> dict[str, object]:
    return build_event(
        request,
        route_key=str(kwargs.get("route_key", f"{request.method} {request.raw_path}")),
        path_parameters=kwargs.get("path_parameters", {}),  # type: ignore[arg-type]
        request_id="req-1",
        now=1_700_000_000.123,
    )


def test_given_get_request_when_event_built_then_payload_2_0_fields_as_api_gateway_sends() -> None:
    event = _event(_request(query="phoneNumber=%2B14155550142&isExtension=false"))

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /contact"
    assert event["rawPath"] == "/contact"
    assert event["rawQueryString"] == "phoneNumber=%2B14155550142&isExtension=false"
    assert event["queryStringParameters"] == {"phoneNumber": "+14155550142", "isExtension": "false"}
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    assert "cookies" not in event
    context = event["requestContext"]
    assert isinstance(context, dict)
    assert context["http"] == {
        "method": "GET",
        "path": "/contact",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "curl/8",
    }
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == "GET /contact"
    assert context["stage"] == "$default"
    assert context["timeEpoch"] == 1_700_000_000_123
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"
    assert context["domainName"] == "127.0.0.1:3000"
    assert context["accountId"]
    assert context["apiId"]


def test_given_repeated_query_keys_and_headers_when_event_built_then_values_comma_joined() -> None:
    request = _request(
        query="a=1&a=2&b=&c=x%20y",
        headers=[("Host", "h"), ("X-Thing", "one"), ("x-thing", "two"), ("Content-Type", "application/json")],
    )

    event = _event(request)

    assert event["queryStringParameters"] == {"a": "1,2", "b": "", "c": "x y"}
    headers = event["headers"]
    assert isinstance(headers, dict)
    assert headers["x-thing"] == "one,two"
    assert headers["content-type"] == "application/json"
    assert all(name == name.lower() for name in headers)


def test_given_cookie_header_when_event_built_then_cookies_listed_and_header_removed() -> None:
    event = _event(_request(headers=[("Host", "h"), ("Cookie", "a=1; b=2"), ("Cookie", "c=3")]))

    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]  # type: ignore[operator]


def test_given_json_body_when_event_built_then_body_is_text() -> None:
    body = json.dumps({"logInfo": {"sessionId": "s-1"}, "note": "héllo"}).encode()

    event = _event(_request("POST", headers=[("Content-Type", "application/json; charset=utf-8")], body=body))

    assert event["isBase64Encoded"] is False
    assert event["body"] == body.decode()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b"\x00\x01\xff"),
        ("application/x-www-form-urlencoded", b"a=1"),
        (None, b"x"),
    ],
)
def test_given_non_text_body_when_event_built_then_base64_encoded(
    content_type: str | None, body: bytes
) -> None:
    headers = [("Host", "h")] + ([("Content-Type", content_type)] if content_type else [])

    event = _event(_request("POST", headers=headers, body=body))

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(str(event["body"])) == body


def test_given_path_parameters_when_event_built_then_included() -> None:
    event = _event(_request(path="/items/42"), route_key="GET /items/{id}", path_parameters={"id": "42"})

    assert event["pathParameters"] == {"id": "42"}
    assert event["routeKey"] == "GET /items/{id}"


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/json", True),
        ("application/vnd.api+json", True),
        ("text/html; charset=utf-8", True),
        ("application/xml", True),
        ("application/x-www-form-urlencoded", False),
        ("image/png", False),
        ("", False),
    ],
)
def test_given_content_type_when_classified_then_text_types_as_api_gateway(
    content_type: str, text: bool
) -> None:
    assert is_text(content_type) is text


def test_given_request_ids_when_generated_then_unique() -> None:
    assert len({new_request_id() for _ in range(1000)}) == 1000


# -- responses ----------------------------------------------------------------------------------------------


def test_given_proxy_response_when_converted_then_status_headers_cookies_body() -> None:
    response = integration_response(
        {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-refreshed-jwt-token": "t"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": '{"ok":true}',
            "isBase64Encoded": False,
        }
    )

    assert response.status == 201
    assert response.header("x-refreshed-jwt-token") == "t"
    assert [value for name, value in response.headers if name == "set-cookie"] == ["a=1; Path=/", "b=2"]
    assert response.body == b'{"ok":true}'


def test_given_base64_body_when_converted_then_bytes_decoded() -> None:
    raw = b"\x89PNG\x00"

    response = integration_response(
        {"statusCode": 200, "isBase64Encoded": True, "body": base64.b64encode(raw).decode()}
    )

    assert response.body == raw


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ("hello", b'"hello"'),
        ({"successful": True}, b'{"successful":true}'),
        ([1, 2], b"[1,2]"),
        (None, b"null"),
    ],
)
def test_given_result_without_status_code_when_converted_then_200_json_as_returned(
    result: object, body: bytes
) -> None:
    response = integration_response(result)

    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.body == body


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "isBase64Encoded": True, "body": "not base64!"},
        {"statusCode": 99},
    ],
)
def test_given_malformed_proxy_response_when_converted_then_rejected(result: object) -> None:
    with pytest.raises(MalformedIntegrationResponse):
        integration_response(result)


# -- routing ------------------------------------------------------------------------------------------------


def test_given_routes_when_matched_then_exact_before_parameter_before_greedy_and_method_before_any() -> None:
    router: Router[str] = Router()
    router.add("ANY", "/{proxy+}", "greedy")
    router.add("GET", "/items/{id}", "item")
    router.add("GET", "/items/special", "special")
    router.add("ANY", "/items/special", "special-any")
    router.add("POST", "/items", "create")

    assert router.match("GET", "/items/special").target == "special"  # type: ignore[union-attr]
    assert router.match("PUT", "/items/special").target == "special-any"  # type: ignore[union-attr]
    item = router.match("GET", "/items/7")
    assert item is not None
    assert (item.target, item.path_parameters, item.route_key) == ("item", {"id": "7"}, "GET /items/{id}")
    greedy = router.match("DELETE", "/a/b/c")
    assert greedy is not None
    assert (greedy.target, greedy.path_parameters) == ("greedy", {"proxy": "a/b/c"})
    assert router.match("POST", "/items").target == "create"  # type: ignore[union-attr]


def test_given_route_when_method_or_path_differs_then_no_match() -> None:
    router: Router[str] = Router()
    router.add("GET", "/isAlive", "alive")

    assert router.match("POST", "/isAlive") is None
    assert router.match("GET", "/isalive") is None
    assert router.match("GET", "/isAlive/") is None


def test_given_duplicate_route_when_added_then_refused() -> None:
    router: Router[str] = Router()
    router.add("GET", "/a", "one")

    with pytest.raises(ValueError, match="duplicate"):
        router.add("get", "/a", "two")


# -- CORS ---------------------------------------------------------------------------------------------------


def _cors(**overrides: object) -> Cors:
    return Cors(
        {
            "AllowOrigins": ["https://app.example.com", "http://*"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["Authorization", "Content-Type"],
            "ExposeHeaders": ["x-refreshed-jwt-token"],
            "MaxAge": 600,
            **overrides,
        }
    )


def _preflight(origin: str, method: str = "POST", headers: str = "authorization") -> HttpRequest:
    return _request(
        "OPTIONS",
        headers=[
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
            ("Access-Control-Request-Headers", headers),
        ],
    )


def test_given_allowed_preflight_when_answered_then_204_with_configured_headers() -> None:
    request = _preflight("https://app.example.com")

    assert Cors.is_preflight(request)
    response = _cors().preflight(request)

    assert response.status == 204
    assert response.header("access-control-allow-origin") == "https://app.example.com"
    assert response.header("access-control-allow-methods") == "GET,POST"
    assert response.header("access-control-allow-headers") == "authorization,content-type"
    assert response.header("access-control-max-age") == "600"


def test_given_scheme_wildcard_origin_when_preflight_then_origin_echoed() -> None:
    response = _cors().preflight(_preflight("http://localhost:5173"))

    assert response.header("access-control-allow-origin") == "http://localhost:5173"


@pytest.mark.parametrize(
    "request_",
    [
        _preflight("https://evil.example"),
        _preflight("https://app.example.com", method="DELETE"),
        _preflight("https://app.example.com", headers="x-unlisted"),
    ],
    ids=["origin", "method", "header"],
)
def test_given_disallowed_preflight_when_answered_then_no_cors_headers(request_: HttpRequest) -> None:
    response = _cors().preflight(request_)

    assert response.status == 204
    assert response.header("access-control-allow-origin") is None


def test_given_options_without_preflight_headers_when_checked_then_not_a_preflight() -> None:
    assert not Cors.is_preflight(_request("OPTIONS", headers=[("Origin", "https://app.example.com")]))


def test_given_function_cors_headers_when_cors_applied_then_replaced_by_configuration() -> None:
    response = integration_response(
        {
            "statusCode": 200,
            "headers": {"Access-Control-Allow-Origin": "https://evil.example", "x-a": "1"},
            "body": "",
        }
    )
    request = _request(headers=[("Origin", "https://app.example.com")])

    _cors().apply(request, response)

    assert response.header("access-control-allow-origin") == "https://app.example.com"
    assert response.header("access-control-expose-headers") == "x-refreshed-jwt-token"
    assert response.header("x-a") == "1"
    assert [name for name, _ in response.headers if name.lower() == "access-control-allow-origin"] == [
        "access-control-allow-origin"
    ]


def test_given_any_origin_when_cors_applied_without_origin_header_then_no_cors_headers() -> None:
    response = integration_response({"statusCode": 200, "body": ""})

    _cors(AllowOrigins=["*"]).apply(_request(), response)

    assert response.header("access-control-allow-origin") is None
