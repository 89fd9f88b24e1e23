"""Screen pop (``GET /contact``) per connector: CRM calls, sequential CRM rounds, DynamoDB calls and time.

Starts the local stack in this process on free loopback ports (API, embedded DynamoDB, sandbox CRMs) and,
for each connector, logs in to its sandbox as the extension does, then:

* counts, for a number the CRM has and one it does not, the CRM calls (the sandbox's journal), the
  sequential rounds (with ``--probe-delay-ms`` injected on every CRM call, the longest chain of calls
  each made after the previous one answered) and the DynamoDB calls (moto's request recorder). Insightly
  is counted for a number stored in the company's usual format (the bench seeds 200 contacts typed
  that way), first and on a later lookup, when what the connector learned about the company is in use;
* times ``--rounds`` lookups of each number with no injected latency (the server's own time) and with
  ``--delay-ms`` on every CRM call: the client's wall time and the function's duration (the stack's
  access log, what Lambda would bill for a warm invocation), median and p95;
* meters what the function logs per lookup (Powertools log lines and metric documents), the bytes that
  CloudWatch Logs would ingest from it, Lambda's own START/END/REPORT lines apart.

    .venv/bin/python -m bench.screen_pop [--connectors all] [--rounds 20] [--delay-ms 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import crms
from bench.harness import (
    PROBE_DELAY_MS,
    BenchStack,
    Client,
    DynamoCall,
    Sandbox,
    Timed,
    call_names,
    dynamodb_summary,
    median_p95,
    response_size,
    sequential_rounds,
    server_ms,
)


@dataclass
class Count:
    """What one request cost: its CRM calls, their sequential rounds and its DynamoDB calls."""

    label: str
    crm_calls: int
    rounds: int
    calls: dict[str, int]
    dynamodb: list[DynamoCall]
    #: contacts matched (screen pop), or the log id (call log)
    detail: str = ""


@dataclass
class Timing:
    """``rounds`` of one request at one injected latency."""

    label: str
    delay_ms: float
    client_ms: list[float]
    server_ms: list[float]
    response_bytes: float = 0.0
    log_bytes: float = 0.0
    log_lines: float = 0.0


@dataclass
class Result:
    crm: str
    counts: list[Count] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)
    #: why the connector could not be measured (the others still are)
    error: str = ""

    def timing(self, label: str, delay_ms: float) -> Timing | None:
        return next((t for t in self.timings if t.label == label and t.delay_ms == delay_ms), None)


@contextmanager
def counting(
    bench: BenchStack, box: Sandbox, probe_delay_ms: float
) -> Iterator[tuple[list[DynamoCall], list[dict[str, Any]]]]:
    """CRM journal and DynamoDB calls of the block, with ``probe_delay_ms`` on every CRM call."""
    box.latency(probe_delay_ms)
    box.clear_journal()
    journal: list[dict[str, Any]] = []
    try:
        with bench.recording_dynamodb() as dynamo:
            yield dynamo, journal
    finally:
        journal.extend(box.journal())
        box.latency(0)


def _matched(body: dict[str, Any]) -> list[Any]:
    return [c.get("id") for c in body.get("contact") or [] if not c.get("isNewContact")]


def lookup(client: Client, number: str) -> tuple[Timed, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get("/contact", phoneNumber=number)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or not response.json().get("successful"):
        raise RuntimeError(f"GET /contact {number}: {response.status_code} {response.text[:300]}")
    timed = Timed(elapsed, response.headers.get("apigw-requestid", ""), response_size(response))
    return timed, response.json()


def count_lookup(
    bench: BenchStack, box: Sandbox, client: Client, crm: crms.Crm, item: crms.Lookup, probe_delay_ms: float
) -> Count:
    crm.pause()
    with counting(bench, box, probe_delay_ms) as (dynamo, journal):
        _, body = lookup(client, item.number)
    matched = _matched(body)
    if bool(matched) != item.found:
        raise RuntimeError(f"{box.system} {item.label} {item.number}: matched {matched}")
    return Count(
        label=item.label,
        crm_calls=len(journal),
        rounds=sequential_rounds(journal, probe_delay_ms),
        calls=dict(call_names(journal)),
        dynamodb=list(dynamo),
        detail=f"{len(matched)} matched",
    )


def time_requests(
    bench: BenchStack,
    box: Sandbox,
    label: str,
    delay_ms: float,
    rounds: int,
    send: Callable[[], Timed],
    pause: Callable[[], None] = lambda: None,
) -> Timing:
    """``rounds`` calls of ``send()`` with ``delay_ms`` on every CRM call, metering what the function logs;
    ``pause()`` before each."""
    box.latency(delay_ms)
    timed: list[Timed] = []
    try:
        pause()
        send()  # one untimed: connections and caches as a warm function has them
        with bench.meter.metering() as logged:
            for _ in range(rounds):
                pause()
                timed.append(send())
    finally:
        box.latency(0)
    return Timing(
        label=label,
        delay_ms=delay_ms,
        client_ms=[t.client_ms for t in timed],
        server_ms=server_ms(bench, timed),
        response_bytes=sum(t.response_bytes for t in timed) / len(timed),
        log_bytes=logged.bytes / len(timed),
        log_lines=logged.lines / len(timed),
    )


def measure(
    bench: BenchStack, crm: crms.Crm, rounds: int, delay_ms: float, probe_delay_ms: float = PROBE_DELAY_MS
) -> Result:
    box, client = crms.start(bench, crm)
    result = Result(crm.name)
    for item in crm.lookups:
        result.counts.append(count_lookup(bench, box, client, crm, item, probe_delay_ms))
    for label, number in (("found", crm.timed_found), ("not found", crm.timed_unknown)):

        def send(number: str = number) -> Timed:
            return lookup(client, number)[0]

        for delay in (0.0, delay_ms):
            result.timings.append(time_requests(bench, box, label, delay, rounds, send, crm.pause))
    return result


def run(
    bench: BenchStack,
    chosen: list[crms.Crm],
    rounds: int,
    delay_ms: float,
    probe_delay_ms: float = PROBE_DELAY_MS,
) -> list[Result]:
    return each(
        bench, "screen pop", chosen, lambda crm: measure(bench, crm, rounds, delay_ms, probe_delay_ms)
    )


def each(
    bench: BenchStack, what: str, chosen: list[crms.Crm], measure_one: Callable[[crms.Crm], Result]
) -> list[Result]:
    """``measure_one`` of every connector; one that fails is reported (with what the functions logged
    last) and the others are measured all the same."""
    results = []
    for crm in chosen:
        bench.say(f"{what}: {crm.name} ...")
        try:
            results.append(measure_one(crm))
        except Exception as error:
            bench.say(f"{what}: {crm.name} FAILED: {error!r}")
            bench.explain()
            results.append(Result(crm.name, error=f"{type(error).__name__}: {error}"))
    return results


def failures(results: list[Result]) -> list[str]:
    return [f"{r.crm} FAILED: {r.error}" for r in results if r.error]


def measured(results: list[Result]) -> list[Result]:
    return [r for r in results if not r.error]


# -- what it prints ------------------------------------------------------------------------------------------


def render_counts(results: list[Result], what: str) -> list[str]:
    lines = [f"{'connector':<11}{what:<30}{'CRM calls':>10}{'rounds':>8}  DynamoDB calls"]
    for result in measured(results):
        for count in result.counts:
            lines.append(
                f"{result.crm:<11}{count.label:<30}{count.crm_calls:>10}{count.rounds:>8}  "
                f"{dynamodb_summary(count.dynamodb)}"
            )
    return lines


def render_calls(results: list[Result]) -> list[str]:
    lines = []
    for result in measured(results):
        for count in result.counts:
            calls = ", ".join(f"{name} x{n}" for name, n in sorted(count.calls.items()))
            lines.append(f"  {result.crm} {count.label} ({count.detail}): {calls}")
    return lines


def render_timings(results: list[Result], rounds: int, what: str = "lookups") -> list[str]:
    lines = [
        f"{'':<22}{'CRM':>7}{'client (ms)':>20}{'function (ms)':>20}{'logged':>10}{'response':>10}",
        f"{'connector':<11}{'request':<11}{'delay':>7}{'median':>10}{'p95':>10}{'median':>10}{'p95':>10}"
        f"{'B/req':>10}{'B':>10}",
    ]
    for result in measured(results):
        for t in result.timings:
            client_median, client_p95 = median_p95(t.client_ms)
            server_median, server_p95 = median_p95(t.server_ms)
            lines.append(
                f"{result.crm:<11}{t.label:<11}{t.delay_ms:>5.0f}ms{client_median:>10.1f}{client_p95:>10.1f}"
                f"{server_median:>10.1f}{server_p95:>10.1f}{t.log_bytes:>10.0f}{t.response_bytes:>10.0f}"
            )
    lines.append(
        f"({rounds} {what} each, after one untimed; client: wall time through the local API; function: the "
        "handler's duration in the stack's access log; logged: bytes the function printed (log lines and "
        "metric documents); response: status line, headers and body)"
    )
    return lines


def render(results: list[Result], rounds: int, probe_delay_ms: float = PROBE_DELAY_MS) -> str:
    lines = [
        "== Screen pop: GET /contact ==",
        f"counted with {probe_delay_ms:.0f} ms injected on every CRM call "
        "(rounds: calls made one after the other)",
        *render_counts(results, "lookup"),
        "CRM calls made:",
        *render_calls(results),
        "",
        *render_timings(results, rounds),
        *failures(results),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--connectors", default="all", help="comma-separated (default: all four)")
    parser.add_argument("--rounds", type=int, default=20, help="timed lookups per number and latency")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="latency injected on every CRM call")
    parser.add_argument("--probe-delay-ms", type=float, default=PROBE_DELAY_MS)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    chosen = crms.chosen(args.connectors)
    with BenchStack() as bench:
        results = run(bench, chosen, args.rounds, args.delay_ms, args.probe_delay_ms)
    print(render(results, args.rounds, args.probe_delay_ms))
    return 1 if failures(results) else 0


if __name__ == "__main__":
    sys.exit(main())
