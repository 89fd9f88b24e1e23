"""``appconnect.crm_session``: a CRM session (Bullhorn's ``BhRestToken``) renewed once for every request
that found it dead, against a real DynamoDB API (moto's server with the template's tables, the
``local_dynamodb_env`` fixture of ``tests/conftest.py``): the user, its encrypted session and the
``session#<user>`` lock are the ones the stack uses. The connector is a stub that counts its session
logins, and the OAuth token endpoint is replaced by a function (no network).
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

from appconnect import crm_session, crypto, deadline, locks, models, oauth, settings, users
from appconnect.connector import Connector, CrmUser, OAuthInfo
from appconnect.context import AuthContext
from appconnect.errors import (
    AuthorizationRequired,
    CrmAuthError,
    CrmSessionExpired,
    SessionRenewalFailed,
)
from appconnect.models import UserModel

if TYPE_CHECKING:
    from local.aws import LocalDynamoDB

OLD = {"bhRestToken": "old-rest-token", "restUrl": "https://rest9.bullhornstaffing.com/rest-services/corp/"}
NEW = {"bhRestToken": "new-rest-token", "restUrl": "https://rest9.bullhornstaffing.com/rest-services/corp/"}
OTHER = {
    "bhRestToken": "other-rest-token",
    "restUrl": "https://rest9.bullhornstaffing.com/rest-services/corp/",
}


@pytest.fixture(autouse=True)
def core_against_dynamodb(
    local_dynamodb_env: LocalDynamoDB, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("TOKEN_ENCRYPTION_LOCAL_KEY", base64.b64encode(b"s" * 32).decode())
    models.bind(settings.reload())
    crypto.reset()
    deadline.start(10_000)
    yield
    monkeypatch.undo()
    models.bind(settings.reload())
    crypto.reset()
    deadline.clear()


class SessionConnector(Connector):
    """A CRM with sessions of its own: ``start_session`` answers (or raises) what it is scripted to, and
    records the access token each session login was attempted with."""

    platform: ClassVar[str] = "bullhorn"
    display_name: ClassVar[str] = "Bullhorn"
    auth_type: ClassVar[Any] = "oauth"

    def __init__(
        self, *answers: Mapping[str, Any] | Exception, during: Callable[[], Any] | None = None
    ) -> None:
        self.answers = list(answers) or [NEW]
        self.during = during
        self.logins: list[str] = []
        self._lock = threading.Lock()

    def get_oauth_info(self, **_: Any) -> OAuthInfo:
        return OAuthInfo(
            client_id="c", client_secret="s", access_token_uri="http://127.0.0.1:9/token", redirect_uri=""
        )

    def start_session(self, *, user: CrmUser, auth_header: str) -> Mapping[str, Any]:
        with self._lock:
            self.logins.append(user.access_token)
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if self.during is not None:
            self.during()
        time.sleep(0.05)  # a session login takes a moment: concurrent requests meet here
        if isinstance(answer, Exception):
            raise answer
        return answer


def stored_user(session: Mapping[str, Any] | None = OLD) -> UserModel:
    """A Bullhorn user as a login stores it: tokens and the REST session encrypted."""
    user_id = f"{uuid.uuid4().int % 10**9}-bullhorn"
    return users.save_login(
        users.Login(
            user_id=user_id,
            platform="bullhorn",
            name="Bailey Recruiter",
            hostname="",
            access_token="old-access",
            refresh_token="old-refresh",
            token_expiry=time.time() + 600,
            timezone_name="",
            timezone_offset="+00:00",
            platform_additional_info={
                "id": 1001,
                "loginUrl": "https://rest9.bullhornstaffing.com/rest-services",
            },
            rc_account_id=None,
            hashed_rc_account_id=None,
            hashed_rc_extension_id=None,
            session=session,
        ),
        lambda hostname, _info: hostname,
    )


def reload(model: UserModel) -> UserModel:
    fresh = users.load(model.id)
    assert fresh is not None
    return fresh


class TokenEndpoint:
    """``oauth.refresh``, answering new tokens and counting the refresh tokens it was given."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def __call__(self, _info: OAuthInfo, _platform: str, refresh_token: str) -> oauth.Tokens:
        self.used.append(refresh_token)
        return oauth.Tokens(
            access_token="new-access", refresh_token="new-refresh", expires_at=time.time() + 600
        )


