"""``appconnect.admin_auth.require_admin``: RingCentral decides who is an admin, the verdict (admin or not)
is kept a minute in the Cache table, and a JWT user of another account never acts on this admin's company.

Against a real DynamoDB API (moto's server with the template's tables, the ``local_dynamodb_env`` fixture of
``tests/conftest.py``); RingCentral is a stub of :func:`appconnect.ringcentral.identity` that counts calls.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest

from appconnect import admin_auth, hashing, models, ringcentral, settings
from appconnect.admin_auth import Admin, require_admin
from appconnect.errors import AdminForbidden, JsonBadRequest
from appconnect.http import Request
from appconnect.models import CacheModel, UserModel
from appconnect.ringcentral import RcIdentity
from tests.unit.conftest import http_event

if TYPE_CHECKING:
    from local.aws import LocalDynamoDB

ACCOUNT = "37439510"
OTHER_ACCOUNT = "40960001"


class RingCentral:
    """A stub of ``ringcentral.identity``: each token's extension, and every call it was asked."""

    def __init__(self) -> None:
        self.identities: dict[str, RcIdentity] = {}
        self.calls: list[str] = []

    def token(self, *, admin: bool, account: str = ACCOUNT, extension: str = "62264425008") -> str:
        token = f"rc-{uuid.uuid4().hex}"
        self.identities[token] = RcIdentity(
            extension_id=extension, account_id=account, name="Jordan Lee", email="", is_admin=admin
        )
        return token

    def identity(self, token: str) -> RcIdentity:
        self.calls.append(token)
        if token not in self.identities:
            raise JsonBadRequest("The RingCentral session is not valid. Please sign in to RingCentral again.")
        return self.identities[token]


