"""Pacing per credential: a CRM's limit honoured before it answers 429, never past the deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from appconnect.connector import pacing


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    pacing.forget_all()
    yield
    pacing.forget_all()


def test_given_a_limit_of_10_per_second_when_25_calls_sent_from_threads_then_never_11_in_a_window() -> None:
    key = pacing.credential_key("insightly", "Basic a2V5Og==")
    sent: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        pacing.before_send(key, 10, time_left_s=30)
        with lock:
            sent.append(time.monotonic())
        pacing.after_answer(key, None, None)

    threads = [threading.Thread(target=call) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent.sort()
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= 10
    assert sent[-1] - sent[0] >= 2.0  # 25 calls need three windows


def test_given_the_crm_said_nothing_remains_when_the_next_call_comes_then_it_waits_for_the_reset() -> None:
    key = pacing.credential_key("pipedrive", "Bearer token")
    pacing.before_send(key, None, time_left_s=30)
    pacing.after_answer(key, 0, 0.4)

    waited = pacing.before_send(key, None, time_left_s=30)

    assert 0.3 <= waited < 1.0


def test_given_calls_in_flight_spend_what_remains_when_another_comes_then_it_waits() -> None:
    key = pacing.credential_key("bullhorn", "rest-token")
    pacing.before_send(key, None, time_left_s=30)
    pacing.after_answer(key, 2, 0.4)  # 2 left in this window
    pacing.before_send(key, None, time_left_s=30)
    pacing.before_send(key, None, time_left_s=30)  # both in flight

    waited = pacing.before_send(key, None, time_left_s=30)

    assert waited >= 0.3


def test_given_answers_out_of_order_when_recorded_then_the_lowest_remaining_counts() -> None:
    key = pacing.credential_key("pipedrive", "Bearer token")
    pacing.before_send(key, None, time_left_s=30)
    pacing.before_send(key, None, time_left_s=30)
    pacing.after_answer(key, 0, 0.4)
    pacing.after_answer(key, 1, 0.4)  # an earlier answer arriving late

    assert pacing.before_send(key, None, time_left_s=30) >= 0.3


def test_given_a_reset_beyond_the_deadline_when_a_call_comes_then_it_is_sent_at_once() -> None:
    key = pacing.credential_key("pipedrive", "Bearer token")
    pacing.before_send(key, None, time_left_s=30)
    pacing.after_answer(key, 0, 60)

    assert pacing.before_send(key, None, time_left_s=3) < 0.1


def test_given_two_credentials_when_one_is_spent_then_the_other_calls_at_once() -> None:
    spent, other = (
        pacing.credential_key("pipedrive", "Bearer a"),
        pacing.credential_key("pipedrive", "Bearer b"),
    )
    pacing.before_send(spent, None, time_left_s=30)
    pacing.after_answer(spent, 0, 5)

    assert pacing.before_send(other, None, time_left_s=30) < 0.1


def test_given_a_credential_when_keyed_then_the_secret_is_not_kept() -> None:
    key = pacing.credential_key("insightly", "Basic c2VjcmV0LWFwaS1rZXk6")

    assert "c2VjcmV0" not in key
    assert key.startswith("insightly:")
