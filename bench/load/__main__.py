"""``python -m bench.load`` (``make load``): Locust against the local stack, the four connectors mixed.

1. the stack: the one at ``API_URL`` (its sandboxes at ``SANDBOX_URL``, default ``http://127.0.0.1:8100``),
   or, without ``API_URL``, a fresh ``python -m local`` on free loopback ports, stopped at the end;
2. each sandbox back to its seed (Insightly with the bench's company that types its numbers one way), and
   the extension logged in to each connector; Insightly's share goes to four of its users, because the
   server paces each API key to Insightly's documented 10 calls a second;
3. Locust, headless, in a subprocess: ``--rate`` requests/s for ``--steady`` seconds, then ``--burst-factor``
   times that for ``--burst`` seconds; six reads (screen pops, ``GET /callLog``) for two writes (``POST`` of
   a new session, ``PATCH``), and one ``POST`` in ten a retry of a session logged before;
4. the checks: no request failed (each answered 200 with ``successful: true``, a retry with the first
   ``logId``), and each connector's sandbox holds exactly one new call-log record per session logged (no
   duplicate, none lost); then the p50/p95/p99 table per phase and operation.

Exit status 0 only when every check passes. Everything talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import requests

from bench.crms import CRMS, INSIGHTLY_FIRST, INSIGHTLY_LATER, RC_EXTENSION, SHARED_NUMBER
from bench.harness import BenchStack, Client, Sandbox
from bench.load.profile import CRMS as LOAD_CRMS
from bench.load.profile import Profile, read_record, rows, table
from local.launch import launch

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90
#: where each connector writes a call log in its sandbox (the conformance suite's ``records``)
RECORDS = {"pipedrive": "activities", "bullhorn": "Note", "insightly": "events", "redtail": "activities"}
#: Insightly users logged in besides the one ``bench.crms`` logs in (Avery): the server paces each API key to
#: Insightly's documented 10 calls a second, which one user's share of the burst would exceed
INSIGHTLY_USERS = 4
INSIGHTLY_SEEDED_KEY = "sandbox-insightly-key-load-{n}"


@dataclass(frozen=True)
class Endpoints:
    """What ``bench.crms``' logins read of a :class:`BenchStack`."""

    api: str
    sandbox_url: str


