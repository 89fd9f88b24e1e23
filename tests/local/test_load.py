"""``make load``'s tool (``bench/load/``): its arithmetic, its record checks, and one short run against a
local stack of its own, through Locust, as ``make load LOAD_ARGS=...`` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.load.__main__ import duplicates_and_losses
from bench.load.profile import Profile, percentile, rows, table

ROOT = Path(__file__).resolve().parents[2]


def test_given_the_reference_profile_then_17_requests_a_second_steady_and_three_times_that_in_the_burst() -> (
    None
):
    profile = Profile()
    assert profile.per_user_rate * profile.steady_users == 17
    assert profile.per_user_rate * profile.burst_users == 51
    assert [profile.phase(t) for t in (0, 299.9, 300, 359.9, 360)] == [
        "steady",
        "steady",
        "burst",
        "burst",
        None,
    ]
    assert Profile.from_env(profile.to_env()) == profile


def test_given_latencies_then_nearest_rank_percentiles_per_phase_and_operation() -> None:
    assert percentile([], 50) == 0
    assert percentile([float(v) for v in range(1, 101)], 95) == 95
    record = [
        {"phase": "steady", "operation": "GET /contact", "ms": float(ms), "ok": True} for ms in range(1, 101)
    ] + [{"phase": "burst", "operation": "POST /callLog", "ms": 7.0, "ok": False}]
    found = rows(record, {"steady": 10.0, "burst": 2.0})
    contact = next(r for r in found if (r.phase, r.operation) == ("steady", "GET /contact"))
    assert (contact.requests, contact.errors, contact.p50, contact.p99, contact.rate) == (100, 0, 50, 99, 10)
    burst = next(r for r in found if (r.phase, r.operation) == ("burst", "all"))
    assert (burst.requests, burst.errors) == (1, 1)
    assert "| burst | POST /callLog | 1 | 1 | 0.5 | 7 | 7 | 7 |" in table(found)


def _created(crm: str, session: str, log_id: str) -> dict[str, object]:
    return {"crm": crm, "operation": "POST /callLog", "ok": True, "session": session, "log_id": log_id}


def test_given_one_record_per_session_logged_then_no_problem_and_a_duplicate_or_a_loss_is_named() -> None:
    before = dict.fromkeys(("pipedrive", "bullhorn", "insightly", "redtail"), 1)
    held = {crm: [{"id": 1}] for crm in before}
    record = [_created("pipedrive", "s1", "2"), _created("pipedrive", "s2", "3")]
    fine = {**held, "pipedrive": [{"id": 1}, {"id": 2}, {"id": 3}]}
    assert duplicates_and_losses(record, before, fine) == []

    duplicated = {**held, "pipedrive": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]}
    assert duplicates_and_losses(record, before, duplicated) == [
        "pipedrive: 3 new records for 2 sessions logged"
    ]
    lost = {**held, "pipedrive": [{"id": 1}, {"id": 2}]}
    problems = duplicates_and_losses(record, before, lost)
    assert "pipedrive: 1 new records for 2 sessions logged" in problems
    assert "pipedrive: log ids with no record in the sandbox: ['3']" in problems
    shared = [_created("redtail", "s1", "9"), _created("redtail", "s2", "9")]
    assert "redtail: log ids answered for more than one session: ['9']" in duplicates_and_losses(
        shared, before, {**held, "redtail": [{"id": 1}, {"id": 9}, {"id": 10}]}
    )


def test_given_a_short_profile_when_make_load_runs_then_every_operation_of_both_phases_is_in_the_table() -> (
    None
):
    env = {k: v for k, v in os.environ.items() if k not in ("API_URL", "SANDBOX_URL")}
    finished = subprocess.run(
        [sys.executable, "-m", "bench.load", "--steady", "4", "--burst", "3", "--rate", "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "0 errors; no duplicate or lost CRM record" in finished.stderr
    for phase in ("steady", "burst"):
        for operation in ("GET /contact", "GET /callLog", "POST /callLog", "**all**"):
            assert f"| {phase} | {operation} |" in finished.stdout, finished.stdout
