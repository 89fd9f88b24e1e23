"""SMS, voicemail and fax logs as done Pipedrive activities of the SMS type: one activity per
conversation-day (or voicemail, fax, shared thread), later messages appended to its note.
"""

from __future__ import annotations

from typing import Any

from appconnect.connector import Connector, CrmUser, LogId, LogResult, MessageLogWrite, UpdateResult
from appconnect.connector.helpers import (
    in_parallel,
    message_log_text,
    shared_sms_parts,
    with_message_appended,
)
from appconnect.errors import return_message
from connectors.pipedrive.activities import (
    activity_types,
    assignee,
    due,
    find_activity,
    links,
    org_of,
    post_activity,
)
from connectors.pipedrive.activity_types import SMS_SETTING
from connectors.pipedrive.api import PipedriveApi, api_for, data_of
from connectors.pipedrive.formatting import admin_setting, numeric_id, owner_id_of

SMS_TYPE_MISSING = (
    'Message logging requires an active activity type containing the word "sms" (case insensitive), '
    "or one explicitly assigned by an admin under Admin > Account settings."
)


def _agent_name(api: PipedriveApi, url: str) -> str:
    data = data_of(api.get(url))
    return str(data.get("name") or "") if isinstance(data, dict) else ""


def _shared_content(content: Any) -> tuple[str, str, Any] | None:
    """The core's shared-SMS content, its conversation start as ISO text."""
    parts = shared_sms_parts(content)
    if parts is None:
        return None
    subject, body, when = parts
    return subject, body, when.isoformat() if hasattr(when, "isoformat") else when


class Messages(Connector):
    """Pipedrive's message-log interfaces."""

    def create_message_log(self, *, user: CrmUser, auth_header: str, request: MessageLogWrite) -> LogResult:
        """A done activity of the SMS type: an SMS conversation-day, a voicemail or a fax; owned by the
        admin-assigned user when there is one (as a call log)."""
        api = api_for(self, auth_header, user.hostname)
        contact_info = request.contact_info
        message = request.message or {}
        person_id = numeric_id(contact_info.get("id"), "contact id")
        types = activity_types(api, user, request.cache)
        shared = _shared_content(request.shared_sms_log_content)
        calls: list[Any] = [lambda: org_of(api, person_id), types.prefetch]
        if shared is None and not user.name:
            calls.append(lambda: _agent_name(api, api.company("/api/v1/users/me")))
        results = in_parallel(calls)
        org_id = results[0]
        type_key = types.resolve(admin_setting(request.admin_settings, SMS_SETTING), "sms")
        if type_key is None:
            return LogResult(log_id=None, message=return_message(SMS_TYPE_MISSING, "error", 2000))
        if shared is not None:
            subject, note, when = shared
        else:
            from appconnect.composer import HTML

            agent = user.name or (results[2] if len(results) > 2 else "") or ""
            text = message_log_text(
                request, log_format=HTML, user_name=agent, utc_offset=user.timezone_offset or None
            )
            subject, note, when = text.subject, text.body, message.get("creationTime")
        submission = request.additional_submission
        owner = assignee(submission, request.user_mappings)
        body: dict[str, Any] = {
            "owner_id": owner or owner_id_of(user.id),
            "subject": subject,
            "note": note,
            "done": True,
            "participants": [{"person_id": person_id, "primary": True}],
            "type": type_key,
        }
        body.update(due(when))
        body.update(links(submission, org_id))
        return post_activity(api, body, submission, owner, "Message logged", 1000)

    def find_message_log(
        self, *, user: CrmUser, auth_header: str, request: MessageLogWrite, since: float
    ) -> LogId | None:
        """The activity an interrupted attempt created for this conversation-day (or voicemail, fax, shared
        thread): found as :func:`~connectors.pipedrive.call_logs.find_call_log` finds a call's, by the owner,
        subject and due time :func:`create_message_log` gives it."""
        from appconnect.composer import message_kind, message_subject

        api = api_for(self, auth_header, user.hostname)
        contact_info = request.contact_info
        shared = _shared_content(request.shared_sms_log_content)
        if shared is not None:
            subject, _body, when = shared
        else:
            message = request.message or {}
            subject = message_subject(
                message_kind(request.recording_link, request.fax_doc_link),
                str(contact_info.get("name") or ""),
                message.get("creationTime"),
                user.timezone_offset or None,
            )
            when = message.get("creationTime")
        return find_activity(
            api,
            numeric_id(contact_info.get("id"), "contact id"),
            assignee(request.additional_submission, request.user_mappings) or owner_id_of(user.id),
            subject,
            due(when),
            since,
        )

    def update_message_log(
        self, *, user: CrmUser, auth_header: str, log_id: LogId, request: MessageLogWrite
    ) -> UpdateResult:
        """Append a later message of the same conversation-day (a shared SMS is rewritten whole)."""
        api = api_for(self, auth_header, user.hostname)
        activity_url = api.company(f"/api/v2/activities/{numeric_id(log_id, 'log id')}")
        shared = _shared_content(request.shared_sms_log_content)
        if shared is not None:
            note = shared[1]
        else:
            from appconnect.composer import HTML

            if user.name:
                existing, agent = api.get(activity_url), user.name
            else:
                existing, agent = in_parallel(
                    [lambda: api.get(activity_url), lambda: _agent_name(api, api.global_api("/v1/users/me"))]
                )
            current = data_of(existing) or {}
            note = with_message_appended(
                str(current.get("note") or ""),
                request,
                log_format=HTML,
                user_name=str(agent or ""),
                utc_offset=user.timezone_offset or None,
            )
        body: dict[str, Any] = {"note": note}
        body.update(links(request.additional_submission, None))
        api.patch(activity_url, body)
        return UpdateResult()
