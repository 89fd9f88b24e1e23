"""The local stack as tests run it: ``python -m local`` in a subprocess, on free ports.

It runs exactly what ``make run`` runs, with its own state directory, and its stdout (the access log) and
stderr go to files the tests can read. The fixtures that start it live in ``tests/conftest.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.launch import launch

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60


@dataclass
class StackProcess:
    """A running ``python -m local``."""

    process: subprocess.Popen[bytes]
    api_url: str
    dynamodb_url: str
    sandbox_url: str | None
    stdout_path: Path
    stderr_path: Path
    startup_seconds: float

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def dev_secret(self, name: str) -> str:
        """One of the secrets the stack generated for itself (``APP_SERVER_SECRET_KEY``, ``HASH_KEY`` ...)."""
        secrets = json.loads((self.stdout_path.parent / "state" / "dev-secrets.json").read_text())
        return str(secrets[name])

    def hash_id(self, value: str) -> str:
        """``value`` hashed as this stack hashes RingCentral ids (the keys of admin settings)."""
        return hmac.new(self.dev_secret("HASH_KEY").encode(), value.encode(), hashlib.sha256).hexdigest()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def access_log(self) -> list[dict[str, Any]]:
        """The JSON access-log records printed so far (other stdout lines are skipped)."""
        records = []
        for line in self.stdout().splitlines():
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and "requestId" in record and "status" in record:
                    records.append(record)
        return records

    def access_record(self, request_id: str) -> dict[str, Any]:
        for record in self.access_log():
            if record["requestId"] == request_id:
                return record
        raise AssertionError(f"no access-log line for request {request_id}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise


def start_stack(directory: Path, *extra_args: str) -> StackProcess:
    """Start ``python -m local`` on free ports (PORT=0 ...) and wait until it serves."""
    directory.mkdir(parents=True, exist_ok=True)
    stdout_path = directory / "stdout.log"
    stderr_path = directory / "stderr.log"
    env = {
        **_environment_without_stack_values(),
        "PORT": "0",
        "DYNAMODB_PORT": "0",
        "SANDBOX_PORT": "0",
        "PYTHONUNBUFFERED": "1",
    }
    launched = launch(
        directory, *extra_args, env=env, stdout=stdout_path, stderr=stderr_path, timeout_s=START_TIMEOUT_S
    )
    urls = launched.urls
    return StackProcess(
        process=launched.process,
        api_url=urls["api"],
        dynamodb_url=urls["dynamodb"],
        sandbox_url=urls.get("sandbox"),
        stdout_path=stdout_path,
        stderr_path=stderr_path,
        startup_seconds=launched.startup_seconds,
    )


def _environment_without_stack_values() -> dict[str, str]:
    """This process's environment minus every name the stack sets for its functions, so values a test
    happens to have in its environment do not override the stack's local defaults."""
    from local import config
    from local.resources import environment_variables
    from local.template import cached_template

    names = (
        set(config.connector_env_names()) | set(config.GENERATED_SECRETS) | set(config.DEV_PARAMETER_VALUES)
    )
    for variables in environment_variables(cached_template()).values():
        names |= set(variables)
    return {name: value for name, value in os.environ.items() if name not in names}
