"""``make bench``: every figure of docs/performance.md in one run.

1. cold start: every function's import time beside the floor (``bench.cold_start``, fresh interpreters);
2. screen pop (``GET /contact``) per connector: CRM calls, sequential rounds, DynamoDB calls, time with no
   and with ``--delay-ms`` injected latency (``bench.screen_pop``);
3. call log (``POST /callLog``) per connector: DynamoDB and CRM calls, time (``bench.call_log``);
4. the cost model per million requests from those figures (``bench.cost``).

Parts 2 and 3 share one local stack, started in this process on free loopback ports.

    .venv/bin/python -m bench [--samples 3] [--rounds 20] [--logs 10] [--delay-ms 50] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback

from bench import call_log, cold_start, cost, crms, screen_pop
from bench.harness import PROBE_DELAY_MS, BenchStack


def machine() -> str:
    return (
        f"machine: {os.cpu_count()} cores (nproc), {platform.machine()} (uname -m), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def revision() -> str:
    """The commit measured (read-only git commands), and whether the work tree differs from it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "revision: unknown (not a git checkout)"
    return f"revision: {head}" + (" with uncommitted changes" if changed else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", type=int, default=3, help="cold-start samples per function (default 3)")
    parser.add_argument("--rounds", type=int, default=20, help="timed screen pops per number and latency")
    parser.add_argument("--logs", type=int, default=10, help="timed call logs per latency")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="latency injected on every CRM call")
    parser.add_argument(
        "--probe-delay-ms", type=float, default=PROBE_DELAY_MS, help="latency while counting rounds"
    )
    parser.add_argument("--connectors", default="all", help="comma-separated (default: all four)")
    parser.add_argument("--skip-cold-start", action="store_true", help="leave part 1 out")
    parser.add_argument(
        "--requests-per-cold-start", type=int, default=cost.Assumptions.requests_per_cold_start
    )
    parser.add_argument("--xray-fraction", type=float, default=cost.Assumptions.xray_fraction)
    parser.add_argument("--quick", action="store_true", help="fewest rounds: --samples 1 --rounds 5 --logs 3")
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.rounds, args.logs = 1, 5, 3
    if min(args.samples, args.rounds, args.logs) < 1:
        parser.error("--samples, --rounds and --logs must be at least 1")
    chosen = crms.chosen(args.connectors)
    started = time.monotonic()
    failed = []

    print(f"== make bench, {time.strftime('%Y-%m-%d %H:%M %Z')} ==")
    print(machine())
    print(revision())
    print("command: .venv/bin/python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:]))
    print()

    if not args.skip_cold_start:
        print(f"== Cold start: import of each function's handler, {args.samples} samples each ==", flush=True)
        try:
            status = cold_start.main(["--samples", str(args.samples)])
        except Exception:
            traceback.print_exc()
            status = 1
        if status:
            failed.append("cold start")
        print(flush=True)

    pops: list[screen_pop.Result] = []
    logs: list[screen_pop.Result] = []
    sizes = {}
    metrics: set[tuple[str, str]] = set()
    try:
        with BenchStack() as bench:
            pops = screen_pop.run(bench, chosen, args.rounds, args.delay_ms, args.probe_delay_ms)
            logs = call_log.run(bench, chosen, args.logs, args.delay_ms, args.probe_delay_ms)
            sizes = bench.item_sizes()
            metrics = set(bench.meter.metrics)
        failed += [f"screen pop of {r.crm}" for r in pops if r.error]
        failed += [f"call log of {r.crm}" for r in logs if r.error]
    except Exception:
        traceback.print_exc()
        failed.append("stack benches")
    if pops:
        print(screen_pop.render(pops, args.rounds, args.probe_delay_ms), end="\n\n")
    if logs:
        print(call_log.render(logs, args.logs, args.probe_delay_ms), end="\n\n")
    if pops or logs:
        assume = cost.Assumptions(
            requests_per_cold_start=args.requests_per_cold_start, xray_fraction=args.xray_fraction
        )
        print(cost.render(pops, logs, sizes, args.delay_ms, assume, metrics), end="\n\n")
    print(
        f"bench took {time.monotonic() - started:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
