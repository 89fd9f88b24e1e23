"""Insightly: API-key login against the user's pod, contacts and leads found by phone whatever format
they were typed in, and call, SMS, voicemail and fax logs as Insightly events linked to the contact or
lead and to the organisation, opportunity and project the user chose (what differs from the reference
connector: docs/compatibility.md, "Insightly").

The class declares the connector's facts and hands each interface method to the module of its concern:
:mod:`~connectors.insightly.auth`, :mod:`~connectors.insightly.contacts`,
:mod:`~connectors.insightly.call_logs`, :mod:`~connectors.insightly.messages` and
:mod:`~connectors.insightly.users` (events shared by call and message logs in
:mod:`~connectors.insightly.events`, HTTP in :mod:`~connectors.insightly.api`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from appconnect.connector import AccountCache, AuthType, Connector, CrmUser
from connectors.insightly import auth, call_logs, contacts, messages, users

# Re-exported: these were defined here before the split, and importers may still look for them here.
from connectors.insightly.auth import KEY_REFUSED, KEY_REFUSED_DETAIL
from connectors.insightly.contacts import (
    EXTRA_FIELD_SETTINGS,
    MAX_RELATED,
    NEW_CONTACT,
    STANDARD_PHONE_FIELDS,
)
from connectors.insightly.events import RECOVERY_PAGE_SIZE, RECOVERY_PAGES, RECOVERY_SLACK_S

__all__ = [
    "EXTRA_FIELD_SETTINGS",
    "KEY_REFUSED",
    "KEY_REFUSED_DETAIL",
    "MAX_RELATED",
    "NEW_CONTACT",
    "RECOVERY_PAGES",
    "RECOVERY_PAGE_SIZE",
    "RECOVERY_SLACK_S",
    "STANDARD_PHONE_FIELDS",
    "InsightlyConnector",
]


class InsightlyConnector(Connector):
    # The base declares the interface as ``**kwargs``; each method here names the keyword arguments it
    # reads (and ignores the rest), which mypy reports as an incompatible override.
    # ``Connector.implements`` reports an interface when its method is overridden here, so every interface
    # method stays on the class, with its signature, even though the work is done in the modules.
    platform: ClassVar[str] = "insightly"
    display_name: ClassVar[str] = "Insightly"
    auth_type: ClassVar[AuthType] = "apiKey"
    log_format: ClassVar[str] = "text/plain"
    settings: ClassVar[dict[str, str]] = {
        "API_VERSION": "v3.1",
        "ALLOWED_HOSTS": "*.insightly.com",
    }

    def api_home(self, *, hostname: str, additional_info: dict[str, Any]) -> str:
        """The pod's API URL: the web ``hostname`` only shapes links."""
        return str(additional_info.get("apiUrl") or "")

    # -- auth ----------------------------------------------------------------------------------------------

    def get_basic_auth(self, *, api_key: str) -> str:
        return auth.get_basic_auth(api_key=api_key)

    def get_user_info(
        self,
        *,
        auth_header: str,
        hostname: str = "",
        token_url: str = "",
        api_url: str = "",
        username: str = "",
        token_response: Mapping[str, Any] | None = None,
        access_token: str = "",
        additional_info: Mapping[str, Any] | None = None,
        api_key: str = "",
    ) -> dict[str, Any]:
        return auth.get_user_info(self, auth_header=auth_header, additional_info=additional_info)

    def unauthorize(self, *, user: CrmUser, auth_header: str = "") -> dict[str, Any]:
        return auth.unauthorize()

    # -- contacts ------------------------------------------------------------------------------------------

    def find_contact(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        phone_number: str,
        overriding_format: str = "",
        is_extension: bool = False,
    ) -> dict[str, Any]:
        return contacts.find_contact(
            self,
            user=user,
            auth_header=auth_header,
            phone_number=phone_number,
            overriding_format=overriding_format,
            is_extension=is_extension,
        )

    def find_contact_with_name(self, *, user: CrmUser, auth_header: str, name: str) -> dict[str, Any]:
        return contacts.find_contact_with_name(self, user=user, auth_header=auth_header, name=name)

    def create_contact(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        phone_number: str,
        new_contact_name: str,
        new_contact_type: str = "",
        additional_submission: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        return contacts.create_contact(
            self,
            user=user,
            auth_header=auth_header,
            phone_number=phone_number,
            new_contact_name=new_contact_name,
            new_contact_type=new_contact_type,
        )

    # -- call logs -----------------------------------------------------------------------------------------

    def create_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        call_log: Mapping[str, Any],
        note: str | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        composed_log_details: str = "",
        hashed_account_id: str | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        ai_note: str | None = None,
        transcript: str | None = None,
        voicemail_link: str | None = None,
        cache: AccountCache | None = None,
    ) -> dict[str, Any]:
        return call_logs.create_call_log(
            self,
            user=user,
            auth_header=auth_header,
            contact_info=contact_info,
            call_log=call_log,
            additional_submission=additional_submission,
            composed_log_details=composed_log_details,
            user_mappings=user_mappings,
        )

    def find_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        call_log: Mapping[str, Any],
        since: float,
        note: str | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        composed_log_details: str = "",
        hashed_account_id: str | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        ai_note: str | None = None,
        transcript: str | None = None,
        voicemail_link: str | None = None,
        cache: AccountCache | None = None,
    ) -> Any:
        return call_logs.find_call_log(
            self,
            user=user,
            auth_header=auth_header,
            contact_info=contact_info,
            call_log=call_log,
            additional_submission=additional_submission,
            user_mappings=user_mappings,
            since=since,
        )

    def update_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        contact_id: Any = None,
        subject: str | None = None,
        note: str | None = None,
        start_time: Any = None,
        duration: Any = None,
        result: str | None = None,
        recording_link: str | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        composed_log_details: str | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        return call_logs.update_call_log(
            self,
            user=user,
            auth_header=auth_header,
            log_id=log_id,
            subject=subject,
            start_time=start_time,
            duration=duration,
            additional_submission=additional_submission,
            composed_log_details=composed_log_details,
            user_mappings=user_mappings,
        )

    def get_call_log(
        self, *, user: CrmUser, auth_header: str, log_id: Any, contact_id: Any = None
    ) -> dict[str, Any]:
        return call_logs.get_call_log(self, user=user, auth_header=auth_header, log_id=log_id)

    def upsert_call_disposition(
        self, *, user: CrmUser, auth_header: str, log_id: Any, dispositions: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return call_logs.upsert_call_disposition(
            self, user=user, auth_header=auth_header, log_id=log_id, dispositions=dispositions
        )

    # -- message logs --------------------------------------------------------------------------------------

    def create_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        message: Mapping[str, Any] | None = None,
        correspondents: Sequence[Any] | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        hashed_account_id: str | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        assignee_name: str | None = None,
        owner_name: str | None = None,
        recording_link: str | None = None,
        fax_doc_link: str | None = None,
        image_link: str | None = None,
        image_content_type: str | None = None,
        video_link: str | None = None,
        shared_sms_log_content: Mapping[str, Any] | None = None,
        cache: AccountCache | None = None,
    ) -> dict[str, Any]:
        return messages.create_message_log(
            self,
            user=user,
            auth_header=auth_header,
            contact_info=contact_info,
            message=message,
            additional_submission=additional_submission,
            recording_link=recording_link,
            fax_doc_link=fax_doc_link,
            shared_sms_log_content=shared_sms_log_content,
            correspondents=correspondents,
        )

    def find_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        since: float,
        message: Mapping[str, Any] | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        hashed_account_id: str | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        assignee_name: str | None = None,
        owner_name: str | None = None,
        recording_link: str | None = None,
        fax_doc_link: str | None = None,
        image_link: str | None = None,
        image_content_type: str | None = None,
        video_link: str | None = None,
        shared_sms_log_content: Mapping[str, Any] | None = None,
        cache: AccountCache | None = None,
    ) -> Any:
        return messages.find_message_log(
            self,
            user=user,
            auth_header=auth_header,
            contact_info=contact_info,
            message=message,
            additional_submission=additional_submission,
            recording_link=recording_link,
            fax_doc_link=fax_doc_link,
            shared_sms_log_content=shared_sms_log_content,
            since=since,
        )

    def update_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        contact_info: Mapping[str, Any],
        message: Mapping[str, Any] | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        hashed_account_id: str | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        assignee_name: str | None = None,
        owner_name: str | None = None,
        image_link: str | None = None,
        image_content_type: str | None = None,
        video_link: str | None = None,
        shared_sms_log_content: Mapping[str, Any] | None = None,
        cache: AccountCache | None = None,
    ) -> dict[str, Any]:
        return messages.update_message_log(
            self,
            user=user,
            auth_header=auth_header,
            log_id=log_id,
            contact_info=contact_info,
            message=message,
            shared_sms_log_content=shared_sms_log_content,
        )

    # -- users ---------------------------------------------------------------------------------------------

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        return users.get_user_list(self, user=user, auth_header=auth_header)
