"""Cost per million requests of one operation, from what the bench measured and AWS list prices.

Every line is ``quantity per million requests x unit price``; the quantities come from the bench (function
duration with the injected CRM latency, DynamoDB calls by table and consistency, item sizes, bytes logged,
response bytes) or from an assumption named in :class:`Assumptions`. Prices are us-east-1 list prices
(:data:`PRICES_TAKEN`, sources in :data:`SOURCES`); free tiers are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import READ_OPERATIONS, WRITE_OPERATIONS, DynamoCall, ItemSize, median_p95
from bench.screen_pop import Count, Result, measured

PRICES_TAKEN = "2026-12-06"
SOURCES = {
    "Lambda": "https://aws.amazon.com/lambda/pricing/",
    "API Gateway": "https://aws.amazon.com/api-gateway/pricing/",
    "DynamoDB": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "KMS": "https://aws.amazon.com/kms/pricing/",
    "SQS": "https://aws.amazon.com/sqs/pricing/",
    "CloudWatch": "https://aws.amazon.com/cloudwatch/pricing/",
    "X-Ray": "https://aws.amazon.com/xray/pricing/",
    "Data transfer": "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
}


@dataclass(frozen=True)
class Prices:
    """us-east-1 list prices in dollars (first pricing tier)."""

    lambda_request: float = 0.20 / 1e6
    lambda_gb_s_x86: float = 0.0000166667
    lambda_gb_s_arm: float = 0.0000133334
    http_api_request: float = 1.00 / 1e6
    dynamodb_rru: float = 0.125 / 1e6
    dynamodb_wru: float = 0.625 / 1e6
    kms_request: float = 0.03 / 10_000
    sqs_request: float = 0.40 / 1e6
    logs_ingested_gb: float = 0.50
    custom_metric_month: float = 0.30
    xray_trace: float = 5.00 / 1e6
    data_out_gb: float = 0.09


@dataclass(frozen=True)
class Assumptions:
    """What the bench cannot measure here."""

    memory_gb: float = 512 / 1024
    #: requests a Lambda container serves between cold starts
    requests_per_cold_start: int = 1000
    #: billed INIT of a cold start (runtime start plus the handler's imports: see the cold-start figures)
    init_ms: float = 1000.0
    #: KMS calls a new container makes (Decrypt of each data key it meets, GenerateDataKey when it writes)
    kms_per_cold_start: int = 2
    #: Lambda's own START, END and REPORT lines (and the XRAY line of a traced invocation), per request
    platform_log_bytes: int = 330
    #: fraction of requests X-Ray records (default rule: 1 a second, then 5 %; ~1 when traffic is low)
    xray_fraction: float = 0.05


@dataclass(frozen=True)
class Usage:
    """What one request of one operation of one connector uses."""

    crm: str
    duration_ms: float
    dynamodb: list[DynamoCall]
    log_bytes: float
    response_bytes: float


@dataclass
class Line:
    item: str
    unit: str
    #: per connector: (quantity per million requests, dollars per million requests)
    cells: dict[str, tuple[str, float]] = field(default_factory=dict)


def access_log_bytes(route_key: str) -> int:
    """The API's access-log line (template.yaml's format) for one request, with typical values."""
    from local.template import load_template

    template = load_template(Path(__file__).resolve().parent.parent / "template.yaml")
    text = str(template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]["Format"])
    values = {
        "$context.requestId": "LwZ3kjRHoAMEV9A=",
        "$context.routeKey": route_key,
        "$context.status": "200",
        "$context.responseLatency": "118",
        "$context.integrationLatency": "116",
        "$context.integrationErrorMessage": "-",
        "$context.identity.sourceIp": "203.0.113.10",
        "$context.requestTime": "06/Dec/2026:17:01:56 +0000",
    }
    for name in sorted(values, key=len, reverse=True):
        text = text.replace(name, values[name])
    return len(text.encode("utf-8")) + 1


def steady(result: Result) -> Count:
    """The count of a later request (caches of the user's first one in place), else the first."""
    return next((c for c in result.counts if "later" in c.label), result.counts[0])


def usage_of(result: Result, delay_ms: float, label: str) -> Usage:
    timing = result.timing(label, delay_ms)
    if timing is None:
        raise ValueError(f"{result.crm}: no timing of {label!r} at {delay_ms} ms")
    median, _ = median_p95(timing.server_ms or timing.client_ms)
    return Usage(
        crm=result.crm,
        duration_ms=median,
        dynamodb=steady(result).dynamodb,
        log_bytes=timing.log_bytes,
        response_bytes=timing.response_bytes,
    )


def _units(call: DynamoCall, sizes: dict[str, ItemSize]) -> tuple[float, float]:
    """(read request units, write request units) of one call, items sized as the table's largest in AWS."""
    size = max((sizes[t].aws_bytes for t in call.table.split(",") if t in sizes), default=0)
    if call.operation in READ_OPERATIONS:
        units = max(1, math.ceil(size / 4096)) * call.items
        factor = 2.0 if call.operation == "TransactGetItems" else 1.0 if call.consistent else 0.5
        return units * factor, 0.0
    if call.operation in WRITE_OPERATIONS:
        units = max(1, math.ceil(size / 1024)) * call.items
        return 0.0, units * (2.0 if call.operation == "TransactWriteItems" else 1.0)
    return 0.0, 0.0


def _qty(value: float, unit: str = "") -> str:
    for threshold, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}{unit}"
    return f"{value:.3g}{unit}"


