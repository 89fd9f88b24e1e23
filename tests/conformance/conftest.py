"""The conformance suite's fixtures: one run of every scenario per connector fixture module in ``crms/``."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.api.extension import Extension
from tests.conformance.kit import CrmWorld
from tests.sandbox_client import SandboxClient

CRMS = sorted(p.stem for p in (Path(__file__).parent / "crms").glob("*.py") if not p.stem.startswith("_"))


@pytest.fixture(params=CRMS)
def world(request: pytest.FixtureRequest) -> CrmWorld:
    """One connector's facts (``tests/conformance/crms/<crm>.py``)."""
    module = importlib.import_module(f"tests.conformance.crms.{request.param}")
    found: CrmWorld = module.WORLD
    return found


@pytest.fixture
def box(world: CrmWorld, http: requests.Session, sandbox_url: str) -> Iterator[SandboxClient]:
    """The connector's sandbox, back to its seed, with no fault or latency left behind."""
    sandbox = SandboxClient(http, sandbox_url, world.platform)
    sandbox.reset()
    yield sandbox
    sandbox.own("DELETE", "faults")
    sandbox.own("DELETE", "latency")


@pytest.fixture
def client(world: CrmWorld, box: SandboxClient, api_url: str) -> Extension:
    """The extension, logged in to the connector's sandbox."""
    return world.login(api_url, box)
