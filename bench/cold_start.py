"""Cold-start import time of every Lambda handler, against the floor measured in the same run.

    .venv/bin/python -m bench.cold_start [--samples 7] [--python /path/to/python3.12] [--check]

Each sample is a fresh interpreter that times ``import <handler module>`` (``functions/*.py``, every one), as
Lambda starts one. The floor is the same probe timing ``import pynamodb.models, requests``, what every
function that touches a table or a CRM needs at least. Floor and handler samples alternate in the same run
(a floor sample right before each handler sample, the handlers in a new random order every round), so a
busy neighbour slows both alike, and both samples of a pair import from the same call depth, drawn per
pair (:data:`DEPTHS` says why). Per handler the table shows the median of its samples, the median of the
floor samples taken next to them, and the ratio: the median of the per-sample ratios (each handler sample
over the floor sample just before it), which cancels load that comes and goes during the run. The
environment is the one ``template.yaml`` gives each function when deployed with its parameters' defaults
(``POWERTOOLS_TRACE_DISABLED`` included), resolved by :mod:`local.resources`. Bytecode is cached (one
untimed import of everything first), as the layer ships it.

Imports run from the source tree (PYTHONPATH = the layer's source, the repository, ``functions/``). To
measure the built layer as Lambda runs it, ``make build`` and pass ``--layer
.aws-sam/build/AppConnectLayer/python --python python3.12``.
``--check`` exits 1 when any ratio exceeds ``--max-ratio`` (1.3, issue 15's acceptance).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
FLOOR = "pynamodb.models, requests"
MAX_RATIO = 1.3
#: one fresh interpreter's import of ``modules``, run ``depth`` Python calls below the top level (see
#: :data:`DEPTHS`)
PROBE = """\
import time
def probe(depth):
    if depth:
        return probe(depth - 1)
    started = time.perf_counter()
    import {modules}
    return (time.perf_counter() - started) * 1000
