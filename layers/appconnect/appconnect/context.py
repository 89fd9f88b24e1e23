"""The authenticated connector context most operations start from.

Load the caller's user (scoped to the JWT's platform and session generation), pick its connector,
refresh its OAuth token if it is about to expire, and build the Authorization header the connector
uses. A missing user or a logged-out session answers like a missing JWT, as the extension expects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from appconnect import crm_session, token_refresh, users
from appconnect.connector import Connector, CrmUser, UnknownPlatform, get_connector
from appconnect.connector.client import take_rate_limit, watch_rate_limit
from appconnect.errors import (
    ApiError,
    AuthorizationRequired,
    ConnectorNotBuilt,
    CrmError,
    CrmSessionExpired,
    JsonBadRequest,
    SessionRevoked,
    UserMissing,
)
from appconnect.http import Request
from appconnect.models import UserModel
from appconnect.observability import logger
from appconnect.session import Session

R = TypeVar("R")


@dataclass
class AuthContext:
    session: Session
    model: UserModel
    user: CrmUser
    connector: Connector
    auth_header: str

    @property
    def platform(self) -> str:
        return self.connector.platform

    def call(self, method: Callable[..., R], /, **arguments: Any) -> R:
        """The one way an operation calls its connector: ``method(user=..., auth_header=..., request=...)``.

        What the connector changed on the user (a CRM session token it renewed) is saved afterwards, whether
        the call succeeded or not, and the CRM's rate-limit figures (the reference's ``extraDataTracking``)
        are logged. A :class:`CrmError` is left to the handler, which answers the operation's message
        (``errors.crm_failure_answer``)."""
        watch_rate_limit()
        try:
            try:
                return method(user=self.user, auth_header=self.auth_header, **arguments)
            except CrmSessionExpired:
                # the CRM session (not the OAuth grant) ended: a new one, once for every request, then retry
                self.save_connector_changes()
                self.model = crm_session.renew(self.model, self.connector, self.user.session)
                self.user = users.to_crm_user(self.model)
                self.auth_header = self.connector.authorization(self.user)
                return method(user=self.user, auth_header=self.auth_header, **arguments)
        finally:
            self.save_connector_changes()
            figures = take_rate_limit()
            if figures:
                logger.info("crm rate limit", extra={"platform": self.platform, **figures})

    def read_or_none(
        self, method: Callable[..., R], /, *, unless: Callable[[CrmError], bool], **arguments: Any
    ) -> R | None:
        """:meth:`call` for a read the operation can do without: ``None`` when it fails, except for the
        failures ``unless(error)`` names, which go on to the handler."""
        try:
            return self.call(method, **arguments)
        except CrmError as error:
            if unless(error):
                raise
            return None

    def save_connector_changes(self) -> None:
        """Persist what the connector changed on the user (e.g. a new CRM session token) and the options it
        found for the user's dynamic settings."""
        if self.user.changed:
            users.save_additional_info(self.model.id, self.user.platform_additional_info)
            self.user.changed = False
        if self.user.offered_options:
            saved = users.save_setting_options(self.model.id, self.user.offered_options)
            if saved is not None:
                self.user.user_settings = dict(saved.user_settings or {})
            self.user.offered_options = {}


def best_effort(action: Callable[[], R], what: str) -> tuple[R | None, Exception | None]:
    """Run a CRM action the operation goes on without (a courtesy revoke): its result, or the CRM or API
    error that stopped it, logged. Anything else (a bug) still fails the request."""
    try:
        return action(), None
    except (CrmError, ApiError) as error:
        logger.info(f"{what} failed", extra={"error": type(error).__name__})
        return None, error


def connector_for(session: Session) -> Connector:
    """The session's connector; 501 when its platform's connector is not built (before anything is
    claimed or written)."""
    try:
        connector = get_connector(session.platform)
    except UnknownPlatform as error:
        raise JsonBadRequest(str(error)) from error
    if not type(connector).implements("getUserInfo"):
        raise ConnectorNotBuilt(connector.display_name or connector.platform, "getUserInfo")
    return connector


def load_user(request: Request) -> tuple[Session, UserModel]:
    """The caller's stored user. A JWT that a logout ended answers like no JWT; a user that is gone (or
    belongs to another platform) raises :class:`UserMissing`, which each route answers its own way."""
    session = request.require_session()
    model = users.load(session.user_id)
    if model is None or model.platform != session.platform:
        raise UserMissing()
    if (model.session_generation or 0) != session.generation:
        raise AuthorizationRequired()
    return session, model


def authenticate(request: Request, loaded: tuple[Session, UserModel] | None = None) -> AuthContext:
    """Everything a connector call needs; raises SessionRevoked (401) when the CRM session is gone.

    ``loaded``: the result of :func:`load_user` when the operation already has it (saves a read).
    """
    session, model = loaded or load_user(request)
    connector = connector_for(session)
    if not model.encrypted_access_token:
        raise UserMissing()
    if model.needs_reconnect:
        raise SessionRevoked()  # the CRM refused the grant already: no need to ask it again
    if connector.get_auth_type() == "oauth":
        model = token_refresh.refresh_if_expiring(model, connector)
    user = users.to_crm_user(model)
    return AuthContext(
        session=session,
        model=model,
        user=user,
        connector=connector,
        auth_header=connector.authorization(user),
    )


def context_of(model: UserModel, connector: Connector) -> AuthContext:
    """The connector context of a stored user outside a request (the scheduled refresh)."""
    user = users.to_crm_user(model)
    return AuthContext(
        session=Session(
            user_id=model.id,
            platform=model.platform,
            issued_at=0,
            expires_at=0,
            generation=int(model.session_generation or 0),
        ),
        model=model,
        user=user,
        connector=connector,
        auth_header=connector.authorization(user),
    )
