"""events/ holds one sample event per function of template.yaml, in step with its route.

They are the inputs for `sam local invoke <LogicalId> -e events/<module>.json` (where Docker exists) and
for invoking a handler by hand; the API events are API Gateway HTTP API payload 2.0 events as Lambda
receives them.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from local.template import ROOT, FunctionSpec, functions
from tests.design_operations import BY_LOGICAL_ID

EVENTS_DIR = ROOT / "events"
FUNCTIONS = functions()
API_FUNCTIONS = [spec for spec in FUNCTIONS if spec.routes]
SCHEDULED = {spec.logical_id: spec for spec in FUNCTIONS if not spec.routes}

# Query parameters without which a route's sample would only show an input error.
REQUIRED_QUERY = {
    "GET /crmManifest": {"platformName"},
    "GET /implementedInterfaces": {"platform"},
    "GET /oauth-callback": {"callbackUri"},
    "GET /userInfoHash": {"extensionId", "accountId"},
    "GET /contact": {"phoneNumber"},
    "GET /custom/contact/search": {"name"},
    "GET /callLog": {"sessionIds"},
}


def event_path(spec: FunctionSpec) -> Path:
    return EVENTS_DIR / f"{spec.module}.json"


def load_event(spec: FunctionSpec) -> dict[str, Any]:
    event = json.loads(event_path(spec).read_text(encoding="utf-8"))
    assert isinstance(event, dict)
    return event


def test_given_events_dir_when_listed_then_there_is_one_event_per_function_and_no_stray_file():
    expected = sorted(f"{spec.module}.json" for spec in FUNCTIONS)
    assert sorted(path.name for path in EVENTS_DIR.iterdir()) == expected


@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=lambda spec: spec.logical_id)
def test_given_api_event_when_compared_with_template_then_method_path_and_route_key_match(spec):
    event = load_event(spec)
    (route,) = spec.routes
    route_key = f"{route.method} {route.path}"
    assert event["version"] == "2.0"
    assert event["routeKey"] == route_key
    assert event["rawPath"] == route.path
    context = event["requestContext"]
    assert context["routeKey"] == route_key
    assert context["http"]["method"] == route.method
    assert context["http"]["path"] == route.path
    assert context["stage"] == "$default"
    assert context["requestId"]
    assert isinstance(context["timeEpoch"], int)


@pytest.mark.parametrize("spec", API_FUNCTIONS, ids=lambda spec: spec.logical_id)
def test_given_api_event_when_read_then_query_headers_and_body_are_what_api_gateway_sends(spec):
    event = load_event(spec)
    (route,) = spec.routes
    query = event.get("queryStringParameters") or {}
    assert dict(parse_qsl(event["rawQueryString"])) == query
    assert REQUIRED_QUERY.get(f"{route.method} {route.path}", set()) <= set(query)
    headers = event["headers"]
    assert all(name == name.lower() for name in headers), "HTTP APIs pass header names in lower case"
    assert headers["host"] == event["requestContext"]["domainName"]
    assert event["isBase64Encoded"] is False
    if "body" in event:
        assert headers["content-type"] == "application/json"
        assert int(headers["content-length"]) == len(event["body"].encode("utf-8"))
        assert isinstance(json.loads(event["body"]), dict)


def test_given_scheduler_event_when_read_then_it_is_an_eventbridge_scheduled_event():
    event = load_event(SCHEDULED["TokenRefreshSchedulerFunction"])
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"]


def test_given_worker_event_when_read_then_it_is_an_sqs_batch_of_json_messages():
    event = load_event(SCHEDULED["TokenRefreshWorkerFunction"])
    records = event["Records"]
    assert len(records) >= 2, "a batch of several shows partial-batch failure handling"
    assert len({record["messageId"] for record in records}) == len(records)
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"].startswith("arn:aws:sqs:")
        assert isinstance(json.loads(record["body"]), dict)


# Routes that touch no table and no CRM can run their sample event right here, with no service behind them.
SELF_CONTAINED = [spec for spec in API_FUNCTIONS if not BY_LOGICAL_ID[spec.logical_id].grants]


@pytest.mark.parametrize("spec", SELF_CONTAINED, ids=lambda spec: spec.logical_id)
def test_given_sample_event_when_its_handler_invoked_then_it_answers_or_says_not_implemented(
    spec, lambda_context
):
    module = importlib.import_module(spec.module)
    response = module.handler(load_event(spec), lambda_context)
    assert response["statusCode"] in (200, 501), response
