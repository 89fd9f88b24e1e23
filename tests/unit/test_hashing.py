"""Hashed RingCentral ids: keyed, stable, and not the reference's reversible salted hash."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from appconnect import hashing, settings
from appconnect.errors import ConfigurationError
from tests.unit.conftest import HASH_KEY


def test_given_an_id_when_hashed_then_hmac_sha256_with_hash_key() -> None:
    expected = hmac.new(HASH_KEY.encode(), b"12345", hashlib.sha256).hexdigest()
    assert hashing.hash_id("12345") == expected
    assert hashing.hash_id(12345) == expected
    assert len(expected) == 64


def test_given_another_key_when_hashed_then_another_value() -> None:
    first = hashing.hash_id("12345")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HASH_KEY", "another-key")
        settings.reload()
        assert hashing.hash_id("12345") != first


def test_given_reference_formula_when_compared_then_differs() -> None:
    reference = hashlib.sha256(f"12345:{HASH_KEY}".encode()).hexdigest()
    assert hashing.hash_id("12345") != reference


def test_given_no_hash_key_when_hashing_then_configuration_error() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("HASH_KEY")
        settings.reload()
        with pytest.raises(ConfigurationError, match="HASH_KEY"):
            hashing.hash_id("1")