@pytest.fixture
def token_endpoint(monkeypatch: pytest.MonkeyPatch) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    monkeypatch.setattr(oauth, "refresh", endpoint)
    return endpoint


# -- the request that renews ----------------------------------------------------------------------------


def test_given_a_dead_session_when_renewed_under_the_lock_then_the_new_session_is_stored_encrypted(
    token_endpoint: TokenEndpoint,
) -> None:
    model = stored_user()
    connector = SessionConnector(NEW)

    renewed = crm_session.renew(model, connector, OLD)

    assert users.session_state(renewed) == NEW
    assert users.session_state(reload(model)) == NEW
    assert connector.logins == ["old-access"]
    assert token_endpoint.used == []
    raw = reload(model).encrypted_session or ""
    assert raw
    assert NEW["bhRestToken"] not in raw
    # the lock is free again
    holder = locks.acquire(f"session#{model.id}", 5)
    assert holder is not None
    locks.release(f"session#{model.id}", holder)


def test_given_no_session_stored_when_renewed_then_one_is_opened() -> None:
    model = stored_user(session=None)
    connector = SessionConnector(NEW)

    renewed = crm_session.renew(model, connector, {})

    assert users.session_state(renewed) == NEW
    assert connector.logins == ["old-access"]


def test_given_another_request_renewed_before_the_lock_was_taken_then_its_session_is_adopted() -> None:
    model = stored_user()
    users.store_session(model.id, OTHER, generation=int(model.session_generation or 0))
    connector = SessionConnector(NEW)

    renewed = crm_session.renew(model, connector, OLD)

    assert users.session_state(renewed) == OTHER
    assert connector.logins == []


# -- the requests that wait --------------------------------------------------------------------------------


def test_given_another_request_holding_the_lock_when_it_stores_a_session_then_the_waiter_adopts_it() -> None:
    model = stored_user()
    name = f"session#{model.id}"
    holder = locks.acquire(name, 30)  # another request is renewing
    assert holder is not None
    generation = int(model.session_generation or 0)
    stores = threading.Timer(
        0.3, users.store_session, args=(model.id, OTHER), kwargs={"generation": generation}
    )
    connector = SessionConnector(NEW)
    stores.start()
    try:
        renewed = crm_session.renew(model, connector, OLD)
    finally:
        stores.join()
        locks.release(name, holder)

    assert users.session_state(renewed) == OTHER
    assert connector.logins == []


def test_given_10_requests_finding_the_session_dead_at_once_then_one_login_and_the_same_new_session() -> None:
    model = stored_user()
    connector = SessionConnector(NEW)

    def one(_: int) -> dict[str, Any]:
        deadline.start(10_000)  # each thread is an invocation of its own
        return users.session_state(crm_session.renew(model, connector, OLD))

    with ThreadPoolExecutor(max_workers=10) as pool:
        sessions = list(pool.map(one, range(10)))

    assert sessions == [NEW] * 10
    assert connector.logins == ["old-access"]


def test_given_a_logout_while_waiting_for_another_renewal_then_authorization_required() -> None:
    model = stored_user()
    name = f"session#{model.id}"
    holder = locks.acquire(name, 30)
    assert holder is not None
    logout = threading.Timer(0.3, users.forget_credentials, args=(model.id,))
    connector = SessionConnector(NEW)
    logout.start()
    try:
        with pytest.raises(AuthorizationRequired):
            crm_session.renew(model, connector, OLD)
    finally:
        logout.join()
        locks.release(name, holder)
    assert connector.logins == []


def test_given_a_logout_while_the_session_login_runs_then_authorization_required_and_nothing_stored() -> None:
    model = stored_user()
    connector = SessionConnector(NEW, during=lambda: users.forget_credentials(model.id))

    with pytest.raises(AuthorizationRequired):
        crm_session.renew(model, connector, OLD)

    after = reload(model)
    assert after.encrypted_session is None
    assert after.encrypted_access_token is None


def test_given_a_logout_before_the_lock_was_taken_then_authorization_required_without_a_login() -> None:
    model = stored_user()
    users.forget_credentials(model.id)
    connector = SessionConnector(NEW)

    with pytest.raises(AuthorizationRequired):
        crm_session.renew(model, connector, OLD)
    assert connector.logins == []


