"""What the stack benches share: the local stack in this process on free ports, the sandbox control API,
moto's request recorder (every DynamoDB call the functions make), the sandbox journal's sequential rounds,
a meter of what the functions log, and the statistics.

Everything talks to 127.0.0.1 only: the stack binds loopback ports of its own (API, embedded DynamoDB,
sandbox CRMs), and the bench reaches nothing else.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import tempfile
import threading
import warnings
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import requests

#: moto reads these when it is imported (the recorder's file, and whether it records from the start)
RECORDER_FILE_ENV = "MOTO_RECORDER_FILEPATH"
RECORDER_ON_ENV = "MOTO_ENABLE_RECORDING"
#: the functions print Powertools' metric documents (EMF) as they do in AWS, so their bytes are counted
METRICS_ENV = "POWERTOOLS_METRICS_DISABLED"
#: latency injected on every sandbox call while counting sequential rounds (as the conformance scenario)
PROBE_DELAY_MS = 200.0
TIMEOUT_S = 60


# -- statistics ----------------------------------------------------------------------------------------------


def median_p95(values: list[float]) -> tuple[float, float]:
    """``(median, 95th percentile)``; with fewer than two values both are the one value (or 0)."""
    if not values:
        return 0.0, 0.0
    if len(values) < 2:
        return values[0], values[0]
    return statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[-1]


# -- the sandbox journal -------------------------------------------------------------------------------------


def _timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def sequential_rounds(entries: list[dict[str, Any]], delay_ms: float) -> int:
    """The longest chain of CRM calls each made after the one before had answered: how many times in
    sequence a request waited for the CRM (calls made at once overlap and count once).

    The idea of ``tests/conformance/test_scenarios.py``: each journal entry is a span ``(end - duration,
    end)``; a call that started before another had ended (within a third of the injected delay, the
    journal's clock has millisecond resolution) ran alongside it.
    """
    spans = sorted(
        (_timestamp(str(e["time"])) - float(e["duration_ms"]) / 1000, _timestamp(str(e["time"])))
        for e in entries
    )
    tolerance = delay_ms / 1000 / 3
    depth: list[int] = []
    for start, _end in spans:
        before = [
            d for (_s, other_end), d in zip(spans, depth, strict=False) if other_end <= start + tolerance
        ]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


def call_names(entries: list[dict[str, Any]]) -> Counter[str]:
    """``"GET /api/v2/persons/search"`` -> how many times, for a journal."""
    return Counter(f"{e['method']} {e['path']}" for e in entries)


@dataclass
class Sandbox:
    """One sandbox CRM's control API (``/__sandbox/<system>/...``)."""

    http: requests.Session
    url: str
    system: str

    @property
    def base(self) -> str:
        """The CRM's own URL (``http://127.0.0.1:<port>/<system>``)."""
        return f"{self.url}/{self.system}"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(
            method, f"{self.url}/__sandbox/{self.system}/{path}", json=body, timeout=TIMEOUT_S
        )
        if response.status_code >= 300:
            raise RuntimeError(
                f"sandbox {self.system} {method} {path}: {response.status_code} {response.text}"
            )
        return response.json()

    def reset(self) -> None:
        self.control("POST", "reset")

    def seed(self, **collections: Any) -> dict[str, Any]:
        return dict(self.control("POST", "seed", collections))

    def journal(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "journal")["requests"])

    def clear_journal(self) -> None:
        self.control("DELETE", "journal")

    def latency(self, delay_ms: float) -> None:
        """Every call of this CRM ``delay_ms`` slower (0: none)."""
        if delay_ms > 0:
            self.control("POST", "latency", {"delay_ms": delay_ms})
        else:
            self.control("DELETE", "latency")


# -- DynamoDB calls, from moto's recorder --------------------------------------------------------------------


@dataclass(frozen=True)
class DynamoCall:
    operation: str
    #: the table's logical id in template.yaml (``UsersTable``) when it is a local table name
    table: str
    consistent: bool
    #: items a batch or transaction touches (1 otherwise)
    items: int

    @property
    def label(self) -> str:
        return f"{self.operation} {self.table}"


WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


def _logical_table(name: str) -> str:
    from local import config

    return name.removeprefix(config.RESOURCE_PREFIX)


def dynamodb_calls(recording: str) -> list[DynamoCall]:
    """The DynamoDB operations of a moto recording (one JSON request a line; other services left out)."""
    from local.aws import recorded_dynamodb_requests

    calls = []
    for operation, body in recorded_dynamodb_requests(recording):
        table = str(body.get("TableName", ""))
        items = 1
        if operation == "TransactWriteItems":
            items = len(body.get("TransactItems") or [])
            tables = {next(iter(t.values())).get("TableName", "") for t in body.get("TransactItems") or []}
            table = ",".join(sorted(_logical_table(t) for t in tables))
        elif operation == "BatchWriteItem":
            items = sum(len(v) for v in (body.get("RequestItems") or {}).values())
            table = ",".join(sorted(_logical_table(t) for t in body.get("RequestItems") or {}))
        calls.append(
            DynamoCall(
                operation=operation,
                table=_logical_table(table) if "," not in table else table,
                consistent=bool(body.get("ConsistentRead")),
                items=max(items, 1),
            )
        )
    return calls


