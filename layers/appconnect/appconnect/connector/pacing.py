"""Pacing of CRM calls per credential, so a CRM's rate limit is honoured before it answers 429.

Two sources, both kept per credential (a hash of the token, session or API key a call presents) in the
Lambda's memory and shared by the threads of a parallel wave:

- **what the CRM says**: the remaining calls and the seconds until the window resets, from its rate-limit
  headers (Pipedrive, Bullhorn). When the calls in flight would spend what remains, the next one waits for
  the reset;
- **what the CRM documents** when its headers do not say it (Insightly: 10 requests per second; its headers
  count a daily quota): at most ``per_second`` calls are sent in any :data:`WINDOW_S`.

A wait never outlasts the invocation: when the reset is further away than the deadline allows, the call is
sent and the client's 429 handling (``Retry-After``, then "Rate limit exceeded") takes over. Other Lambdas
of the deployment are not seen; their share shows in the CRM's headers, or as a 429 that is retried.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

#: the span ``per_second`` counts over, with a margin for calls that reach the CRM later than others
WINDOW_S = 1.05
#: credentials remembered (least recently used forgotten first)
MAX_CREDENTIALS = 1024
#: time kept free at the end of an invocation: a wait longer than what is left minus this is not taken
DEADLINE_MARGIN_S = 1.0


@dataclass
class _Pace:
    ready: threading.Condition = field(default_factory=threading.Condition)
    sent: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    #: what the CRM said remains, and when (monotonic) its window resets
    remaining: int | None = None
    reset_at: float = 0.0


_lock = threading.Lock()
_paces: OrderedDict[str, _Pace] = OrderedDict()


def credential_key(platform: str, secret: str) -> str:
    """The key a credential is paced under (its hash: the secret itself is never kept)."""
    return f"{platform}:{hashlib.sha256(secret.encode('utf-8')).hexdigest()[:24]}"


def _pace(key: str) -> _Pace:
    with _lock:
        pace = _paces.get(key)
        if pace is None:
            pace = _paces[key] = _Pace()
        _paces.move_to_end(key)
        while len(_paces) > MAX_CREDENTIALS:
            _paces.popitem(last=False)
        return pace


def _wait_needed(pace: _Pace, per_second: int | None, now: float) -> float:
    wait = 0.0
    if per_second:
        while pace.sent and pace.sent[0] <= now - WINDOW_S:
            pace.sent.popleft()
        if len(pace.sent) >= per_second:
            wait = pace.sent[0] + WINDOW_S - now
    if pace.remaining is not None:
        if now >= pace.reset_at:
            pace.remaining = None  # a new window: the next answer tells
        elif pace.remaining - pace.in_flight <= 0:
            wait = max(wait, pace.reset_at - now)
    return wait


def before_send(key: str, per_second: int | None, time_left_s: float) -> float:
    """Wait until the credential may call again (never past ``time_left_s``); the seconds waited."""
    pace = _pace(key)
    started = time.monotonic()
    with pace.ready:
        while True:
            now = time.monotonic()
            wait = _wait_needed(pace, per_second, now)
            if wait <= 0 or (now - started) + wait > time_left_s - DEADLINE_MARGIN_S:
                break
            pace.ready.wait(wait)
        pace.sent.append(time.monotonic())
        pace.in_flight += 1
    return time.monotonic() - started


def after_answer(key: str, remaining: int | None, reset_s: float | None) -> None:
    """Record an answer (or a failure: both ``None``) of a call :func:`before_send` let through."""
    pace = _pace(key)
    with pace.ready:
        pace.in_flight = max(0, pace.in_flight - 1)
        if remaining is not None and reset_s is not None:
            now = time.monotonic()
            if pace.remaining is not None and now < pace.reset_at:
                # answers of one window may arrive out of order: the lowest count is the latest
                pace.remaining = min(pace.remaining, remaining)
                pace.reset_at = max(pace.reset_at, now + max(0.0, reset_s))
            else:
                pace.remaining = remaining
                pace.reset_at = now + max(0.0, reset_s)
        pace.ready.notify_all()


def forget_all() -> None:
    """Forget every credential's pace (tests)."""
    with _lock:
        _paces.clear()
