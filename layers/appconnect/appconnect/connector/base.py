"""The connector interface.

A connector is a class: declarative facts as class attributes (its platform name, auth type, log format,
the environment values it reads) and the seed interface as methods, each taking one request object and
returning one result object (:mod:`appconnect.connector.types`). A method the connector does not override
is "not implemented" and ``/implementedInterfaces`` reports it as ``false``; the core never calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from appconnect.connector.types import AccountCache
from appconnect.errors import ConnectorNotBuilt
from appconnect.settings import connector_setting

if TYPE_CHECKING:
    # Annotations only (this module uses ``from __future__ import annotations``): the composer loads with the
    # operations and connectors that compose log bodies, each request and result type with the operation or
    # connector that uses it (see appconnect.connector.types).
    from appconnect.composer.formatting import UtcOffset
    from appconnect.connector.types import (
        CallLogDetails,
        CallLogUpdate,
        CallLogWrite,
        ContactLookup,
        ContactMatches,
        CreatedContact,
        DispositionUpdate,
        LogId,
        LoginRequest,
        LoginResult,
        LogRef,
        LogResult,
        MessageLogWrite,
        NewContact,
        ReturnMessage,
        ServiceLogin,
        StatusResult,
        UpdateResult,
    )

__all__ = ["AccountCache", "AuthType", "Connector", "CrmUser", "OAuthInfo"]

AuthType = Literal["oauth", "apiKey"]

#: The extension's interface names (camelCase, as ``/implementedInterfaces`` reports them) and our methods.
INTERFACES: dict[str, str] = {
    "getAuthType": "get_auth_type",
    "getOauthInfo": "get_oauth_info",
    "getBasicAuth": "get_basic_auth",
    "getUserInfo": "get_user_info",
    "createCallLog": "create_call_log",
    "updateCallLog": "update_call_log",
    "getCallLog": "get_call_log",
    "createMessageLog": "create_message_log",
    "updateMessageLog": "update_message_log",
    "createContact": "create_contact",
    "findContact": "find_contact",
    "unAuthorize": "unauthorize",
    "upsertCallDisposition": "upsert_call_disposition",
    "findContactWithName": "find_contact_with_name",
    "getUserList": "get_user_list",
    "getLogFormatType": "get_log_format_type",
    "refreshUserInfo": "refresh_user_info",
}

#: This server's own capabilities beyond the reference's interface (not reported by /implementedInterfaces).
EXTENSIONS: dict[str, str] = {
    "findCallLog": "find_call_log",
    "findMessageLog": "find_message_log",
    "appPage": "app_page",
    "uninstallWebhook": "uninstalled_user_id",
    "crmSession": "start_session",
    "authValidation": "validate_session",
    "serverLoggingSettings": "service_login",
}

#: Interfaces of the reference that none of our connectors offers; reported as ``false``.
UNSUPPORTED_INTERFACES = (
    "listAppointments",
    "createAppointment",
    "updateAppointment",
    "refreshAppointment",
    "confirmAppointment",
    "cancelAppointment",
    "getManagedAuthOptions",
    "getLicenseStatus",
)


class Connector:
    """Base of every CRM connector. Subclasses set the class attributes and override what they support."""

    #: the platform name used in JWTs, manifests and URLs (``pipedrive``)
    platform: ClassVar[str] = ""
    #: the name users see (``Pipedrive``)
    display_name: ClassVar[str] = ""
    auth_type: ClassVar[AuthType] = "oauth"
    log_format: ClassVar[str] = "text/html"
    #: ``NAME -> default`` of the environment values this connector reads as ``<PLATFORM>_<NAME>``
    settings: ClassVar[dict[str, str]] = {}

    def setting(self, name: str) -> str:
        """This connector's configuration value ``<PLATFORM>_<NAME>`` (the default from :attr:`settings`)."""
        return connector_setting(self.platform, name, self.settings.get(name, ""))

    def allowed_hosts(self) -> list[str]:
        """``<PLATFORM>_ALLOWED_HOSTS``: the host patterns a URL from the user or the CRM may name."""
        return [p.strip() for p in self.setting("ALLOWED_HOSTS").split(",") if p.strip()]

    def api_home(self, *, hostname: str, additional_info: dict[str, Any]) -> str:
        """Where this user's CRM API lives, as stored at login (the company host by default).

        A login that would change it for an existing user is refused (log out first), so nobody can point
        another person's stored session at a different server."""
        return hostname

    def log_utc_offset(self, *, stored_offset: str, user_settings: Mapping[str, Any]) -> UtcOffset:
        """The UTC offset log bodies are dated in: the one stored at login by default. A connector whose CRM
        has no time zone for its users reads the user's own setting instead (Redtail)."""
        return stored_offset or None

    def authorization(self, user: CrmUser) -> str:
        """The ``Authorization`` value of the user's stored credential: its OAuth token, or its API key."""
        if self.get_auth_type() == "oauth":
            return f"Bearer {user.access_token}"
        return f"Basic {self.get_basic_auth(api_key=user.access_token)}"

    def manifest_values(self, *, server_url: str) -> dict[str, str]:
        """Values substituted into this platform's manifest entry (``${pipedrive.clientId}`` ...)."""
        return {}

    @classmethod
    def implements(cls, interface: str) -> bool:
        """True when the connector overrides the method behind the extension's ``interface`` name."""
        method = INTERFACES.get(interface) or EXTENSIONS.get(interface)
        if method is None:
            return False
        if method in ("get_auth_type", "get_log_format_type"):
            return True  # declared facts (``auth_type``, ``log_format``), which every connector has
        return getattr(cls, method, None) is not getattr(Connector, method, None)

    # -- the seed interface (overridden by connectors) ----------------------------------------------------
    #
    # The typed boundary: every method takes keyword-only ``user`` (a :class:`CrmUser`, tokens decrypted and
    # refreshed), ``auth_header`` (the ready-made ``Authorization`` value) and one request object, and
    # returns one result object (:mod:`appconnect.connector.types`). A connector overrides each with the
    # same signature, usually in a mixin per concern (``class Contacts(Connector)`` in its contacts.py);
    # mypy checks every override against this class, so a misspelled parameter or field, or a wrong result
    # type, is an error, and an unknown keyword is a TypeError at run time. CRM calls go through
    # :class:`appconnect.connector.client.CrmClient`; failures are raised as its typed errors and the core
    # answers them with the operation's message.

    def get_auth_type(self) -> AuthType:
        return self.auth_type

    def get_log_format_type(self) -> str:
        return self.log_format

    def get_oauth_info(
        self, *, hostname: str = "", token_url: str = "", api_url: str = "", server_url: str = ""
    ) -> OAuthInfo:
        """The OAuth client to exchange codes and refresh tokens with (oauth connectors)."""
        raise self._not_built("get_oauth_info")

    def get_basic_auth(self, *, api_key: str) -> str:
        """The base64 credential for ``Authorization: Basic`` (apiKey connectors)."""
        raise self._not_built("get_basic_auth")

    def get_user_info(self, *, auth_header: str, request: LoginRequest) -> LoginResult:
        """Who logged in (the CRM user behind the new token or key)."""
        raise self._not_built("get_user_info")

    def unauthorize(self, *, user: CrmUser, auth_header: str) -> ReturnMessage | None:
        """Revoke the user's CRM credentials at the CRM; the core then forgets them."""
        raise self._not_built("unauthorize")

    def find_contact(self, *, user: CrmUser, auth_header: str, request: ContactLookup) -> ContactMatches:
        """The contacts with the number, and the "create new contact" entry."""
        raise self._not_built("find_contact")

    def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> ContactMatches:
        raise self._not_built("find_contact_with_name")

    def create_contact(self, *, user: CrmUser, auth_header: str, request: NewContact) -> CreatedContact:
        raise self._not_built("create_contact")

    def create_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogWrite) -> LogResult:
        raise self._not_built("create_call_log")

    def find_call_log(
        self, *, user: CrmUser, auth_header: str, request: CallLogWrite, since: float
    ) -> LogId | None:
        """Crash recovery: the id of a call log this user created for this call since ``since`` (epoch
        seconds), or None. The core calls it only when an earlier attempt may have written to the CRM
        without recording it, so a retry does not create a second activity."""
        raise self._not_built("find_call_log")

    def update_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogUpdate) -> UpdateResult:
        raise self._not_built("update_call_log")

    def get_call_log(self, *, user: CrmUser, auth_header: str, request: LogRef) -> CallLogDetails:
        raise self._not_built("get_call_log")

    def upsert_call_disposition(
        self, *, user: CrmUser, auth_header: str, request: DispositionUpdate
    ) -> LogResult:
        raise self._not_built("upsert_call_disposition")

    def create_message_log(self, *, user: CrmUser, auth_header: str, request: MessageLogWrite) -> LogResult:
        raise self._not_built("create_message_log")

    def find_message_log(
        self, *, user: CrmUser, auth_header: str, request: MessageLogWrite, since: float
    ) -> LogId | None:
        """Crash recovery for message logs: the id of the record an interrupted attempt created for this
        conversation-day (or voicemail, fax, shared thread), or None."""
        raise self._not_built("find_message_log")

    def update_message_log(
        self, *, user: CrmUser, auth_header: str, log_id: LogId, request: MessageLogWrite
    ) -> UpdateResult:
        """Append ``request.message`` to the record ``log_id`` (or re-render a shared thread)."""
        raise self._not_built("update_message_log")

    def start_session(self, *, user: CrmUser, auth_header: str) -> Mapping[str, Any]:
        """Open a new CRM session with the user's (fresh) OAuth token, for a CRM whose API takes a session of
        its own (Bullhorn's REST login): the session's secrets, which the core stores encrypted and hands
        back as ``user.session``. A call that finds the session dead raises
        :class:`appconnect.errors.CrmSessionExpired`; the core then calls this once for all concurrent
        requests and retries."""
        raise self._not_built("start_session")

    def validate_session(self, *, user: CrmUser, auth_header: str) -> StatusResult:
        """``GET /authValidation`` for a CRM with sessions of its own: is its session usable?"""
        raise self._not_built("validate_session")

    def server_logging_settings(self, *, user: CrmUser) -> dict[str, Any]:
        """``GET /admin/serverLoggingSettings``: the server-side logging fields as the admin set them (never a
        password)."""
        return {}

    def service_login(self, *, user: CrmUser, values: Mapping[str, Any]) -> ServiceLogin:
        """Sign in with the server-side logging fields the admin entered (a service account's username and
        password): raise :class:`appconnect.errors.CrmAuthError` when the CRM refuses them."""
        raise self._not_built("service_login")

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        """``[{id, name, email?}]``: the CRM's users, for admins' user mappings."""
        raise self._not_built("get_user_list")

    def refresh_user_info(self, *, user: CrmUser, auth_header: str) -> StatusResult:
        raise self._not_built("refresh_user_info")

    def _not_built(self, method: str) -> ConnectorNotBuilt:
        return ConnectorNotBuilt(self.display_name or self.platform, method)

    # -- the CRM's app lifecycle routes (Pipedrive's /pipedrive-redirect) ---------------------------------

    def app_page(self, *, query: Mapping[str, str], server_url: str) -> str:
        """The HTML page the CRM's app redirect (or marketplace install) lands on."""
        raise self._not_built("app_page")

    def uninstalled_user_id(self, *, headers: Mapping[str, str], body: Mapping[str, Any]) -> str:
        """Check the CRM's uninstall webhook (raise :class:`appconnect.errors.ApiError` to refuse it) and
        return the stored user id (``<crmUserId>-<platform>``) whose data must go."""
        raise self._not_built("uninstalled_user_id")


