"""Pipedrive: OAuth login, contacts (persons with their open deals and leads), and call, SMS, voicemail and
fax logs as Pipedrive activities (connectors.md section 1; deviations in docs/compatibility.md).

Screen pop is the hot path: one person search, then the deals and leads of every matched person in one
parallel wave, so a lookup reaches Pipedrive at most twice in sequence.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from appconnect.connector import AuthType, Connector, CrmUser, OAuthInfo
from appconnect.connector.client import CrmClient, DisallowedUrl
from appconnect.connector.helpers import (
    assigned_crm_user_id,
    correspondent_names,
    in_parallel,
    shared_sms_parts,
)
from appconnect.errors import ApiError, BadRequest, CrmBadAnswer, CrmError, details, return_message
from appconnect.observability import logger
from connectors.pipedrive.activity_types import (
    CALL_SETTING,
    SMS_SETTING,
    AccountCache,
    ActivityTypeResolver,
    from_response,
)
from connectors.pipedrive.api import PipedriveApi, allowed_company_host, data_of
from connectors.pipedrive.formatting import (
    PLATFORM,
    admin_setting,
    company_host,
    deal_and_lead,
    due_date_and_time,
    numeric_id,
    optional_numeric_id,
    owner_id_of,
    parse_agent_note,
    pipedrive_duration,
    seconds,
)

#: pages of 100 activities searched when recovering an interrupted call log
RECOVERY_PAGES = 3

NEW_CONTACT = {"id": "createNewContact", "name": "Create new contact...", "isNewContact": True}
#: the reference's words when Pipedrive does not answer who logged in
USER_INFO_REFUSED = (
    "Pipedrive was unable to fetch information for the currently logged in user. Please check your "
    "permissions in Pipedrive and make sure you have permission to access and read user information."
)
#: ours, for a company address outside PIPEDRIVE_ALLOWED_HOSTS (the reference called any address)
WRONG_ADDRESS = (
    "Pipedrive did not return your user information. Please check that your Pipedrive address is right "
    "and try to connect again."
)
CALL_TYPE_MISSING = (
    'Call logging requires an active activity type containing the word "call" (case insensitive), '
    "or one explicitly assigned by an admin under Admin > Account settings."
)
APP_PAGE = (Path(__file__).parent / "redirect.html").read_text(encoding="utf-8")
#: where the App Connect extension runs (docs/compatibility.md gives the source of each): the only
#: windows /pipedrive-redirect hands an authorization code to, with the page's own origin
DEFAULT_REDIRECT_ORIGINS = ",".join(
    (
        "https://apps.ringcentral.com",
        "https://ringcentral.github.io",
        "https://appconnect.labs.ringcentral.com",
        "chrome-extension://kkhkjhafgdlihndcbnebljipgkandkhh",
        "chrome-extension://bgpkbcidaabaeioilooghlffdcmlimgk",
        "chrome-extension://fkoakbdjghpdcjlhelgeiahggkghnkfl",
    )
)
_ORIGIN = re.compile(
    r"^(?:https://[a-z0-9.-]+(?::[0-9]{1,5})?|chrome-extension://[a-p]{32}"
    r"|http://(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?)$"
)
SMS_TYPE_MISSING = (
    'Message logging requires an active activity type containing the word "sms" (case insensitive), '
    "or one explicitly assigned by an admin under Admin > Account settings."
)


class PipedriveConnector(Connector):
    # The base declares the interface as ``**kwargs``; each method here names the keyword arguments it
    # reads (and ignores the rest), which mypy reports as an incompatible override.
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
        return {
            "clientId": self.setting("CLIENT_ID"),
            "authUrl": f"{self.setting('OAUTH_URL').rstrip('/')}/oauth/authorize",
            "redirectUri": self.setting("REDIRECT_URI") or f"{server_url}/pipedrive-redirect",
        }

    # -- plumbing ------------------------------------------------------------------------------------------

    def _allowed_hosts(self) -> list[str]:
        return [p.strip() for p in self.setting("ALLOWED_HOSTS").split(",") if p.strip()]

    def _api(self, auth_header: str, hostname: str = "") -> PipedriveApi:
        return PipedriveApi(
            auth_header=auth_header,
            hostname=hostname,
            api_url=self.setting("API_URL"),
            company_url=self.setting("COMPANY_URL"),
            allowed_hosts=self._allowed_hosts(),
        )

    def _oauth_url(self, path: str) -> str:
        return f"{self.setting('OAUTH_URL').rstrip('/')}{path}"

    def _client_basic_auth(self) -> str:
        credentials = f"{self.setting('CLIENT_ID')}:{self.setting('CLIENT_SECRET')}"
        return "Basic " + base64.b64encode(credentials.encode()).decode()

    # -- auth ----------------------------------------------------------------------------------------------

    def get_oauth_info(
        self, *, hostname: str = "", token_url: str = "", api_url: str = "", server_url: str = "", **_: Any
    ) -> OAuthInfo:
        """Pipedrive's OAuth client. The redirect URI is ``PIPEDRIVE_REDIRECT_URI`` when set, else this
        server's ``/pipedrive-redirect`` (as the manifest tells the extension)."""
        redirect_uri = self.setting("REDIRECT_URI")
        if not redirect_uri:
            base = server_url
            if not base:
                from appconnect.settings import get_settings

                base = get_settings().app_server
            redirect_uri = f"{base.rstrip('/')}/pipedrive-redirect"
        return OAuthInfo(
            client_id=self.setting("CLIENT_ID"),
            client_secret=self.setting("CLIENT_SECRET"),
            access_token_uri=self._oauth_url("/oauth/token"),
            redirect_uri=redirect_uri,
        )

    def get_user_info(
        self,
        *,
        auth_header: str,
        hostname: str = "",
        token_response: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Who logged in (``GET /v1/users/me`` on the global API).

        ``hostname`` ``temp`` (an install from the Pipedrive Marketplace) becomes
        ``<company_domain>.pipedrive.com``. Any other hostname must be an allowed Pipedrive host.
        """
        api = self._api(auth_header, hostname)
        try:
            host = "" if hostname == "temp" else allowed_company_host(hostname, self._allowed_hosts())
            data = data_of(api.get(api.global_api("/v1/users/me"))) or {}
            user_id = data["id"]
            if hostname == "temp":
                # the company host comes from Pipedrive's answer: it is checked like one the user typed
                domain = data.get("company_domain")
                api_domain = (token_response or {}).get("api_domain")
                host = allowed_company_host(
                    f"{domain}.pipedrive.com" if domain else str(api_domain or ""), self._allowed_hosts()
                )
        except (CrmError, KeyError, TypeError) as error:
            logger.info("pipedrive user info failed", extra={"error": type(error).__name__})
            detail = WRONG_ADDRESS if isinstance(error, DisallowedUrl) else USER_INFO_REFUSED
            return {
                "successful": False,
                "returnMessage": return_message(
                    "Could not load user information", "warning", 3000, details=details(detail)
                ),
            }
        return {
            "successful": True,
            "platformUserInfo": {
                "id": f"{user_id}-{PLATFORM}",
                "name": data.get("name"),
                "timezoneName": data.get("timezone_name"),
                "timezoneOffset": data.get("timezone_offset"),
                "platformAdditionalInfo": {
                    "companyId": data.get("company_id"),
                    "companyName": data.get("company_name"),
                    "companyDomain": data.get("company_domain"),
                },
                # always the normalised host: the core stores this, never the text the client sent
                "overridingHostname": host,
            },
            "returnMessage": return_message("Connected to Pipedrive.", "success", 1000),
            "extraDataTracking": api.tracking,
        }

    def unauthorize(self, *, user: CrmUser, **_: Any) -> dict[str, Any]:
        """Revoke the refresh token (which also ends its access tokens), then the access token.

        A failed revoke raises: the core must not forget credentials Pipedrive still honours.
        """
        client = CrmClient(PLATFORM)
        headers = {"Authorization": self._client_basic_auth(), "Accept": "application/json"}
        for token, hint in ((user.refresh_token, "refresh_token"), (user.access_token, "access_token")):
            if token:
                client.post(
                    self._oauth_url("/oauth/revoke"),
                    headers=headers,
                    data={"token": token, "token_type_hint": hint},
                    retry=True,  # revoking twice is harmless
                )
        return {"returnMessage": return_message("Logged out of Pipedrive", "success", 1000)}

    # -- contacts ------------------------------------------------------------------------------------------

    def find_contact(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        phone_number: str,
        is_extension: bool | str = False,
        **_: Any,
    ) -> dict[str, Any]:
        """Persons whose phone contains the number's national significant number, each with its open deals
        and its leads, then the "Create new contact..." entry."""
        if is_extension is True or is_extension == "true":
            return {"successful": False, "matchedContactInfo": []}
        number = phone_number or ""
        if not number.startswith("+"):
            number = number.replace(" ", "+", 1)  # an unencoded "+" arrives as a space
        if "+" not in number:
            # the reference answers this without a "successful" key
            return {
                "matchedContactInfo": None,
                "returnMessage": return_message(
                    "Logging against internal extension number is not supported.", "warning", 3000
                ),
            }
        api = self._api(auth_header, user.hostname)
        response = api.get(
            api.company("/api/v2/persons/search"), params={"term": _search_term(number), "fields": "phone"}
        )
        persons = _search_items(response.body)
        contacts = self._with_deals_and_leads(api, persons, phone=number)
        contacts.append(dict(NEW_CONTACT))
        return {"successful": True, "matchedContactInfo": contacts, "extraDataTracking": api.tracking}

    def find_contact_with_name(
        self, *, user: CrmUser, auth_header: str, name: str, **_: Any
    ) -> dict[str, Any]:
        """Persons whose name contains ``name``, with deals and leads; no "Create new contact..." entry."""
        api = self._api(auth_header, user.hostname)
        response = api.get(api.company("/api/v2/persons/search"), params={"term": name, "fields": "name"})
        contacts = self._with_deals_and_leads(api, _search_items(response.body), phone=None)
        return {"successful": True, "matchedContactInfo": contacts, "extraDataTracking": api.tracking}

    def _with_deals_and_leads(
        self, api: PipedriveApi, persons: list[dict[str, Any]], phone: str | None
    ) -> list[dict[str, Any]]:
        calls = []
        for person in persons:
            person_id = person.get("id")
            calls.append(lambda pid=person_id: _open_deals(api, pid))
            calls.append(lambda pid=person_id: _leads(api, pid))
        results = in_parallel(calls)
        return [
            _contact(person, phone, results[2 * i], results[2 * i + 1]) for i, person in enumerate(persons)
        ]

    def create_contact(
        self, *, user: CrmUser, auth_header: str, phone_number: str, new_contact_name: str, **_: Any
    ) -> dict[str, Any]:
        """A new person with the caller's number (the contact type is ignored: Pipedrive has persons)."""
        api = self._api(auth_header, user.hostname)
        body = {"name": new_contact_name, "phone": phone_number}
        data = data_of(api.post(api.company("/api/v1/persons"), body))
        data = data if isinstance(data, dict) else {}
        return {
            "contactInfo": {"id": data.get("id"), "name": data.get("name", new_contact_name)},
            "returnMessage": return_message("Contact created.", "success", 2000),
            "extraDataTracking": api.tracking,
        }

    # -- call logs -----------------------------------------------------------------------------------------

    def create_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        call_log: Mapping[str, Any],
        additional_submission: Mapping[str, Any] | None = None,
        composed_log_details: str = "",
        admin_settings: Mapping[str, Any] | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        cache: AccountCache | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """A done activity of the call type, on the contact (and its organisation), deal or lead."""
        api = self._api(auth_header, user.hostname)
        person_id = numeric_id(contact_info.get("id"), "contact id")
        types = self._activity_types(api, user, cache)
        org_id, _ = in_parallel([lambda: _org_of(api, person_id), types.prefetch])
        type_key = types.resolve(admin_setting(admin_settings, CALL_SETTING), "call")
        if type_key is None:
            return {
                "logId": None,
                "returnMessage": return_message(CALL_TYPE_MISSING, "error", 2000),
                "extraDataTracking": api.tracking,
            }
        submission = additional_submission or {}
        subject = _call_subject(call_log, contact_info)
        body: dict[str, Any] = {
            "owner_id": _assignee(submission, user_mappings) or owner_id_of(user.id),
            "subject": subject,
            "duration": pipedrive_duration(call_log.get("duration")) or "00:00",
            "note": composed_log_details or "",
            "done": True,
            "participants": [{"person_id": person_id, "primary": True}],
            "type": type_key,
        }
        body.update(_due(call_log.get("startTime")))
        body.update(_links(submission, org_id))
        data = data_of(api.post(api.company("/api/v2/activities"), body)) or {}
        return {
            # Pipedrive's own id, a number: the extension receives it as the reference sends it
            "logId": _activity_id(data),
            "returnMessage": return_message("Call logged", "success", 2000),
            "extraDataTracking": api.tracking,
        }

    def find_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        call_log: Mapping[str, Any],
        additional_submission: Mapping[str, Any] | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        since: float,
        **_: Any,
    ) -> str | None:
        """The activity an interrupted attempt created for this call: the contact's activities of this
        owner updated since the attempt began, with the same subject and due date and time."""
        api = self._api(auth_header, user.hostname)
        owner = _assignee(additional_submission or {}, user_mappings) or owner_id_of(user.id)
        return _find_activity(
            api,
            numeric_id(contact_info.get("id"), "contact id"),
            owner,
            _call_subject(call_log, contact_info),
            _due(call_log.get("startTime")),
            since,
        )

    def find_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        message: Mapping[str, Any] | None = None,
        recording_link: str | None = None,
        fax_doc_link: str | None = None,
        shared_sms_log_content: Any = None,
        since: float,
        **_: Any,
    ) -> str | None:
        """The activity an interrupted attempt created for this conversation-day (or voicemail, fax, shared
        thread): found as :meth:`find_call_log` finds a call's, by the subject and due time
        :meth:`create_message_log` gives it."""
        from appconnect.composer import message_kind, message_subject

        api = self._api(auth_header, user.hostname)
        shared = _shared_content(shared_sms_log_content)
        if shared is not None:
            subject, _body, when = shared
        else:
            message = message or {}
            subject = message_subject(
                message_kind(recording_link, fax_doc_link),
                str(contact_info.get("name") or ""),
                message.get("creationTime"),
                user.timezone_offset or None,
            )
            when = message.get("creationTime")
        return _find_activity(
            api,
            numeric_id(contact_info.get("id"), "contact id"),
            owner_id_of(user.id),
            subject,
            _due(when),
            since,
        )

    def update_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        subject: str | None = None,
        duration: Any = None,
        additional_submission: Mapping[str, Any] | None = None,
        composed_log_details: str | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Set the composed note, and the subject, duration and assignee when given (one PATCH)."""
        api = self._api(auth_header, user.hostname)
        body: dict[str, Any] = {}
        if composed_log_details is not None:
            body["note"] = composed_log_details
        if subject:
            body["subject"] = subject
        if seconds(duration) is not None:
            body["duration"] = pipedrive_duration(duration)
        owner = _assignee(additional_submission or {}, user_mappings)
        if owner:
            body["owner_id"] = owner
        if body:
            api.patch(api.company(f"/api/v2/activities/{numeric_id(log_id, 'log id')}"), body)
        return {
            "updatedNote": composed_log_details,
            "returnMessage": return_message("Call log updated.", "success", 2000),
            "extraDataTracking": api.tracking,
        }

    def get_call_log(
        self, *, user: CrmUser, auth_header: str, log_id: Any, contact_id: Any = None, **_: Any
    ) -> dict[str, Any]:
        """The activity, its agent note parsed back out, and the contact's name.

        Pipedrive's API v2 returns no related objects, so the name is read from the person: in parallel
        with the activity when the core knows the contact, after it otherwise.
        """
        api = self._api(auth_header, user.hostname)
        activity_url = api.company(f"/api/v2/activities/{numeric_id(log_id, 'log id')}")
        known_person = optional_numeric_id(contact_id)
        if known_person is not None:
            response, person = in_parallel(
                [lambda: api.get(activity_url), lambda: _person_or_none(api, known_person)]
            )
        else:
            response, person = api.get(activity_url), None
        data = data_of(response) or {}
        activity_person = optional_numeric_id(data.get("person_id")) or _primary_participant(data)
        name = _related_person_name(response.body, activity_person)
        if name is None and activity_person is not None:
            if person is None or person.get("id") != activity_person:
                person = _person_or_none(api, activity_person)
            name = person.get("name") if person else None
        note_body = data.get("note") or ""
        return {
            "callLogInfo": {
                "subject": data.get("subject"),
                "note": parse_agent_note(note_body),
                "contactName": name or "Unknown",
                "fullBody": note_body,
                "fullLogResponse": data,
                "dispositions": {"deals": data.get("deal_id"), "leads": data.get("lead_id")},
            },
            "extraDataTracking": api.tracking,
        }

    def upsert_call_disposition(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        dispositions: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Link the activity to the chosen deal (clearing the lead) or else to the chosen lead."""
        dispositions = dispositions or {}
        deal = optional_numeric_id(dispositions.get("deals"))
        lead = dispositions.get("leads") or None
        if deal is None and not lead:
            return {"logId": None}
        api = self._api(auth_header, user.hostname)
        body = (
            {"deal_id": deal, "lead_id": None}
            if deal is not None
            else {"lead_id": str(lead), "deal_id": None}
        )
        api.patch(api.company(f"/api/v2/activities/{numeric_id(log_id, 'log id')}"), body)
        return {"logId": log_id, "extraDataTracking": api.tracking}

    # -- message logs --------------------------------------------------------------------------------------

    def create_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        contact_info: Mapping[str, Any],
        message: Mapping[str, Any] | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        recording_link: str | None = None,
        fax_doc_link: str | None = None,
        shared_sms_log_content: Any = None,
        correspondents: Sequence[Any] | None = None,
        admin_settings: Mapping[str, Any] | None = None,
        cache: AccountCache | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """A done activity of the SMS type: an SMS conversation-day, a voicemail or a fax."""
        api = self._api(auth_header, user.hostname)
        message = message or {}
        person_id = numeric_id(contact_info.get("id"), "contact id")
        types = self._activity_types(api, user, cache)
        shared = _shared_content(shared_sms_log_content)
        calls: list[Any] = [lambda: _org_of(api, person_id), types.prefetch]
        if shared is None and not user.name:
            calls.append(lambda: _agent_name(api, api.company("/api/v1/users/me")))
        results = in_parallel(calls)
        org_id = results[0]
        type_key = types.resolve(admin_setting(admin_settings, SMS_SETTING), "sms")
        if type_key is None:
            return {
                "logId": None,
                "returnMessage": return_message(SMS_TYPE_MISSING, "error", 2000),
                "extraDataTracking": api.tracking,
            }
        if shared is not None:
            subject, note, when = shared
        else:
            from appconnect.composer import HTML, compose_message_log

            agent = user.name or (results[2] if len(results) > 2 else "") or ""
            text = compose_message_log(
                log_format=HTML,
                message=message,
                contact_name=str(contact_info.get("name") or ""),
                contact_phone_number=str(contact_info.get("phoneNumber") or ""),
                user_name=agent,
                utc_offset=user.timezone_offset or None,
                recording_link=recording_link,
                fax_doc_link=fax_doc_link,
                correspondent_names=correspondent_names(correspondents),
            )
            subject, note, when = text.subject, text.body, message.get("creationTime")
        body: dict[str, Any] = {
            "owner_id": owner_id_of(user.id),
            "subject": subject,
            "note": note,
            "done": True,
            "participants": [{"person_id": person_id, "primary": True}],
            "type": type_key,
        }
        body.update(_due(when))
        body.update(_links(additional_submission or {}, org_id))
        data = data_of(api.post(api.company("/api/v2/activities"), body)) or {}
        return {
            "logId": _activity_id(data),
            "returnMessage": return_message("Message logged", "success", 1000),
            "extraDataTracking": api.tracking,
        }

    def update_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        contact_info: Mapping[str, Any],
        message: Mapping[str, Any] | None = None,
        additional_submission: Mapping[str, Any] | None = None,
        shared_sms_log_content: Any = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Append a later message of the same conversation-day (a shared SMS is rewritten whole)."""
        api = self._api(auth_header, user.hostname)
        activity_url = api.company(f"/api/v2/activities/{numeric_id(log_id, 'log id')}")
        shared = _shared_content(shared_sms_log_content)
        if shared is not None:
            note = shared[1]
        else:
            from appconnect.composer import HTML, append_message_to_log

            if user.name:
                existing, agent = api.get(activity_url), user.name
            else:
                existing, agent = in_parallel(
                    [lambda: api.get(activity_url), lambda: _agent_name(api, api.global_api("/v1/users/me"))]
                )
            current = data_of(existing) or {}
            note = append_message_to_log(
                str(current.get("note") or ""),
                log_format=HTML,
                message=message or {},
                contact_name=str(contact_info.get("name") or ""),
                contact_phone_number=str(contact_info.get("phoneNumber") or ""),
                user_name=str(agent or ""),
                utc_offset=user.timezone_offset or None,
            )
        body: dict[str, Any] = {"note": note}
        body.update(_links(additional_submission or {}, None))
        api.patch(activity_url, body)
        return {"extraDataTracking": api.tracking}

    # -- users ---------------------------------------------------------------------------------------------

    def get_user_list(self, *, user: CrmUser, auth_header: str, **_: Any) -> list[dict[str, Any]]:
        """The company's users that are not deleted, for admin user mapping."""
        api = self._api(auth_header, user.hostname)
        users = data_of(api.get(api.company("/api/v1/users"))) or []
        return [
            {"id": u.get("id"), "name": u.get("name"), "email": u.get("email")}
            for u in users
            if isinstance(u, dict) and not u.get("is_deleted")
        ]

    # -- activity types ------------------------------------------------------------------------------------

    def _activity_types(
        self, api: PipedriveApi, user: CrmUser, cache: AccountCache | None
    ) -> ActivityTypeResolver:
        company = user.platform_additional_info.get("companyId") or company_host(user.hostname) or user.id
        return ActivityTypeResolver(
            lambda: from_response(api.get(api.company("/api/v1/activityTypes")).body),
            cache,
            f"pipedrive-activity-types-{company}",
        )

    # -- helpers --------------------------------------------------------------------------------------------

    # -- the Pipedrive app's lifecycle routes ---------------------------------------------------------------

    def app_page(self, *, query: Mapping[str, str], server_url: str, **_: Any) -> str:
        """``GET /pipedrive-redirect``: Pipedrive redirects here after the OAuth consent. The page hands
        the URL (with ``code`` and ``state``) to the extension window that opened it; opened without a
        code (an install from the Marketplace) it explains how to finish the setup."""
        origins = [o.strip().lower() for o in self.setting("REDIRECT_ORIGINS").split(",") if o.strip()]
        valid = [o for o in origins if _ORIGIN.match(o)]
        # JSON inside a script: "<" escaped so no configured text can close the script element
        return APP_PAGE.replace("__ALLOWED_ORIGINS__", json.dumps(valid).replace("<", "\\u003c"))

    def uninstalled_user_id(self, *, headers: Mapping[str, str], body: Mapping[str, Any], **_: Any) -> str:
        """``DELETE /pipedrive-redirect``: Pipedrive's app-uninstall webhook, authenticated with the app's
        client credentials (HTTP Basic)."""
        expected = self._client_basic_auth()
        given = headers.get("authorization", "")
        if not self.setting("CLIENT_ID") or not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError("Unauthorized", status=401)
        user_id = str(body.get("user_id") or "")
        if not user_id:
            raise BadRequest("Missing user_id")
        # Pipedrive sends its numeric user id; the reference also took the stored key itself
        return user_id if user_id.endswith(f"-{PLATFORM}") else f"{user_id}-{PLATFORM}"


