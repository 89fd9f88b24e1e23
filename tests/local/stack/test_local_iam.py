"""The local stack holds every function to its template policy, as its IAM role would in AWS (local/iam.py).

Every other API test therefore also proves that the policies are sufficient for the code paths it drives.
The tests here show that enforcement is on in the stack ``make run`` starts, that a function whose policy
lacks a grant is refused at the DynamoDB call with AWS's error, and that the grants found missing that way
stay granted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.template import TEMPLATE_PATH, load_template
from tests.api.pipedrive_world import (
    Extension,
    Sandbox,
    pipedrive_sandbox,  # noqa: F401 - fixtures, used by name
)
from tests.stack import StackProcess, start_stack

pytestmark = pytest.mark.stack

CACHE_TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/appconnect-local-CacheTable"


def _log_records(stack: StackProcess) -> list[dict[str, Any]]:
    records = []
    for line in (stack.stdout() + "\n" + stack.stderr()).splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


def test_given_make_run_stack_when_described_then_iam_policies_are_enforced(
    api_url: str, http: requests.Session
) -> None:
    description = http.get(f"{api_url}/__local", timeout=10).json()

    assert description["iam"] == "enforced"


def test_given_expiring_oauth_token_when_logging_out_then_the_refresh_lock_is_granted_and_logout_succeeds(
    api_url: str, sandbox: Sandbox, local_stack: StackProcess
) -> None:
    # unAuthorize authenticates first, which refreshes a token about to expire under the Cache-table lock
    sandbox.config(access_ttl=60)  # inside the core's refresh margin
    client = Extension(requests.Session(), api_url)
    client.login(sandbox)
    sandbox.config(access_ttl=3599)
    sandbox.clear_journal()

    response = client.send("POST", "/unAuthorize", None)

    assert response.status_code == 200, response.text
    assert response.json()["messageType"] == "success"
    grants = [e["form"]["grant_type"] for e in sandbox.journal("POST", "/oauth/token")]
    assert grants == ["refresh_token"]
    request_id = response.headers["apigw-requestid"]
    assert not [
        r
        for r in _log_records(local_stack)
        if r.get("function_request_id") == request_id and "exception" in r
    ]


# -- a function whose policy lacks a grant -------------------------------------------------------------------


def _without_statement(template_text: str, function_id: str, sid: str) -> str:
    """template.yaml's text with one statement taken out of one function's policy."""
    lines = template_text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip() == f"  {function_id}:")
    statement = next(i for i in range(start, len(lines)) if lines[i].strip() == f"- Sid: {sid}")
    end = next(i for i in range(statement, len(lines)) if lines[i].strip().startswith("Resource:"))
    del lines[statement : end + 1]
    return "".join(lines)


@pytest.fixture(scope="module")
def reduced_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A second ``python -m local`` whose CacheCallNoteFunction has no grant on the Cache table."""
    directory = tmp_path_factory.mktemp("reduced-policy-stack")
    template = directory / "template.yaml"
    text = _without_statement(
        TEMPLATE_PATH.read_text(encoding="utf-8"), "CacheCallNoteFunction", "CacheTable"
    )
    template.write_text(text, encoding="utf-8")
    stack = start_stack(directory, "--template", str(template))
    yield stack
    stack.stop()


def test_given_reduced_template_when_read_then_cache_call_note_lost_only_its_cache_grant(
    reduced_stack: StackProcess,
) -> None:
    original = load_template(TEMPLATE_PATH)
    reduced = load_template(reduced_stack.stdout_path.parent / "template.yaml")

    def statements(template: dict[str, Any]) -> list[dict[str, Any]]:
        function = template["Resources"]["CacheCallNoteFunction"]["Properties"]
        return list(function["Policies"][0]["Statement"])

    before = {s["Sid"]: s["Action"] for s in statements(original)}
    after = {s["Sid"]: s["Action"] for s in statements(reduced)}
    assert before["CacheTable"] == ["dynamodb:PutItem"]
    assert after == {sid: actions for sid, actions in before.items() if sid != "CacheTable"}


def test_given_policy_without_put_item_when_caching_a_note_then_access_denied_at_the_dynamodb_call(
    reduced_stack: StackProcess, http: requests.Session
) -> None:
    assert reduced_stack.sandbox_url is not None
    sandbox = Sandbox(http, reduced_stack.sandbox_url)
    client = Extension(requests.Session(), reduced_stack.api_url)
    client.login(sandbox)  # OauthCallbackFunction keeps its grants

    response = client.send("POST", "/callLog/cacheNote", {"sessionId": "7001", "note": "call back Friday"})

    assert response.status_code == 500
    request_id = response.headers["apigw-requestid"]
    errors = [
        r
        for r in _log_records(reduced_stack)
        if r.get("function_request_id") == request_id and "exception" in r
    ]
    assert len(errors) == 1, errors
    assert errors[0]["operation"] == "cacheCallNote"
    assert "AccessDeniedException" in errors[0]["exception"]
    assert (
        "User: arn:aws:sts::123456789012:assumed-role/appconnect-local-CacheCallNoteFunctionRole/"
        "appconnect-local-CacheCallNoteFunction is not authorized to perform: dynamodb:PutItem on resource: "
        f"{CACHE_TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action"
    ) in errors[0]["exception"]
    assert reduced_stack.access_record(request_id)["function"] == "CacheCallNoteFunction"


def test_given_policy_without_put_item_when_the_same_stack_logs_in_then_other_functions_are_unaffected(
    reduced_stack: StackProcess, http: requests.Session
) -> None:
    assert reduced_stack.sandbox_url is not None
    client = Extension(requests.Session(), reduced_stack.api_url)
    client.login(Sandbox(http, reduced_stack.sandbox_url))

    assert client.get("/hostname").status_code == 200
    assert client.get("/user/settings").status_code == 200