def lines_for(
    usages: list[Usage],
    sizes: dict[str, ItemSize],
    route_key: str,
    prices: Prices | None = None,
    assume: Assumptions | None = None,
) -> list[Line]:
    """The cost lines per million requests, one cell per connector."""
    p = prices or Prices()
    a = assume or Assumptions()
    million = 1e6
    cold_starts = million / a.requests_per_cold_start
    access = access_log_bytes(route_key)
    lines = {
        "ms": Line("billed ms per request", "(measured)"),
        "requests": Line("Lambda requests", "$0.20/M"),
        "x86": Line("Lambda x86_64 GB-s", "$0.0000166667"),
        "arm": Line("Lambda arm64 GB-s", "$0.0000133334"),
        "init": Line("Lambda INIT GB-s", "as x86_64"),
        "api": Line("HTTP API requests", "$1.00/M"),
        "rru": Line("DynamoDB RRU", "$0.125/M"),
        "wru": Line("DynamoDB WRU", "$0.625/M"),
        "kms": Line("KMS requests", "$0.03/10k"),
        "logs": Line("CloudWatch Logs GB", "$0.50/GB"),
        "xray": Line("X-Ray traces", "$5.00/M"),
        "out": Line("Data out GB", "$0.09/GB"),
    }
    for u in usages:
        billed_ms = math.ceil(u.duration_ms)
        gb_s = million * a.memory_gb * billed_ms / 1000
        init_gb_s = cold_starts * a.memory_gb * a.init_ms / 1000
        rru = sum(_units(c, sizes)[0] for c in u.dynamodb) * million
        wru = sum(_units(c, sizes)[1] for c in u.dynamodb) * million
        kms = cold_starts * a.kms_per_cold_start
        log_gb = (u.log_bytes + a.platform_log_bytes + access) * million / 1e9
        traces = million * a.xray_fraction
        out_gb = u.response_bytes * million / 1e9
        cells = {
            "ms": (str(billed_ms), 0.0),
            "requests": (_qty(million), million * p.lambda_request),
            "x86": (_qty(gb_s), gb_s * p.lambda_gb_s_x86),
            "arm": (_qty(gb_s), gb_s * p.lambda_gb_s_arm),
            "init": (_qty(init_gb_s), init_gb_s * p.lambda_gb_s_x86),
            "api": (_qty(million), million * p.http_api_request),
            "rru": (_qty(rru), rru * p.dynamodb_rru),
            "wru": (_qty(wru), wru * p.dynamodb_wru),
            "kms": (_qty(kms), kms * p.kms_request),
            "logs": (f"{log_gb:.2f}", log_gb * p.logs_ingested_gb),
            "xray": (_qty(traces), traces * p.xray_trace),
            "out": (f"{out_gb:.2f}", out_gb * p.data_out_gb),
        }
        for key, cell in cells.items():
            lines[key].cells[u.crm] = cell
    return list(lines.values())


X86 = "Lambda x86_64 GB-s"
ARM = "Lambda arm64 GB-s"


def totals(lines: list[Line], crm: str) -> tuple[float, float]:
    """(x86_64 total, arm64 total) dollars per million for one connector."""
    common = sum(line.cells[crm][1] for line in lines if line.item not in (X86, ARM))
    x86 = next(line.cells[crm][1] for line in lines if line.item == X86)
    arm = next(line.cells[crm][1] for line in lines if line.item == ARM)
    return common + x86, common + arm