def test_given_another_renewal_taking_too_long_when_waiting_then_renewal_failed_within_the_deadline() -> None:
    model = stored_user()
    name = f"session#{model.id}"
    holder = locks.acquire(name, 30)
    assert holder is not None
    deadline.start(2_500)
    started = time.monotonic()
    try:
        with pytest.raises(SessionRenewalFailed):
            crm_session.renew(model, SessionConnector(NEW), OLD)
    finally:
        locks.release(name, holder)
    assert time.monotonic() - started < 2.5


# -- the OAuth token refused by the session login ----------------------------------------------------------


def test_given_the_session_login_refusing_the_access_token_then_one_token_refresh_and_a_second_login(
    token_endpoint: TokenEndpoint,
) -> None:
    model = stored_user()
    connector = SessionConnector(CrmAuthError("Invalid or expired OAuth access token.", status=401), NEW)

    renewed = crm_session.renew(model, connector, OLD)

    assert token_endpoint.used == ["old-refresh"]
    assert connector.logins == ["old-access", "new-access"]
    assert users.session_state(renewed) == NEW
    assert users.access_token(reload(model)) == "new-access"


def test_given_the_session_login_refusing_even_the_new_token_then_the_error_after_one_refresh(
    token_endpoint: TokenEndpoint,
) -> None:
    model = stored_user()
    refused = CrmAuthError("Invalid or expired OAuth access token.", status=401)
    connector = SessionConnector(refused, refused)

    with pytest.raises(CrmAuthError):
        crm_session.renew(model, connector, OLD)

    assert token_endpoint.used == ["old-refresh"]
    assert connector.logins == ["old-access", "new-access"]
    assert users.session_state(reload(model)) == OLD


# -- AuthContext.call: renew once, retry once ------------------------------------------------------------


def _context(model: UserModel, connector: Connector) -> AuthContext:
    user = users.to_crm_user(model)
    return AuthContext(
        session=None,  # type: ignore[arg-type]
        model=model,
        user=user,
        connector=connector,
        auth_header=connector.authorization(user),
    )


def test_given_a_call_finding_the_session_dead_when_called_then_renewed_and_retried_with_the_new_one() -> (
    None
):
    model = stored_user()
    connector = SessionConnector(NEW)
    seen: list[str] = []

    def search(*, user: CrmUser, auth_header: str) -> str:
        seen.append(str(user.session.get("bhRestToken")))
        if user.session == OLD:
            raise CrmSessionExpired("Bad 'BhRestToken' or timed-out.", status=401, platform="bullhorn")
        return "found"

    context = _context(model, connector)

    assert context.call(search) == "found"
    assert seen == ["old-rest-token", "new-rest-token"]
    assert connector.logins == ["old-access"]
    assert context.user.session == NEW


def test_given_the_retry_finding_the_new_session_dead_too_when_called_then_the_error_without_a_loop() -> None:
    model = stored_user()
    connector = SessionConnector(NEW)
    calls: list[str] = []

    def search(*, user: CrmUser, auth_header: str) -> str:
        calls.append(str(user.session.get("bhRestToken")))
        raise CrmSessionExpired("Bad 'BhRestToken' or timed-out.", status=401, platform="bullhorn")

    with pytest.raises(CrmSessionExpired):
        _context(model, connector).call(search)
    assert calls == ["old-rest-token", "new-rest-token"]
    assert connector.logins == ["old-access"]


def test_given_a_refused_grant_when_marked_then_it_needs_reconnecting_and_leaves_the_refresh_index() -> None:
    model = stored_user()

    users.mark_needs_reconnect(model.id, int(model.session_generation or 0))

    fresh = reload(model)
    assert fresh.needs_reconnect is True
    assert fresh.refresh_shard is None
    assert fresh.token_expires_at is None


def test_given_a_logout_before_the_mark_when_marked_then_nothing_is_written() -> None:
    model = stored_user()
    generation = int(model.session_generation or 0)
    users.forget_credentials(model.id)
    written = reload(model).updated_at

    users.mark_needs_reconnect(model.id, generation)

    fresh = reload(model)
    assert fresh.needs_reconnect is None
    assert fresh.updated_at == written
