"""What the core hands a connector, and what a connector hands back: one request and one result type per
interface, so mypy checks every connector against :class:`appconnect.connector.Connector` (a misspelled
field is an attribute error, a wrong return type an incompatible override).

Requests are frozen keyword-only dataclasses the core fills from the extension's body; results are the
connector's answer without the wire envelope (``successful``, ``returnMessage`` placement, camelCase keys),
which the core adds. ``message`` is the extension's ``returnMessage`` object
(``appconnect.errors.return_message``) or None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "AccountCache",
    "CallLogDetails",
    "CallLogUpdate",
    "CallLogWrite",
    "ContactLookup",
    "ContactMatches",
    "CreatedContact",
    "DispositionUpdate",
    "LogId",
    "LogRef",
    "LogResult",
    "LoginRequest",
    "LoginResult",
    "MessageLogWrite",
    "NewContact",
    "PlatformUser",
    "ReturnMessage",
    "ServiceLogin",
    "StatusResult",
    "UpdateResult",
]

#: A CRM record id as the CRM gave it: Pipedrive and Insightly ids are numbers, and the extension compares
#: ``logId`` with what it stored, so a number stays a number.
LogId = str | int
#: ``{message, messageType, ttl, details?}``: what the extension shows the user.
ReturnMessage = dict[str, Any]


def _empty() -> Mapping[str, Any]:
    return {}


class AccountCache(Protocol):
    """A small key-value cache with expiry, shared by the Lambdas of a deployment (passed as ``cache``).

    For CRM data every user of a company may see (activity types, picklists), never for records: keys are
    the connector's own, namespaced by platform. ``get`` answers None for a missing or expired key; values
    are JSON-serialisable.
    """

    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any, ttl_seconds: int) -> None: ...


# -- login ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LoginRequest:
    """Who is logging in: what ``/oauth-callback`` or ``/apiKeyLogin`` received (``auth_header`` is passed
    beside it, built from the new token or key)."""

    hostname: str = ""
    token_url: str = ""
    api_url: str = ""
    username: str = ""
    #: the CRM's token answer (OAuth), which some CRMs use to carry the user's API address
    token_response: Mapping[str, Any] | None = None
    access_token: str = ""
    #: the login form's fields (apiKey connectors)
    additional_info: Mapping[str, Any] = field(default_factory=_empty)
    api_key: str = ""


@dataclass(frozen=True, kw_only=True)
class PlatformUser:
    """The CRM user a login found (``platformUserInfo``)."""

    id: str
    name: str = ""
    timezone_name: str = ""
    timezone_offset: str = ""
    #: stored as ``platformAdditionalInfo`` (never secrets: the core drops known secret keys)
    additional_info: Mapping[str, Any] = field(default_factory=_empty)
    #: the company host the CRM says this user belongs to, stored instead of the one typed
    overriding_hostname: str = ""
    #: a credential the CRM issued in exchange for the one given (stored instead of it)
    overriding_api_key: str = ""
    #: the CRM session opened at login (secrets such as a session token), stored encrypted
    session: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class LoginResult:
    """The login's outcome: ``user`` None means refused, with ``message`` saying why."""

    user: PlatformUser | None
    message: ReturnMessage | None = None


# -- contacts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ContactLookup:
    """``GET /contact``: the number (E.164 unless ``is_extension``) and the user's overriding formats."""

    phone_number: str
    overriding_format: str = ""
    is_extension: bool = False
    #: company-wide CRM data (picklists) a connector keeps between requests
    cache: AccountCache | None = None


@dataclass(frozen=True, kw_only=True)
class ContactMatches:
    """The contacts found, each ``{id, name, type, phone, ...}`` as the extension reads them (the
    "create new contact" entry included). ``successful`` None: the key is left out of the answer, as the
    reference does for an internal extension number."""

    contacts: list[dict[str, Any]] | None
    successful: bool | None = True
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class NewContact:
    """``POST /contact``."""

    phone_number: str
    name: str
    type: str = ""
    additional_submission: Mapping[str, Any] = field(default_factory=_empty)
    cache: AccountCache | None = None


@dataclass(frozen=True, kw_only=True)
class CreatedContact:
    """``contact`` ``{id, name, type?}``, or None when nothing was created (``message`` says why)."""

    contact: dict[str, Any] | None
    message: ReturnMessage | None = None


