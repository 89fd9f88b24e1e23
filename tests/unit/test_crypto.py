"""Tokens at rest: AES-GCM, bound to their record, with a local key or a KMS data key."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from appconnect import crypto, settings
from appconnect.errors import ConfigurationError


@pytest.fixture
def local_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TOKEN_ENCRYPTION_LOCAL_KEY", base64.b64encode(os.urandom(32)).decode())
    settings.reload()
    crypto.reset()
    yield
    crypto.reset()


@pytest.mark.usefixtures("local_key")
def test_given_a_token_when_encrypted_then_plaintext_not_in_stored_form_and_it_round_trips() -> None:
    stored = crypto.encrypt("pd-access-token-123", context="42-pipedrive/accessToken")
    assert "pd-access-token-123" not in stored
    assert crypto.decrypt(stored, context="42-pipedrive/accessToken") == "pd-access-token-123"


@pytest.mark.usefixtures("local_key")
def test_given_same_token_twice_when_encrypted_then_different_ciphertexts() -> None:
    assert crypto.encrypt("t", context="c") != crypto.encrypt("t", context="c")


@pytest.mark.usefixtures("local_key")
def test_given_ciphertext_of_another_user_when_decrypted_then_refused() -> None:
    stored = crypto.encrypt("secret", context="1-pipedrive/accessToken")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored, context="2-pipedrive/accessToken")


@pytest.mark.usefixtures("local_key")
def test_given_tampered_ciphertext_when_decrypted_then_refused() -> None:
    stored = crypto.encrypt("secret", context="c")
    version, ref, nonce, sealed = stored.split(".")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(".".join((version, ref, nonce, flipped)), context="c")


def test_given_no_key_configured_when_encrypting_then_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOKEN_ENCRYPTION_LOCAL_KEY", raising=False)
    monkeypatch.delenv("TOKEN_KMS_KEY_ID", raising=False)
    settings.reload()
    crypto.reset()
    with pytest.raises(ConfigurationError, match="TOKEN_KMS_KEY_ID"):
        crypto.encrypt("x", context="c")


def test_given_kms_key_when_encrypted_then_a_cold_container_decrypts_through_kms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOKEN_ENCRYPTION_LOCAL_KEY", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        key_id = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
        monkeypatch.setenv("TOKEN_KMS_KEY_ID", key_id)
        settings.reload()
        crypto.reset()
        stored = crypto.encrypt("refresh-token-xyz", context="9-bullhorn/refreshToken")
        crypto.reset()  # a new container knows no data key yet
        assert crypto.decrypt(stored, context="9-bullhorn/refreshToken") == "refresh-token-xyz"
    crypto.reset()


class CountingKms:
    """KMS as the crypto module calls it, counting calls (data keys are random bytes)."""

    def __init__(self) -> None:
        self.generated = 0
        self.decrypted = 0
        self._keys: dict[bytes, bytes] = {}

    def generate_data_key(self, **_: object) -> dict[str, bytes]:
        self.generated += 1
        blob, key = os.urandom(16), os.urandom(32)
        self._keys[blob] = key
        return {"CiphertextBlob": blob, "Plaintext": key}

    def decrypt(self, *, CiphertextBlob: bytes, **_: object) -> dict[str, bytes]:
        self.decrypted += 1
        return {"Plaintext": self._keys[CiphertextBlob]}


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingKms]:
    fake = CountingKms()
    monkeypatch.delenv("TOKEN_ENCRYPTION_LOCAL_KEY", raising=False)
    monkeypatch.setenv("TOKEN_KMS_KEY_ID", "alias/appconnect-test")
    settings.reload()
    crypto.reset()
    monkeypatch.setattr(crypto, "_kms", lambda: fake)
    yield fake
    crypto.reset()


def test_given_a_warm_container_when_many_values_sealed_and_opened_then_kms_called_once(
    kms: CountingKms,
) -> None:
    for n in range(200):
        stored = crypto.encrypt(f"token-{n}", context=f"{n}-pipedrive/accessToken")
        assert crypto.decrypt(stored, context=f"{n}-pipedrive/accessToken") == f"token-{n}"

    assert (kms.generated, kms.decrypted) == (1, 0)


def test_given_a_data_key_at_its_use_bound_when_the_next_value_sealed_then_a_new_data_key(
    kms: CountingKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "DATA_KEY_MAX_USES", 3)
    refs = {crypto.encrypt("t", context="1-x/accessToken").split(".")[1] for _ in range(7)}

    assert kms.generated == 3
    assert len(refs) == 3


def test_given_a_data_key_past_its_age_bound_when_the_next_value_sealed_then_a_new_data_key(
    kms: CountingKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "DATA_KEY_MAX_AGE_S", 0.0)
    first = crypto.encrypt("t", context="1-x/accessToken")
    second = crypto.encrypt("t", context="1-x/accessToken")

    assert kms.generated == 2
    assert first.split(".")[1] != second.split(".")[1]
    # both still open: the old data key is remembered
    assert crypto.decrypt(first, context="1-x/accessToken") == "t"
    assert kms.decrypted == 0


def test_given_more_data_keys_than_remembered_when_an_old_value_opened_then_kms_asked_again(
    kms: CountingKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crypto, "DATA_KEY_MAX_USES", 1)
    monkeypatch.setattr(crypto, "KNOWN_KEYS_MAX", 2)
    oldest, *_ = [crypto.encrypt(f"t{n}", context="1-x/accessToken") for n in range(3)]

    assert crypto.decrypt(oldest, context="1-x/accessToken") == "t0"
    assert kms.decrypted == 1
