"""Stored users: the only code that turns a UserModel into a CrmUser and back.

Tokens and API keys are encrypted on the way in and decrypted on the way out (:mod:`appconnect.crypto`),
bound to the user id and field. Writes use the model's version attribute, so two Lambdas that both read
a user cannot silently overwrite each other's change.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from appconnect import crypto
from appconnect.connector import CrmUser
from appconnect.models import UserModel

if TYPE_CHECKING:
    from appconnect.connector import ServiceLogin

#: users whose tokens the scheduler keeps fresh are spread over this many GSI partitions
REFRESH_SHARDS = 4


def _shard(user_id: str) -> str:
    return f"oauth#{sum(user_id.encode()) % REFRESH_SHARDS}"


def load(user_id: str) -> UserModel | None:
    try:
        return UserModel.get(user_id, consistent_read=True)
    except DoesNotExist:
        return None


def access_token(model: UserModel) -> str:
    if not model.encrypted_access_token:
        return ""
    return crypto.decrypt(model.encrypted_access_token, context=f"{model.id}/accessToken")


def refresh_token(model: UserModel) -> str:
    if not model.encrypted_refresh_token:
        return ""
    return crypto.decrypt(model.encrypted_refresh_token, context=f"{model.id}/refreshToken")


def session_state(model: UserModel) -> dict[str, Any]:
    """The user's CRM session (decrypted), ``{}`` when there is none."""
    if not model.encrypted_session:
        return {}
    value = json.loads(crypto.decrypt(model.encrypted_session, context=f"{model.id}/session"))
    return value if isinstance(value, dict) else {}


def _encrypted_session(user_id: str, session: Mapping[str, Any] | None) -> str | None:
    return crypto.encrypt(json.dumps(dict(session)), context=f"{user_id}/session") if session else None


def secrets_of(model: UserModel) -> dict[str, Any]:
    """What the connector keeps for the user (decrypted), ``{}`` when nothing."""
    if not model.encrypted_secrets:
        return {}
    value = json.loads(crypto.decrypt(model.encrypted_secrets, context=f"{model.id}/secrets"))
    return value if isinstance(value, dict) else {}


def store_service_login(user_id: str, signed_in: ServiceLogin, *, generation: int) -> UserModel | None:
    """Save the tokens, session and kept credentials of a service login as the user's (all encrypted)."""
    access, refresh, expiry = signed_in.access_token, signed_in.refresh_token, signed_in.expires_at
    session, secrets = signed_in.session, signed_in.secrets

    def actions(model: UserModel) -> list[Any]:
        if (model.session_generation or 0) != generation or not model.encrypted_access_token:
            raise LoggedOut(user_id)
        result = []
        for name, value in _token_values(user_id, access, refresh, expiry, False).items():
            attribute = getattr(UserModel, name)
            result.append(attribute.remove() if value is None else attribute.set(value))
        kept = crypto.encrypt(json.dumps(dict(secrets)), context=f"{user_id}/secrets") if secrets else None
        for attribute, value in (
            (UserModel.encrypted_session, _encrypted_session(user_id, session)),
            (UserModel.encrypted_secrets, kept),
        ):
            result.append(attribute.remove() if value is None else attribute.set(value))
        return [*result, UserModel.updated_at.set(datetime.now(UTC))]

    return update(user_id, actions)


def mark_needs_reconnect(user_id: str, generation: int) -> None:
    """The CRM refused the grant: answer 401 at once until the user connects again (and stop scheduling
    refreshes of a dead grant). A logout meanwhile makes this moot: nothing is written then."""

    def actions(model: UserModel) -> list[Any]:
        if (model.session_generation or 0) != generation:
            raise LoggedOut(user_id)
        return [
            UserModel.needs_reconnect.set(True),
            UserModel.refresh_shard.remove(),
            UserModel.token_expires_at.remove(),
            UserModel.updated_at.set(datetime.now(UTC)),
        ]

    with contextlib.suppress(LoggedOut):
        update(user_id, actions)


def forget_secrets(user_id: str) -> UserModel | None:
    return update(
        user_id,
        lambda _m: [UserModel.encrypted_secrets.remove(), UserModel.updated_at.set(datetime.now(UTC))],
    )


