"""bench/cold_start.py: which handlers it measures, in what environment, and what --check answers."""

from __future__ import annotations

import subprocess
import sys
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


def test_given_a_run_when_sampled_then_both_samples_of_a_pair_import_from_one_depth_drawn_per_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, int]] = []

    def fake_sample(python: str, modules: str, env: dict[str, str], depth: int = 0) -> float:
        calls.append((modules, depth))
        return 100.0

    monkeypatch.setattr(cold_start, "sample", fake_sample)
    cold_start.measure(samples=12, modules=["is_alive", "find_contact"], seed=3)
    timed = calls[3:]  # after the untimed bytecode pass: the floor, then each module once
    pairs = list(zip(timed[::2], timed[1::2], strict=True))
    for (floor_modules, floor_depth), (handler, handler_depth) in pairs:
        assert floor_modules == cold_start.FLOOR
        assert handler in ("is_alive", "find_contact")
        assert floor_depth == handler_depth
    depths = {depth for _, depth in timed}
    assert len(depths) > 5
    assert depths <= set(cold_start.DEPTHS)


def test_given_a_depth_when_probed_then_the_import_runs_that_many_calls_below_the_top_level() -> None:
    script = cold_start.PROBE.format(modules="json", depth=7)
    script = script.replace("import json", "import json, sys; print(len(__import__('inspect').stack()))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    stack_size, _elapsed = out.split()
    assert int(stack_size) == 1 + 7 + 1  # the module, 7 recursive calls, the call that imports
