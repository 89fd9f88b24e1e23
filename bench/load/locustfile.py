"""The Locust users of ``make load``: each is the App Connect extension of one connector's logged-in user,
screen-popping, reading and writing call logs at a constant rate (see :mod:`bench.load.profile`).

Run by ``python -m bench.load``, which logs the users in first and hands them over in ``LOAD_IDENTITIES``
(a JSON file); every request is appended to ``LOAD_RECORD`` (JSON a line) with its phase and outcome.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, LoadTestShape, constant_throughput, events, task

from bench.crms import CRMS
from bench.load.profile import CRMS as LOAD_CRMS
from bench.load.profile import RETRY, RETRY_EVERY, WEIGHTS, Profile

PROFILE = Profile.from_env(dict(os.environ))
IDENTITIES: list[dict[str, Any]] = json.loads(Path(os.environ["LOAD_IDENTITIES"]).read_text(encoding="utf-8"))
RECORD = Path(os.environ["LOAD_RECORD"])

_lock = threading.Lock()
_started = time.monotonic()
_next_crm = itertools.cycle(LOAD_CRMS)
_next_identity = {crm: itertools.cycle([i for i in IDENTITIES if i["crm"] == crm]) for crm in LOAD_CRMS}
_out = RECORD.open("a", encoding="utf-8")


@events.test_start.add_listener
def _start(**_: Any) -> None:
    global _started
    _started = time.monotonic()


@events.quitting.add_listener
def _close(**_: Any) -> None:
    _out.close()


def _note(operation: str, crm: str, ms: float, ok: bool, detail: str = "", **extra: Any) -> None:
    elapsed = time.monotonic() - _started
    phase = PROFILE.phase(elapsed) or "after"
    line = {
        "t": round(elapsed, 2),
        "phase": phase,
        "operation": operation,
        "crm": crm,
        "ms": round(ms, 2),
        "ok": ok,
        **extra,
    }
    if detail:
        line["detail"] = detail[:300]
    with _lock:
        _out.write(json.dumps(line) + "\n")
        _out.flush()


class Extension(HttpUser):
    """One extension: the next connector in turn, and the next of its logged-in users."""

    wait_time = constant_throughput(PROFILE.per_user_rate)

    def on_start(self) -> None:
        with _lock:
            crm = next(_next_crm)
            self.identity = next(_next_identity[crm])
        self.crm = crm
        self.client.headers["Authorization"] = f"Bearer {self.identity['jwt']}"
        #: (session id, log id) this user logged
        self.logged: list[tuple[str, Any]] = []

    def _call(self, operation: str, method: str, path: str, check: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        body: Any = None
        detail = ""
        with self.client.request(
            method, path, name=f"{self.crm} {operation}", catch_response=True, timeout=60, **kwargs
        ) as response:
            ms = (time.perf_counter() - started) * 1000
            try:
                body = response.json()
            except ValueError:
                body = None
            ok = response.status_code == 200 and isinstance(body, dict) and bool(check(body))
            if ok:
                response.success()
            else:
                detail = f"{response.status_code} {response.text}"
                response.failure(detail[:200])
        _note(operation, self.crm, ms, ok, detail)
        return body if ok else None

    @task(WEIGHTS["GET /contact"])
    def screen_pop(self) -> None:
        self._call(
            "GET /contact",
            "GET",
            "/contact",
            lambda b: b.get("successful") is True and b.get("contact"),
            params={"phoneNumber": self.identity["number"]},
        )

    @task(WEIGHTS["GET /callLog"])
    def read_log(self) -> None:
        if not self.logged:
            self.write_log()
            return
        session_id, log_id = random.choice(self.logged)
        self._call(
            "GET /callLog",
            "GET",
            "/callLog",
            lambda b: (
                b.get("successful") is True
                and [(x.get("matched"), str(x.get("logId"))) for x in b.get("logs") or []]
                == [(True, str(log_id))]
            ),
            params={"sessionIds": session_id},
        )

    @task(WEIGHTS["POST /callLog"])
    def write_log(self) -> None:
        if self.logged and random.randrange(RETRY_EVERY) == 0:
            session_id, log_id = random.choice(self.logged)
            self._post(RETRY, session_id, expect=log_id)
            return
        session_id = str(uuid.uuid4().int)[:15]
        body = self._post("POST /callLog", session_id)
        if body is not None:
            self.logged.append((session_id, body["logId"]))

    def _post(self, operation: str, session_id: str, expect: Any = None) -> Any:
        payload = CRMS[self.crm].call_log_body(session_id)

        def check(body: dict[str, Any]) -> bool:
            if body.get("successful") is not True or body.get("logId") in (None, ""):
                return False
            return expect is None or str(body["logId"]) == str(expect)

        started = time.perf_counter()
        with self.client.request(
            "POST", "/callLog", name=f"{self.crm} {operation}", catch_response=True, timeout=60, json=payload
        ) as response:
            ms = (time.perf_counter() - started) * 1000
            try:
                body = response.json()
            except ValueError:
                body = None
            ok = response.status_code == 200 and isinstance(body, dict) and check(body)
            if ok:
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")
        log_id = body.get("logId") if isinstance(body, dict) else None
        _note(
            operation,
            self.crm,
            ms,
            ok,
            "" if ok else f"{response.status_code} {response.text}",
            session=session_id,
            log_id=None if log_id is None else str(log_id),
            identity=self.identity["user"],
        )
        return body if ok else None

    @task(WEIGHTS["PATCH /callLog"])
    def update_log(self) -> None:
        if not self.logged:
            self.write_log()
            return
        session_id, _log_id = random.choice(self.logged)
        self._call(
            "PATCH /callLog",
            "PATCH",
            "/callLog",
            lambda b: b.get("successful") is True,
            json={"sessionId": session_id, "note": f"Load note {uuid.uuid4().hex[:8]}."},
        )


class Phases(LoadTestShape):
    """Steady users for the steady phase, ``burst_factor`` times as many for the burst, then stop."""

    def tick(self) -> tuple[int, float] | None:
        phase = PROFILE.phase(self.get_run_time())
        if phase == "steady":
            return PROFILE.steady_users, 100.0
        if phase == "burst":
            return PROFILE.burst_users, 100.0
        return None
