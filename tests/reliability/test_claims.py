"""Effectively-once claims against a real DynamoDB API: one writer, everyone else gets its log id."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from appconnect import claims, deadline
from appconnect.models import CallLogModel


def new_key() -> tuple[str, str]:
    return f"user-{uuid.uuid4().hex[:8]}-pipedrive", f"session-{uuid.uuid4().hex[:8]}"


def test_given_20_concurrent_claims_when_the_writer_completes_then_one_write_and_19_get_its_log_id() -> None:
    user_id, session_id = new_key()

    def attempt(_: int) -> tuple[claims.Outcome, str | None]:
        deadline.start(10_000)
        claim = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
        if claim.outcome is claims.Outcome.WRITE:
            time.sleep(0.3)  # the CRM call
            claims.complete(claim, "activity-1")
            return claim.outcome, "activity-1"
        return claim.outcome, claim.record.log_id

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    outcomes = [outcome for outcome, _ in results]
    assert outcomes.count(claims.Outcome.WRITE) == 1
    assert outcomes.count(claims.Outcome.LOGGED) == 19
    assert {log_id for _, log_id in results} == {"activity-1"}


def test_given_a_claim_whose_holder_died_when_claimed_again_after_its_lease_then_recover() -> None:
    user_id, session_id = new_key()
    deadline.start(1_000)  # the first holder's Lambda had one second left
    first = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    assert first.outcome is claims.Outcome.WRITE
    # ... and it crashed without completing or releasing
    time.sleep(2.1)
    deadline.start(10_000)
    second = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    assert second.outcome is claims.Outcome.RECOVER
    claims.complete(second, "activity-9")
    assert CallLogModel.get(user_id, session_id).log_id == "activity-9"


def test_given_a_live_holder_when_claimed_with_little_time_left_then_busy_not_a_second_write() -> None:
    user_id, session_id = new_key()
    deadline.start(20_000)
    claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    deadline.start(1_200)
    assert (
        claims.claim(CallLogModel, user_id, session_id, platform="pipedrive").outcome is claims.Outcome.BUSY
    )


def test_given_an_unknown_outcome_when_claimed_again_then_recover_at_once() -> None:
    user_id, session_id = new_key()
    deadline.start(20_000)
    first = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    claims.mark_unknown(first)
    assert (
        claims.claim(CallLogModel, user_id, session_id, platform="pipedrive").outcome
        is claims.Outcome.RECOVER
    )


def test_given_a_released_claim_when_claimed_again_then_write() -> None:
    user_id, session_id = new_key()
    deadline.start(20_000)
    claims.release(claims.claim(CallLogModel, user_id, session_id, platform="pipedrive"))
    assert (
        claims.claim(CallLogModel, user_id, session_id, platform="pipedrive").outcome is claims.Outcome.WRITE
    )


def test_given_a_stale_holder_when_it_completes_after_a_takeover_then_refused_without_an_error() -> None:
    user_id, session_id = new_key()
    deadline.start(1_000)
    stale = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    time.sleep(2.1)
    deadline.start(10_000)
    fresh = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    claims.complete(fresh, "activity-new")
    # the condition on the claim token refuses it; the stale holder is told, not crashed (no 500)
    assert claims.complete(stale, "activity-old") is False
    assert CallLogModel.get(user_id, session_id).log_id == "activity-new"


def test_given_the_claim_is_released_between_a_failed_put_and_the_read_when_claimed_then_write() -> None:
    user_id, session_id = new_key()
    deadline.start(10_000)
    holder = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    real_get = CallLogModel.get

    def released_first(*args: object, **kwargs: object) -> CallLogModel:
        # the holder gives the key up exactly between our conditional put and our read
        claims.release(holder)
        CallLogModel.get = real_get  # type: ignore[method-assign]
        return real_get(*args, **kwargs)  # type: ignore[arg-type]

    CallLogModel.get = released_first  # type: ignore[method-assign]
    try:
        second = claims.claim(CallLogModel, user_id, session_id, platform="pipedrive")
    finally:
        CallLogModel.get = real_get  # type: ignore[method-assign]
    assert second.outcome is claims.Outcome.WRITE