def _find_activity(
    api: PipedriveApi, person_id: int, owner: int, subject: str, due: Mapping[str, str], since: float
) -> str | None:
    """The id of the contact's activity of this owner, updated since ``since`` (a minute of slack for
    clock skew), with this subject and due date and time; searched over at most RECOVERY_PAGES pages."""
    updated_since = datetime.fromtimestamp(since - 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    params: dict[str, Any] = {
        "person_id": person_id,
        "owner_id": owner,
        "updated_since": updated_since,
        "limit": 100,
    }
    for _page in range(RECOVERY_PAGES):
        body = api.get(api.company("/api/v2/activities"), params=params).json()
        for activity in (body or {}).get("data") or []:
            if (
                activity.get("subject") == subject
                and activity.get("due_date") == due.get("due_date")
                and activity.get("due_time") == due.get("due_time")
            ):
                return activity.get("id")  # the id as Pipedrive gives it, as create_call_log does
        cursor = ((body or {}).get("additional_data") or {}).get("next_cursor")
        if not cursor:
            return None
        params["cursor"] = cursor
    return None


def _call_subject(call_log: Mapping[str, Any], contact_info: Mapping[str, Any]) -> str:
    subject = call_log.get("customSubject")
    if subject is not None:
        return str(subject)
    direction = call_log.get("direction") or ""
    preposition = "to" if direction == "Outbound" else "from"
    return f"{direction} Call {preposition} {contact_info.get('name') or ''}"


def _search_term(number: str) -> str:
    """The national significant number of a valid E.164 number (Pipedrive matches phones by contained
    digits, whatever their formatting), else the number as given."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if phonenumbers.is_valid_number(parsed):
        return str(phonenumbers.national_significant_number(parsed))
    return number


def _search_items(body: Any) -> list[dict[str, Any]]:
    """The persons of a search answer; :class:`CrmBadAnswer` when it is not one (``null``, not JSON)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise CrmBadAnswer("Pipedrive answered a person search without its data", platform=PLATFORM)
    items = data.get("items")
    persons = []
    for entry in items or []:
        item = entry.get("item") if isinstance(entry, dict) else None
        if isinstance(item, dict) and item.get("id") is not None:
            persons.append(item)
    return persons


def _activity_id(data: Mapping[str, Any]) -> Any:
    """A new activity's id as Pipedrive gives it (a number), or ``None``."""
    return data.get("id") if data.get("id") not in (None, "") else None


def _open_deals(api: PipedriveApi, person_id: Any) -> list[dict[str, Any]]:
    deals = data_of(api.get(api.company("/api/v2/deals"), params={"person_id": person_id, "status": "open"}))
    return [{"const": d.get("id"), "title": d.get("title")} for d in deals or [] if isinstance(d, dict)]


def _leads(api: PipedriveApi, person_id: Any) -> list[dict[str, Any]]:
    """The person's leads that are not archived; a failure only costs the leads (as in the reference)."""
    try:
        leads = data_of(
            api.get(
                api.company("/api/v1/leads"),
                params={"person_id": person_id, "archived_status": "not_archived"},
            )
        )
    except CrmError as error:
        logger.warning(
            "pipedrive leads lookup failed", extra={"status": error.status, "error": type(error).__name__}
        )
        return []
    return [
        {"const": lead.get("id"), "title": lead.get("title")}
        for lead in leads or []
        if isinstance(lead, dict)
    ]


def _contact(
    person: Mapping[str, Any], phone: str | None, deals: list[dict[str, Any]], leads: list[dict[str, Any]]
) -> dict[str, Any]:
    organization = person.get("organization")
    additional: dict[str, Any] = {}
    if deals:
        additional["deals"] = deals
    if leads:
        additional["leads"] = leads
    contact: dict[str, Any] = {"id": person.get("id"), "name": person.get("name"), "type": "contact"}
    if phone is not None:
        contact["phone"] = phone
    contact["organization"] = (organization.get("name") or "") if isinstance(organization, dict) else ""
    # Not part of the real v2 search item; mapped when present (the reference read them).
    if person.get("add_time"):
        contact["createdDate"] = person["add_time"]
    if person.get("update_time"):
        contact["mostRecentActivityDate"] = person["update_time"]
    contact["additionalInfo"] = additional
    return contact


def _person_or_none(api: PipedriveApi, person_id: int) -> dict[str, Any] | None:
    try:
        data = data_of(api.get(api.company(f"/api/v2/persons/{person_id}")))
    except CrmError:
        return None
    return data if isinstance(data, dict) else None


def _org_of(api: PipedriveApi, person_id: int) -> int | None:
    data = data_of(api.get(api.company(f"/api/v2/persons/{person_id}")))
    return optional_numeric_id(data.get("org_id")) if isinstance(data, dict) else None


def _agent_name(api: PipedriveApi, url: str) -> str:
    data = data_of(api.get(url))
    return str(data.get("name") or "") if isinstance(data, dict) else ""


def _primary_participant(activity: Mapping[str, Any]) -> int | None:
    participants = activity.get("participants") or []
    chosen = next((p for p in participants if isinstance(p, dict) and p.get("primary")), None)
    if chosen is None and participants and isinstance(participants[0], dict):
        chosen = participants[0]
    return optional_numeric_id(chosen.get("person_id")) if chosen else None


def _related_person_name(body: Any, person_id: int | None) -> str | None:
    """The name from ``related_objects.person`` (API v1 style; the v2 API and our sandbox omit it)."""
    related = body.get("related_objects") if isinstance(body, dict) else None
    persons = related.get("person") if isinstance(related, dict) else None
    if not isinstance(persons, dict) or not persons:
        return None
    entry = persons.get(str(person_id)) if person_id is not None else None
    if not isinstance(entry, dict):
        entry = next(iter(persons.values()))
    name = entry.get("name") if isinstance(entry, dict) else None
    return str(name) if name else None


def _due(when: Any) -> dict[str, str]:
    due = due_date_and_time(when)
    return {"due_date": due[0], "due_time": due[1]} if due else {}


def _links(submission: Mapping[str, Any], org_id: int | None) -> dict[str, Any]:
    deal, lead = deal_and_lead(submission)
    links: dict[str, Any] = {}
    if deal is not None:
        links["deal_id"] = deal
    elif lead:
        links["lead_id"] = lead
    if org_id:
        links["org_id"] = org_id
    return links


def _assignee(submission: Mapping[str, Any], user_mappings: Sequence[Mapping[str, Any]] | None) -> int | None:
    """The Pipedrive owner an admin assigned the log to (server-side logging), or ``None``."""
    return optional_numeric_id(assigned_crm_user_id(submission, user_mappings, PLATFORM))


def _shared_content(content: Any) -> tuple[str, str, Any] | None:
    """The core's shared-SMS content, its conversation start as ISO text."""
    parts = shared_sms_parts(content)
    if parts is None:
        return None
    subject, body, when = parts
    return subject, body, when.isoformat() if hasattr(when, "isoformat") else when
