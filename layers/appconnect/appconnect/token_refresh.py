"""Single-flight OAuth refresh across concurrent Lambdas.

The reference's lock judged every lock expired (seconds read as milliseconds), so concurrent requests
refreshed at once and, with single-use refresh tokens, logged users out. Here:

* the lock is a Cache item ``lock#refresh#<user id>`` created with a conditional write; its ``ttl`` is
  epoch seconds and a stale lock is taken over only with a condition on the stale ``ttl`` value;
* the holder re-reads the user inside the lock and skips the refresh if someone else already did it;
* a waiter polls the user (not the lock) and adopts the fresh token as soon as it is saved, within the
  invocation's deadline;
* ``invalid_grant`` adopts a rotation another process saved, else the session is revoked (401).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from appconnect import deadline, locks, users
from appconnect.connector import Connector
from appconnect.errors import AuthorizationRequired, CrmError, SessionRenewalFailed, SessionRevoked
from appconnect.models import UserModel
from appconnect.observability import logger

#: refresh when the access token expires within this many seconds
REFRESH_MARGIN_S = 120
#: a lock older than this is abandoned (its holder crashed); longer than any token call may take
LOCK_LEASE_S = 20
_POLL_FIRST_S = 0.05
_POLL_MAX_S = 0.4


def is_expiring(model: UserModel, now: float | None = None, margin_s: float = REFRESH_MARGIN_S) -> bool:
    current = now if now is not None else time.time()
    return bool(
        model.encrypted_access_token
        and model.encrypted_refresh_token
        and model.token_expiry is not None
        and float(model.token_expiry) < current + margin_s
    )


def _lock_name(user_id: str) -> str:
    return f"refresh#{user_id}"


def refresh_if_expiring(
    model: UserModel, connector: Connector, margin_s: float = REFRESH_MARGIN_S, seen_expiry: int | None = None
) -> UserModel:
    """The user with a usable access token: refreshed now, by another Lambda, or already fresh.

    ``margin_s``: how soon an expiry counts (the scheduled refresh looks further ahead than a request).
    ``seen_expiry``: the ``tokenExpiresAt`` the scheduler queued the user with; once it has changed, the
    token was refreshed since, and is not refreshed again (a token living less than the scheduler's window,
    such as Bullhorn's 10 minutes, would otherwise be refreshed by every message that names the user)."""
    if model.needs_reconnect:
        raise SessionRevoked()
    if not is_expiring(model, margin_s=margin_s):
        return model
    return _refresh(model, connector, refused=None, margin_s=margin_s, seen_expiry=seen_expiry)


def refresh_refused(model: UserModel, connector: Connector) -> UserModel:
    """The user with a new access token because the CRM refused the stored one before its expiry (a
    Bullhorn session login): refreshed once, whoever's request noticed first."""
    return _refresh(model, connector, refused=model.encrypted_access_token)


def _refresh(
    model: UserModel,
    connector: Connector,
    refused: str | None,
    margin_s: float = REFRESH_MARGIN_S,
    seen_expiry: int | None = None,
) -> UserModel:
    """Single-flight refresh. ``refused``: the stored (encrypted) access token the CRM refused; None
    means "refresh if expiring" (and, with ``seen_expiry``, if not refreshed since it was seen)."""

    def needed(current: UserModel) -> bool:
        if refused is not None:
            return current.encrypted_access_token == refused
        if seen_expiry is not None and int(current.token_expires_at or 0) != seen_expiry:
            return False
        return is_expiring(current, margin_s=margin_s)

    pause = _POLL_FIRST_S
    while True:
        holder = locks.acquire(_lock_name(model.id), LOCK_LEASE_S)
        if holder is not None:
            try:
                return _refresh_holding_lock(model.id, connector, needed)
            finally:
                locks.release(_lock_name(model.id), holder)
        # Someone else is refreshing: wait for their result, polling the user itself.
        if deadline.remaining() < pause + 1.0:
            raise SessionRenewalFailed(
                "another request's renewal is taking too long", platform=connector.platform
            )
        time.sleep(pause)
        pause = min(pause * 2, _POLL_MAX_S)
        fresh = users.load(model.id)
        if fresh is None:
            raise SessionRevoked()
        if not fresh.encrypted_access_token or fresh.session_generation != model.session_generation:
            raise AuthorizationRequired()  # logged out while we waited
        if not needed(fresh):
            return fresh
        model = fresh


def _service_login(model: UserModel, connector: Connector) -> UserModel | None:
    """A user whose grant is gone but whose admin left a service account (Bullhorn server-side logging):
    signed in again with it, as the reference did; None when there is none or it is refused too."""
    secrets = users.secrets_of(model)
    if not secrets or not type(connector).implements("serverLoggingSettings"):
        return None
    try:
        signed_in = connector.service_login(user=users.to_crm_user(model), values=secrets)
    except CrmError as error:
        logger.info("service account sign-in refused", extra={"error": type(error).__name__})
        return None
    return users.store_service_login(model.id, signed_in, generation=int(model.session_generation or 0))


def _refresh_holding_lock(
    user_id: str, connector: Connector, needed: Callable[[UserModel], bool]
) -> UserModel:
    model = users.load(user_id)
    if model is None:
        raise SessionRevoked()
    if not needed(model):
        return model  # a refresh finished between our read and our lock
    from appconnect import oauth  # the token endpoint's client: only a refresh needs it

    used = users.refresh_token(model)
    info = connector.get_oauth_info(
        hostname=model.hostname or "",
        token_url=str((model.platform_additional_info or {}).get("tokenUrl", "")),
    )
    try:
        tokens = oauth.refresh(info, connector.platform, used)
    except oauth.OAuthError as error:
        if error.code != "invalid_grant":
            raise SessionRenewalFailed(
                f"the token endpoint refused: {error.code or 'error'}", platform=connector.platform
            ) from error
        current = users.load(user_id)
        if current is not None and current.encrypted_refresh_token and users.refresh_token(current) != used:
            return current  # another process rotated it; adopt
        signed_in = _service_login(model, connector)
        if signed_in is not None:
            return signed_in
        logger.info("refresh token refused; session revoked", extra={"user": user_id})
        users.mark_needs_reconnect(user_id, int(model.session_generation or 0))
        raise SessionRevoked() from error
    except CrmError as error:  # 5xx, a timeout, a dropped connection, a redirect
        raise SessionRenewalFailed(
            f"the token endpoint did not answer ({type(error).__name__})", platform=connector.platform
        ) from error
    try:
        saved = users.store_tokens(
            user_id,
            tokens.access_token,
            tokens.refresh_token,
            tokens.expires_at,
            generation=int(model.session_generation or 0),
        )
    except users.LoggedOut as error:
        logger.info("logged out during a refresh; new tokens dropped", extra={"user": user_id})
        raise AuthorizationRequired() from error
    if saved is None:
        raise SessionRevoked()
    return saved