def render_table(title: str, lines: list[Line], crms: list[str]) -> list[str]:
    """Rows: cost items; columns: connectors, each ``quantity per million  $ per million``."""
    head = f"{'per million requests':<22}{'unit price':<15}"
    out = [title, head + "".join(f"{crm:>22}" for crm in crms)]
    for line in lines:
        cells = []
        for crm in crms:
            quantity, dollars = line.cells[crm]
            cells.append(
                f"{quantity:>10} {'$' + format(dollars, '.3f'):>11}"
                if line.item != "billed ms per request"
                else f"{quantity:>10} {'':>11}"
            )
        out.append((f"{line.item:<22}{line.unit:<15}" + "".join(cells)).rstrip())
    for name, index in (("total, x86_64", 0), ("total, arm64", 1)):
        out.append(
            f"{name:<37}" + "".join(f"{'$' + format(totals(lines, c)[index], '.2f'):>22}" for c in crms)
        )
    return out


def token_refresh_lines(users: int = 1000, p: Prices | None = None) -> list[str]:
    """SQS requests of the scheduled token refresh per ``users`` users a month (an estimate from its design:
    the scheduler runs every 5 minutes and queues, ten to a SendMessageBatch, each user whose access token
    expires within 12 minutes; the worker receives and deletes in batches of up to 10)."""
    prices = p or Prices()
    month_s = 30 * 24 * 3600
    runs = month_s // 300
    out = [
        f"Token refresh, SQS requests per {users:,} users a month (estimate from the design, not measured):"
    ]
    for crm, lifetime_s in (("pipedrive (1 h tokens)", 3600), ("bullhorn (10 min tokens)", 600)):
        # queued at the first run within the 720 s window, i.e. every (lifetime - 720 s) rounded up to runs,
        # and at every run when the token lives less than the window
        every_runs = max(1, (lifetime_s - 720) // 300 + 1)
        messages = users * runs / every_runs
        requests = 3 * messages / 10  # SendMessageBatch, ReceiveMessage, DeleteMessageBatch: 10 a call
        out.append(
            f"  {crm:<26} {_qty(messages)} messages -> {_qty(requests)} requests -> "
            f"${requests * prices.sqs_request:.2f} (+ the worker's Lambda time for each)"
        )
    out.append("  insightly, redtail: none (an API key or user key is not refreshed)")
    return out


def render(
    screen_pops: list[Result],
    call_logs: list[Result],
    sizes: dict[str, ItemSize],
    delay_ms: float,
    assume: Assumptions | None = None,
    metrics: set[tuple[str, str]] | None = None,
) -> str:
    a = assume or Assumptions()
    screen_pops, call_logs = measured(screen_pops), measured(call_logs)
    access = access_log_bytes("GET /contact")
    lines = [
        "== Cost model: dollars per million requests "
        f"(us-east-1 list prices of {PRICES_TAKEN}, no free tier) ==",
        f"measured: billed ms = the function's median with {delay_ms:.0f} ms on every CRM call, rounded up,",
        f"  at {a.memory_gb * 1024:.0f} MB; DynamoDB calls of a later request; bytes the function logs; "
        "response bytes",
        f"assumed: 1 cold start per {a.requests_per_cold_start} requests, each {a.init_ms:.0f} ms of billed "
        f"INIT and {a.kms_per_cold_start} KMS calls;",
        f"  {a.platform_log_bytes} B of Lambda START/END/REPORT lines and the API's access-log line "
        f"({access} B) per request; X-Ray records {a.xray_fraction:.0%} of requests",
        "DynamoDB items sized as the largest of each table, as it would be in AWS "
        "(encrypted values carry the KMS-encrypted data key):",
    ]
    for name, size in sorted(sizes.items()):
        if size.items:
            lines.append(
                f"  {name:<20} {size.items:>4} items, largest {size.local_bytes:>5} B here, "
                f"~{size.aws_bytes:>5} B in AWS"
            )
    if screen_pops:
        usages = [usage_of(r, delay_ms, "found") for r in screen_pops]
        pops = lines_for(usages, sizes, "GET /contact", assume=a)
        title = "Screen pop, GET /contact (a found number):"
        lines += ["", *render_table(title, pops, [r.crm for r in screen_pops])]
    if call_logs:
        usages = [usage_of(r, delay_ms, "new call") for r in call_logs]
        logs = lines_for(usages, sizes, "POST /callLog", assume=a)
        lines += ["", *render_table("Call log, POST /callLog:", logs, [r.crm for r in call_logs])]
    lines += ["", *token_refresh_lines()]
    if metrics:
        operations = sorted({operation for operation, _ in metrics})
        lines += [
            "",
            f"Custom metrics (fixed, whatever the traffic): {len(metrics)} (operation, metric) pairs "
            f"printed in this run by {len(operations)} operations ({', '.join(operations)})",
            f"  -> {len(metrics)} x ${Prices().custom_metric_month:.2f} = "
            f"${len(metrics) * Prices().custom_metric_month:.2f} a month; every other operation adds its own",
        ]
    return "\n".join(lines)
