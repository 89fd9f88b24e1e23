"""Short leases in the Cache table: one holder at a time across every Lambda.

A lock is the Cache item ``lock#<name>``, created with a conditional write. Its ``ttl`` (epoch seconds)
ends the lease: a lock whose holder crashed is taken over once the lease has run out, with a condition
on the stale ``ttl``, so two waiters can never both take it. Only the holder (its random token) may
release it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DeleteError, PutError

from appconnect import deadline, users
from appconnect.models import CacheModel
from appconnect.observability import logger

_POLL_FIRST_S = 0.05
_POLL_MAX_S = 0.4


class LockBusy(Exception):
    """Another holder kept the lock for longer than this invocation can wait."""


def _lock_id(name: str) -> str:
    return f"lock#{name}"


def acquire(name: str, lease_s: float) -> str | None:
    """A holder token when we got the lock (new, or a lease that ran out), else None."""
    holder = uuid.uuid4().hex
    now = datetime.now(UTC)
    lock = CacheModel(_lock_id(name), kind="lock", owner=holder, ttl=now + timedelta(seconds=lease_s))
    try:
        lock.save(condition=CacheModel.id.does_not_exist() | (CacheModel.ttl < now))
        return holder
    except PutError as error:
        if users.is_conflict(error):
            return None
        raise


def release(name: str, holder: str) -> None:
    try:
        CacheModel(_lock_id(name)).delete(condition=CacheModel.owner == holder)
    except DeleteError as error:
        if not users.is_conflict(error):
            logger.warning("could not release a lock", extra={"lock": name.split("#", 1)[0]})


@contextmanager
def held(name: str, lease_s: float) -> Iterator[None]:
    """Run the block as the lock's only holder, waiting for it within the invocation's deadline.

    Raises :class:`LockBusy` when the wait would not fit.
    """
    pause = _POLL_FIRST_S
    while (holder := acquire(name, lease_s)) is None:
        if deadline.remaining() < pause + 1.0:
            raise LockBusy(name)
        time.sleep(pause)
        pause = min(pause * 2, _POLL_MAX_S)
    try:
        yield
    finally:
        release(name, holder)