def dynamodb_summary(calls: list[DynamoCall]) -> str:
    """``GetItem UsersTable consistent x1, PutItem CallLogsTable x1`` (or ``none``)."""
    counts = Counter(
        (c.label + (" consistent" if c.consistent and c.operation in READ_OPERATIONS else "")) for c in calls
    )
    return ", ".join(f"{label} x{n}" for label, n in sorted(counts.items())) or "none"


# -- what the functions log ----------------------------------------------------------------------------------


class LogMeter(io.TextIOBase):
    """Stands in for ``sys.stdout`` while the stack runs in this process: the functions' Powertools logger
    (bound to ``sys.stdout`` when it is created) and metric documents write here. While :meth:`metering`,
    it counts the bytes; it never prints them (the last lines are kept to explain a failure)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._counting = False
        self._partial = ""
        self.bytes = 0
        self.lines = 0
        self.tail: deque[str] = deque(maxlen=50)
        #: (operation, metric name) of every metric document (EMF) printed: each is a CloudWatch metric
        self.metrics: set[tuple[str, str]] = set()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            if self._counting:
                self.bytes += len(text.encode("utf-8"))
                self.lines += text.count("\n")
            self.tail.append(text)
            *complete, self._partial = (self._partial + text).split("\n")
            for line in complete:
                self._note_metrics(line)
        return len(text)

    def _note_metrics(self, line: str) -> None:
        if not line.startswith('{"_aws"'):
            return
        try:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    self.metrics.add((str(document.get("operation", "")), str(metric["Name"])))
        except (ValueError, KeyError, TypeError):
            return

    @contextmanager
    def metering(self) -> Iterator[LogCount]:
        """Count what is logged in the block; the count is filled when the block ends."""
        count = LogCount()
        with self._lock:
            self.bytes, self.lines, self._counting = 0, 0, True
        try:
            yield count
        finally:
            with self._lock:
                self._counting = False
                count.bytes, count.lines = self.bytes, self.lines


@dataclass
class LogCount:
    bytes: int = 0
    lines: int = 0


# -- the stack -----------------------------------------------------------------------------------------------


@dataclass
class Client:
    """The extension, logged in (its JWT), against the local API."""

    http: requests.Session
    api: str
    jwt: str = ""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt}"} if self.jwt else {}

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(f"{self.api}{path}", params=params, headers=self.headers(), timeout=TIMEOUT_S)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.http.post(f"{self.api}{path}", json=body, headers=self.headers(), timeout=TIMEOUT_S)


@dataclass
class Timed:
    """One request: the client's wall time, its request id (the function's duration is in the stack's access
    log under it) and the response's size."""

    client_ms: float
    request_id: str
    response_bytes: int