def store_session(user_id: str, session: Mapping[str, Any], *, generation: int) -> UserModel | None:
    """Save a new CRM session; dropped (:class:`LoggedOut`) when the user logged out meanwhile."""

    def actions(model: UserModel) -> list[Any]:
        if (model.session_generation or 0) != generation or not model.encrypted_access_token:
            raise LoggedOut(user_id)
        model.encrypted_session = _encrypted_session(user_id, session)
        return [
            UserModel.encrypted_session.set(model.encrypted_session),
            UserModel.updated_at.set(datetime.now(UTC)),
        ]

    return update(user_id, actions)


def _token_values(
    user_id: str, access: str, refresh: str | None, expiry: float | None, has_refresh: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "encrypted_access_token": crypto.encrypt(access, context=f"{user_id}/accessToken")
        if access
        else None,
        "token_expiry": expiry,
    }
    if refresh is not None:
        values["encrypted_refresh_token"] = (
            crypto.encrypt(refresh, context=f"{user_id}/refreshToken") if refresh else None
        )
        has_refresh = bool(refresh)
    schedulable = expiry is not None and has_refresh
    values["refresh_shard"] = _shard(user_id) if schedulable else None
    values["token_expires_at"] = int(expiry) if schedulable and expiry is not None else None
    return values


def set_tokens(model: UserModel, access: str, refresh: str | None, expiry: float | None) -> None:
    """Put new credentials on ``model`` (encrypted); ``refresh=None`` keeps the stored refresh token."""
    values = _token_values(model.id, access, refresh, expiry, bool(model.encrypted_refresh_token))
    for name, value in values.items():
        setattr(model, name, value)


class LoggedOut(Exception):
    """The user logged out while their tokens were being refreshed: the new tokens are not saved."""


def store_tokens(
    user_id: str, access: str, refresh: str | None, expiry: float | None, *, generation: int
) -> UserModel | None:
    """Save refreshed credentials with an UpdateItem (refreshing functions may not replace whole items).

    ``generation``: the session generation the refresh started under. A logout moves it on, and then the
    tokens are dropped (:class:`LoggedOut`) instead of bringing the logged-out session back to life; the
    version condition of the write makes the check and the write one step.
    """

    def actions(model: UserModel) -> list[Any]:
        if (model.session_generation or 0) != generation or not model.encrypted_access_token:
            raise LoggedOut(user_id)
        values = _token_values(user_id, access, refresh, expiry, bool(model.encrypted_refresh_token))
        result = []
        for name, value in values.items():
            attribute = getattr(UserModel, name)
            result.append(attribute.remove() if value is None else attribute.set(value))
            setattr(model, name, value)
        return [*result, UserModel.updated_at.set(datetime.now(UTC))]

    return update(user_id, actions)


def to_crm_user(model: UserModel) -> CrmUser:
    return CrmUser(
        id=model.id,
        platform=model.platform,
        hostname=model.hostname or "",
        access_token=access_token(model),
        refresh_token=refresh_token(model),
        token_expiry=float(model.token_expiry) if model.token_expiry is not None else None,
        timezone_name=model.timezone_name or "",
        timezone_offset=model.timezone_offset or "",
        name=model.name or "",
        platform_additional_info=dict(model.platform_additional_info or {}),
        user_settings=dict(model.user_settings or {}),
        session=session_state(model),
        secrets=secrets_of(model),
    )


@dataclass(frozen=True)
class Login:
    """What a successful CRM login tells us about the user."""

    user_id: str
    platform: str
    name: str
    hostname: str
    access_token: str
    refresh_token: str | None
    token_expiry: float | None
    timezone_name: str
    timezone_offset: str
    platform_additional_info: dict[str, Any]
    rc_account_id: str | None
    hashed_rc_account_id: str | None
    hashed_rc_extension_id: str | None
    #: the CRM session the login opened (stored encrypted); None: the CRM has none
    session: Mapping[str, Any] | None = None


class LoginWouldRehome(Exception):
    """A login for a user who is connected through another CRM API location: they must log out first."""


