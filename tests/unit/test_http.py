"""The API Gateway wrapper: JWT transport, sliding refresh, body parsing and error mapping."""

from __future__ import annotations

import json
import time
from typing import Any

from appconnect import session
from appconnect.errors import CrmUnavailable
from appconnect.http import REFRESHED_JWT_HEADER, Request, Response, api_handler, not_implemented
from tests.unit.conftest import LambdaContext, http_event

DAY = 86_400


def whoami(request: Request) -> dict[str, Any]:
    found = request.require_session()
    return {"id": found.user_id, "platform": found.platform}


HANDLER = api_handler("whoami", whoami)


def call(handler: Any = HANDLER, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = handler(
        http_event(kwargs.pop("method", "GET"), "/whoami", **kwargs), LambdaContext()
    )
    return result


def test_given_bearer_jwt_when_called_then_operation_sees_the_session() -> None:
    token = session.issue("9-pipedrive", "pipedrive")
    result = call(headers={"authorization": f"Bearer {token}"})
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"id": "9-pipedrive", "platform": "pipedrive"}
    assert REFRESHED_JWT_HEADER not in result["headers"]


def test_given_lowercase_bearer_scheme_when_called_then_accepted() -> None:
    token = session.issue("9-pipedrive", "pipedrive")
    assert call(headers={"authorization": f"bearer {token}"})["statusCode"] == 200


def test_given_legacy_jwt_query_when_called_then_accepted() -> None:
    token = session.issue("9-pipedrive", "pipedrive")
    assert call(query={"jwtToken": token})["statusCode"] == 200


def test_given_bearer_and_query_when_called_then_bearer_wins() -> None:
    bearer = session.issue("1-pipedrive", "pipedrive")
    query = session.issue("2-pipedrive", "pipedrive")
    result = call(headers={"authorization": f"Bearer {bearer}"}, query={"jwtToken": query})
    assert json.loads(result["body"])["id"] == "1-pipedrive"


def test_given_no_jwt_when_called_then_400_text_asks_to_authorize() -> None:
    result = call()
    assert result["statusCode"] == 400
    assert result["body"] == "Please go to Settings and authorize CRM platform"
    assert result["headers"]["content-type"].startswith("text/html")


def test_given_expired_jwt_when_called_then_400_not_401() -> None:
    token = session.issue("9-pipedrive", "pipedrive", now=time.time() - 20 * DAY)
    result = call(headers={"authorization": f"Bearer {token}"})
    assert result["statusCode"] == 400
    assert result["body"] == "Please go to Settings and authorize CRM platform"


def test_given_jwt_with_six_days_left_when_called_then_fresh_token_in_header() -> None:
    old = session.issue("9-pipedrive", "pipedrive", now=time.time() - 8 * DAY)
    result = call(headers={"authorization": f"Bearer {old}"})
    fresh = result["headers"][REFRESHED_JWT_HEADER]
    assert fresh != old
    verified = session.verify(fresh)
    assert verified is not None
    assert verified.user_id == "9-pipedrive"
    assert verified.expires_at - time.time() > 13 * DAY


def test_given_body_that_is_not_json_when_operation_reads_it_then_400_with_message() -> None:
    handler = api_handler("echo", lambda request: request.json_body())
    result = call(handler, method="POST", body="{not json")
    assert result["statusCode"] == 400
    assert "valid JSON" in result["body"]


def test_given_json_array_body_when_operation_reads_it_then_400() -> None:
    handler = api_handler("echo", lambda request: request.json_body())
    result = call(handler, method="POST", body="[1, 2]")
    assert result["statusCode"] == 400
    assert "JSON object" in result["body"]


def test_given_operation_crashes_when_called_then_500_without_internals() -> None:
    def boom(_request: Request) -> Response:
        raise RuntimeError("secret internal detail")

    result = call(api_handler("boom", boom))
    assert result["statusCode"] == 500
    assert "secret internal detail" not in result["body"]
    assert json.loads(result["body"]) == {"error": "Internal server error"}


def test_given_crm_error_escapes_an_operation_when_called_then_200_with_the_operations_failure_message() -> (
    None
):
    def crm_down(_request: Request) -> Response:
        raise CrmUnavailable("pipedrive is down", status=503, platform="pipedrive")

    token = session.issue("9-pipedrive", "pipedrive")
    result = call(api_handler("findContact", crm_down), headers={"authorization": f"Bearer {token}"})
    assert result["statusCode"] == 200
    body = json.loads(result["body"])
    assert body["successful"] is False
    assert body["returnMessage"]["message"] == "Error finding contact"
    texts = [item["text"] for item in body["returnMessage"]["details"][0]["items"]]
    assert "pipedrive is not responding right now. Please try again in a moment." in texts


def test_given_unimplemented_route_when_called_then_501_with_clear_message() -> None:
    result = call(not_implemented("updateAdminSettings"))
    assert result["statusCode"] == 501
    body = json.loads(result["body"])
    assert body["successful"] is False
    assert "updateAdminSettings is not implemented" in body["error"]


def test_given_rc_token_in_header_with_bearer_prefix_when_read_then_prefix_stripped() -> None:
    request = Request.from_event(http_event("GET", "/x", headers={"x-rc-access-token": " Bearer abc "}))
    assert request.rc_access_token() == "abc"


def test_given_rc_token_only_in_body_when_read_then_found() -> None:
    request = Request.from_event(http_event("POST", "/x", body=json.dumps({"rcAccessToken": "xyz"})))
    assert request.rc_access_token() == "xyz"


def test_given_app_server_unset_when_server_url_read_then_request_host_is_used() -> None:
    request = Request.from_event(http_event("GET", "/x"))
    assert request.server_url == "https://abc123.execute-api.us-east-1.amazonaws.com"


def test_given_lambda_context_when_remaining_time_read_then_it_comes_from_the_context() -> None:
    request = Request.from_event(http_event("GET", "/x"), LambdaContext(remaining_ms=1234))
    assert request.remaining_ms() == 1234