@dataclass(frozen=True)
class OAuthInfo:
    """An OAuth client. ``client_auth``: ``basic`` (credentials in the Authorization header, RFC 6749
    2.3.1) or ``query`` (Bullhorn: every parameter in the query string, no Authorization header)."""

    client_id: str
    client_secret: str
    access_token_uri: str
    redirect_uri: str
    client_auth: Literal["basic", "query"] = "basic"


@dataclass
class CrmUser:
    """The stored user as a connector sees it: tokens decrypted, nothing of the storage layer.

    A connector that changes ``platform_additional_info`` (e.g. a new CRM session token) sets
    ``changed = True``; the core saves it after the call, with any options offered for dynamic settings.
    """

    id: str
    platform: str
    hostname: str = ""
    access_token: str = ""
    refresh_token: str = ""
    token_expiry: float | None = None
    timezone_name: str = ""
    timezone_offset: str = ""
    name: str = ""
    platform_additional_info: dict[str, Any] = field(default_factory=dict)
    user_settings: dict[str, Any] = field(default_factory=dict)
    #: the CRM session's secrets (decrypted), for a connector with :meth:`Connector.start_session`
    session: dict[str, Any] = field(default_factory=dict)
    #: credentials kept for the user by :meth:`Connector.service_login` (decrypted)
    secrets: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    #: ``setting id -> {options, value}`` the connector found in the CRM for settings with ``dynamicOptions``
    offered_options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def offer_options(self, setting_id: str, options: list[dict[str, Any]], default: Any = None) -> None:
        """Fill the choices of the user's setting ``setting_id`` (a manifest setting with ``dynamicOptions``,
        such as Redtail's default category) with what the CRM has now. The core saves them after the call
        when they differ, keeping the value the user chose (``default`` when none) and whether they may
        change it."""
        entry = self.user_settings.get(setting_id)
        if not isinstance(entry, dict) or entry.get("options") != options:
            self.offered_options[setting_id] = {"options": options, "value": default}

    def setting_value(self, setting_id: str, default: Any = None) -> Any:
        """The value of the user's setting ``setting_id`` (``userSettings[id].value``)."""
        entry = self.user_settings.get(setting_id)
        if isinstance(entry, dict) and "value" in entry:
            return entry["value"]
        return default
