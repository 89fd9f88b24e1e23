"""The operations this server offers and the AWS access each one is designed to need, as data.

template.yaml is checked against this list (tests/unit/test_template.py, tests/unit/test_events.py), so a
route, a handler module or a permission can only change in both places at once. Grants are keyed by the
template resource they apply to: a logical id (``UsersTable``) or a logical id plus a DynamoDB index
(``UsersTable/index/TokenExpiryIndex``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

Grants = Mapping[str, frozenset[str]]

USERS = "UsersTable"
ADMIN_CONFIGS = "AdminConfigsTable"
CALL_LOGS = "CallLogsTable"
MESSAGE_LOGS = "MessageLogsTable"
CACHE = "CacheTable"
TOKEN_EXPIRY_INDEX = f"{USERS}/index/TokenExpiryIndex"
TOKEN_KEY = "TokenEncryptionKey"
TOKEN_REFRESH_QUEUE = "TokenRefreshQueue"

TABLES = (USERS, ADMIN_CONFIGS, CALL_LOGS, MESSAGE_LOGS, CACHE)

# Lambda's API Gateway integration gives up after 30 s; an API function must finish (and answer) before that.
API_GATEWAY_INTEGRATION_LIMIT_SECONDS = 30

# Key schemas of the brief: table -> (hash key, range key or None), attribute name -> DynamoDB type.
TABLE_KEYS: Mapping[str, tuple[str, str | None]] = MappingProxyType(
    {
        USERS: ("id", None),
        ADMIN_CONFIGS: ("id", None),
        CALL_LOGS: ("userId", "logKey"),
        MESSAGE_LOGS: ("userId", "id"),
        CACHE: ("id", None),
    }
)
TABLE_ATTRIBUTE_TYPES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        USERS: {"id": "S", "refreshShard": "S", "tokenExpiresAt": "N"},
        ADMIN_CONFIGS: {"id": "S"},
        CALL_LOGS: {"userId": "S", "logKey": "S"},
        MESSAGE_LOGS: {"userId": "S", "id": "S"},
        CACHE: {"id": "S"},
    }
)
USERS_TOKEN_EXPIRY_INDEX = ("TokenExpiryIndex", "refreshShard", "tokenExpiresAt", "KEYS_ONLY")
CACHE_TTL_ATTRIBUTE = "ttl"


def _dynamodb(*actions: str) -> frozenset[str]:
    return frozenset(f"dynamodb:{action}" for action in actions)


# Reading a Users item means reading its encrypted CRM tokens; every function that does (and every function
# that writes tokens) decrypts or encrypts them with the token key's data keys.
TOKEN_KEY_ACTIONS = frozenset({"kms:Decrypt", "kms:GenerateDataKey"})

# Token-refresh lock and contact cache rows in the Cache table.
# (GetItem also reads cached notes and the connectors' account cache; PutItem writes them)
CACHE_LOCK = _dynamodb("GetItem", "PutItem", "DeleteItem")
# A signed-in user whose CRM token may be refreshed on the way (the refresh writes the new token back).
USER_WITH_REFRESH: Grants = {USERS: _dynamodb("GetItem", "UpdateItem"), CACHE: CACHE_LOCK}


@dataclass(frozen=True)
class Operation:
    """One Lambda function: its operation name, route (None for scheduled functions) and designed access."""

    name: str
    method: str | None
    path: str | None
    module: str
    logical_id: str
    grants: Grants = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.method is not None

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def expected_grants(self) -> dict[str, frozenset[str]]:
        """The grants plus the token key for anything that reads or writes Users items."""
        grants = dict(self.grants)
        if USERS in grants:
            grants[TOKEN_KEY] = TOKEN_KEY_ACTIONS
        return grants


def _api(
    name: str, method: str, path: str, module: str, logical_id: str, **grants: frozenset[str]
) -> Operation:
    return Operation(name, method, path, module, logical_id, MappingProxyType(dict(grants)))


def _merge(*parts: Grants) -> dict[str, frozenset[str]]:
    merged: dict[str, frozenset[str]] = {}
    for part in parts:
        for resource, actions in part.items():
            merged[resource] = merged.get(resource, frozenset()) | actions
    return merged


# logging reads the company's admin settings and user mappings (activity types, owner assignment)
_ADMIN_CONFIG_READ = {ADMIN_CONFIGS: _dynamodb("GetItem")}
# Every admin route checks the caller with RingCentral and keeps the verdict a minute in the Cache table.
_ADMIN_CHECK = {CACHE: _dynamodb("GetItem", "PutItem")}
_ADMIN_READ = {ADMIN_CONFIGS: _dynamodb("GetItem"), USERS: _dynamodb("GetItem"), **_ADMIN_CHECK}
_ADMIN_WRITE = {ADMIN_CONFIGS: _dynamodb("GetItem", "PutItem"), **_ADMIN_CHECK}
# the user mapping asks the CRM for its users with the caller's credentials (refreshed on the way)
_ADMIN_MAPPING = {ADMIN_CONFIGS: _dynamodb("GetItem", "PutItem"), **USER_WITH_REFRESH}
_USER_SETTINGS_READ = {USERS: _dynamodb("GetItem"), ADMIN_CONFIGS: _dynamodb("GetItem")}
_SIGN_IN = {USERS: _dynamodb("GetItem", "PutItem")}
_PIPEDRIVE_UNINSTALL = {USERS: _dynamodb("GetItem", "DeleteItem")}

OPERATIONS: tuple[Operation, ...] = (
    # Health and manifest: no table.
    _api("isAlive", "GET", "/isAlive", "is_alive", "IsAliveFunction"),
    _api(
        "serverVersionInfo", "GET", "/serverVersionInfo", "server_version_info", "ServerVersionInfoFunction"
    ),
    _api("crmManifest", "GET", "/crmManifest", "crm_manifest", "CrmManifestFunction"),
    _api(
        "implementedInterfaces",
        "GET",
        "/implementedInterfaces",
        "implemented_interfaces",
        "ImplementedInterfacesFunction",
    ),
    _api("releaseNotes", "GET", "/releaseNotes", "release_notes", "ReleaseNotesFunction"),
    # Auth.
    _api("oauthCallback", "GET", "/oauth-callback", "oauth_callback", "OauthCallbackFunction", **_SIGN_IN),
    _api("apiKeyLogin", "POST", "/apiKeyLogin", "api_key_login", "ApiKeyLoginFunction", **_SIGN_IN),
    _api(
        "unAuthorize",
        "POST",
        "/unAuthorize",
        "unauthorize",
        "UnAuthorizeFunction",
        # logging out authenticates first: an expiring OAuth token is refreshed (under the Cache lock)
        **USER_WITH_REFRESH,
    ),
    _api(
        "authValidation",
        "GET",
        "/authValidation",
        "auth_validation",
        "AuthValidationFunction",
        **USER_WITH_REFRESH,
    ),
    _api("hostname", "GET", "/hostname", "hostname", "HostnameFunction", **{USERS: _dynamodb("GetItem")}),
    _api(
        "userInfoHash",
        "GET",
        "/userInfoHash",
        "user_info_hash",
        "UserInfoHashFunction",
        **{USERS: _dynamodb("GetItem")},
    ),
    # User.
    _api(
        "getUserSettings",
        "GET",
        "/user/settings",
        "get_user_settings",
        "GetUserSettingsFunction",
        **_USER_SETTINGS_READ,
    ),
    _api(
        "updateUserSettings",
        "POST",
        "/user/settings",
        "update_user_settings",
        "UpdateUserSettingsFunction",
        **{USERS: _dynamodb("GetItem", "UpdateItem")},
    ),
    _api(
        "preloadUserSettings",
        "GET",
        "/user/preloadSettings",
        "preload_user_settings",
        "PreloadUserSettingsFunction",
        **_ADMIN_CONFIG_READ,
    ),
    _api(
        "refreshUserInfo",
        "POST",
        "/user/refreshInfo",
        "refresh_user_info",
        "RefreshUserInfoFunction",
        **USER_WITH_REFRESH,
    ),
    # Admin.
    _api(
        "getAdminSettings",
        "GET",
        "/admin/settings",
        "get_admin_settings",
        "GetAdminSettingsFunction",
        **_ADMIN_READ,
    ),
    _api(
        "updateAdminSettings",
        "POST",
        "/admin/settings",
        "update_admin_settings",
        "UpdateAdminSettingsFunction",
        **_ADMIN_WRITE,
    ),
    _api(
        "updateUserMapping",
        "POST",
        "/admin/userMapping",
        "update_user_mapping",
        "UpdateUserMappingFunction",
        **_ADMIN_MAPPING,
    ),
    _api(
        "reinitializeUserMapping",
        "POST",
        "/admin/reinitializeUserMapping",
        "reinitialize_user_mapping",
        "ReinitializeUserMappingFunction",
        **_ADMIN_MAPPING,
    ),
    _api(
        "getServerLoggingSettings",
        "GET",
        "/admin/serverLoggingSettings",
        "get_server_logging_settings",
        "GetServerLoggingSettingsFunction",
        **{USERS: _dynamodb("GetItem"), **_ADMIN_CHECK},
    ),
    _api(
        "updateServerLoggingSettings",
        "POST",
        "/admin/serverLoggingSettings",
        "update_server_logging_settings",
        "UpdateServerLoggingSettingsFunction",
        **USER_WITH_REFRESH,
    ),
    # Contacts.
    _api("findContact", "GET", "/contact", "find_contact", "FindContactFunction", **USER_WITH_REFRESH),
    _api("createContact", "POST", "/contact", "create_contact", "CreateContactFunction", **USER_WITH_REFRESH),
    _api(
        "findContactWithName",
        "GET",
        "/custom/contact/search",
        "find_contact_with_name",
        "FindContactWithNameFunction",
        **USER_WITH_REFRESH,
    ),
    # Call logs.
    _api(
        "getCallLog",
        "GET",
        "/callLog",
        "get_call_log",
        "GetCallLogFunction",
        **_merge(USER_WITH_REFRESH, {CALL_LOGS: _dynamodb("Query")}),
    ),
    _api(
        "createCallLog",
        "POST",
        "/callLog",
        "create_call_log",
        "CreateCallLogFunction",
        **_merge(
            USER_WITH_REFRESH,
            {CALL_LOGS: _dynamodb("GetItem", "PutItem", "UpdateItem", "DeleteItem"), **_ADMIN_CONFIG_READ},
        ),
    ),
    _api(
        "updateCallLog",
        "PATCH",
        "/callLog",
        "update_call_log",
        "UpdateCallLogFunction",
        **_merge(USER_WITH_REFRESH, {CALL_LOGS: _dynamodb("Query"), **_ADMIN_CONFIG_READ}),
    ),
    _api(
        "upsertCallDisposition",
        "PUT",
        "/callDisposition",
        "upsert_call_disposition",
        "UpsertCallDispositionFunction",
        **_merge(USER_WITH_REFRESH, {CALL_LOGS: _dynamodb("Query")}),
    ),
    _api(
        "cacheCallNote",
        "POST",
        "/callLog/cacheNote",
        "cache_call_note",
        "CacheCallNoteFunction",
        **{USERS: _dynamodb("GetItem"), CACHE: _dynamodb("PutItem")},
    ),
    # Messages.
    _api(
        "createMessageLog",
        "POST",
        "/messageLog",
        "create_message_log",
        "CreateMessageLogFunction",
        **_merge(
            USER_WITH_REFRESH,
            {MESSAGE_LOGS: _dynamodb("GetItem", "PutItem", "UpdateItem", "DeleteItem"), **_ADMIN_CONFIG_READ},
        ),
    ),
    # Pipedrive app lifecycle.
    _api(
        "pipedriveRedirect",
        "GET",
        "/pipedrive-redirect",
        "pipedrive_redirect",
        "PipedriveRedirectFunction",
    ),
    _api(
        "pipedriveUninstall",
        "DELETE",
        "/pipedrive-redirect",
        "pipedrive_uninstall",
        "PipedriveUninstallFunction",
        **_PIPEDRIVE_UNINSTALL,
    ),
    # Scheduled token refresh: the scheduler reads only the keys-only expiry index, so never sees a token.
    Operation(
        "tokenRefreshScheduler",
        None,
        None,
        "token_refresh_scheduler",
        "TokenRefreshSchedulerFunction",
        MappingProxyType(
            {
                TOKEN_EXPIRY_INDEX: _dynamodb("Query"),
                TOKEN_REFRESH_QUEUE: frozenset({"sqs:SendMessage"}),
            }
        ),
    ),
    Operation(
        "tokenRefreshWorker",
        None,
        None,
        "token_refresh_worker",
        "TokenRefreshWorkerFunction",
        MappingProxyType(dict(USER_WITH_REFRESH)),
    ),
)

API_OPERATIONS: tuple[Operation, ...] = tuple(op for op in OPERATIONS if op.is_api)
BY_LOGICAL_ID: Mapping[str, Operation] = MappingProxyType({op.logical_id: op for op in OPERATIONS})
