"""Message logs: ``POST /messageLog`` (see :mod:`appconnect.connector.types`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appconnect.connector.types import AccountCache, _empty


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
