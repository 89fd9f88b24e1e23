"""Token refresh against a real DynamoDB API: a logout wins over a refresh in flight, and a lock left by
a crashed holder does not block the next refresh."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from appconnect import deadline, locks, oauth, token_refresh, users
from appconnect.connector import Connector, OAuthInfo
from appconnect.errors import AuthorizationRequired
from appconnect.models import CacheModel
from tests.reliability.stored_users import store_user


class FakeOAuthConnector(Connector):
    platform = "pipedrive"
    display_name = "Pipedrive"
    auth_type = "oauth"

    def get_oauth_info(self, **_: Any) -> OAuthInfo:
        return OAuthInfo(
            client_id="c", client_secret="s", access_token_uri="http://127.0.0.1:9/token", redirect_uri=""
        )


def expiring_user() -> str:
    user_id, _jwt = store_user(
        "pipedrive", token_expiry=time.time() + 30, access_token="old-access", refresh_token="old-refresh"
    )
    return user_id


def test_given_a_logout_while_a_refresh_is_in_flight_when_the_refresh_finishes_then_nothing_is_written_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id = expiring_user()
    model = users.load(user_id)
    assert model is not None

    def refresh_during_logout(_info: OAuthInfo, _platform: str, _token: str) -> oauth.Tokens:
        users.forget_credentials(user_id)  # the user logs out while the token endpoint answers
        return oauth.Tokens(
            access_token="new-access", refresh_token="new-refresh", expires_at=time.time() + 3600
        )

    monkeypatch.setattr(oauth, "refresh", refresh_during_logout)
    deadline.start(10_000)
    with pytest.raises(AuthorizationRequired):
        token_refresh.refresh_if_expiring(model, FakeOAuthConnector())
    after = users.load(user_id)
    assert after is not None
    assert after.encrypted_access_token is None
    assert after.encrypted_refresh_token is None


def test_given_a_refresh_lock_left_by_a_crashed_holder_when_a_refresh_is_due_then_it_is_taken_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id = expiring_user()
    stale = datetime.now(UTC) - timedelta(seconds=5)
    CacheModel(f"lock#refresh#{user_id}", kind="lock", owner="crashed-holder", ttl=stale).save()
    monkeypatch.setattr(
        oauth,
        "refresh",
        lambda *_: oauth.Tokens(
            access_token="new-access", refresh_token="new", expires_at=time.time() + 3600
        ),
    )
    model = users.load(user_id)
    assert model is not None
    deadline.start(3_000)  # far less than a lease: only a takeover can finish in time
    fresh = token_refresh.refresh_if_expiring(model, FakeOAuthConnector())
    assert users.access_token(fresh) == "new-access"


def test_given_a_live_lock_when_another_holder_asks_then_it_waits_and_gives_up_within_the_deadline() -> None:
    name = f"test#{uuid.uuid4().hex}"
    holder = locks.acquire(name, lease_s=30)
    assert holder is not None
    deadline.start(1_500)
    started = time.monotonic()
    with pytest.raises(locks.LockBusy), locks.held(name, lease_s=30):
        pass
    assert time.monotonic() - started < 1.5
    locks.release(name, holder)
    deadline.start(1_500)
    with locks.held(name, lease_s=30):
        pass
