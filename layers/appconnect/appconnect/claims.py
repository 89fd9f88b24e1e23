"""Effectively-once CRM writes: claim a key with a conditional write before the CRM write, record the
CRM id after it.

A claim is an item ``(owner, key)`` in CallLogs or MessageLogs with ``status``:

* ``pending``: someone is writing to the CRM; their lease ends at ``leaseUntil`` (their Lambda deadline);
* ``logged``: done, ``logId`` is the CRM record;
* ``unknown``: the CRM write may or may not have happened (a timeout, a dropped connection).

:func:`claim` answers what the caller must do: write (the key is new), return the existing ``logId``,
or recover (a pending claim whose holder died, or an unknown one): look for the record in the CRM
before writing again, so a crash between the CRM write and the record does not duplicate it.
:func:`run` then carries a claim through that lifecycle (recover or write, then record or give up); the
operations answer ``LOGGED`` and ``BUSY`` themselves, each in its route's words.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from appconnect import deadline, users
from appconnect.connector.types import LogId
from appconnect.errors import CrmError, CrmUnavailable
from appconnect.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from appconnect.connector.types import LogResult

_POLL_FIRST_S = 0.05
_POLL_MAX_S = 0.5


class Outcome(Enum):
    WRITE = "write"  # the key is ours and new: write to the CRM
    RECOVER = "recover"  # ours, but an earlier attempt may have written: look in the CRM first
    LOGGED = "logged"  # already written: answer with record.log_id
    BUSY = "busy"  # another live request holds it and did not finish in our time


@dataclass
class Claim:
    outcome: Outcome
    record: Any
    token: str = ""


def claim(model_class: Any, hash_key: str, range_key: str, **attributes: Any) -> Claim:
    """Claim ``(hash_key, range_key)``; waits for a live holder within the invocation's deadline."""
    pause = _POLL_FIRST_S
    while True:
        token = uuid.uuid4().hex
        now = time.time()
        lease = now + max(deadline.remaining(), 1.0) + deadline.ANSWER_MARGIN_S
        record = model_class(
            hash_key,
            range_key,
            status="pending",
            claim_token=token,
            claimed_at=now,
            lease_until=lease,
            **attributes,
        )
        hash_attr = model_class._hash_key_attribute()
        try:
            record.save(condition=hash_attr.does_not_exist())
            return Claim(Outcome.WRITE, record, token)
        except PutError as error:
            if not users.is_conflict(error):
                raise
        try:
            existing = model_class.get(hash_key, range_key, consistent_read=True)
        except model_class.DoesNotExist:
            continue  # released between our put and our read: the key is free again, claim it
        if existing.status == "logged" and existing.log_id:
            return Claim(Outcome.LOGGED, existing)
        if existing.status == "unknown" or (existing.lease_until or 0) < now:
            taken = _take_over(model_class, existing, token, lease)
            if taken is not None:
                return Claim(Outcome.RECOVER, taken, token)
            continue
        if deadline.remaining() < pause + 0.5:
            return Claim(Outcome.BUSY, existing)
        time.sleep(pause)
        pause = min(pause * 2, _POLL_MAX_S)


def _take_over(model_class: Any, existing: Any, token: str, lease: float) -> Any | None:
    old_token = existing.claim_token
    try:
        existing.update(
            actions=[
                model_class.claim_token.set(token),
                model_class.lease_until.set(lease),
                # claimedAt stays the first attempt's: recovery looks for CRM records written since then
                model_class.status.set("pending"),
            ],
            condition=model_class.claim_token == old_token,
        )
    except UpdateError as error:
        if users.is_conflict(error):
            return None
        raise
    logger.info("took over an abandoned claim", extra={"table": model_class.Meta.table_name})
    return existing


def complete(current: Claim, log_id: str, **attributes: Any) -> bool:
    """Record the CRM id; only the claim's holder may. False when the claim was taken over meanwhile.

    A takeover means our lease ran out while we wrote: the CRM record exists (``log_id``), and the
    request that took the claim over looks for it in the CRM before writing, so it adopts ours. The
    caller still answers with ``log_id``: the user's record is there.
    """
    model_class = type(current.record)
    actions = [model_class.status.set("logged"), model_class.log_id.set(str(log_id))]
    actions += [getattr(model_class, name).set(value) for name, value in attributes.items()]
    try:
        current.record.update(actions=actions, condition=model_class.claim_token == current.token)
    except UpdateError as error:
        if not users.is_conflict(error):
            raise
        logger.warning("a claim was taken over before its write was recorded", extra={"log_id": str(log_id)})
        return False
    return True


def release(current: Claim) -> None:
    """Give the key up: the CRM write definitely did not happen."""
    model_class = type(current.record)
    try:
        current.record.delete(condition=model_class.claim_token == current.token)
    except DeleteError as error:
        if not users.is_conflict(error):
            raise


def mark_unknown(current: Claim) -> None:
    """The CRM may have written: the next attempt must look before writing."""
    model_class = type(current.record)
    try:
        current.record.update(
            actions=[model_class.status.set("unknown")], condition=model_class.claim_token == current.token
        )
    except UpdateError as error:
        if not users.is_conflict(error):
            raise


