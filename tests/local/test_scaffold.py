"""``make new-connector``: a scaffolded connector passes the structural checks and fails every behavioural
scenario of the conformance suite with a message saying what to write, in a copy of this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.scaffold import scaffold

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the working tree (what git tracks or would) with ``acme`` scaffolded into it."""
    copy = tmp_path_factory.mktemp("repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    scaffold("acme", "Acme", "apiKey", root=copy)
    return copy


def _run(copy: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(copy / "layers" / "appconnect"), str(copy), str(copy / "functions")]
        ),
        "MYPYPATH": str(copy / "layers" / "appconnect"),
    }
    return subprocess.run(
        command, cwd=copy, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _pytest(copy: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return _run(copy, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments)


def test_given_a_scaffolded_connector_when_linted_and_type_checked_then_clean(scaffolded: Path) -> None:
    files = ["connectors/acme", "local/sandbox/acme.py", "tests/conformance/crms/acme.py"]
    lint = _run(scaffolded, sys.executable, "-m", "ruff", "check", *files)
    assert lint.returncode == 0, lint.stdout
    formatted = _run(scaffolded, sys.executable, "-m", "ruff", "format", "--check", *files)
    assert formatted.returncode == 0, formatted.stdout
    typed = _run(scaffolded, sys.executable, "-m", "mypy", "connectors/acme", "local/sandbox/acme.py")
    assert typed.returncode == 0, typed.stdout


def test_given_a_scaffolded_connector_when_the_structural_checks_run_then_they_pass(scaffolded: Path) -> None:
    checked = _pytest(scaffolded, "tests/unit/test_connector_boundary.py", "-k", "acme")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "2 passed" in checked.stdout


def test_given_a_scaffolded_connector_when_the_conformance_suite_runs_then_each_scenario_fails_saying_why(
    scaffolded: Path,
) -> None:
    run = _pytest(scaffolded, "tests/conformance", "-k", "acme and not declares_only_known")
    assert run.returncode == 1, run.stdout[-3000:]
    assert " passed" not in run.stdout.splitlines()[-1], "no scenario may pass before it is written"
    assert "acme: the login answered 501" in run.stdout
    assert "write the connector's login (connectors/acme/)" in run.stdout
