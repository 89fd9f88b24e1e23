"""``make run`` stops cleanly however the signals come: several at once (a process-group SIGTERM reaches the
stack more than once, Ctrl-C is pressed twice) must not deadlock it or kill it half-stopped.

The process tests start a real ``python -m local`` on free ports, send a burst of signals, and expect the
stack's own orderly stop: exit status 0, "stopped." printed, and every port it held free again. The first
tests pin the handler's contract itself: it takes no lock, and a signal ends the main thread's wait at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.__main__ import StopSignals
from local.aws import port_is_free
from tests.stack import StackProcess, start_stack

#: a stop takes about a second; a stack that deadlocked never exits
STOP_TIMEOUT_S = 20

BURSTS = {
    "sigterm-twice": [signal.SIGTERM, signal.SIGTERM],
    "ctrl-c-twice": [signal.SIGINT, signal.SIGINT],
    "sigterm-twice-then-ctrl-c-twice": [signal.SIGTERM, signal.SIGTERM, signal.SIGINT, signal.SIGINT],
}


def test_given_the_stop_handler_when_signals_are_handled_then_it_takes_no_lock_and_writes_nothing() -> None:
    """A handler runs between two bytecodes of the main thread, which may hold any lock right then: one it
    took again (``threading.Event.set`` inside ``Event.wait``, ``print`` inside ``print``) never returns."""
    stop = StopSignals()
    suspicious: list[str] = []

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename == threading.__file__:
            suspicious.append(f"threading.{frame.f_code.co_name}")
        elif event == "c_call" and getattr(arg, "__name__", "") in (
            "acquire",
            "__enter__",
            "print",
            "write",
            "flush",
        ):
            suspicious.append(f"{getattr(arg, '__qualname__', arg)}")

    sys.setprofile(watch)
    try:
        stop._on_signal(signal.SIGTERM, None)
        stop._on_signal(signal.SIGTERM, None)
        stop._on_signal(signal.SIGINT, None)
    finally:
        sys.setprofile(None)

    assert suspicious == []
    assert stop.requested


def test_given_the_stop_handler_installed_when_a_signal_arrives_then_the_wait_ends_at_once() -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous_fd = signal.set_wakeup_fd(-1)
    stop = StopSignals()
    stop.install()
    try:
        assert stop.wait(0.01) is False
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
        started = time.monotonic()

        assert stop.wait(30) is True
        assert time.monotonic() - started < 5
    finally:
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop.close()


def _port_is_free(url: str) -> bool:
    return port_is_free(urlsplit(url).port or 0)


def _urls(stack: StackProcess) -> list[str]:
    return [stack.api_url, stack.dynamodb_url] + ([stack.sandbox_url] if stack.sandbox_url else [])


def _send_burst(stack: StackProcess, signals: list[int], rounds: int, gap_s: float = 0.0003) -> None:
    """``signals`` in quick succession, ``rounds`` times over (``gap_s`` apart), while the process lives:
    the later ones land while the stack handles the first."""
    pid = stack.process.pid
    for _ in range(rounds):
        for sig in signals:
            if stack.process.poll() is not None:
                return
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            if gap_s:
                time.sleep(gap_s)


def _wait(stack: StackProcess) -> int:
    try:
        return stack.process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        stack.process.wait(5)
        pytest.fail(f"the stack did not stop within {STOP_TIMEOUT_S} s of the signals (deadlocked)")


@pytest.mark.parametrize("signals", list(BURSTS.values()), ids=list(BURSTS))
def test_given_running_stack_when_signals_arrive_in_quick_succession_then_it_stops_cleanly_with_ports_free(
    tmp_path: Path, signals: list[int]
) -> None:
    stack = start_stack(tmp_path)
    urls = _urls(stack)
    assert requests.get(f"{stack.api_url}/isAlive", timeout=10).status_code == 200

    _send_burst(stack, signals, rounds=1)
    code = _wait(stack)

    assert code == 0, f"exit status {code}\n{stack.stderr()}"
    assert "stopped." in stack.stdout()
    assert all(_port_is_free(url) for url in urls)
    assert "Traceback" not in stack.stderr()


def test_given_running_stack_when_flooded_with_sigterm_and_sigint_then_it_still_stops_cleanly(
    tmp_path: Path,
) -> None:
    """Hundreds of signals back to back: some arrive while the handler of an earlier one is running (a
    handler that took a lock deadlocked here in about one run out of six)."""
    stack = start_stack(tmp_path)
    urls = _urls(stack)

    _send_burst(stack, [signal.SIGTERM, signal.SIGINT], rounds=300, gap_s=0)
    code = _wait(stack)

    assert code == 0, f"exit status {code}\n{stack.stderr()}"
    assert "stopped." in stack.stdout()
    assert all(_port_is_free(url) for url in urls)
    assert "Traceback" not in stack.stderr()
