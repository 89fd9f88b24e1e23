"""The connector interface (design.md section 5).

A connector is a class: declarative facts as class attributes (its platform name, auth type, log format,
the environment values it reads) and the seed interface as methods, called with keyword arguments and
returning the seed's shapes. A method the connector does not override is "not implemented" and
``/implementedInterfaces`` reports it as ``false``; the core never calls it.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from appconnect.settings import connector_setting

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

    def manifest_values(self) -> dict[str, str]:
        """Values substituted into this platform's manifest entry (``${pipedrive.clientId}`` ...)."""
        return {}

    @classmethod
    def implements(cls, interface: str) -> bool:
        """True when the connector overrides the method behind the extension's ``interface`` name."""
        method = INTERFACES.get(interface)
        if method is None:
            return False
        if method == "get_auth_type":
            return True
        return getattr(cls, method, None) is not getattr(Connector, method, None)

    # -- the seed interface (overridden by connectors) ----------------------------------------------------

    def get_auth_type(self) -> AuthType:
        return self.auth_type

    def get_log_format_type(self) -> str:
        return self.log_format

    def get_oauth_info(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get_basic_auth(self, *, api_key: str) -> str:
        raise NotImplementedError

    def get_user_info(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def unauthorize(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def find_contact(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def find_contact_with_name(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create_contact(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create_call_log(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def update_call_log(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get_call_log(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def upsert_call_disposition(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create_message_log(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def update_message_log(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get_user_list(self, **kwargs: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def refresh_user_info(self, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError
