"""Fixtures for every test directory. Keep this small: directory fixtures live in each conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.stack import StackProcess, start_stack

if TYPE_CHECKING:
    from local.aws import LocalDynamoDB


@pytest.fixture(scope="session")
def local_dynamodb() -> Iterator[LocalDynamoDB]:
    """moto's server on a free loopback port with template.yaml's tables and queues, created from the
    template's own definitions by the same code as ``make run``. Names are unique to this test process.

    Gives ``.endpoint_url``, ``.tables`` (logical id -> table name) and ``.environment()``.
    """
    from local.aws import start_embedded_aws

    database = start_embedded_aws(prefix=f"test-{os.getpid()}-")
    yield database
    database.stop()


@pytest.fixture
def local_dynamodb_env(local_dynamodb: LocalDynamoDB, monkeypatch: pytest.MonkeyPatch) -> LocalDynamoDB:
    """The process environment pointed at :func:`local_dynamodb`: the template's table and queue variables
    (``USERS_TABLE`` ...), ``DYNAMODB_ENDPOINT_URL``/``AWS_ENDPOINT_URL`` and dummy credentials. Code that
    caches settings must reload them (``appconnect.settings.reload()``)."""
    from local.config import UNSET_ENV

    for name in UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in local_dynamodb.environment().items():
        monkeypatch.setenv(name, value)
    return local_dynamodb


# -- the local stack, for the API tests and the stack's own tests ---------------------------------------


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """The local stack, started once per test process; yields its URLs and its logs."""
    stack = start_stack(tmp_path_factory.mktemp("local-stack"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def api_url(local_stack: StackProcess) -> str:
    """Base URL of the local API (``http://127.0.0.1:<port>``)."""
    return local_stack.api_url


@pytest.fixture(scope="session")
def dynamodb_url(local_stack: StackProcess) -> str:
    """Endpoint of the stack's embedded DynamoDB (moto)."""
    return local_stack.dynamodb_url


@pytest.fixture(scope="session")
def sandbox_url(local_stack: StackProcess) -> str:
    """Base URL of the stack's sandbox CRMs (``/pipedrive``, ``/bullhorn`` ... under it)."""
    if local_stack.sandbox_url is None:
        pytest.skip("the sandbox CRMs (local/sandbox) are not available")
    return local_stack.sandbox_url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A keep-alive HTTP session for talking to the stack."""
    with requests.Session() as session:
        yield session


# -- the conformance suite's report: each scenario per connector ------------------------------------------

_CONFORMANCE: dict[tuple[str, str], str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/conformance/test_scenarios.py::" not in report.nodeid or "[" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        test, _, params = report.nodeid.split("::", 1)[1].partition("[")
        connector = params.rstrip("]").split("-", 1)[0]
        scenario = test + ("[" + params.split("-", 1)[1] if "-" in params else "")
        _CONFORMANCE[(scenario, connector)] = "skipped" if report.skipped else report.outcome


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A table of the conformance scenarios by connector: passed, failed or skipped (reasons above)."""
    if not _CONFORMANCE:
        return
    connectors = sorted({connector for _, connector in _CONFORMANCE})
    scenarios = sorted({scenario for scenario, _ in _CONFORMANCE})
    terminalreporter.section("connector conformance")
    width = max(len(s) for s in scenarios)
    terminalreporter.write_line(f"{'scenario'.ljust(width)}  " + "  ".join(c.ljust(9) for c in connectors))
    for scenario in scenarios:
        cells = (_CONFORMANCE.get((scenario, c), "-").ljust(9) for c in connectors)
        terminalreporter.write_line(f"{scenario.ljust(width)}  " + "  ".join(cells))
