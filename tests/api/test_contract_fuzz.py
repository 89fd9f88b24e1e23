"""Fuzz every operation of the public contract against a local stack: no 5xx, no answer off the schema.

schemathesis generates requests from ``crm-server-openapi-public.json`` (the App Connect connector-server
contract, a copy of ../shared/spec/openapi), valid and invalid, for **every** operation it lists, the
routes this server does not offer included (they must answer a 4xx, never a 5xx). Each of the four CRMs is
fuzzed with the JWT of one of its sandbox users and a RingCentral admin's token, so the JWT routes reach
each connector and the admin routes get past their check.

The run is bounded for ``make test`` and open-ended for ``make fuzz``; its seed changes per run and is
printed, so a failure reproduces:

* ``FUZZ_SEED``: the seed (default: a new one per run, printed on failure and in ``make fuzz``'s output);
* ``FUZZ_EXAMPLES``: generated cases per operation and phase (default 6);
* ``FUZZ_SECONDS``: a time budget per CRM; fuzzing repeats until it is spent (default: none);
* ``FUZZ_COVERAGE``: ``all`` runs schemathesis's coverage phase (boundary values of every parameter, about
  20 s a CRM) for every CRM; by default it runs for one CRM, chosen by the seed.

The fuzz runs on a stack of its own: it writes junk settings, admin rows and CRM records that the other
tests of this process must not meet. Deliberate deviations from the contract (docs/compatibility.md,
"Contract fuzzing") are the only checks switched off, each for the operations it concerns.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api import bullhorn_world, insightly_world, pipedrive_world, redtail_world
from tests.stack import StackProcess, start_stack

pytestmark = pytest.mark.stack

CONTRACT = Path(__file__).with_name("crm-server-openapi-public.json")
CRMS = ("pipedrive", "bullhorn", "insightly", "redtail")
#: one seed per run, the same in every pytest-xdist worker (their run id is shared), new each run
SEED = int(
    os.environ.get("FUZZ_SEED")
    or int(os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:7] or "0", 16)
    or random.SystemRandom().randrange(1, 2**28)
)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 6)
SECONDS = os.environ.get("FUZZ_SECONDS")
COVERAGE_FOR = CRMS if os.environ.get("FUZZ_COVERAGE") == "all" else (CRMS[SEED % len(CRMS)],)
#: logging out ends the JWT every other operation needs: fuzzed last, on its own (POST is its only method)
LOGOUT = "/unAuthorize"

#: the checks, and the deliberate deviations from the contract (docs/compatibility.md, "Contract fuzzing"):
#: a check switched off only for the operations it concerns, and why
CONFIG = """
[checks]
enabled = false
not_a_server_error.enabled = true
response_schema_conformance.enabled = true

# Routes this server does not offer answer API Gateway's own 404 {"message": "Not Found"}; the contract's
# 404 body of the plugin callback ({successful, message}) describes the reference's plugin support.
[[operations]]
include-path = "/plugin/async-callback/{taskId}"
checks.response_schema_conformance.enabled = false
"""


def amended_contract() -> dict[str, Any]:
    """The contract, amended where the reference's answer (kept, so the extension sees no difference) is not
    what the contract describes; docs/compatibility.md lists each under "Contract fuzzing"."""
    contract: dict[str, Any] = json.loads(CONTRACT.read_text(encoding="utf-8"))
    schemas = contract["components"]["schemas"]
    # GET /callLog without session ids, or for a user who is gone: {"successful": false} and no logs (7.1)
    schemas["CallLogLookupResponse"]["required"] = ["successful"]
    # Pipedrive's answer to an internal extension number: {returnMessage, contact: null}, no successful
    schemas["ContactSearchResponse"]["required"] = []
    schemas["ContactSearchResponse"]["properties"]["contact"]["nullable"] = True
    # Insightly's "Create new contact..." entry carries "additionalInfo": null, as its reference connector
    schemas["ContactInfo"]["properties"]["additionalInfo"]["nullable"] = True
    # "returnMessage": null when no connector call was made (GET /callLog, POST /messageLog), as the reference
    schemas["ReturnMessage"]["nullable"] = True
    return contract


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    stack = start_stack(tmp_path_factory.mktemp("fuzz-stack"))
    yield stack
    stack.stop()


def _login(crm: str, api: str, sandbox: str) -> str:
    """The JWT of a sandbox user of ``crm``, logged in as the extension does."""
    http = requests.Session()
    if crm == "pipedrive":
        pipedrive = pipedrive_world.Extension(http, api)
        pipedrive.login(pipedrive_world.Sandbox(http, sandbox))
        return pipedrive.jwt
    if crm == "bullhorn":
        bullhorn = bullhorn_world.Extension(http, api)
        bullhorn.login(bullhorn_world.Sandbox(http, sandbox))
        return bullhorn.jwt
    if crm == "insightly":
        insightly = insightly_world.Extension(http, api)
        box = insightly_world.Sandbox(http, sandbox)
        assert insightly.api_key_login(insightly_world.AVERY_KEY, box.api_url).status_code == 200
        return insightly.jwt
    redtail = redtail_world.Extension(http, api)
    assert redtail.api_key_login().status_code == 200
    return redtail.jwt


def _schemathesis(
    spec: Path,
    config: Path,
    api: str,
    headers: dict[str, str],
    phases: str,
    *filters: str,
    budget: bool = True,
) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(spec),
        "--url",
        api,
        "--phases",
        phases,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--warnings",
        "off",
        *filters,
    ]
    if SECONDS and budget:
        command += ["--max-time", SECONDS]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    timeout = 3600 if SECONDS is None else int(SECONDS) * 3 + 600
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def _cases(output: str) -> int:
    found = re.search(r"(\d+) generated", output)
    assert found, output[-3000:]
    return int(found.group(1))


@pytest.mark.parametrize("crm", CRMS)
def test_given_generated_requests_for_every_operation_with_a_crm_users_jwt_then_no_5xx_and_none_off_schema(
    fuzz_stack: StackProcess, tmp_path: Path, crm: str
) -> None:
    api, sandbox = fuzz_stack.api_url, fuzz_stack.sandbox_url
    assert sandbox is not None
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    spec = tmp_path / "contract.json"
    spec.write_text(json.dumps(amended_contract()), encoding="utf-8")
    jwt = _login(crm, api, sandbox)
    rc_admin = insightly_world.Sandbox(requests.Session(), sandbox).rc_token()  # Jordan Lee, an RC admin
    headers = {"Authorization": f"Bearer {jwt}", "X-RC-Access-Token": rc_admin}
    phases = "examples,coverage,fuzzing,stateful" if crm in COVERAGE_FOR else "examples,fuzzing,stateful"
    reproduce = f"FUZZ_SEED={SEED} FUZZ_EXAMPLES={EXAMPLES} (phases {phases})"
    print(f"contract fuzzing {crm}: {reproduce}")

    everything_else = _schemathesis(spec, config, api, headers, phases, "--exclude-path", LOGOUT)
    logout = _schemathesis(spec, config, api, headers, phases, "--include-path", LOGOUT, budget=False)

    for run in (everything_else, logout):
        failure = f"{crm}, rerun with {reproduce}:\n{run.stdout[-8000:]}{run.stderr[-2000:]}"
        assert run.returncode == 0, failure
    cases = _cases(everything_else.stdout) + _cases(logout.stdout)
    paths = amended_contract()["paths"].values()
    operations = sum(len([method for method in item if method != "parameters"]) for item in paths)
    print(f"contract fuzzing {crm}: {cases} cases over {operations} operations, 0 failures")
    assert cases >= operations
