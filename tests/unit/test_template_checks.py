"""The CI template check (local/check_template.py) passes on template.yaml and catches real faults.

It runs under the SAM CLI's own virtual environment (.venv-sam, made by `make test` / `make sam-venv`),
because the SAM CLI pins its own cfn-lint and samtranslator.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from local.template import ROOT, TEMPLATE_PATH

pytestmark = pytest.mark.sam

SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
CHECK = ROOT / "local" / "check_template.py"


def run_check(template: Path) -> subprocess.CompletedProcess[str]:
    if not SAM_PYTHON.exists():
        pytest.fail(f"{SAM_PYTHON} is missing: run `make sam-venv` (make test does it first)")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(SAM_PYTHON), str(CHECK), str(template)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    """template.yaml with one fault put in; written next to copies of what its paths point at."""
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"expected exactly one {old!r} in template.yaml"
    broken = tmp_path / "template.yaml"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    return broken


def test_given_project_template_when_checked_then_both_checks_pass():
    result = run_check(TEMPLATE_PATH)
    assert result.returncode == 0, result.stdout + result.stderr


def test_given_misspelled_runtime_when_checked_then_the_check_fails_naming_it(tmp_path):
    broken = broken_copy(tmp_path, "    Runtime: python3.12\n", "    Runtime: pyton3.12\n")
    result = run_check(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'pyton3.12' is not one of" in result.stdout


def test_given_ref_to_missing_resource_when_checked_then_the_check_fails_naming_it(tmp_path):
    broken = broken_copy(tmp_path, "USERS_TABLE: !Ref UsersTable\n", "USERS_TABLE: !Ref UsersTabel\n")
    result = run_check(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'UsersTabel' is not one of" in result.stdout
