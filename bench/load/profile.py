"""What the load run does, shared by the runner (``__main__``) and the locustfile: the operations and their
weights, the phases, and the figures computed from the per-request record."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the four connectors, each driven by the same number of Locust users
CRMS = ("pipedrive", "bullhorn", "insightly", "redtail")
#: an operation's weight among a user's tasks: six reads for two writes (one log write per three reads)
WEIGHTS = {"GET /contact": 4, "GET /callLog": 2, "POST /callLog": 1, "PATCH /callLog": 1}
READS = ("GET /contact", "GET /callLog")
#: one ``POST /callLog`` in this many sends a session logged before again (the extension retrying)
RETRY_EVERY = 10
RETRY = "POST /callLog (retry)"
OPERATIONS = (*WEIGHTS, RETRY)


@dataclass(frozen=True)
class Profile:
    """Steady ``rate`` requests/s for ``steady_s``, then ``rate * burst_factor`` for ``burst_s``."""

    rate: float = 17.0
    steady_s: float = 300.0
    burst_factor: float = 3.0
    burst_s: float = 60.0
    #: Locust users per connector in the steady phase (the burst has ``burst_factor`` times as many)
    users_per_crm: int = 4

    @property
    def steady_users(self) -> int:
        return self.users_per_crm * len(CRMS)

    @property
    def burst_users(self) -> int:
        return round(self.steady_users * self.burst_factor)

    @property
    def per_user_rate(self) -> float:
        """Tasks per second of one Locust user (``constant_throughput``), the same in both phases."""
        return self.rate / self.steady_users

    def phase(self, elapsed_s: float) -> str | None:
        if elapsed_s < self.steady_s:
            return "steady"
        if elapsed_s < self.steady_s + self.burst_s:
            return "burst"
        return None

    def to_env(self) -> dict[str, str]:
        return {"LOAD_PROFILE": json.dumps(self.__dict__)}

    @classmethod
    def from_env(cls, environ: dict[str, str]) -> Profile:
        return cls(**json.loads(environ["LOAD_PROFILE"]))


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Row:
    phase: str
    operation: str
    requests: int
    errors: int
    p50: float
    p95: float
    p99: float
    rate: float


def read_record(path: Path) -> list[dict[str, Any]]:
    """The per-request lines the locustfile wrote (JSON a line)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rows(record: Iterable[dict[str, Any]], durations: dict[str, float]) -> list[Row]:
    """Per phase and operation, then per connector (``all pipedrive``) and for all: counts, errors,
    percentiles (ms), rate."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in record:
        grouped.setdefault((entry["phase"], entry["operation"]), []).append(entry)
        grouped.setdefault((entry["phase"], f"all {entry.get('crm')}"), []).append(entry)
        grouped.setdefault((entry["phase"], "all"), []).append(entry)
    result = []
    for phase in ("steady", "burst"):
        for operation in (*OPERATIONS, *(f"all {crm}" for crm in CRMS), "all"):
            entries = grouped.get((phase, operation))
            if not entries:
                continue
            times = [float(e["ms"]) for e in entries]
            result.append(
                Row(
                    phase=phase,
                    operation=operation,
                    requests=len(entries),
                    errors=sum(1 for e in entries if not e["ok"]),
                    p50=percentile(times, 50),
                    p95=percentile(times, 95),
                    p99=percentile(times, 99),
                    rate=len(entries) / durations[phase] if durations.get(phase) else 0.0,
                )
            )
    return result


def table(found: list[Row]) -> str:
    """The rows as the markdown table of docs/reliability.md."""
    lines = [
        "| phase | operation | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in found:
        name = f"**{row.operation}**" if row.operation == "all" else row.operation
        lines.append(
            f"| {row.phase} | {name} | {row.requests} | {row.errors} | {row.rate:.1f} | "
            f"{row.p50:.0f} | {row.p95:.0f} | {row.p99:.0f} |"
        )
    return "\n".join(lines)
