"""Reliability tests run the core against a real DynamoDB API: moto's server with the template's tables."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import pytest

from appconnect import crypto, models, settings
from local.aws import LocalDynamoDB, start_embedded_aws


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[LocalDynamoDB]:
    local = start_embedded_aws(prefix=f"reliability-{os.getpid()}-")
    yield local
    local.stop()


@pytest.fixture(autouse=True)
def core_against_dynamodb(dynamodb: LocalDynamoDB, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in dynamodb.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", dynamodb.endpoint_url)
    monkeypatch.setenv("APP_SERVER_SECRET_KEY", "reliability-secret-0123456789abcdefghij")
    monkeypatch.setenv("HASH_KEY", "reliability-hash-key")
    monkeypatch.setenv("TOKEN_ENCRYPTION_LOCAL_KEY", base64.b64encode(b"k" * 32).decode())
    models.bind(settings.reload())
    crypto.reset()
    yield
    monkeypatch.undo()
    models.bind(settings.reload())
    crypto.reset()
