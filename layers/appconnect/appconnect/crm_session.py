"""CRM sessions opened with the OAuth token (Bullhorn's REST login), renewed once for all concurrent
requests.

A connector with :meth:`~appconnect.connector.Connector.start_session` raises
:class:`~appconnect.errors.CrmSessionExpired` when a call finds its session dead. The first request to
notice takes the lock ``session#<user id>``, re-reads the user and, unless another request already
stored a different session, opens a new one and stores it (encrypted); the others wait for it and adopt
it. When the CRM refuses the OAuth token itself while opening the session, the token is refreshed once
(the single-flight OAuth refresh of :mod:`appconnect.token_refresh`) and the session opened with the new
one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from appconnect import deadline, locks, token_refresh, users
from appconnect.connector import Connector
from appconnect.errors import AuthorizationRequired, CrmAuthError, SessionRenewalFailed, SessionRevoked
from appconnect.models import UserModel
from appconnect.observability import logger

#: a renewal lock older than this is abandoned (a session login and, at worst, a token refresh)
LOCK_LEASE_S = 20
_POLL_FIRST_S = 0.05
_POLL_MAX_S = 0.4


def renew(model: UserModel, connector: Connector, failed: Mapping[str, Any]) -> UserModel:
    """The user with a session other than ``failed``: opened here, or by another request meanwhile."""
    name = f"session#{model.id}"
    generation = int(model.session_generation or 0)
    pause = _POLL_FIRST_S
    while True:
        holder = locks.acquire(name, LOCK_LEASE_S)
        if holder is not None:
            try:
                return _renew_holding_lock(model.id, connector, dict(failed), generation)
            finally:
                locks.release(name, holder)
        if deadline.remaining() < pause + 1.0:
            raise SessionRenewalFailed(
                "another request's session renewal is taking too long", platform=connector.platform
            )
        time.sleep(pause)
        pause = min(pause * 2, _POLL_MAX_S)
        fresh = _current(model.id, generation)
        if users.session_state(fresh) not in ({}, failed):
            return fresh


def _current(user_id: str, generation: int) -> UserModel:
    fresh = users.load(user_id)
    if fresh is None:
        raise SessionRevoked()
    if not fresh.encrypted_access_token or int(fresh.session_generation or 0) != generation:
        raise AuthorizationRequired()  # logged out meanwhile
    return fresh


def _renew_holding_lock(
    user_id: str, connector: Connector, failed: dict[str, Any], generation: int
) -> UserModel:
    model = _current(user_id, generation)
    if users.session_state(model) not in ({}, failed):
        return model  # renewed between our failure and our lock
    try:
        session = _open(model, connector)
    except CrmAuthError:
        # the OAuth token itself was refused: refresh it (once, across requests) and try again
        logger.info(
            "crm session login refused the token; refreshing it", extra={"platform": connector.platform}
        )
        model = token_refresh.refresh_refused(model, connector)
        session = _open(model, connector)
    try:
        saved = users.store_session(user_id, session, generation=generation)
    except users.LoggedOut as error:
        raise AuthorizationRequired() from error
    if saved is None:
        raise SessionRevoked()
    logger.info("crm session renewed", extra={"platform": connector.platform})
    return saved


def _open(model: UserModel, connector: Connector) -> Mapping[str, Any]:
    user = users.to_crm_user(model)
    return connector.start_session(user=user, auth_header=connector.authorization(user))