@dataclass
class BenchStack:
    """The local stack (API, embedded DynamoDB with moto's recorder, sandbox CRMs) in this process, on
    free loopback ports; a context manager. Restores the process environment and ``sys.stdout`` on exit."""

    #: where progress lines go (the functions' own output is metered, never shown)
    progress: TextIO = field(default_factory=lambda: sys.stderr)
    meter: LogMeter = field(default_factory=LogMeter)
    http: requests.Session = field(default_factory=requests.Session)
    _access: io.StringIO = field(default_factory=io.StringIO)
    _errors: io.StringIO = field(default_factory=io.StringIO)
    _stack: Any = None
    _state: Any = None
    _environ: dict[str, str] = field(default_factory=dict)
    _stdout: Any = None

    def __enter__(self) -> BenchStack:
        if "moto" in sys.modules:
            print(
                "note: moto was imported before the bench set its recorder file; "
                "DynamoDB counts may be empty",
                file=self.progress,
            )
        from local import config
        from local.stack import LocalStack, Output

        self._environ = dict(os.environ)
        self._state = tempfile.TemporaryDirectory(prefix="appconnect-bench-")
        recording = Path(self._state.name) / "dynamodb-recording.jsonl"
        recording.touch()
        os.environ[RECORDER_FILE_ENV] = str(recording)
        os.environ.pop(RECORDER_ON_ENV, None)
        os.environ[METRICS_ENV] = "false"
        # Powertools warns on every request that a dimension is set again; nothing the bench measures
        warnings.filterwarnings("ignore", module=r"aws_lambda_powertools\..*")
        self._stdout = sys.stdout
        sys.stdout = self.meter
        try:
            self._stack = LocalStack(
                ports=config.Ports(api=0, dynamodb=0, sandbox=0),
                state_dir=Path(self._state.name),
                output=Output(out=self._access, err=self._errors),
            ).start()
            self._stack.wait_until_warm(timeout=120)
            if self._stack.urls is None or self._stack.urls.sandbox is None:
                raise SystemExit("the local stack started without its sandboxes")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._stack is not None:
                self._stack.stop()
                self._stack = None
        finally:
            if self._stdout is not None:
                sys.stdout = self._stdout
                self._stdout = None
            os.environ.clear()
            os.environ.update(self._environ)
            if self._state is not None:
                self._state.cleanup()
                self._state = None
            if exc is not None:
                self.explain()

    def explain(self) -> None:
        """Print what the functions logged last and the stack's errors (after a failure)."""
        errors = self._errors.getvalue().strip()
        if errors:
            print("stack errors:\n" + errors[-4000:], file=self.progress)
        tail = "".join(self.meter.tail).strip()
        if tail:
            print("last function output:\n" + tail[-4000:], file=self.progress)

    # -- where things are --------------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return str(self._stack.urls.api)

    @property
    def sandbox_url(self) -> str:
        return str(self._stack.urls.sandbox)

    @property
    def dynamodb_url(self) -> str:
        return str(self._stack.urls.dynamodb)

    def sandbox(self, system: str) -> Sandbox:
        return Sandbox(self.http, self.sandbox_url, system)

    def client(self) -> Client:
        return Client(requests.Session(), self.api)

    def say(self, line: str) -> None:
        print(line, file=self.progress, flush=True)

    # -- measuring ---------------------------------------------------------------------------------------

    def _recorder(self, action: str) -> requests.Response:
        response = self.http.post(f"{self.dynamodb_url}/moto-api/recorder/{action}", timeout=TIMEOUT_S)
        response.raise_for_status()
        return response

    @contextmanager
    def recording_dynamodb(self) -> Iterator[list[DynamoCall]]:
        """Every DynamoDB request the embedded server receives in the block; filled when it ends."""
        self._recorder("reset-recording")
        self._recorder("start-recording")
        calls: list[DynamoCall] = []
        try:
            yield calls
        finally:
            self._recorder("stop-recording")
            text = self.http.get(
                f"{self.dynamodb_url}/moto-api/recorder/download-recording", timeout=TIMEOUT_S
            ).text
            calls.extend(dynamodb_calls(text))
            self._recorder("reset-recording")

    def durations_ms(self) -> dict[str, float]:
        """requestId -> the function's duration (``durationMs`` of the stack's access log)."""
        found = {}
        for line in self._access.getvalue().splitlines():
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "requestId" in record and "durationMs" in record:
                found[str(record["requestId"])] = float(record["durationMs"])
        return found

    def item_sizes(self) -> dict[str, ItemSize]:
        """Per table (logical id), the largest item's DynamoDB size as stored here and as it would be in
        AWS (see :func:`aws_item_size`)."""
        from local.aws import aws_client

        client = aws_client("dynamodb", self.dynamodb_url)
        sizes: dict[str, ItemSize] = {}
        for name in client.list_tables()["TableNames"]:
            items: list[dict[str, Any]] = []
            for page in client.get_paginator("scan").paginate(TableName=name):
                items.extend(page.get("Items") or [])
            local = max((item_size(item) for item in items), default=0)
            aws = max((aws_item_size(item) for item in items), default=0)
            sizes[_logical_table(name)] = ItemSize(items=len(items), local_bytes=local, aws_bytes=aws)
        return sizes


# -- DynamoDB item sizes -------------------------------------------------------------------------------------

#: ``v1.<key-ref>.<nonce>.<ciphertext>``: locally the key ref is ``local``; in AWS it is the KMS-encrypted
#: data key, base64url without padding (a 184-byte CiphertextBlob for an AES-256 data key: 246 characters)
LOCAL_KEY_REF = "v1.local."
KMS_KEY_REF_CHARS = 246


@dataclass(frozen=True)
class ItemSize:
    items: int
    local_bytes: int
    aws_bytes: int


def _value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (its published rules, numbers approximately)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode("utf-8")) for s in inner)
    if kind == "NS":
        return sum(_value_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + _value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    return len(json.dumps(inner))


def item_size(item: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for an item (attribute names plus values)."""
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _strings(value: Any) -> Iterator[str]:
    """Every string in an item (attribute values in DynamoDB's JSON, nested)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def aws_item_size(item: dict[str, Any]) -> int:
    """:func:`item_size` as the item would be in AWS: each encrypted value carries the KMS-encrypted data
    key where the local stack writes ``local``."""
    encrypted = sum(text.count(LOCAL_KEY_REF) for text in _strings(item))
    return item_size(item) + encrypted * (KMS_KEY_REF_CHARS - len("local"))


def server_ms(bench: BenchStack, timed: list[Timed]) -> list[float]:
    """The functions' durations of these requests (those the access log has)."""
    durations = bench.durations_ms()
    return [durations[t.request_id] for t in timed if t.request_id in durations]


def response_size(response: requests.Response) -> int:
    """Bytes on the wire for the response: status line, headers and body (HTTP/1.1, approximately)."""
    head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 17
    return head + len(response.content)