# -- call logs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CallLogWrite:
    """``POST /callLog``: the call, the contact it is logged against, and the account's settings."""

    #: ``{id, phoneNumber, type, name}``
    contact_info: Mapping[str, Any]
    #: the extension's ``logInfo``
    call_log: Mapping[str, Any]
    note: str | None = None
    additional_submission: Mapping[str, Any] = field(default_factory=_empty)
    #: the log body the core composed from the user's settings (formats text/html, text/plain, text/markdown)
    composed_log_details: str = ""
    hashed_account_id: str | None = None
    admin_settings: Mapping[str, Any] | None = None
    user_mappings: Sequence[Mapping[str, Any]] = ()
    ai_note: str | None = None
    transcript: str | None = None
    voicemail_link: str | None = None
    cache: AccountCache | None = None


@dataclass(frozen=True, kw_only=True)
class CallLogUpdate:
    """``PATCH /callLog``: the fields the extension sent (None: unchanged) for the stored ``log_id``."""

    log_id: LogId
    contact_id: str | None = None
    subject: str | None = None
    note: str | None = None
    start_time: Any = None
    duration: Any = None
    result: str | None = None
    recording_link: str | None = None
    additional_submission: Mapping[str, Any] = field(default_factory=_empty)
    #: the whole body recomposed over the CRM's current one (composed formats)
    composed_log_details: str | None = None
    admin_settings: Mapping[str, Any] | None = None
    user_mappings: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True, kw_only=True)
class LogRef:
    """A logged record: the CRM's id and the contact it was logged against."""

    log_id: LogId
    contact_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallLogDetails:
    """The CRM's copy of a call log (``callLogInfo``)."""

    subject: str | None
    note: str | None
    contact_name: str | None
    full_body: str | None
    full_log_response: Any = None
    dispositions: Mapping[str, Any] | None = None
    message: ReturnMessage | None = None

    def call_log_info(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "note": self.note,
            "contactName": self.contact_name,
            "fullBody": self.full_body,
            "fullLogResponse": self.full_log_response,
            "dispositions": dict(self.dispositions) if self.dispositions is not None else None,
        }


@dataclass(frozen=True, kw_only=True)
class DispositionUpdate:
    """``PUT /callDisposition``: the deal, lead, case... to attach the stored ``log_id`` to."""

    log_id: LogId
    dispositions: Mapping[str, Any] = field(default_factory=_empty)


# -- message logs --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MessageLogWrite:
    """``POST /messageLog``, one message (or one shared-inbox thread) at a time."""

    contact_info: Mapping[str, Any]
    #: one of the extension's ``logInfo.messages`` (its ``id`` already made unique per contact)
    message: Mapping[str, Any] | None = None
    #: the other contacts of a group conversation
    correspondents: Sequence[Any] = ()
    additional_submission: Mapping[str, Any] = field(default_factory=_empty)
    hashed_account_id: str | None = None
    admin_settings: Mapping[str, Any] | None = None
    #: the admin's mapping of RingCentral extensions to CRM users (server-side logging's assignee)
    user_mappings: Sequence[Mapping[str, Any]] = ()
    assignee_name: str | None = None
    owner_name: str | None = None
    recording_link: str | None = None
    fax_doc_link: str | None = None
    image_link: str | None = None
    image_content_type: str | None = None
    video_link: str | None = None
    #: a shared-inbox thread rendered whole: ``{subject, body, conversationCreatedDate}``
    shared_sms_log_content: Mapping[str, Any] | None = None
    cache: AccountCache | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceLogin:
    """A sign-in the connector made without the user's browser (a service account's password): the new
    OAuth tokens, the CRM session they opened, and the credentials to keep (all stored encrypted)."""

    access_token: str
    refresh_token: str | None
    expires_at: float | None
    session: Mapping[str, Any] | None = None
    secrets: Mapping[str, Any] = field(default_factory=_empty)


# -- results -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LogResult:
    """A record written: ``log_id`` None means nothing was created (``message`` says why)."""

    log_id: LogId | None
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateResult:
    """A record updated: ``updated_note`` is the note as the CRM now holds it (call logs)."""

    updated_note: str | None = None
    message: ReturnMessage | None = None


@dataclass(frozen=True, kw_only=True)
class StatusResult:
    successful: bool
    message: ReturnMessage | None = None