@contextmanager
def local_stack(workdir: Path, say: Callable[[str], None]) -> Iterator[Endpoints]:
    """``python -m local`` on free ports (what ``make run`` runs), its output kept in ``workdir``."""
    env = {
        **os.environ,
        "PORT": "0",
        "DYNAMODB_PORT": "0",
        "SANDBOX_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    try:
        launched = launch(
            workdir,
            env=env,
            stdout=workdir / "stack.out",
            stderr=workdir / "stack.err",
            timeout_s=START_TIMEOUT_S,
        )
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    process, urls = launched.process, launched.urls
    try:
        say(f"local stack: API {urls['api']}, sandboxes {urls['sandbox']}")
        yield Endpoints(api=str(urls["api"]), sandbox_url=str(urls["sandbox"]))
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def records(http: requests.Session, sandbox_url: str, crm: str) -> list[dict[str, Any]]:
    """The call-log records the connector's sandbox holds."""
    collection = RECORDS[crm]
    state = Sandbox(http, sandbox_url, crm).control("GET", f"state?collection={collection}")
    return list(state[collection])


def _insightly_login(endpoints: Endpoints, client: Client, *, key: str) -> None:
    response = client.post(
        "/apiKeyLogin",
        {
            "platform": "insightly",
            "hostname": "crm.na1.insightly.com",
            "apiKey": key,
            "additionalInfo": {"apiKey": key, "apiUrl": f"{endpoints.sandbox_url}/insightly/v3.1"},
        },
    )
    if response.status_code != 200:
        raise SystemExit(f"insightly login: {response.status_code} {response.text[:300]}")
    client.jwt = str(response.json()["jwtToken"])


def log_in(endpoints: Endpoints, http: requests.Session) -> list[dict[str, Any]]:
    """Each sandbox back to its seed and the extension logged in: ``[{crm, user, jwt, number}]``."""
    for system in (*LOAD_CRMS, "ringcentral"):
        Sandbox(http, endpoints.sandbox_url, system).reset()
    # Insightly as the bench measures it: a company that types its numbers one way (bench.crms)
    insightly = CRMS["insightly"]
    assert insightly.prepare is not None
    insightly_sandbox = Sandbox(http, endpoints.sandbox_url, "insightly")
    insightly.prepare(insightly_sandbox)
    extra_keys = [INSIGHTLY_SEEDED_KEY.format(n=n) for n in range(1, INSIGHTLY_USERS)]
    seeded_users = [
        {"FIRST_NAME": "Load", "LAST_NAME": f"Agent {n}", "API_KEY": key, "INSTANCE_ID": 900100}
        for n, key in enumerate(extra_keys, 1)
    ]
    insightly_sandbox.seed(users=seeded_users)
    bench = cast(BenchStack, endpoints)
    logins: list[tuple[str, str, Callable[[Client], None]]] = [
        (crm, crm, functools.partial(CRMS[crm].login, bench)) for crm in LOAD_CRMS
    ]
    logins += [
        ("insightly", key, functools.partial(_insightly_login, endpoints, key=key)) for key in extra_keys
    ]
    identities = []
    for crm, user, login in logins:
        client = Client(requests.Session(), endpoints.api)
        rc = Sandbox(http, endpoints.sandbox_url, "ringcentral").control(
            "POST", "tokens", {"extension_id": RC_EXTENSION}
        )
        client.http.headers["X-RC-Access-Token"] = str(rc["access_token"])
        login(client)
        del client.http.headers["X-RC-Access-Token"]
        # screen pops and a read before the clock starts: each function's first (cold) invocation, and
        # Insightly's first lookup of the company (it learns how the company types its numbers)
        number = INSIGHTLY_LATER if crm == "insightly" else SHARED_NUMBER
        for lookup in (INSIGHTLY_FIRST, number) if crm == "insightly" else (number,):
            found = client.get("/contact", phoneNumber=lookup)
            if found.status_code != 200 or not found.json().get("contact"):
                raise SystemExit(
                    f"{crm}: the warm-up screen pop failed: {found.status_code} {found.text[:300]}"
                )
        client.get("/callLog", sessionIds="0")
        identities.append({"crm": crm, "user": user, "jwt": client.jwt, "number": number})
    return identities


def run_locust(
    endpoints: Endpoints, profile: Profile, workdir: Path, identities: list[dict[str, Any]]
) -> Path:
    """Locust, headless, until the profile's phases are over; the per-request record's path."""
    identities_file = workdir / "identities.json"
    identities_file.write_text(json.dumps(identities), encoding="utf-8")
    record = workdir / "requests.jsonl"
    env = {
        **os.environ,
        **profile.to_env(),
        "LOAD_IDENTITIES": str(identities_file),
        "LOAD_RECORD": str(record),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--host",
        endpoints.api,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        # at the end every user finishes the request it is making, so each CRM write has its line
        "--stop-timeout",
        "60",
    ]
    with open(workdir / "locust.out", "wb") as out:
        finished = subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if finished.returncode != 0:
        raise SystemExit(
            f"locust exited with {finished.returncode}:\n{(workdir / 'locust.out').read_text()[-3000:]}"
        )
    return record


def duplicates_and_losses(
    record: list[dict[str, Any]], before: dict[str, int], after: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """What is wrong with the CRM records: per connector, one new record per session logged, each session's
    log id its own, and every id answered a record the sandbox holds."""
    problems = []
    for crm in LOAD_CRMS:
        created = [e for e in record if e["crm"] == crm and e["operation"] == "POST /callLog" and e["ok"]]
        sessions = {e["session"] for e in created}
        log_ids = Counter(e["log_id"] for e in created)
        new = len(after[crm]) - before[crm]
        held = {str(r.get("id", r.get("ID", r.get("EVENT_ID", r.get("Id"))))) for r in after[crm]}
        if new != len(sessions):
            problems.append(f"{crm}: {new} new records for {len(sessions)} sessions logged")
        shared = [log_id for log_id, n in log_ids.items() if n > 1]
        if shared:
            problems.append(f"{crm}: log ids answered for more than one session: {shared[:5]}")
        missing = [log_id for log_id in log_ids if log_id not in held]
        if missing:
            problems.append(f"{crm}: log ids with no record in the sandbox: {missing[:5]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=17.0, help="steady requests per second (17)")
    parser.add_argument("--steady", type=float, default=300.0, help="seconds of the steady phase (300)")
    parser.add_argument(
        "--burst-factor", type=float, default=3.0, help="the burst's rate over the steady (3)"
    )
    parser.add_argument("--burst", type=float, default=60.0, help="seconds of the burst (60)")
    parser.add_argument("--users-per-crm", type=int, default=4, help="Locust users per connector, steady (4)")
    parser.add_argument("--out", type=Path, help="also write the table (markdown) to this file")
    parser.add_argument("--record", type=Path, help="keep the per-request record (JSON lines) in this file")
    args = parser.parse_args(argv)
    profile = Profile(
        rate=args.rate,
        steady_s=args.steady,
        burst_factor=args.burst_factor,
        burst_s=args.burst,
        users_per_crm=args.users_per_crm,
    )

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="appconnect-load-") as tmp:
        workdir = Path(tmp)
        api_url = os.environ.get("API_URL")
        if api_url:
            stack: Any = _given(api_url, os.environ.get("SANDBOX_URL", "http://127.0.0.1:8100"))
        else:
            stack = local_stack(workdir, say)
        with stack as endpoints, requests.Session() as http:
            identities = log_in(endpoints, http)
            before = {crm: len(records(http, endpoints.sandbox_url, crm)) for crm in LOAD_CRMS}
            steady = f"{profile.rate:g} requests/s for {profile.steady_s:g} s ({profile.steady_users} users)"
            burst_rate = profile.rate * profile.burst_factor
            burst = f"{burst_rate:g}/s for {profile.burst_s:g} s ({profile.burst_users} users)"
            logged_in = f"{len(identities)} logged-in users over {len(LOAD_CRMS)} connectors"
            say(f"load: {steady}, then {burst}; {logged_in}")
            load_before = os.getloadavg()
            record_path = run_locust(endpoints, profile, workdir, identities)
            load_after = os.getloadavg()
            if args.record:
                shutil.copyfile(record_path, args.record)
            everything = read_record(record_path)  # with the calls still in flight when the burst ended
            record = [e for e in everything if e["phase"] in ("steady", "burst")]
            after = {crm: records(http, endpoints.sandbox_url, crm) for crm in LOAD_CRMS}
        found = rows(record, {"steady": profile.steady_s, "burst": profile.burst_s})
        text = table(found)
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min)"
        )
        print(f"{text}\n\nmachine: {machine}")
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
        failures = [e for e in record if not e["ok"]]
        problems = duplicates_and_losses(everything, before, after)
        for failure in failures[:10]:
            say(f"failed: {failure['crm']} {failure['operation']}: {failure.get('detail', '')}")
        for problem in problems:
            say(f"records: {problem}")
        if not record:
            say("no request was made")
            return 1
        say(
            f"{len(record)} requests, {len(failures)} errors; "
            + ("no duplicate or lost CRM record" if not problems else f"{len(problems)} record problems")
        )
        return 0 if not failures and not problems else 1


@contextmanager
def _given(api_url: str, sandbox_url: str) -> Iterator[Endpoints]:
    yield Endpoints(api=api_url.rstrip("/"), sandbox_url=sandbox_url.rstrip("/"))


if __name__ == "__main__":
    raise SystemExit(main())
