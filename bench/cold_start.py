"""Cold-start import time of the Lambda handlers: a fresh interpreter per sample, as Lambda starts one.

    .venv/bin/python -m bench.cold_start [--samples 7] [--python /path/to/python3.12]

Imports run from the source tree with the interpreter's bytecode cache; run ``make build`` and point
PYTHONPATH at ``.aws-sam/build/AppConnectLayer/python`` to measure the built layer instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

HANDLERS = ("is_alive", "crm_manifest", "find_contact", "create_call_log", "create_message_log")
PROBE = "import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"


def sample(python: str, module: str, tracing: bool) -> float:
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true"}
    out = subprocess.run(
        [python, "-c", PROBE.format(module=module)], env=env, check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    print(f"{'handler':<22}{'tracing off (ms)':>18}{'tracing on (ms)':>18}")
    for module in HANDLERS:
        sample(args.python, module, False)  # write the bytecode cache once
        off = statistics.median(sample(args.python, module, False) for _ in range(args.samples))
        on = statistics.median(sample(args.python, module, True) for _ in range(args.samples))
        print(f"{module:<22}{off:>18.0f}{on:>18.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
