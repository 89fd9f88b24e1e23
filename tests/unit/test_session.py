"""The App Connect session JWT: issued, verified, slid forward, and refused when it should be."""

from __future__ import annotations

import time

import jwt
import pytest

from appconnect import session
from tests.unit.conftest import SECRET

DAY = 86_400


def test_given_issued_token_when_verified_then_user_and_platform_come_back() -> None:
    token = session.issue("42-pipedrive", "pipedrive")
    found = session.verify(token)
    assert found is not None
    assert (found.user_id, found.platform) == ("42-pipedrive", "pipedrive")
    assert found.expires_at - found.issued_at == 14 * DAY


def test_given_token_payload_when_decoded_then_it_carries_reference_fields_and_registered_claims() -> None:
    claims = jwt.decode(
        session.issue("7-redtail", "redtail"), SECRET, algorithms=["HS256"], audience="appconnect-extension"
    )
    assert claims["id"] == "7-redtail"
    assert claims["platform"] == "redtail"
    assert {"iat", "exp", "iss", "aud"} <= set(claims)


def test_given_expired_token_when_verified_then_no_session() -> None:
    token = session.issue("1-pipedrive", "pipedrive", now=time.time() - 15 * DAY)
    assert session.verify(token) is None


def test_given_token_signed_with_another_secret_when_verified_then_no_session() -> None:
    forged = jwt.encode(
        {
            "id": "1-pipedrive",
            "platform": "pipedrive",
            "iat": int(time.time()),
            "exp": int(time.time()) + DAY,
            "iss": "appconnect",
            "aud": "appconnect-extension",
        },
        "not-the-secret-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert session.verify(forged) is None


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_given_token_signed_with_other_hmac_algorithm_when_verified_then_refused(algorithm: str) -> None:
    now = int(time.time())
    token = jwt.encode(
        {
            "id": "1-pipedrive",
            "platform": "pipedrive",
            "iat": now,
            "exp": now + DAY,
            "iss": "appconnect",
            "aud": "appconnect-extension",
        },
        SECRET,
        algorithm=algorithm,
    )
    assert session.verify(token) is None


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud"])
def test_given_token_without_registered_claim_when_verified_then_refused(missing: str) -> None:
    now = int(time.time())
    claims = {
        "id": "1-pipedrive",
        "platform": "pipedrive",
        "iat": now,
        "exp": now + DAY,
        "iss": "appconnect",
        "aud": "appconnect-extension",
    }
    del claims[missing]
    assert session.verify(jwt.encode(claims, SECRET, algorithm="HS256")) is None


def test_given_reference_style_token_without_id_when_verified_then_refused() -> None:
    now = int(time.time())
    token = jwt.encode(
        {
            "platform": "pipedrive",
            "iat": now,
            "exp": now + DAY,
            "iss": "appconnect",
            "aud": "appconnect-extension",
        },
        SECRET,
        algorithm="HS256",
    )
    assert session.verify(token) is None


def test_given_garbage_when_verified_then_no_session() -> None:
    assert session.verify("not.a.jwt") is None
    assert session.verify("") is None


def test_given_token_with_eight_days_left_when_checked_then_no_refresh_needed() -> None:
    now = time.time()
    found = session.verify(session.issue("1-pipedrive", "pipedrive", now=now - 6 * DAY))
    assert found is not None
    assert not session.needs_refresh(found, now=now)


def test_given_token_with_seven_days_left_when_checked_then_refresh_needed() -> None:
    now = time.time()
    found = session.verify(session.issue("1-pipedrive", "pipedrive", now=now - 7 * DAY))
    assert found is not None
    assert session.needs_refresh(found, now=now)