def save_login(login: Login, api_home: Callable[[str, dict[str, Any]], str]) -> UserModel:
    """Create or update the user after a login. Unlike the reference, values the login did not carry
    (an RC account id, an extension hash) do not erase the stored ones.

    ``api_home(hostname, additional_info)`` says where a user's CRM API lives; a login that would move a
    connected user's to another place raises :class:`LoginWouldRehome` and changes nothing, so a login
    can never point someone else's live session at another server.
    """
    now = datetime.now(UTC)
    for _ in range(3):
        model = load(login.user_id)
        if model is None:
            model = UserModel(login.user_id, platform=login.platform, user_settings={}, created_at=now)
            info: dict[str, Any] = {}
        else:
            info = dict(model.platform_additional_info or {})
            if model.encrypted_access_token and api_home(model.hostname or "", info) != api_home(
                login.hostname, {**info, **login.platform_additional_info}
            ):
                raise LoginWouldRehome(login.user_id)
        model.platform = login.platform
        model.name = login.name
        model.hostname = login.hostname
        model.timezone_name = login.timezone_name
        model.timezone_offset = login.timezone_offset
        model.platform_additional_info = {**info, **login.platform_additional_info}
        if login.rc_account_id:
            model.rc_account_id = login.rc_account_id
            model.hashed_rc_account_id = login.hashed_rc_account_id
        if login.hashed_rc_extension_id:
            model.hashed_rc_extension_id = login.hashed_rc_extension_id
        set_tokens(model, login.access_token, login.refresh_token or "", login.token_expiry)
        model.encrypted_session = _encrypted_session(login.user_id, login.session)
        model.needs_reconnect = None
        model.updated_at = now
        try:
            model.save()
            return model
        except PutError as error:
            if not is_conflict(error):
                raise
    raise RuntimeError(f"could not save user {login.user_id}: concurrent updates kept winning")


def update(user_id: str, actions: Callable[[UserModel], list[Any]]) -> UserModel | None:
    """Apply ``actions(model)`` to the freshest copy of the user, retrying when another write got in first."""
    for _ in range(5):
        model = load(user_id)
        if model is None:
            return None
        try:
            model.update(actions=actions(model))
            return model
        except UpdateError as error:
            if not is_conflict(error):
                raise
    raise RuntimeError(f"could not update user {user_id}: concurrent updates kept winning")


def forget_credentials(user_id: str) -> UserModel | None:
    """Logout: drop the CRM credentials and invalidate every JWT issued so far."""
    return update(
        user_id,
        lambda _model: [
            UserModel.encrypted_access_token.remove(),
            UserModel.encrypted_refresh_token.remove(),
            UserModel.encrypted_session.remove(),
            UserModel.encrypted_secrets.remove(),
            UserModel.token_expiry.remove(),
            UserModel.refresh_shard.remove(),
            UserModel.token_expires_at.remove(),
            UserModel.session_generation.add(1),
            UserModel.updated_at.set(datetime.now(UTC)),
        ],
    )


def save_additional_info(user_id: str, info: dict[str, Any]) -> UserModel | None:
    return update(
        user_id,
        lambda _model: [
            UserModel.platform_additional_info.set(info),
            UserModel.updated_at.set(datetime.now(UTC)),
        ],
    )


def save_settings(user_id: str, settings: dict[str, Any]) -> UserModel | None:
    return update(
        user_id,
        lambda _model: [UserModel.user_settings.set(settings), UserModel.updated_at.set(datetime.now(UTC))],
    )


def save_setting_options(user_id: str, offered: dict[str, dict[str, Any]]) -> UserModel | None:
    """Set the options of the user's dynamic settings (``{setting id: {options, value}}``), keeping each
    setting's chosen value (``value`` only when there is none) and whether the user may change it (yes by
    default); retried on the freshest copy when a concurrent write (``POST /user/settings``) got in first,
    so neither is lost."""

    def merged(model: UserModel) -> list[Any]:
        settings = dict(model.user_settings or {})
        for setting_id, offer in offered.items():
            entry = settings.get(setting_id)
            current = dict(entry) if isinstance(entry, dict) else {}
            current.setdefault("customizable", True)
            if current.get("value") is None and offer.get("value") is not None:
                current["value"] = offer["value"]
            current["options"] = offer["options"]
            settings[setting_id] = current
        return [UserModel.user_settings.set(settings), UserModel.updated_at.set(datetime.now(UTC))]

    return update(user_id, merged)


def is_conflict(error: Exception) -> bool:
    """True when a conditional write failed because someone else changed the item first."""
    return getattr(error, "cause_response_code", None) in (
        "ConditionalCheckFailedException",
        "TransactionConflictException",
    )