@pytest.fixture(autouse=True)
def core_against_dynamodb(
    local_dynamodb_env: LocalDynamoDB, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    models.bind(settings.reload())
    yield
    monkeypatch.undo()
    models.bind(settings.reload())


@pytest.fixture
def rc(monkeypatch: pytest.MonkeyPatch) -> RingCentral:
    stub = RingCentral()
    monkeypatch.setattr(ringcentral, "identity", stub.identity)
    return stub


def request_with(token: str | None = None) -> Request:
    headers = {"x-rc-access-token": token} if token else {}
    return Request.from_event(http_event("GET", "/admin/settings", headers=headers))


def user_of(account: str | None) -> UserModel:
    return UserModel(
        "12345-pipedrive",
        platform="pipedrive",
        hashed_rc_account_id=hashing.hash_id(account) if account else None,
    )


def test_given_an_admin_when_asked_twice_within_a_minute_then_ringcentral_is_asked_once(
    rc: RingCentral,
) -> None:
    token = rc.token(admin=True)
    first = require_admin(request_with(token))
    second = require_admin(request_with(token))
    assert first == second == Admin("62264425008", hashing.hash_id(ACCOUNT))
    assert rc.calls == [token]


def test_given_a_non_admin_when_asked_twice_within_a_minute_then_both_refused_and_ringcentral_asked_once(
    rc: RingCentral,
) -> None:
    token = rc.token(admin=False, extension="62264425009")
    for _ in range(2):
        with pytest.raises(AdminForbidden) as refused:
            require_admin(request_with(token))
        assert (refused.value.status, refused.value.message) == (403, "Admin validation failed")
    assert rc.calls == [token]


def test_given_verdicts_of_two_tokens_when_asked_then_each_token_has_its_own(rc: RingCentral) -> None:
    admin, not_admin = rc.token(admin=True), rc.token(admin=False, extension="62264425009")
    assert require_admin(request_with(admin)).extension_id == "62264425008"
    with pytest.raises(AdminForbidden):
        require_admin(request_with(not_admin))
    assert require_admin(request_with(admin)).extension_id == "62264425008"
    with pytest.raises(AdminForbidden):
        require_admin(request_with(not_admin))
    assert rc.calls == [admin, not_admin]


def test_given_a_verdict_older_than_a_minute_when_asked_then_ringcentral_is_asked_again(
    rc: RingCentral, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = rc.token(admin=True)
    require_admin(request_with(token))
    later = time.time() + 61
    monkeypatch.setattr(admin_auth, "time", SimpleNamespace(time=lambda: later))
    require_admin(request_with(token))
    assert rc.calls == [token, token]


def test_given_a_cached_verdict_when_stored_then_keyed_by_a_hash_and_never_holding_the_token(
    rc: RingCentral,
) -> None:
    token = rc.token(admin=True)
    require_admin(request_with(token))
    cached = CacheModel.get("admin#" + hashlib.sha256(token.encode()).hexdigest())
    assert cached.kind == "admin"
    assert cached.data == {
        "admin": True,
        "extension_id": "62264425008",
        "hashed_account_id": hashing.hash_id(ACCOUNT),
    }
    assert token not in str(cached.serialize())
    assert cached.ttl is not None
    assert 0 < cached.ttl.timestamp() - time.time() <= 61


def test_given_no_rc_token_when_asked_then_refused_without_asking_ringcentral(rc: RingCentral) -> None:
    with pytest.raises(AdminForbidden):
        require_admin(request_with(None))
    with pytest.raises(AdminForbidden):
        require_admin(request_with(None), user_of(ACCOUNT))
    assert rc.calls == []


def test_given_a_token_ringcentral_refuses_when_asked_then_400_and_no_verdict_kept(rc: RingCentral) -> None:
    for _ in range(2):
        with pytest.raises(JsonBadRequest):
            require_admin(request_with("not-a-ringcentral-token"))
    assert rc.calls == ["not-a-ringcentral-token", "not-a-ringcentral-token"]


def test_given_a_jwt_user_of_another_account_when_an_admin_asks_then_forbidden(rc: RingCentral) -> None:
    token = rc.token(admin=True)
    with pytest.raises(AdminForbidden):
        require_admin(request_with(token), user_of(OTHER_ACCOUNT))
    # the cached verdict (an admin) does not let the other account's user through either
    with pytest.raises(AdminForbidden):
        require_admin(request_with(token), user_of(OTHER_ACCOUNT))
    assert rc.calls == [token]


def test_given_an_admin_of_another_account_when_asked_with_a_jwt_user_of_this_one_then_forbidden(
    rc: RingCentral,
) -> None:
    token = rc.token(admin=True, account=OTHER_ACCOUNT, extension="71100000001")
    with pytest.raises(AdminForbidden):
        require_admin(request_with(token), user_of(ACCOUNT))


def test_given_a_jwt_user_of_the_admins_account_when_asked_then_the_admin(rc: RingCentral) -> None:
    token = rc.token(admin=True)
    assert require_admin(request_with(token), user_of(ACCOUNT)) == Admin(
        "62264425008", hashing.hash_id(ACCOUNT)
    )


def test_given_a_jwt_user_whose_account_is_unknown_when_an_admin_asks_then_the_admins_own_company(
    rc: RingCentral,
) -> None:
    token = rc.token(admin=True)
    assert require_admin(request_with(token), user_of(None)).hashed_account_id == hashing.hash_id(ACCOUNT)


def test_given_a_non_admin_of_the_users_account_when_asked_with_the_jwt_user_then_forbidden(
    rc: RingCentral,
) -> None:
    token = rc.token(admin=False, extension="62264425009")
    with pytest.raises(AdminForbidden):
        require_admin(request_with(token), user_of(ACCOUNT))


@pytest.mark.parametrize("where", ["bearer header", "body", "query"])
def test_given_the_token_in_a_legacy_place_when_asked_then_it_is_checked(rc: RingCentral, where: str) -> None:
    token = rc.token(admin=True)
    if where == "bearer header":
        event = http_event("GET", "/admin/settings", headers={"x-rc-access-token": f"Bearer {token}"})
    elif where == "body":
        event = http_event("POST", "/admin/settings", body=f'{{"rcAccessToken": "{token}"}}')
    else:
        event = http_event("GET", "/admin/settings", query={"rcAccessToken": token})
    assert require_admin(Request.from_event(event)).hashed_account_id == hashing.hash_id(ACCOUNT)
    assert rc.calls == [token]
