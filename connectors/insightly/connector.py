"""Insightly: API-key login against the user's pod, contacts and leads found by phone whatever format
they were typed in, and call, SMS, voicemail and fax logs as Insightly events linked to the contact or
lead and to the organisation, opportunity and project the user chose (connectors.md section 3;
deviations in docs/compatibility.md, "Insightly").

Phone lookup (the screen pop): Insightly's search matches a field's stored text exactly, so one lookup
searches several spellings of the number (:mod:`connectors.insightly.phones`: at most
``MAX_CANDIDATES`` = 8 values and ``MAX_SEARCHES`` = 48 searches) across the phone fields of contacts
and leads, all in one parallel wave; the organisations, opportunities and projects of the matches are then
fetched in a second wave. A lookup reaches Insightly at most twice in sequence.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from appconnect.connector import AuthType, Connector, CrmUser
from appconnect.connector.client import DisallowedUrl
from appconnect.connector.helpers import MAX_PARALLEL, correspondent_names, in_parallel, shared_sms_parts
from appconnect.errors import CrmAuthError, CrmBadRequest, CrmError, CrmNotFound, details, return_message
from appconnect.observability import logger
from connectors.insightly.api import InsightlyApi, api_base
from connectors.insightly.phones import field_names, phone_candidates, values_for_extra_fields
from connectors.insightly.records import (
    CONTACT,
    ID_FIELDS,
    LEAD,
    PERSON_COLLECTIONS,
    PLATFORM,
    RELATED,
    assignee,
    call_subject,
    canonical_kind,
    chosen_related,
    custom_field_value,
    dispositions_of,
    full_name,
    iso,
    links_of,
    numeric_id,
    optional_id,
    parse_agent_note,
    parse_time,
    person_kind,
    person_link,
    plus_seconds,
    related_option,
    related_refs,
    seconds,
    split_name,
    to_contact,
)

#: the reference's answer to a rejected API key, word for word
KEY_REFUSED = "Could not load user information Please check your API key and try again."
KEY_REFUSED_DETAIL = (
    "Insightly was unable to fetch information for the currently logged in user. "
    "Please check your permissions in Insightly and make sure you have permission to access and read user "
    "information."
)
NEW_CONTACT = {
    "id": "createNewContact",
    "name": "Create new contact...",
    "additionalInfo": None,
    "isNewContact": True,
}
#: the phone fields every lookup searches, per object type
STANDARD_PHONE_FIELDS = {CONTACT: ("PHONE", "PHONE_MOBILE"), LEAD: ("PHONE", "MOBILE")}
EXTRA_FIELD_SETTINGS = {
    CONTACT: "insightlyExtraPhoneFieldNameForContact",
    LEAD: "insightlyExtraPhoneFieldNameForLead",
}
#: most organisations, opportunities and projects fetched for one lookup's matches (one parallel wave)
MAX_RELATED = MAX_PARALLEL
#: crash recovery: events searched per page, pages at most, and the clock skew allowed with Insightly
RECOVERY_PAGE_SIZE = 100
RECOVERY_PAGES = 3
RECOVERY_SLACK_S = 60


class InsightlyConnector(Connector):
    # The base declares the interface as ``**kwargs``; each method here names the keyword arguments it
    # reads (and ignores the rest), which mypy reports as an incompatible override.
    platform: ClassVar[str] = "insightly"
    display_name: ClassVar[str] = "Insightly"
    auth_type: ClassVar[AuthType] = "apiKey"
    log_format: ClassVar[str] = "text/plain"
    settings: ClassVar[dict[str, str]] = {
        "API_VERSION": "v3.1",
        "ALLOWED_HOSTS": "*.insightly.com",
    }

    # -- plumbing ------------------------------------------------------------------------------------------

    def _allowed_hosts(self) -> list[str]:
        return [p.strip() for p in self.setting("ALLOWED_HOSTS").split(",") if p.strip()]

    def _api(self, auth_header: str, api_url: str) -> InsightlyApi:
        return InsightlyApi(
            auth_header=auth_header,
            api_url=api_url,
            version=self.setting("API_VERSION"),
            allowed_hosts=self._allowed_hosts(),
        )

    def api_home(self, *, hostname: str, additional_info: dict[str, Any]) -> str:
        """The pod's API URL: the web ``hostname`` only shapes links."""
        return str(additional_info.get("apiUrl") or "")

    def _user_api(self, user: CrmUser, auth_header: str) -> InsightlyApi:
        return self._api(auth_header, str(user.platform_additional_info.get("apiUrl") or ""))

    # -- auth ----------------------------------------------------------------------------------------------

    def get_basic_auth(self, *, api_key: str, **_: Any) -> str:
        """``base64("<api key>:")``: Insightly takes the key as the user name and ignores the password."""
        return base64.b64encode(f"{api_key}:".encode()).decode()

    def get_user_info(
        self,
        *,
        auth_header: str,
        additional_info: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Who owns the API key (``GET /users/me`` on the pod of ``additionalInfo.apiUrl``).

        A URL outside ``INSIGHTLY_ALLOWED_HOSTS`` is refused before any call; a key Insightly rejects
        (401/403) or an API URL with no Insightly behind it (404) answers "Could not load user
        information". Other failures (429, 5xx) are raised for the core to answer.
        """
        api_url = str((additional_info or {}).get("apiUrl") or "")
        try:
            base = api_base(api_url, self._allowed_hosts())
        except DisallowedUrl:
            logger.info("insightly login refused", extra={"reason": "api url not allowed"})
            return _login_failure(
                "The API URL must be the address of your Insightly pod, as shown under User Settings > API "
                "in Insightly (for example https://api.na1.insightly.com/v3.1)."
            )
        api = self._api(auth_header, base)
        try:
            me = api.get("/users/me")
        except CrmAuthError:
            return _login_failure(KEY_REFUSED_DETAIL, message=KEY_REFUSED)
        except CrmNotFound:
            return _login_failure("Please check your API URL and try again.")
        if not isinstance(me, dict) or me.get("USER_ID") is None:
            return _login_failure("Insightly did not return your user information.")
        from connectors.insightly.timezones import utc_offset_hours

        timezone = me.get("TIMEZONE_ID") or ""
        return {
            "successful": True,
            "platformUserInfo": {
                "id": f"{me['USER_ID']}-{PLATFORM}",
                "name": full_name(me),
                "timezoneName": timezone,
                "timezoneOffset": utc_offset_hours(timezone),
                "platformAdditionalInfo": {"apiUrl": base},
            },
            "returnMessage": return_message("Connected to Insightly.", "success", 1000),
            "extraDataTracking": api.tracking,
        }

    def unauthorize(self, **_: Any) -> dict[str, Any]:
        """Nothing to revoke at Insightly (an API key lives until the user resets it); the core forgets it."""
        return {"returnMessage": return_message("Logged out of Insightly", "success", 1000)}

    # -- contacts ------------------------------------------------------------------------------------------

    def find_contact(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        phone_number: str,
        overriding_format: str | None = "",
        is_extension: bool | str = False,
        **_: Any,
    ) -> dict[str, Any]:
        """Contacts and leads with the number in a phone field, whatever format it was stored in, each with
        its organisations, opportunities and projects; then the "Create new contact..." entry."""
        if is_extension is True or is_extension == "true":
            return {"successful": False, "matchedContactInfo": []}
        values = phone_candidates(phone_number, overriding_format)
        if not values:
            return {"successful": True, "matchedContactInfo": [dict(NEW_CONTACT)]}
        extra = {
            kind: [f for f in field_names(user.setting_value(EXTRA_FIELD_SETTINGS[kind])) if f not in fields]
            for kind, fields in STANDARD_PHONE_FIELDS.items()
        }
        extra_values = values_for_extra_fields(values, len(extra[CONTACT]) + len(extra[LEAD]))
        # the order of the answer: contacts before leads, then the most likely spelling first, then the
        # standard fields before the extra ones
        searches: list[tuple[str, str, str, bool]] = []
        for kind in (CONTACT, LEAD):
            for value in values:
                searches.extend((value, kind, field, False) for field in STANDARD_PHONE_FIELDS[kind])
                if value in extra_values:
                    searches.extend((value, kind, field, True) for field in extra[kind])
        api = self._user_api(user, auth_header)
        results = in_parallel(
            [_searcher(api, kind, field, value, extra) for value, kind, field, extra in searches]
        )
        matches: dict[tuple[str, Any], tuple[Mapping[str, Any], str, str]] = {}
        for (value, kind, field, _extra), records in zip(searches, results, strict=True):
            for record in records:
                key = (kind, record.get(ID_FIELDS[kind]))
                if key[1] is not None and key not in matches:
                    stored = record.get(field) or custom_field_value(record, field)
                    matches[key] = (record, kind, str(stored) if stored else value)
        related = self._related(api, [record for record, _, _ in matches.values()])
        contacts = [to_contact(record, kind, phone, related) for record, kind, phone in matches.values()]
        contacts.append(dict(NEW_CONTACT))
        return {"successful": True, "matchedContactInfo": contacts, "extraDataTracking": api.tracking}

    def find_contact_with_name(
        self, *, user: CrmUser, auth_header: str, name: str, **_: Any
    ) -> dict[str, Any]:
        """Contacts and leads whose "first last" name contains ``name``; no "Create new contact..." entry.

        Four searches at once: first names equal to the first word and last names equal to the rest (or,
        for one word, to that word too, so a last name alone finds people).
        """
        words = (name or "").split()
        if not words:
            return {"successful": True, "matchedContactInfo": []}
        first, rest = words[0], " ".join(words[1:]) or words[0]
        wanted = " ".join(words).lower()
        api = self._user_api(user, auth_header)
        plan = [(CONTACT, "FIRST_NAME", first), (CONTACT, "LAST_NAME", rest)]
        plan += [(LEAD, "FIRST_NAME", first), (LEAD, "LAST_NAME", rest)]
        results = in_parallel([_searcher(api, kind, field, value, False) for kind, field, value in plan])
        matches: dict[tuple[str, Any], tuple[Mapping[str, Any], str]] = {}
        for (kind, _field, _value), records in zip(plan, results, strict=True):
            for record in records:
                key = (kind, record.get(ID_FIELDS[kind]))
                if key[1] is not None and key not in matches and wanted in full_name(record).lower():
                    matches[key] = (record, kind)
        related = self._related(api, [record for record, _ in matches.values()])
        contacts = [
            to_contact(record, kind, _first_phone(record, kind), related) for record, kind in matches.values()
        ]
        return {"successful": True, "matchedContactInfo": contacts, "extraDataTracking": api.tracking}

    def _related(
        self, api: InsightlyApi, records: Sequence[Mapping[str, Any]]
    ) -> dict[tuple[str, int], dict[str, Any] | None]:
        """``{title, const}`` of every organisation, opportunity and project linked to ``records``, fetched
        in one parallel wave (at most MAX_RELATED). A deleted or forbidden record is left out."""
        refs = list(dict.fromkeys(ref for record in records for ref in related_refs(record)))[:MAX_RELATED]
        fetched = in_parallel([_related_fetcher(api, kind, target) for kind, target in refs])
        return dict(zip(refs, fetched, strict=True))

    def create_contact(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        phone_number: str,
        new_contact_name: str,
        new_contact_type: str = "",
        **_: Any,
    ) -> dict[str, Any]:
        """A new contact or lead (``newContactType`` ``contact`` / ``lead``) with the caller's number."""
        kind = person_kind(new_contact_type)
        if kind is None:
            return {
                "contactInfo": None,
                "returnMessage": return_message(
                    "Please choose whether to create a contact or a lead.", "warning", 3000
                ),
            }
        api = self._user_api(user, auth_header)
        phone = phone_number.strip()
        if "+" not in phone:
            phone = phone.replace(" ", "+", 1)
        body = {"PHONE": phone, **split_name(new_contact_name, kind)}
        created = api.post(f"/{PERSON_COLLECTIONS[kind]}", body)
        created = created if isinstance(created, dict) else {}
        return {
            "contactInfo": {
                "id": created.get(ID_FIELDS[kind]),
                "name": full_name(created) or new_contact_name.strip(),
            },
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
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """An event for the call, linked to the contact or lead and to the organisation, opportunity and
        project chosen on the form; owned by the admin-assigned user when there is one."""
        api = self._user_api(user, auth_header)
        start = parse_time(call_log.get("startTime")) or datetime.now(UTC)
        body: dict[str, Any] = {
            "TITLE": call_subject(call_log, str(contact_info.get("name") or "")),
            "DETAILS": composed_log_details or "",
            "START_DATE_UTC": iso(start),
            "END_DATE_UTC": iso(plus_seconds(start, call_log.get("duration"))),
        }
        owner = assignee(additional_submission, user_mappings)
        if owner:
            body["OWNER_USER_ID"] = owner
        return self._create_event(api, body, contact_info, additional_submission, "Call logged", 2000)

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
        """The event an interrupted :meth:`create_call_log` wrote for this call, or ``None``.

        ``GET /Events/Search`` for events with the call's title updated since the attempt began (a
        minute of slack for clock skew), then: the same start time, the same owner, created since then,
        and linked to the contact or lead. An event with no contact or lead link at all also counts (the
        attempt died between the event and its links): its missing links are written now. An older
        identical event (an earlier call logged the same way) was created before ``since`` and is left.
        """
        api = self._user_api(user, auth_header)
        title = call_subject(call_log, str(contact_info.get("name") or ""))
        owner = assignee(additional_submission, user_mappings) or optional_id(user.id.split("-", 1)[0])
        return _find_event(
            api,
            title,
            parse_time(call_log.get("startTime")),
            owner,
            contact_info,
            additional_submission,
            since,
        )

    def find_message_log(
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
        since: float,
        **_: Any,
    ) -> str | None:
        """The event an interrupted :meth:`create_message_log` wrote, found as :meth:`find_call_log`
        finds a call's: by the title and start time the message log gets."""
        from appconnect.composer import message_kind, message_subject

        api = self._user_api(user, auth_header)
        message = message or {}
        shared = shared_sms_parts(shared_sms_log_content)
        if shared is not None:
            title, _details, when = shared
        else:
            kind = message_kind(recording_link, fax_doc_link)
            title = message_subject(
                kind, str(contact_info.get("name") or ""), message.get("creationTime"), None
            )
            when = message.get("creationTime")
        owner = optional_id(user.id.split("-", 1)[0])
        return _find_event(api, title, parse_time(when), owner, contact_info, additional_submission, since)

    def _create_event(
        self,
        api: InsightlyApi,
        body: dict[str, Any],
        contact_info: Mapping[str, Any],
        submission: Mapping[str, Any] | None,
        success: str,
        ttl: int,
    ) -> dict[str, Any]:
        """``POST /events`` then its links, all at once. Once the event exists its id is returned even if a
        link fails (with a warning): failing would make the extension log the call a second time."""
        kind = person_kind(contact_info.get("type"))
        person = optional_id(contact_info.get("id"))
        event = api.post("/events", body)
        event_id = event.get("EVENT_ID") if isinstance(event, dict) else None
        if event_id is None:
            raise CrmBadRequest("Insightly did not return the new event's id", platform=PLATFORM)
        links = [(kind, person)] if kind is not None and person is not None else []
        links += chosen_related(submission)
        failed = [
            name
            for name, ok in zip(
                (name for name, _ in links),
                in_parallel([_linker(api, event_id, name, target) for name, target in links]),
                strict=True,
            )
            if not ok
        ]
        message = return_message(success, "success", ttl)
        if kind is None or person is None:
            logger.info(
                "insightly event not linked to a person", extra={"contactType": contact_info.get("type")}
            )
            message = return_message(
                f"{success}, but it could not be linked to the contact: its type is unknown.", "warning", 5000
            )
        elif failed:
            message = return_message(
                f"{success}, but Insightly refused the link to: {', '.join(failed)}.", "warning", 5000
            )
        # Insightly's EVENT_ID, a number: the extension receives it as the reference sends it
        return {"logId": event_id, "returnMessage": message, "extraDataTracking": api.tracking}

    def update_call_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        subject: str | None = None,
        start_time: Any = None,
        duration: Any = None,
        additional_submission: Mapping[str, Any] | None = None,
        composed_log_details: str | None = None,
        user_mappings: Sequence[Mapping[str, Any]] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """``PUT /events`` with only what changed (API v3.1 updates the fields it is given).

        The end time is start + duration; when only one of them is given the event's other time is read
        first, so the event keeps its length or its start (the reference reset a missing start to now).
        """
        api = self._user_api(user, auth_header)
        event_id = numeric_id(log_id, "log id")
        body: dict[str, Any] = {"EVENT_ID": event_id}
        if composed_log_details:
            body["DETAILS"] = composed_log_details
        if subject:
            body["TITLE"] = subject
        start = parse_time(start_time)
        length = seconds(duration)
        if start is not None or length is not None:
            if start is None or length is None:
                event = api.get(f"/events/{event_id}") or {}
                old_start = parse_time(event.get("START_DATE_UTC"))
                old_end = parse_time(event.get("END_DATE_UTC"))
                if start is None:
                    start = old_start
                elif old_start is not None and old_end is not None:
                    length = max(0.0, (old_end - old_start).total_seconds())
            if start is not None:
                body["START_DATE_UTC"] = iso(start)
                body["END_DATE_UTC"] = iso(plus_seconds(start, length))
        owner = assignee(additional_submission, user_mappings)
        if owner:
            body["OWNER_USER_ID"] = owner
        api.put("/events", body)
        return {
            "updatedNote": body.get("DETAILS", composed_log_details),
            "returnMessage": return_message("Call log updated.", "success", 2000),
            "extraDataTracking": api.tracking,
        }

    def get_call_log(self, *, user: CrmUser, auth_header: str, log_id: Any, **_: Any) -> dict[str, Any]:
        """The event, its agent note parsed back out, the linked contact's or lead's name and the
        organisation, opportunity and project it is linked to."""
        api = self._user_api(user, auth_header)
        event = _event(api, numeric_id(log_id, "log id"))
        name = ""
        person = person_link(event)
        if person is not None:
            try:
                record = api.get(f"/{PERSON_COLLECTIONS[person[0]]}/{person[1]}")
                name = full_name(record) if isinstance(record, dict) else ""
            except CrmNotFound:
                name = ""
        details = str(event.get("DETAILS") or "")
        return {
            "callLogInfo": {
                "subject": event.get("TITLE"),
                "note": parse_agent_note(details),
                "contactName": name or "Unknown",
                "fullBody": details,
                "fullLogResponse": event,
                "dispositions": dispositions_of(event),
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
        """Link the event to the chosen organisation, opportunity and project, replacing an earlier link of
        the same kind; a link that is already right is left alone (the reference added it again)."""
        wanted = chosen_related(dispositions)
        if not wanted:
            return {"logId": None}
        api = self._user_api(user, auth_header)
        event_id = numeric_id(log_id, "log id")
        links = links_of(_event(api, event_id))
        for kind, target in wanted:
            same_kind = [link for link in links if canonical_kind(link.get("LINK_OBJECT_NAME")) == kind]
            keep = next(
                (link for link in same_kind if optional_id(link.get("LINK_OBJECT_ID")) == target), None
            )
            for link in same_kind:
                if link is not keep and link.get("LINK_ID") is not None:
                    with contextlib.suppress(CrmNotFound):  # already gone
                        api.delete(f"/events/{event_id}/links/{link['LINK_ID']}")
            if keep is None:
                api.post(f"/events/{event_id}/links", {"LINK_OBJECT_NAME": kind, "LINK_OBJECT_ID": target})
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
        **_: Any,
    ) -> dict[str, Any]:
        """An event for an SMS conversation-day, a voicemail or a fax (plain text, times in UTC), linked
        like a call log."""
        api = self._user_api(user, auth_header)
        message = message or {}
        shared = shared_sms_parts(shared_sms_log_content)
        if shared is not None:
            title, details, when = shared
        else:
            from appconnect.composer import PLAIN_TEXT, compose_message_log

            text = compose_message_log(
                log_format=PLAIN_TEXT,
                message=message,
                contact_name=str(contact_info.get("name") or ""),
                contact_phone_number=str(contact_info.get("phoneNumber") or ""),
                user_name=user.name or _agent_name(api),
                utc_offset=None,
                recording_link=recording_link,
                fax_doc_link=fax_doc_link,
                correspondent_names=correspondent_names(correspondents),
            )
            title, details, when = text.subject, text.body, message.get("creationTime")
        moment = iso(parse_time(when) or datetime.now(UTC))
        body = {"TITLE": title, "DETAILS": details, "START_DATE_UTC": moment, "END_DATE_UTC": moment}
        return self._create_event(api, body, contact_info, additional_submission, "Message logged", 1000)

    def update_message_log(
        self,
        *,
        user: CrmUser,
        auth_header: str,
        log_id: Any,
        contact_info: Mapping[str, Any],
        message: Mapping[str, Any] | None = None,
        shared_sms_log_content: Any = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Append a later message of the same conversation-day and move the event's end to it (a shared SMS
        is rewritten whole)."""
        api = self._user_api(user, auth_header)
        event_id = numeric_id(log_id, "log id")
        shared = shared_sms_parts(shared_sms_log_content)
        body: dict[str, Any] = {"EVENT_ID": event_id}
        if shared is not None:
            body["DETAILS"] = shared[1]
        else:
            from appconnect.composer import PLAIN_TEXT, append_message_to_log

            message = message or {}
            if user.name:
                event, agent = _event(api, event_id), user.name
            else:
                event, agent = in_parallel([lambda: _event(api, event_id), lambda: _agent_name(api)])
            body["DETAILS"] = append_message_to_log(
                str(event.get("DETAILS") or ""),
                log_format=PLAIN_TEXT,
                message=message,
                contact_name=str(contact_info.get("name") or ""),
                contact_phone_number=str(contact_info.get("phoneNumber") or ""),
                user_name=agent,
                utc_offset=None,
            )
            moment, start = parse_time(message.get("creationTime")), parse_time(event.get("START_DATE_UTC"))
            if moment is not None and (start is None or moment >= start):
                body["END_DATE_UTC"] = iso(moment)
        api.put("/events", body)
        return {"extraDataTracking": api.tracking}

    # -- users ---------------------------------------------------------------------------------------------

    def get_user_list(self, *, user: CrmUser, auth_header: str, **_: Any) -> list[dict[str, Any]]:
        """The instance's active users, for admin user mapping."""
        api = self._user_api(user, auth_header)
        users = api.get("/users")
        return [
            {"id": u.get("USER_ID"), "name": full_name(u), "email": u.get("EMAIL_ADDRESS")}
            for u in users or []
            if isinstance(u, dict) and u.get("ACTIVE") is not False
        ]


# -- helpers -----------------------------------------------------------------------------------------------


def _login_failure(detail: str, message: str = "Could not load user information") -> dict[str, Any]:
    return {
        "successful": False,
        "returnMessage": return_message(message, "warning", 3000, details=details(detail)),
    }


def _searcher(
    api: InsightlyApi, kind: str, field: str, value: str, extra: bool
) -> Callable[[], list[dict[str, Any]]]:
    def search() -> list[dict[str, Any]]:
        try:
            return api.search(PERSON_COLLECTIONS[kind], field, value)
        except CrmBadRequest as error:
            if not extra:
                raise
            # an extra field the instance does not have: skipped silently, as the reference does
            logger.debug("insightly extra phone field refused", extra={"status": error.status})
            return []

    return search


def _related_fetcher(api: InsightlyApi, kind: str, target: int) -> Callable[[], dict[str, Any] | None]:
    def fetch() -> dict[str, Any] | None:
        try:
            return related_option(kind, api.get(f"/{RELATED[kind][0]}/{target}"))
        except CrmNotFound:
            return None
        except CrmAuthError as error:
            if error.status == 403:  # visible contact, hidden organisation: not offered
                return None
            raise

    return fetch


def _linker(api: InsightlyApi, event_id: Any, name: str, target: int) -> Callable[[], bool]:
    def link() -> bool:
        try:
            api.post(f"/events/{event_id}/links", {"LINK_OBJECT_NAME": name, "LINK_OBJECT_ID": target})
        except CrmError as error:
            logger.warning(
                "insightly event link failed",
                extra={"link": name, "status": error.status, "error": type(error).__name__},
            )
            return False
        return True

    return link


def _event(api: InsightlyApi, event_id: int) -> dict[str, Any]:
    """``GET /events/{id}`` with its links (read from ``/links`` when the event does not embed them)."""
    event = api.get(f"/events/{event_id}")
    event = dict(event) if isinstance(event, dict) else {}
    if not isinstance(event.get("LINKS"), list):
        links = api.get(f"/events/{event_id}/links")
        event["LINKS"] = links if isinstance(links, list) else []
    return event


def _same_call(
    event: Mapping[str, Any], title: str, start: datetime | None, earliest: datetime, owner: int | None
) -> bool:
    """Whether ``event`` is what :meth:`InsightlyConnector.create_call_log` writes for this call, created
    since ``earliest`` (Insightly keeps whole seconds, in UTC). Without a start time the attempt used its
    own "now", so any start since ``earliest`` fits."""
    if event.get("EVENT_ID") is None or event.get("TITLE") != title:
        return False
    created = parse_time(event.get("DATE_CREATED_UTC"))
    if created is not None and created < earliest.replace(microsecond=0):
        return False
    if owner is not None and optional_id(event.get("OWNER_USER_ID")) not in (None, owner):
        return False
    began = parse_time(event.get("START_DATE_UTC"))
    if began is None:
        return False
    if start is None:
        return began >= earliest.replace(microsecond=0)
    return abs((began - start).total_seconds()) < 1


def _link_pairs(event: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    return [(link.get("LINK_OBJECT_NAME"), link.get("LINK_OBJECT_ID")) for link in links_of(event)]


def _agent_name(api: InsightlyApi) -> str:
    me = api.get("/users/me")
    return full_name(me) if isinstance(me, dict) else ""


def _first_phone(record: Mapping[str, Any], kind: str) -> str | None:
    for field in STANDARD_PHONE_FIELDS[kind]:
        if record.get(field):
            return str(record[field])
    return None


def _find_event(
    api: InsightlyApi,
    title: str,
    start: datetime | None,
    owner: int | None,
    contact_info: Mapping[str, Any],
    additional_submission: Mapping[str, Any] | None,
    since: float,
) -> str | None:
    """``GET /Events/Search`` for events with this title updated since the attempt began (a minute of
    slack for clock skew), then: the same start time, the same owner, created since then, and linked to the
    contact or lead. An event with no contact or lead link at all also counts (the attempt died between the
    event and its links): its missing links are written now. An older identical event (an earlier call
    logged the same way) was created before ``since`` and is left."""
    earliest = datetime.fromtimestamp(since - RECOVERY_SLACK_S, UTC)
    kind, person = person_kind(contact_info.get("type")), optional_id(contact_info.get("id"))
    wanted = [(kind, person)] if kind is not None and person is not None else []
    wanted += chosen_related(additional_submission)
    params: dict[str, Any] = {
        "field_name": "TITLE",
        "field_value": title,
        "updated_after_utc": earliest.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "brief": "false",
        "top": RECOVERY_PAGE_SIZE,
    }
    unlinked: dict[str, Any] | None = None
    for page in range(RECOVERY_PAGES):
        events = api.get("/events/search", params={**params, "skip": page * RECOVERY_PAGE_SIZE})
        events = [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
        for event in events:
            if not _same_call(event, title, start, earliest, owner):
                continue
            if not isinstance(event.get("LINKS"), list):
                event = _event(api, numeric_id(event.get("EVENT_ID"), "event id"))
            linked = person_link(event)
            if linked is not None and linked == (kind, person):
                return event["EVENT_ID"]  # the id as Insightly gives it, as create_call_log does
            if linked is None and unlinked is None:
                unlinked = event
        if len(events) < RECOVERY_PAGE_SIZE:
            break
    if unlinked is None:
        return None
    have = {(canonical_kind(n), optional_id(i)) for n, i in _link_pairs(unlinked)}
    missing = [(name, target) for name, target in wanted if (name, target) not in have]
    in_parallel([_linker(api, unlinked["EVENT_ID"], name, target) for name, target in missing])
    logger.info("insightly recovered an event without its links", extra={"links": len(missing)})
    return str(unlinked["EVENT_ID"])
