"""Token refresh against a real DynamoDB API: a logout wins over a refresh in flight, and a lock left by
a crashed holder does not block the next refresh."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from appconnect import deadline, locks, oauth, token_refresh, users
from appconnect.connector import Connector, CrmUser, OAuthInfo
from appconnect.context import AuthContext
from appconnect.errors import AuthorizationRequired, CrmUnavailable
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


def test_given_a_logout_while_waiting_for_another_refresh_when_the_wait_ends_then_no_usable_user() -> None:
    user_id = expiring_user()
    holder = locks.acquire(f"refresh#{user_id}", lease_s=30)  # another request is refreshing
    assert holder is not None
    model = users.load(user_id)
    assert model is not None
    logout = threading.Timer(0.3, users.forget_credentials, args=(user_id,))
    logout.start()
    deadline.start(3_000)
    try:
        with pytest.raises(AuthorizationRequired):  # not a user without credentials to call the CRM with
            token_refresh.refresh_if_expiring(model, FakeOAuthConnector())
    finally:
        logout.join()
        locks.release(f"refresh#{user_id}", holder)


def test_given_a_connector_call_that_changed_the_user_and_failed_when_done_then_the_change_is_saved() -> None:
    user_id, _jwt = store_user("pipedrive", token_expiry=time.time() + 3600)
    model = users.load(user_id)
    assert model is not None
    user = users.to_crm_user(model)
    context = AuthContext(
        session=None, model=model, user=user, connector=FakeOAuthConnector(), auth_header="x"
    )  # type: ignore[arg-type]

    def renews_its_session_then_fails(*, user: CrmUser, auth_header: str) -> dict[str, Any]:
        user.platform_additional_info["sessionToken"] = "renewed"
        user.changed = True
        raise CrmUnavailable("down after renewing", platform="pipedrive")

    with pytest.raises(CrmUnavailable):
        context.call(renews_its_session_then_fails)
    saved = users.load(user_id)
    assert saved is not None
    assert (saved.platform_additional_info or {}).get("sessionToken") == "renewed"
