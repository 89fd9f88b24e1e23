"""Insightly message logs: an event per SMS conversation-day, voicemail or fax, in plain text with times in
UTC, linked like a call log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from appconnect.connector import Connector, CrmUser, LogId, LogResult, MessageLogWrite, UpdateResult
from appconnect.connector.helpers import (
    in_parallel,
    message_log_text,
    shared_sms_parts,
    with_message_appended,
)
from connectors.insightly.api import InsightlyApi, user_api
from connectors.insightly.events import create_assigned_event, find_event, read_event
from connectors.insightly.records import (
    assignee,
    full_name,
    iso,
    numeric_id,
    optional_id,
    parse_time,
)


def _agent_name(api: InsightlyApi) -> str:
    me = api.get("/users/me")
    return full_name(me) if isinstance(me, dict) else ""


class Messages(Connector):
    """Insightly's message-log interfaces."""

    def create_message_log(self, *, user: CrmUser, auth_header: str, request: MessageLogWrite) -> LogResult:
        """An event for an SMS conversation-day, a voicemail or a fax (plain text, times in UTC), linked
        like a call log and, like it, owned by the admin-assigned user when there is one."""
        api = user_api(self, user, auth_header)
        contact_info = request.contact_info
        message = request.message or {}
        shared = shared_sms_parts(request.shared_sms_log_content)
        if shared is not None:
            title, details, when = shared
        else:
            from appconnect.composer import PLAIN_TEXT

            text = message_log_text(
                request, log_format=PLAIN_TEXT, user_name=user.name or _agent_name(api), utc_offset=None
            )
            title, details, when = text.subject, text.body, message.get("creationTime")
        moment = iso(parse_time(when) or datetime.now(UTC))
        body: dict[str, Any] = {
            "TITLE": title,
            "DETAILS": details,
            "START_DATE_UTC": moment,
            "END_DATE_UTC": moment,
        }
        return create_assigned_event(
            api,
            body,
            contact_info,
            request.additional_submission,
            request.user_mappings,
            "Message logged",
            1000,
        )

    def find_message_log(
        self, *, user: CrmUser, auth_header: str, request: MessageLogWrite, since: float
    ) -> LogId | None:
        """The event an interrupted :func:`create_message_log` wrote, found as
        :func:`connectors.insightly.call_logs.find_call_log` finds a call's: by the title and start time the
        message log gets, and its owner."""
        from appconnect.composer import message_kind, message_subject

        api = user_api(self, user, auth_header)
        contact_info = request.contact_info
        message = request.message or {}
        shared = shared_sms_parts(request.shared_sms_log_content)
        if shared is not None:
            title, _details, when = shared
        else:
            kind = message_kind(request.recording_link, request.fax_doc_link)
            title = message_subject(
                kind, str(contact_info.get("name") or ""), message.get("creationTime"), None
            )
            when = message.get("creationTime")
        owner = assignee(request.additional_submission, request.user_mappings) or optional_id(
            user.id.split("-", 1)[0]
        )
        return find_event(
            api, title, parse_time(when), owner, contact_info, request.additional_submission, since
        )

    def update_message_log(
        self, *, user: CrmUser, auth_header: str, log_id: LogId, request: MessageLogWrite
    ) -> UpdateResult:
        """Append a later message of the same conversation-day and move the event's end to it (a shared SMS
        is rewritten whole)."""
        api = user_api(self, user, auth_header)
        event_id = numeric_id(log_id, "log id")
        shared = shared_sms_parts(request.shared_sms_log_content)
        body: dict[str, Any] = {"EVENT_ID": event_id}
        if shared is not None:
            body["DETAILS"] = shared[1]
        else:
            from appconnect.composer import PLAIN_TEXT

            message = request.message or {}
            if user.name:
                event, agent = read_event(api, event_id), user.name
            else:
                event, agent = in_parallel([lambda: read_event(api, event_id), lambda: _agent_name(api)])
            body["DETAILS"] = with_message_appended(
                str(event.get("DETAILS") or ""),
                request,
                log_format=PLAIN_TEXT,
                user_name=agent,
                utc_offset=None,
            )
            moment, start = parse_time(message.get("creationTime")), parse_time(event.get("START_DATE_UTC"))
            if moment is not None and (start is None or moment >= start):
                body["END_DATE_UTC"] = iso(moment)
        api.put("/events", body)
        return UpdateResult()
