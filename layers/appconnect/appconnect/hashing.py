"""Keyed hashes of RingCentral account and extension ids.

The reference hashes ``sha256("<id>:<HASH_KEY>")``; low-entropy ids make that reversible by anyone who
learns the key's construction, so we use HMAC-SHA256 keyed with ``HASH_KEY`` (docs/compatibility.md).
"""

from __future__ import annotations

import hashlib
import hmac

from appconnect.settings import get_settings


def hash_id(value: str | int) -> str:
    """Lower-case hex HMAC-SHA256 of the id (64 characters)."""
    key = get_settings().require_hash_key().encode("utf-8")
    return hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
