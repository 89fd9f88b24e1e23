"""Call logs: ``POST``/``PATCH``/``GET /callLog`` and ``PUT /callDisposition`` (see
:mod:`appconnect.connector.types`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appconnect.connector.types import AccountCache, LogId, ReturnMessage, _empty


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
