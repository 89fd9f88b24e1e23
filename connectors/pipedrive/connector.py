"""Pipedrive: OAuth login, contacts (persons with their open deals and leads), and call, SMS, voicemail and
fax logs as Pipedrive activities (what differs from the reference connector: docs/compatibility.md).

The class declares the facts and the interface; the work lives in a module per concern: :mod:`.auth`
(login, logout, the app's redirect page and uninstall webhook), :mod:`.contacts`, :mod:`.call_logs`,
:mod:`.messages` and :mod:`.users`, over :mod:`.api` (hosts and HTTP) and :mod:`.activities` (what call
and message logs share).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from appconnect.connector import AuthType, Connector, CrmUser, OAuthInfo
from connectors.pipedrive import auth, call_logs, contacts, messages, users
from connectors.pipedrive.activities import RECOVERY_PAGES
from connectors.pipedrive.activity_types import AccountCache
from connectors.pipedrive.auth import APP_PAGE, DEFAULT_REDIRECT_ORIGINS, USER_INFO_REFUSED, WRONG_ADDRESS
from connectors.pipedrive.call_logs import CALL_TYPE_MISSING
from connectors.pipedrive.contacts import NEW_CONTACT
from connectors.pipedrive.messages import SMS_TYPE_MISSING

# Names this module held before the split; code and tests may still import them from here.
__all__ = [
    "APP_PAGE",
    "CALL_TYPE_MISSING",
    "DEFAULT_REDIRECT_ORIGINS",
    "NEW_CONTACT",
    "RECOVERY_PAGES",
    "SMS_TYPE_MISSING",
    "USER_INFO_REFUSED",
    "WRONG_ADDRESS",
    "PipedriveConnector",
]


class PipedriveConnector(Connector):
    # The base declares the interface as ``**kwargs``; each method here names the keyword arguments it
    # reads (and ignores the rest), which mypy reports as an incompatible override.
    # ``Connector.implements`` reports an interface when this class overrides its method, so every
    # supported method stays defined here, delegating to its module.
    platform: ClassVar[str] = "pipedrive"
    display_name: ClassVar[str] = "Pipedrive"
    auth_type: ClassVar[AuthType] = "oauth"
    log_format: ClassVar[str] = "text/html"
    settings: ClassVar[dict[str, str]] = {
        "CLIENT_ID": "",
        "CLIENT_SECRET": "",
        "API_URL": "https://api.pipedrive.com",
        "OAUTH_URL": "https://oauth.pipedrive.com",
        "COMPANY_URL": "https://{hostname}",
        "REDIRECT_URI": "",
        "ALLOWED_HOSTS": "*.pipedrive.com",
        "REDIRECT_ORIGINS": DEFAULT_REDIRECT_ORIGINS,
    }

    def manifest_values(self, *, server_url: str) -> dict[str, str]:
        return auth.manifest_values(self, server_url=server_url)

    # -- auth ----------------------------------------------------------------------------------------------

    def get_oauth_info(
        self, *, hostname: str = "", token_url: str = "", api_url: str = "", server_url: str = ""
    ) -> OAuthInfo:
        return auth.get_oauth_info(self, server_url=server_url)

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
        return auth.get_user_info(
            self, auth_header=auth_header, hostname=hostname, token_response=token_response
        )

    def unauthorize(self, *, user: CrmUser, auth_header: str = "") -> dict[str, Any]:
        return auth.unauthorize(self, user=user)

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
            self, user=user, auth_header=auth_header, phone_number=phone_number, is_extension=is_extension
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
            admin_settings=admin_settings,
            user_mappings=user_mappings,
            cache=cache,
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
            duration=duration,
            additional_submission=additional_submission,
            composed_log_details=composed_log_details,
            user_mappings=user_mappings,
        )

    def get_call_log(
        self, *, user: CrmUser, auth_header: str, log_id: Any, contact_id: Any = None
    ) -> dict[str, Any]:
        return call_logs.get_call_log(
            self, user=user, auth_header=auth_header, log_id=log_id, contact_id=contact_id
        )

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
            admin_settings=admin_settings,
            cache=cache,
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
            additional_submission=additional_submission,
            shared_sms_log_content=shared_sms_log_content,
        )

    # -- users ---------------------------------------------------------------------------------------------

    def get_user_list(self, *, user: CrmUser, auth_header: str) -> list[dict[str, Any]]:
        return users.get_user_list(self, user=user, auth_header=auth_header)

    # -- the Pipedrive app's lifecycle routes ---------------------------------------------------------------

    def app_page(self, *, query: Mapping[str, str], server_url: str) -> str:
        return auth.app_page(self)

    def uninstalled_user_id(self, *, headers: Mapping[str, str], body: Mapping[str, Any]) -> str:
        return auth.uninstalled_user_id(self, headers=headers, body=body)
