"""Fuzz every implemented route of the local stack against the OpenAPI contract: no input is a 5xx.

schemathesis generates requests from ``crm-server-openapi-public.json`` (the App Connect connector-server
contract), valid and invalid, with a logged-in user's JWT, and checks that none is answered with a server
error. Routes this server does not implement are left out of the contract it is given.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.api.pipedrive_world import Extension, Sandbox

pytestmark = pytest.mark.stack

CONTRACT = Path(__file__).with_name("crm-server-openapi-public.json")
IMPLEMENTED = {
    "/isAlive",
    "/implementedInterfaces",
    "/crmManifest",
    "/releaseNotes",
    "/serverVersionInfo",
    "/oauth-callback",
    "/apiKeyLogin",
    "/unAuthorize",
    "/authValidation",
    "/hostname",
    "/userInfoHash",
    "/user/preloadSettings",
    "/user/refreshInfo",
    "/user/settings",
    "/contact",
    "/custom/contact/search",
    "/callLog",
    "/callLog/cacheNote",
    "/callDisposition",
    "/messageLog",
}
EXAMPLES_PER_OPERATION = 15


def test_given_generated_requests_for_every_route_when_sent_then_none_is_a_server_error(
    api_url: str, sandbox_url: str, tmp_path: Path
) -> None:
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    contract["paths"] = {path: item for path, item in contract["paths"].items() if path in IMPLEMENTED}
    assert set(contract["paths"]) == IMPLEMENTED
    spec = tmp_path / "implemented.json"
    spec.write_text(json.dumps(contract), encoding="utf-8")
    sandbox = Sandbox(requests.Session(), sandbox_url)
    client = Extension(requests.Session(), api_url)
    client.login(sandbox)

    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            str(spec),
            "--url",
            api_url,
            "--header",
            f"Authorization: Bearer {client.jwt}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--seed",
            "20261126",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
