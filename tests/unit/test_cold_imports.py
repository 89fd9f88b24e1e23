"""What a cold start imports (issue 15, cold start): the import graph of a few handlers, pinned, not timed.

Each handler is imported in a fresh interpreter with the environment ``template.yaml`` gives its function
when deployed with the parameters' defaults (``POWERTOOLS_TRACE_DISABLED`` included), and the modules it
loaded are checked: no X-Ray SDK, no Powertools, no PyJWT, no connector, no phonenumbers, no boto3. Those
load later, on the first request that needs them (a JWT to verify, the platform's connector), or never.
The timings are ``bench/cold_start.py``'s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from local.resources import deployed_default_environment
from local.template import functions, load_template

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = os.pathsep.join([str(ROOT / "layers" / "appconnect"), str(ROOT), str(ROOT / "functions")])

#: loaded by no handler's import
NEVER_AT_IMPORT = (
    "aws_xray_sdk",  # Powertools Tracer's subsegments are opt-in (TraceSubsegments=true)
    "jwt",  # PyJWT and the cryptography it loads: on the first request with a JWT
    "cryptography",
    "connectors",  # the request's platform's connector, on its first request
    "phonenumbers",  # only connectors use it
    "boto3",  # the layer ships botocore only
    "s3transfer",
    # logs and metrics are the core's own (appconnect.observability); Powertools loads only for the
    # Tracer's opt-in subsegments and the SQS worker's batch utilities, on its first batch
    "aws_lambda_powertools",
    "typing_extensions",
)

#: handler -> the request and result types it creates at import (appconnect.connector.types.<module>); the
#: others load with the connector, which imports them all
OWN_TYPES: dict[str, set[str]] = {
    "is_alive": set(),
    "crm_manifest": set(),
    "find_contact": {"contacts"},
    "create_call_log": {"results"},  # LogRef; CallLogWrite comes with the connector
    "get_call_log": {"results"},
    "create_message_log": {"message_logs"},
    "auth_validation": set(),
    "token_refresh_worker": set(),
    "token_refresh_scheduler": set(),
}
HANDLERS = sorted(OWN_TYPES)
#: the login functions import the token endpoint's client (appconnect.oauth); the others on a first refresh
NO_OAUTH_CLIENT = ["find_contact", "create_call_log", "create_message_log", "token_refresh_worker"]


@cache
def _environments() -> dict[str, dict[str, str]]:
    template = load_template()
    by_logical_id = deployed_default_environment(template)
    return {spec.module: by_logical_id[spec.logical_id] for spec in functions(template)}


def run_cold(module: str, then: str = "", **overrides: str) -> str:
    """What a fresh interpreter prints after ``import <module>`` and ``then``, with the deployed defaults."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")},
        **_environments()[module],
        **overrides,
        "PYTHONPATH": PYTHONPATH,
    }
    probe = f"import json, sys; import {module}; {then or 'print(json.dumps(sorted(sys.modules)))'}"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return out.strip().splitlines()[-1]


def loaded_by_import(module: str, **overrides: str) -> set[str]:
    """The modules a fresh interpreter has loaded once ``import <module>`` returns."""
    return set(json.loads(run_cold(module, **overrides)))


def _under(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(f"{package}."))


@cache
def _loaded(module: str) -> frozenset[str]:
    return frozenset(loaded_by_import(module))


def test_given_the_template_defaults_when_deployed_then_tracer_subsegments_are_off() -> None:
    for module, environment in _environments().items():
        assert environment["POWERTOOLS_TRACE_DISABLED"] == "true", module


@pytest.mark.parametrize("handler", HANDLERS)
@pytest.mark.parametrize("package", NEVER_AT_IMPORT)
def test_given_deployed_defaults_when_a_handler_is_imported_then_it_does_not_load_the_package(
    handler: str, package: str
) -> None:
    assert _under(set(_loaded(handler)), package) == []


@pytest.mark.parametrize("handler", HANDLERS)
def test_given_a_handler_when_imported_then_it_creates_only_its_own_operations_types(handler: str) -> None:
    groups = {m.rsplit(".", 1)[1] for m in _under(set(_loaded(handler)), "appconnect.connector.types")} - {
        "types"
    }
    assert groups == OWN_TYPES[handler]


@pytest.mark.parametrize("handler", HANDLERS)
def test_given_a_handler_when_imported_then_the_composer_waits_for_the_connector(handler: str) -> None:
    """Every connector imports the composer; the call and message logs use it after loading theirs."""
    assert _under(set(_loaded(handler)), "appconnect.composer") == []


@pytest.mark.parametrize("handler", NO_OAUTH_CLIENT)
def test_given_a_function_that_signs_nobody_in_when_imported_then_the_token_client_waits_for_a_refresh(
    handler: str,
) -> None:
    assert _under(set(_loaded(handler)), "appconnect.oauth") == []


@pytest.mark.parametrize("handler", ["find_contact", "create_call_log", "create_message_log"])
def test_given_a_crm_function_when_imported_then_botocore_pynamodb_and_requests_are_loaded_at_init(
    handler: str,
) -> None:
    """What every request of it needs stays in the init phase (Lambda runs it with burst CPU)."""
    loaded = _loaded(handler)
    assert {"botocore", "pynamodb.models", "requests", "appconnect.connector.client"} <= loaded


def test_given_subsegments_opted_in_when_a_handler_is_imported_then_the_tracer_loads_the_xray_sdk() -> None:
    loaded = loaded_by_import("is_alive", POWERTOOLS_TRACE_DISABLED="false")
    assert _under(loaded, "aws_xray_sdk")


def test_given_a_call_log_function_other_than_create_when_imported_then_the_claims_stay_unloaded() -> None:
    assert _under(set(_loaded("get_call_log")), "appconnect.claims") == []


def test_given_the_scheduler_when_imported_then_no_batch_utilities_and_no_crm_client() -> None:
    loaded = set(_loaded("token_refresh_scheduler"))
    assert _under(loaded, "aws_lambda_powertools") == []
    assert _under(loaded, "requests") == []


def test_given_a_handler_when_imported_then_no_redaction_pattern_is_compiled_before_the_first_log() -> None:
    then = "from appconnect import observability; print(observability._patterns.cache_info().currsize)"
    assert run_cold("find_contact", then) == "0"
