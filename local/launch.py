"""``python -m local`` started as a child process, as ``make run`` runs it, and waited for until it serves.

Its ready file and state go in one directory; its output goes to the files the caller names. Used by the
tests' stack (``tests/stack.py``), the load run (``bench/load``) and the README's screenshot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Launched:
    """A started ``python -m local``: its process, the URLs of its ready file, how long it took."""

    process: subprocess.Popen[bytes]
    urls: dict[str, Any]
    startup_seconds: float


def launch(
    directory: Path,
    *extra_args: str,
    env: Mapping[str, str],
    stdout: Path | None,
    stderr: Path,
    timeout_s: float,
) -> Launched:
    """Start ``python -m local`` (the token-refresh schedule off: callers fire it themselves) with ``env``,
    its ready file and state in ``directory``; return once it serves. ``stdout`` None: its output is
    dropped. RuntimeError, with the end of its stderr, when it exits or does not start in ``timeout_s``."""
    ready = directory / "ready.json"
    command = [
        sys.executable,
        "-m",
        "local",
        "--ready-file",
        str(ready),
        "--state-dir",
        str(directory / "state"),
        "--schedule-every",
        "0",
        *extra_args,
    ]
    started = time.monotonic()
    with open(stderr, "wb") as err, open(stdout or os.devnull, "wb") as out:
        # a fixed argv: this interpreter running the local stack
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=out, stderr=err)  # noqa: S603
    while not ready.exists():
        if process.poll() is not None:
            output = stderr.read_text(errors="replace")
            raise RuntimeError(f"python -m local exited with {process.returncode}:\n{output}")
        if time.monotonic() - started > timeout_s:
            process.kill()
            raise RuntimeError(f"python -m local did not start in {timeout_s:g} s")
        time.sleep(0.05)
    urls = json.loads(ready.read_text(encoding="utf-8"))
    return Launched(process=process, urls=urls, startup_seconds=time.monotonic() - started)