print(probe({depth}))
"""
#: call depths a pair of samples is drawn from. CPython 3.11+ keeps its frames in 16 KiB chunks that it maps
#: and unmaps as the call stack crosses their boundaries; an import whose recursive parts (regular
#: expression compilation, nested imports) run right at a boundary maps and unmaps a chunk thousands of
#: times, 5-25 ms of page faults. Where the boundaries fall depends on the depth the import starts at, and
#: Lambda's runtime imports a handler from inside its own bootstrap, at a depth no probe reproduces. At the
#: top level of ``python -c`` the floor happens to map one chunk, at other depths up to 2,500, as the
#: handlers do at every depth. So each floor/handler pair runs at the same depth, drawn from a range
#: wider than one chunk (about 140 of these small frames), and the ratio compares like with like.
DEPTHS = range(0, 160)
#: what Lambda's runtime adds to the template's variables (nothing the imports read beyond the region)
LAMBDA_RUNTIME_ENV = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
#: names of the developer's shell that would change what is measured (and every POWERTOOLS_* the template
#: does not set)
_DROPPED_ENV = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP")


@dataclass(frozen=True)
class Result:
    """One run: per handler ``(module, median ms, ratio to the floor)``, and the run's floor median."""

    rows: list[tuple[str, float, float]]
    floor_ms: float
    #: per handler, the median of the floor samples taken next to its own
    paired_floor_ms: dict[str, float]
    #: every sample: per handler, ``(floor ms, handler ms)`` pairs taken one after the other
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def handler_modules(functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    """Every handler module in ``functions/`` (``__pycache__`` and other directories skipped)."""
    return sorted(
        path.stem for path in functions_dir.glob("*.py") if path.is_file() and not path.name.startswith("_")
    )


def deployed_environments() -> dict[str, dict[str, str]]:
    """Handler module -> the variables the template gives its function, with every parameter's default."""
    from local.resources import deployed_default_environment
    from local.template import functions, load_template

    template = load_template()
    by_logical_id = deployed_default_environment(template)
    return {spec.module: by_logical_id[spec.logical_id] for spec in functions(template)}


def python_path(layer: str | None = None) -> str:
    """What Lambda puts on ``sys.path``: the layer (here: its source and the repository) and the code."""
    parts = [layer] if layer else [str(ROOT / "layers" / "appconnect"), str(ROOT)]
    return os.pathsep.join([*parts, str(FUNCTIONS_DIR)])


def probe_environment(variables: dict[str, str], layer: str | None = None) -> dict[str, str]:
    """The child's environment: the shell's (minus what would skew the import), the template's variables
    over it, and the search path."""
    base = {
        name: value
        for name, value in os.environ.items()
        if name not in _DROPPED_ENV and not name.startswith("POWERTOOLS_")
    }
    return {**base, **LAMBDA_RUNTIME_ENV, **variables, "PYTHONPATH": python_path(layer)}


def sample(python: str, modules: str, env: dict[str, str], depth: int = 0) -> float:
    """Milliseconds one fresh interpreter spends importing ``modules``, ``depth`` calls deep."""
    out = subprocess.run(
        [python, "-c", PROBE.format(modules=modules, depth=depth)],
        env=env,
        cwd=FUNCTIONS_DIR,  # Lambda's working directory is the function's code (/var/task)
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def measure(
    samples: int = 7,
    python: str = sys.executable,
    modules: list[str] | None = None,
    layer: str | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> Result:
    """Median import time of each handler and of the floor, sampled alternately in this run."""
    modules = modules if modules is not None else handler_modules()
    environments = deployed_environments()
    default_env = next(iter(environments.values()), {})
    envs = {module: probe_environment(environments.get(module, default_env), layer) for module in modules}
    floor_env = probe_environment(default_env, layer)
    # untimed: compile every module's bytecode once, as the layer ships it
    sample(python, FLOOR, floor_env)
    for module in modules:
        sample(python, module, envs[module])
    rng = random.Random(seed)
    timings: dict[str, list[float]] = {module: [] for module in modules}
    floors: dict[str, list[float]] = {module: [] for module in modules}
    for round_ in range(samples):
        if progress:
            print(f"cold start: round {round_ + 1} of {samples}", file=sys.stderr, flush=True)
        order = list(modules)
        rng.shuffle(order)
        for module in order:
            depth = rng.choice(DEPTHS)
            floors[module].append(sample(python, FLOOR, floor_env, depth))
            timings[module].append(sample(python, module, envs[module], depth))
    pairs = {module: list(zip(floors[module], timings[module], strict=True)) for module in modules}
    rows = [
        (
            module,
            statistics.median(timings[module]),
            statistics.median(handler / floor for floor, handler in pairs[module]),
        )
        for module in modules
    ]
    return Result(
        rows=rows,
        floor_ms=statistics.median([value for values in floors.values() for value in values]),
        paired_floor_ms={module: statistics.median(floors[module]) for module in modules},
        samples=pairs,
    )


def measure_rows(
    samples: int = 7, python: str = sys.executable, layer: str | None = None
) -> tuple[list[tuple[str, float, float]], float]:
    """``([(module, median ms, ratio), ...], floor median ms)`` for every handler in ``functions/``."""
    result = measure(samples=samples, python=python, layer=layer)
    return result.rows, result.floor_ms


def render(result: Result, max_ratio: float = MAX_RATIO) -> str:
    lines = [f"{'handler':<32}{'median ms':>11}{'floor ms':>10}{'ratio':>8}"]
    for module, median, ratio in result.rows:
        flag = f"  > {max_ratio:.1f}" if ratio > max_ratio else ""
        lines.append(f"{module:<32}{median:>11.0f}{result.paired_floor_ms[module]:>10.0f}{ratio:>8.2f}{flag}")
    lines.append(f"floor (import {FLOOR}), all samples: {result.floor_ms:.0f} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=7, help="timed imports per handler (default 7)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure (default: this one)")
    parser.add_argument("--layer", default=None, help="a built layer's python/ directory, not the source")
    parser.add_argument("--only", nargs="*", default=None, help="these handler modules only")
    parser.add_argument("--check", action="store_true", help="exit 1 if any ratio exceeds --max-ratio")
    parser.add_argument("--max-ratio", type=float, default=MAX_RATIO)
    parser.add_argument("--seed", type=int, default=None, help="seed of the sampling order")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be at least 1")
    modules = handler_modules()
    if args.only:
        unknown = sorted(set(args.only) - set(modules))
        if unknown:
            parser.error(f"not handler modules: {', '.join(unknown)}")
        modules = [module for module in modules if module in args.only]
    result = measure(
        samples=args.samples,
        python=args.python,
        modules=modules,
        layer=args.layer,
        seed=args.seed,
        progress=not args.quiet,
    )
    print(render(result, args.max_ratio))
    over = [module for module, _, ratio in result.rows if ratio > args.max_ratio]
    if args.check and over:
        print(f"over {args.max_ratio} x the floor: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