def give_up(current: Claim) -> None:
    """Let the key go when this attempt wrote nothing; when an earlier attempt may have written, keep it
    unknown, so the next attempt looks in the CRM again before writing."""
    if current.outcome is Outcome.RECOVER:
        mark_unknown(current)
    else:
        release(current)


@dataclass(frozen=True)
class Written:
    """What :func:`run` did: ``log_id`` is the CRM record (None: nothing was written and the claim is given
    up); ``result`` is the write's answer, None when the record of an interrupted attempt was adopted."""

    log_id: LogId | None
    result: LogResult | None

    @property
    def recovered(self) -> bool:
        return self.result is None and self.log_id is not None


def run(
    current: Claim,
    *,
    write: Callable[[], LogResult],
    recover: Callable[[float], LogId | None] | None = None,
    attempt: Attempt | None = None,
) -> Written:
    """Carry a claim (outcome WRITE or RECOVER) through "recover or write, then record or give up".

    ``recover(since)`` looks in the CRM for what an interrupted attempt wrote since the first claim (only
    for a RECOVER claim); a record found is adopted instead of writing a second one. ``write()`` is the
    CRM write. A failure leaves the claim as the next attempt needs it (:func:`looking`, :func:`writing`);
    a write that created nothing gives the claim up. ``attempt``: the enclosing :func:`attempting` of other
    claims this write serves (a message in a conversation-day), told once the CRM record exists.
    Model: Powertools' ``IdempotencyHandler``."""
    if current.outcome is Outcome.RECOVER and recover is not None:
        with looking(current):
            found = recover(current.record.claimed_at)
        if found:
            logger.info("recovered a CRM record written before a crash", extra={"table": _table(current)})
            metrics.add_metric(name="DuplicatesPrevented", unit=MetricUnit.Count, value=1)
            _record(current, found, attempt)
            return Written(found, None)
    with writing(current):
        result = write()
    if not result.log_id:
        give_up(current)
        return Written(None, result)
    _record(current, result.log_id, attempt)
    return Written(result.log_id, result)


def _record(current: Claim, log_id: LogId, attempt: Attempt | None) -> None:
    """The CRM record exists: say so before recording it, so that a crash while recording leaves every
    claim unknown (the next attempt adopts the record) rather than free (it would write a second one)."""
    if attempt is not None:
        attempt.written = True
    try:
        complete(current, str(log_id), **_id_type(current, log_id))
    except Exception:  # a storage error: the next attempt may look at once (a killed Lambda's lease runs out)
        mark_unknown(current)
        raise


def _table(current: Claim) -> str:
    return str(type(current.record).Meta.table_name)


def _id_type(current: Claim, log_id: LogId) -> dict[str, Any]:
    """Whether the CRM's id is a number, where the record keeps it (the extension compares call-log ids
    with what it stored, so a number must come back a number)."""
    if not hasattr(type(current.record), "log_id_is_number"):
        return {}
    return {"log_id_is_number": isinstance(log_id, int) and not isinstance(log_id, bool)}


@contextmanager
def preparing(current: Claim) -> Iterator[None]:
    """Around what a claimant does before its CRM write: on any failure, :func:`give_up`."""
    try:
        yield
    except BaseException:
        give_up(current)
        raise


@contextmanager
def writing(current: Claim) -> Iterator[None]:
    """Around the CRM write itself. A CRM that refused (4xx) wrote nothing: :func:`give_up`. A timeout, a
    dropped connection, a 5xx or a crash may have written: the claim becomes unknown, and the next attempt
    looks in the CRM before writing again. The error goes on to the caller either way."""
    try:
        yield
    except CrmUnavailable:
        mark_unknown(current)
        raise
    except CrmError:
        give_up(current)
        raise
    except BaseException:
        mark_unknown(current)
        raise


@contextmanager
def looking(current: Claim) -> Iterator[None]:
    """Around the search for what an interrupted attempt wrote: on failure the claim stays unknown."""
    try:
        yield
    except BaseException:
        mark_unknown(current)
        raise


@dataclass
class Attempt:
    """The claims one attempt holds while it writes to the CRM, and whether its write happened."""

    held: list[Claim]
    written: bool = False

    def settled(self, current: Claim) -> None:
        """``current`` is recorded: a failure from here on leaves it alone."""
        self.held = [c for c in self.held if c is not current]


@contextmanager
def attempting(*currents: Claim) -> Iterator[Attempt]:
    """Around work that writes to the CRM for several claims (a message and its conversation-day).

    On failure every claim still held is left as the next attempt needs it: unknown when the CRM may have
    written (a :class:`CrmUnavailable`, or ``attempt.written``), given up otherwise. The error goes on."""
    attempt = Attempt(list(currents))
    try:
        yield attempt
    except BaseException as error:
        unknown = isinstance(error, CrmUnavailable) or attempt.written
        for current in attempt.held:
            if current.outcome in (Outcome.WRITE, Outcome.RECOVER):
                if unknown:
                    mark_unknown(current)
                else:
                    give_up(current)
        raise
