"""The account cache connectors get: a Cache table DynamoDB cannot serve is a miss, never a failed request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from appconnect import account_cache, models, settings
from appconnect.account_cache import DynamoAccountCache


@pytest.fixture
def missing_cache_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CACHE_TABLE", "no-such-cache-table")
    models.bind(settings.reload())
    account_cache.forget_all()
    yield
    monkeypatch.undo()
    models.bind(settings.reload())
    account_cache.forget_all()


def test_given_a_cache_table_that_answers_when_a_value_is_put_then_it_is_read_back() -> None:
    account_cache.forget_all()
    cache = DynamoAccountCache("insightly")
    cache.put("profile#a", {"v": 1}, 60)
    account_cache.forget_all()  # from DynamoDB, not this Lambda's memory

    assert cache.get("profile#a") == {"v": 1}


@pytest.mark.usefixtures("missing_cache_table")
def test_given_a_cache_table_dynamodb_cannot_serve_when_used_then_a_miss_and_no_error() -> None:
    cache = DynamoAccountCache("insightly")

    cache.put("profile#a", {"v": 1}, 60)

    assert cache.get("profile#a") is None  # nothing remembered from the write that failed
