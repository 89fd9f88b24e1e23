"""Encryption at rest of CRM tokens and API keys: AES-256-GCM under a data key.

In AWS the data key comes from KMS (``GenerateDataKey`` on ``TOKEN_KMS_KEY_ID``), is kept in memory and
stored, KMS-encrypted, beside each value. KMS is not called per request: a Lambda encrypts with one data key
for at most :data:`DATA_KEY_MAX_AGE_S` and :data:`DATA_KEY_MAX_USES` values, then asks for a new one, and
remembers the plaintext of at most :data:`KNOWN_KEYS_MAX` data keys it decrypted (least recently used
forgotten first), so a warm Lambda calls KMS about once an hour; in development a local key
(``TOKEN_ENCRYPTION_LOCAL_KEY``, base64 of 32 bytes) stands in for KMS. Every value is bound to its
record and field (AES-GCM associated data), so a ciphertext copied to another user does not decrypt.

Stored form: ``v1.<key-ref>.<nonce>.<ciphertext>`` (URL-safe base64 parts; ``key-ref`` is ``local`` or
the KMS-encrypted data key).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from typing import Any

from appconnect.errors import AppConnectError, ConfigurationError
from appconnect.settings import get_settings

_VERSION = "v1"
_LOCAL = "local"
#: a data key encrypts new values for at most this long ...
DATA_KEY_MAX_AGE_S = 3600.0
#: ... and at most this many values (AWS's guidance for AES-GCM with random nonces is far above it)
DATA_KEY_MAX_USES = 100_000
#: decrypted data keys remembered (each user's values name the key that sealed them)
KNOWN_KEYS_MAX = 64

_lock = threading.Lock()
#: (key-ref, key, monotonic time it stops encrypting, encryptions left)
_encrypting_key: tuple[str, bytes, float, int] | None = None
_known_keys: OrderedDict[str, bytes] = OrderedDict()


def _know(ref: str, key: bytes) -> None:
    """Remember a data key's plaintext (the caller holds ``_lock``)."""
    _known_keys[ref] = key
    _known_keys.move_to_end(ref)
    while len(_known_keys) > KNOWN_KEYS_MAX:
        _known_keys.popitem(last=False)


class DecryptionError(AppConnectError):
    """A stored value could not be decrypted (wrong key, tampered, or bound to another record)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _kms() -> Any:
    import botocore.session  # imported on first use: most invocations only decrypt from cache

    return botocore.session.get_session().create_client("kms", region_name=get_settings().aws_region)


def _local_key() -> bytes | None:
    raw = get_settings().token_encryption_local_key
    if not raw:
        return None
    try:
        key = base64.b64decode(raw)
    except ValueError as exc:
        raise ConfigurationError("TOKEN_ENCRYPTION_LOCAL_KEY must be base64") from exc
    if len(key) != 32:
        raise ConfigurationError("TOKEN_ENCRYPTION_LOCAL_KEY must decode to 32 bytes")
    return key


def _current_key() -> tuple[str, bytes]:
    """(key-ref, key) used for the next new value."""
    global _encrypting_key
    with _lock:
        if _encrypting_key is not None:
            ref, key, until, uses_left = _encrypting_key
            if uses_left > 0 and time.monotonic() < until:
                _encrypting_key = (ref, key, until, uses_left - 1)
                return ref, key
        local = _local_key()
        if local is not None:
            ref, key = _LOCAL, local
        else:
            key_id = get_settings().token_kms_key_id
            if not key_id:
                raise ConfigurationError(
                    "set TOKEN_KMS_KEY_ID (or TOKEN_ENCRYPTION_LOCAL_KEY in development)"
                )
            answer = _kms().generate_data_key(
                KeyId=key_id, KeySpec="AES_256", EncryptionContext={"purpose": "appconnect-tokens"}
            )
            ref, key = _b64(answer["CiphertextBlob"]), bytes(answer["Plaintext"])
            _know(ref, key)
        _encrypting_key = (ref, key, time.monotonic() + DATA_KEY_MAX_AGE_S, DATA_KEY_MAX_USES - 1)
        return ref, key


def _key_for(ref: str) -> bytes:
    if ref == _LOCAL:
        local = _local_key()
        if local is None:
            raise DecryptionError("value was encrypted with a local key, but none is configured")
        return local
    with _lock:
        cached = _known_keys.get(ref)
        if cached is not None:
            _known_keys.move_to_end(ref)
    if cached is not None:
        return cached
    try:
        answer = _kms().decrypt(
            CiphertextBlob=_unb64(ref), EncryptionContext={"purpose": "appconnect-tokens"}
        )
    except Exception as exc:  # botocore's errors are generated classes
        raise DecryptionError("the data key could not be decrypted by KMS") from exc
    with _lock:
        _know(ref, bytes(answer["Plaintext"]))
    return bytes(answer["Plaintext"])


def encrypt(plaintext: str, *, context: str) -> str:
    """The stored form of ``plaintext``, bound to ``context`` (e.g. ``"<user id>/accessToken"``)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ref, key = _current_key()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return ".".join((_VERSION, ref, _b64(nonce), _b64(sealed)))


def decrypt(stored: str, *, context: str) -> str:
    """The plaintext of a value :func:`encrypt` produced for the same ``context``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    parts = stored.split(".")
    if len(parts) != 4 or parts[0] != _VERSION:
        raise DecryptionError("not an encrypted value")
    _, ref, nonce, sealed = parts
    try:
        return (
            AESGCM(_key_for(ref))
            .decrypt(_unb64(nonce), _unb64(sealed), context.encode("utf-8"))
            .decode("utf-8")
        )
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("the value does not decrypt for this record") from exc


def reset() -> None:
    """Forget cached keys (tests that change the configured key)."""
    global _encrypting_key
    with _lock:
        _encrypting_key = None
        _known_keys.clear()
