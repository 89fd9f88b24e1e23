"""Call log (``POST /callLog``) per connector: the DynamoDB calls (by operation and table) and CRM calls it
makes, their sequential rounds, and its time.

Starts the local stack in this process on free loopback ports and, for each connector, logs in to its
sandbox as the extension does, then logs calls with the seeded contact, each a new call session:

* the user's first call log and a later one, counted: CRM calls (the sandbox's journal), sequential
  rounds (``--probe-delay-ms`` injected on every CRM call) and DynamoDB calls (moto's request recorder);
* ``--logs`` more, timed with no injected latency and with ``--delay-ms`` on every CRM call (the client's
  wall time and the function's duration from the stack's access log), metering what the function logs.

    .venv/bin/python -m bench.call_log [--connectors all] [--logs 10] [--delay-ms 50]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import uuid
from typing import Any

from bench import crms
from bench.harness import (
    PROBE_DELAY_MS,
    BenchStack,
    Client,
    Sandbox,
    Timed,
    call_names,
    response_size,
    sequential_rounds,
)
from bench.screen_pop import (
    Count,
    Result,
    counting,
    each,
    failures,
    render_calls,
    render_counts,
    render_timings,
    time_requests,
)

_sessions = itertools.count(1)


def _session_id() -> str:
    """A call session no earlier run logged (the server logs a session once)."""
    return f"{uuid.uuid4().int % 10**8:08d}{next(_sessions):04d}"


def log_call(client: Client, crm: crms.Crm) -> tuple[Timed, dict[str, Any]]:
    started = time.perf_counter()
    response = client.post("/callLog", crm.call_log_body(_session_id()))
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200 or not body.get("successful"):
        raise RuntimeError(f"POST /callLog ({crm.name}): {response.status_code} {response.text[:300]}")
    return Timed(elapsed, response.headers.get("apigw-requestid", ""), response_size(response)), body


def count_log(
    bench: BenchStack, box: Sandbox, client: Client, crm: crms.Crm, label: str, delay: float
) -> Count:
    crm.pause()
    with counting(bench, box, delay) as (dynamo, journal):
        _, body = log_call(client, crm)
    return Count(
        label=label,
        crm_calls=len(journal),
        rounds=sequential_rounds(journal, delay),
        calls=dict(call_names(journal)),
        dynamodb=list(dynamo),
        detail=f"log {body.get('logId')}",
    )


def measure(
    bench: BenchStack, crm: crms.Crm, logs: int, delay_ms: float, probe_delay_ms: float = PROBE_DELAY_MS
) -> Result:
    box, client = crms.start(bench, crm)
    result = Result(crm.name)
    result.counts.append(count_log(bench, box, client, crm, "first log of the user", probe_delay_ms))
    result.counts.append(count_log(bench, box, client, crm, "a later log", probe_delay_ms))
    for delay in (0.0, delay_ms):
        result.timings.append(
            time_requests(bench, box, "new call", delay, logs, lambda: log_call(client, crm)[0], crm.pause)
        )
    return result


def run(
    bench: BenchStack,
    chosen: list[crms.Crm],
    logs: int,
    delay_ms: float,
    probe_delay_ms: float = PROBE_DELAY_MS,
) -> list[Result]:
    return each(bench, "call log", chosen, lambda crm: measure(bench, crm, logs, delay_ms, probe_delay_ms))


def render(results: list[Result], logs: int, probe_delay_ms: float = PROBE_DELAY_MS) -> str:
    lines = [
        "== Call log: POST /callLog ==",
        f"counted with {probe_delay_ms:.0f} ms injected on every CRM call "
        "(rounds: calls made one after the other)",
        *render_counts(results, "call log"),
        "CRM calls made:",
        *render_calls(results),
        "",
        *render_timings(results, logs, "call logs"),
        *failures(results),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--connectors", default="all", help="comma-separated (default: all four)")
    parser.add_argument("--logs", type=int, default=10, help="timed call logs per latency")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="latency injected on every CRM call")
    parser.add_argument("--probe-delay-ms", type=float, default=PROBE_DELAY_MS)
    args = parser.parse_args(argv)
    if args.logs < 1:
        parser.error("--logs must be at least 1")
    chosen = crms.chosen(args.connectors)
    with BenchStack() as bench:
        results = run(bench, chosen, args.logs, args.delay_ms, args.probe_delay_ms)
    print(render(results, args.logs, args.probe_delay_ms))
    return 1 if failures(results) else 0


if __name__ == "__main__":
    sys.exit(main())
