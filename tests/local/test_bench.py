"""The bench's own arithmetic (``bench/``): rounds from a journal, DynamoDB calls from moto's recording,
item sizes, the cost lines; and one quick run of ``python -m bench`` against the local stack."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import cost
from bench.harness import (
    DynamoCall,
    ItemSize,
    aws_item_size,
    dynamodb_calls,
    item_size,
    median_p95,
    sequential_rounds,
)

ROOT = Path(__file__).resolve().parents[2]


def _entry(end_ms: int, duration_ms: float) -> dict[str, object]:
    seconds, millis = divmod(end_ms, 1000)
    return {"time": f"2026-07-01T10:00:{seconds:02d}.{millis:03d}Z", "duration_ms": duration_ms}


def test_calls_made_at_once_are_one_round_and_calls_made_after_an_answer_are_another() -> None:
    search = _entry(200, 200)  # 0-200 ms
    wave = [_entry(410, 205), _entry(412, 206), _entry(415, 205)]  # started at ~205-210 ms, together
    assert sequential_rounds([search], 200) == 1
    assert sequential_rounds([search, *wave], 200) == 2
    assert sequential_rounds([_entry(200, 200), _entry(205, 200)], 200) == 1
    assert sequential_rounds([], 200) == 0


def test_median_and_p95() -> None:
    assert median_p95([]) == (0.0, 0.0)
    assert median_p95([7.0]) == (7.0, 7.0)
    median, p95 = median_p95([float(v) for v in range(1, 101)])
    assert median == 50.5
    assert 95 <= p95 <= 96


def _recorded(target: str, body: dict[str, object], encoded: bool = False) -> str:
    raw = json.dumps(body)
    return json.dumps(
        {
            "headers": {"X-Amz-Target": target},
            "method": "POST",
            "url": "http://127.0.0.1/",
            "body": base64.b64encode(raw.encode()).decode() if encoded else raw,
            "body_encoded": encoded,
        }
    )


def test_dynamodb_calls_are_read_from_a_moto_recording() -> None:
    recording = "\n".join(
        [
            _recorded(
                "DynamoDB_20120810.GetItem",
                {"TableName": "appconnect-local-UsersTable", "ConsistentRead": True},
                encoded=True,
            ),
            _recorded("AmazonSQS.ReceiveMessage", {"QueueUrl": "q"}),
            _recorded(
                "DynamoDB_20120810.TransactWriteItems",
                {
                    "TransactItems": [
                        {"Put": {"TableName": "appconnect-local-CallLogsTable"}},
                        {"Update": {"TableName": "appconnect-local-UsersTable"}},
                    ]
                },
            ),
            "",
        ]
    )
    assert dynamodb_calls(recording) == [
        DynamoCall("GetItem", "UsersTable", consistent=True, items=1),
        DynamoCall("TransactWriteItems", "CallLogsTable,UsersTable", consistent=False, items=2),
    ]


def test_item_size_follows_dynamodb_rules_and_adds_the_kms_data_key_in_aws() -> None:
    item = {
        "id": {"S": "u1"},  # 2 + 2
        "n": {"N": "123"},  # 1 + 3
        "flag": {"BOOL": True},  # 4 + 1
        "m": {"M": {"k": {"S": "vv"}}},  # 1 + 3 + (1 + 2 + 1)
        "token": {"S": "v1.local.nonce.sealed"},  # 5 + 21
    }
    assert item_size(item) == 4 + 4 + 5 + 8 + 26
    assert aws_item_size(item) == item_size(item) + 246 - len("local")


def test_cost_lines_are_quantity_times_unit_price() -> None:
    usage = cost.Usage(
        crm="acme",
        duration_ms=99.2,  # billed 100 ms
        dynamodb=[
            DynamoCall("GetItem", "UsersTable", consistent=True, items=1),
            DynamoCall("GetItem", "CacheTable", consistent=False, items=1),
            DynamoCall("PutItem", "CallLogsTable", consistent=False, items=1),
        ],
        log_bytes=670,
        response_bytes=1000,
    )
    sizes = {
        "UsersTable": ItemSize(items=1, local_bytes=900, aws_bytes=5000),  # 2 RRU strongly consistent
        "CacheTable": ItemSize(items=1, local_bytes=100, aws_bytes=100),  # 0.5 RRU
        "CallLogsTable": ItemSize(items=1, local_bytes=1500, aws_bytes=1500),  # 2 WRU
    }
    assume = cost.Assumptions(
        requests_per_cold_start=1000, init_ms=1000, kms_per_cold_start=2, xray_fraction=0.1
    )
    lines = {
        line.item: line.cells["acme"]
        for line in cost.lines_for([usage], sizes, "GET /contact", assume=assume)
    }
    assert lines["billed ms per request"][0] == "100"
    assert lines[cost.X86] == ("50k", pytest.approx(50_000 * 0.0000166667))
    assert lines[cost.ARM][1] == pytest.approx(50_000 * 0.0000133334)
    assert lines["Lambda INIT GB-s"][1] == pytest.approx(1000 * 0.5 * 1.0 * 0.0000166667)
    assert lines["DynamoDB RRU"] == ("2.5M", pytest.approx(2.5 * 0.125))
    assert lines["DynamoDB WRU"] == ("2M", pytest.approx(2 * 0.625))
    assert lines["KMS requests"][1] == pytest.approx(2000 * 0.03 / 10_000)
    access = cost.access_log_bytes("GET /contact")
    assert lines["CloudWatch Logs GB"][1] == pytest.approx((670 + 330 + access) * 1e6 / 1e9 * 0.50)
    assert lines["X-Ray traces"][1] == pytest.approx(100_000 * 5.00 / 1e6)
    assert lines["Data out GB"][1] == pytest.approx(1.0 * 0.09)
    x86, arm = cost.totals(list(cost.lines_for([usage], sizes, "GET /contact", assume=assume)), "acme")
    assert x86 - arm == pytest.approx(50_000 * (0.0000166667 - 0.0000133334))


def test_the_access_log_line_is_rendered_from_the_template_format() -> None:
    size = cost.access_log_bytes("GET /contact")
    assert 150 < size < 400


def test_a_quick_bench_of_one_connector_runs_against_the_local_stack(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "layers" / "appconnect"), str(ROOT), str(ROOT / "functions")]
        ),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--skip-cold-start", "--quick", "--connectors", "redtail"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for heading in ("== Screen pop: GET /contact ==", "== Call log: POST /callLog ==", "== Cost model"):
        assert heading in out
    assert "redtail    found, later lookup" in out
    assert "GetItem UsersTable consistent" in out
    assert "PutItem CallLogsTable" in out
    assert not list(tmp_path.iterdir()), "the bench leaves nothing behind in its working directory"
