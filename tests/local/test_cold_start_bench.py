"""bench/cold_start.py: which handlers it measures, in what environment, and what --check answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import cold_start
from local.template import functions


def test_given_the_functions_directory_when_listed_then_every_handler_module_and_nothing_else(
    tmp_path: Path,
) -> None:
    assert cold_start.handler_modules() == sorted(spec.module for spec in functions())
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "stale.py").write_text("")
    (tmp_path / "handler_a.py").write_text("")
    (tmp_path / "__init__.py").write_text("")
    assert cold_start.handler_modules(tmp_path) == ["handler_a"]


def test_given_the_template_when_environments_resolved_then_each_function_gets_its_deployed_defaults() -> (
    None
):
    environments = cold_start.deployed_environments()
    assert set(environments) == set(cold_start.handler_modules())
    assert {env["POWERTOOLS_TRACE_DISABLED"] for env in environments.values()} == {"true"}
    assert "TOKEN_REFRESH_QUEUE_URL" in environments["token_refresh_scheduler"]
    probe = cold_start.probe_environment(environments["is_alive"])
    assert probe["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert "PYTHONDONTWRITEBYTECODE" not in probe


def test_given_one_round_when_measured_then_rows_pair_each_sample_with_a_floor_sample() -> None:
    result = cold_start.measure(samples=2, modules=["is_alive"], seed=1)
    ((name, median_ms, ratio),) = result.rows
    assert name == "is_alive"
    assert median_ms > 0
    assert ratio > 0
    assert len(result.samples["is_alive"]) == 2
    assert result.floor_ms > 0


@pytest.mark.parametrize(("max_ratio", "status"), [("100", 0), ("0.01", 1)])
def test_given_check_when_a_ratio_exceeds_the_maximum_then_the_exit_status_says_so(
    max_ratio: str, status: int
) -> None:
    argv = ["--samples", "1", "--only", "is_alive", "--check", "--max-ratio", max_ratio, "--quiet"]
    assert cold_start.main(argv) == status
