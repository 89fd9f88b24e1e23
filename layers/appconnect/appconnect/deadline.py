"""The current invocation's deadline, so every outbound call can bound its timeouts by it.

The API wrapper sets it from the Lambda context; the CRM client and the token lock read it. Nothing
has to pass it through connector signatures.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

#: what is kept back to answer the client after the last outbound call
ANSWER_MARGIN_S = 1.0
_DEFAULT_BUDGET_S = 25.0

_deadline: ContextVar[float | None] = ContextVar("appconnect_deadline", default=None)


def start(remaining_ms: int | None) -> None:
    """Begin an invocation that must answer within ``remaining_ms``."""
    budget = remaining_ms / 1000 if remaining_ms is not None else _DEFAULT_BUDGET_S
    _deadline.set(time.monotonic() + budget)


def remaining() -> float:
    """Seconds left for outbound work (after keeping :data:`ANSWER_MARGIN_S` to answer)."""
    deadline = _deadline.get()
    if deadline is None:
        return _DEFAULT_BUDGET_S
    return max(0.0, deadline - time.monotonic() - ANSWER_MARGIN_S)


def clear() -> None:
    """Forget the deadline (between tests, or after an invocation in a long-lived process)."""
    _deadline.set(None)
