"""PynamoDB models. Key schemas are declared once, in template.yaml; these classes only name them.

Table names and the endpoint come from :mod:`appconnect.settings`. Credentials stored on a user are
ciphertext (see the token-encryption issue): no attribute here ever holds a token in plaintext.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from appconnect.settings import Settings, get_settings


class TokenExpiryIndex(GlobalSecondaryIndex["UserModel"]):
    """Users whose OAuth tokens expire soon, without a scan: ``refreshShard`` + ``tokenExpiresAt``."""

    class Meta:
        index_name = "TokenExpiryIndex"
        projection = KeysOnlyProjection()

    refresh_shard = UnicodeAttribute(hash_key=True, attr_name="refreshShard")
    token_expires_at = NumberAttribute(range_key=True, attr_name="tokenExpiresAt")


class UserModel(Model):
    """A CRM user connected through App Connect: ``id`` is ``<crmUserId>-<platform>``."""

    class Meta:
        table_name = "Users"

    id = UnicodeAttribute(hash_key=True)
    platform = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    hostname = UnicodeAttribute(null=True)
    timezone_name = UnicodeAttribute(null=True, attr_name="timezoneName")
    timezone_offset = UnicodeAttribute(null=True, attr_name="timezoneOffset")
    rc_account_id = UnicodeAttribute(null=True, attr_name="rcAccountId")
    hashed_rc_account_id = UnicodeAttribute(null=True, attr_name="hashedRcAccountId")
    hashed_rc_extension_id = UnicodeAttribute(null=True, attr_name="hashedRcExtensionId")
    encrypted_access_token = UnicodeAttribute(null=True, attr_name="encryptedAccessToken")
    encrypted_refresh_token = UnicodeAttribute(null=True, attr_name="encryptedRefreshToken")
    #: the CRM session opened with the OAuth token (Bullhorn's BhRestToken and restUrl), encrypted JSON
    encrypted_session = UnicodeAttribute(null=True, attr_name="encryptedSession")
    #: credentials the connector keeps for the user (Bullhorn's service account), encrypted JSON
    encrypted_secrets = UnicodeAttribute(null=True, attr_name="encryptedSecrets")
    token_expiry = NumberAttribute(null=True, attr_name="tokenExpiry")
    refresh_shard = UnicodeAttribute(null=True, attr_name="refreshShard")
    token_expires_at = NumberAttribute(null=True, attr_name="tokenExpiresAt")
    platform_additional_info = JSONAttribute(null=True, attr_name="platformAdditionalInfo")
    user_settings = JSONAttribute(null=True, attr_name="userSettings")
    session_generation = NumberAttribute(default=0, attr_name="sessionGeneration")
    #: the CRM refused the grant (found by the scheduled refresh): 401 at once until the user connects again
    needs_reconnect = BooleanAttribute(null=True, attr_name="needsReconnect")
    created_at = UTCDateTimeAttribute(null=True, attr_name="createdAt")
    updated_at = UTCDateTimeAttribute(null=True, attr_name="updatedAt")
    version = VersionAttribute()

    token_expiry_index = TokenExpiryIndex()


class AdminConfigModel(Model):
    """Company-wide settings and user mappings, keyed by the hashed RingCentral account id."""

    class Meta:
        table_name = "AdminConfigs"

    id = UnicodeAttribute(hash_key=True)
    user_settings = JSONAttribute(null=True, attr_name="userSettings")
    user_mappings = JSONAttribute(null=True, attr_name="userMappings")
    updated_at = UTCDateTimeAttribute(null=True, attr_name="updatedAt")
    version = VersionAttribute()


class ClaimRecord(Model):
    """What every claim of an effectively-once CRM write holds (:mod:`appconnect.claims`): its owner, its
    state and lease, and the CRM record it became. Not a table: each subclass names its own."""

    user_id = UnicodeAttribute(hash_key=True, attr_name="userId")
    platform = UnicodeAttribute()
    #: ``pending`` (someone is writing), ``logged`` (``log_id`` is the record), ``unknown`` (may have written)
    status = UnicodeAttribute(default="pending")
    claim_token = UnicodeAttribute(null=True, attr_name="claimToken")
    claimed_at = NumberAttribute(null=True, attr_name="claimedAt")
    lease_until = NumberAttribute(null=True, attr_name="leaseUntil")
    log_id = UnicodeAttribute(null=True, attr_name="logId")
    created_at = UTCDateTimeAttribute(null=True, attr_name="createdAt")


class CallLogModel(ClaimRecord):
    """The claim of one call session by one owner and extension, and the CRM activity it became."""

    class Meta:
        table_name = "CallLogs"

    #: ``<sessionId>#<extension identity>``: one record per call session and extension (a call between two
    #: extensions of one company is logged once for each), see ``operations.call_logs.log_key``
    log_key = UnicodeAttribute(range_key=True, attr_name="logKey")
    session_id = UnicodeAttribute(null=True, attr_name="sessionId")
    #: the CRM gave the id as a number: ``POST /callLog`` answers it as one, as the reference does
    log_id_is_number = BooleanAttribute(null=True, attr_name="logIdIsNumber")
    contact_id = UnicodeAttribute(null=True, attr_name="contactId")
    telephony_session_id = UnicodeAttribute(null=True, attr_name="telephonySessionId")
    extension_number = UnicodeAttribute(null=True, attr_name="extensionNumber")
    hashed_extension_id = UnicodeAttribute(null=True, attr_name="hashedExtensionId")


class MessageLogModel(ClaimRecord):
    """An owner's logged message (``msg#<id>``) or conversation-day (``conv#<conversationLogId>``)."""

    class Meta:
        table_name = "MessageLogs"

    id = UnicodeAttribute(range_key=True)
    conversation_id = UnicodeAttribute(null=True, attr_name="conversationId")
    conversation_log_id = UnicodeAttribute(null=True, attr_name="conversationLogId")


class CacheModel(Model):
    """Short-lived records: token-refresh locks, cached notes, cached contacts. ``ttl`` in epoch seconds."""

    class Meta:
        table_name = "Cache"

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)
    held = BooleanAttribute(null=True)
    ttl = TTLAttribute(null=True)


_TABLES: dict[type[Model], str] = {
    UserModel: "USERS_TABLE",
    AdminConfigModel: "ADMIN_CONFIGS_TABLE",
    CallLogModel: "CALL_LOGS_TABLE",
    MessageLogModel: "MESSAGE_LOGS_TABLE",
    CacheModel: "CACHE_TABLE",
}


def bind(settings: Settings | None = None) -> None:
    """Point every model at the configured tables, region and endpoint (done at import; again in tests)."""
    settings = settings or get_settings()
    for model, env_name in _TABLES.items():
        meta: Any = model.Meta
        meta.table_name = getattr(settings, env_name.lower()) or env_name
        meta.region = settings.aws_region
        meta.host = settings.dynamodb_endpoint_url or None
        model._connection = None


bind()
