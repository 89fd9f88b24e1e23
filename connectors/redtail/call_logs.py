"""Call logs as completed Redtail activities: the composed log as the description, the agent's note also
attached as an activity note, the category the user chose, the admin's assignee as attendee.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from appconnect.composer import UtcOffset
from appconnect.connector import (
    CallLogDetails,
    CallLogUpdate,
    CallLogWrite,
    Connector,
    CrmUser,
    DispositionUpdate,
    LogId,
    LogRef,
    LogResult,
    UpdateResult,
)
from appconnect.connector.helpers import assigned_crm_user_id, assignment_message, duration_seconds
from appconnect.errors import CrmError, return_message
from appconnect.observability import logger
from connectors.redtail.activities import (
    CALL_ACTIVITY_CODE,
    attendees,
    category_lost,
    contact_id,
    create_activity,
    custom_utc_offset,
    find_activity,
    read_activity,
    span,
    when,
)
from connectors.redtail.api import PLATFORM, RedtailApi
from connectors.redtail.categories import chosen_category

_AGENT_NOTE = re.compile(r"<b>Agent notes</b><br>(.+?)<br><br>", re.DOTALL)


def _subject(call_log: Mapping[str, Any], contact_info: Mapping[str, Any]) -> str:
    custom = call_log.get("customSubject")
    if custom:
        return str(custom)
    direction = call_log.get("direction")
    return f"{direction} Call {'to' if direction == 'Outbound' else 'from'} {contact_info.get('name') or ''}"


def assignee(submission: Mapping[str, Any], user_mappings: Any) -> str | None:
    """The Redtail user id (numeric) an admin assigned the log to (server-side logging), or None.

    From the admin's user mapping: the assignee's App Connect token names a Redtail username (its user id is
    ``<username>-redtail``), never the Redtail user id an attendee needs, so it is not read here.
    """
    mapping_only = {**submission, "adminAssignedUserToken": None}
    chosen = assigned_crm_user_id(mapping_only, user_mappings, PLATFORM)
    return chosen if chosen is not None and chosen.isdigit() else None


def _attach_note(api: RedtailApi, log_id: LogId, category: Any, note: str) -> bool:
    """The agent's note as an activity note. The note is in the description too, so a failure here loses
    nothing: it is reported, and the activity (already written) stands."""
    try:
        api.post(f"/activities/{log_id}/notes", {"category_id": category, "note_type": 1, "body": note})
    except CrmError as error:
        logger.warning("redtail note not attached", extra={"error": type(error).__name__})
        return False
    return True


def _has_note(api: RedtailApi, log_id: LogId, note: str) -> bool:
    notes = api.get(f"/activities/{log_id}/notes").get("notes") or []
    return any(isinstance(n, dict) and n.get("body") == note for n in notes)


class CallLogs(Connector):
    """Redtail's call-log interfaces."""

    def log_utc_offset(self, *, stored_offset: str, user_settings: Mapping[str, Any]) -> UtcOffset:
        """Redtail has no time zone for its users: logs are dated in the user's ``redtailCustomTimezone``
        (hours), in UTC when unset."""
        return custom_utc_offset(user_settings)

    def create_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogWrite) -> LogResult:
        """A completed activity with the composed log, then the agent's note attached to it."""
        api = RedtailApi(self, user.access_token)
        call_log, submission = request.call_log, request.additional_submission
        category = chosen_category(submission, user)
        owner = assignee(submission, request.user_mappings)
        body: dict[str, Any] = {
            "subject": _subject(call_log, request.contact_info),
            "description": request.composed_log_details,
            **span(
                when(call_log.get("startTime"), "logInfo.startTime"),
                duration_seconds(call_log.get("duration")),
            ),
            "activity_code_id": CALL_ACTIVITY_CODE,
            "category_id": category,
            "repeats": "never",
            "linked_contacts": [{"contact_id": contact_id(request.contact_info)}],
            **attendees(owner),
        }
        activity, uncategorised = create_activity(api, body)
        log_id = activity.get("id")
        if log_id is None:
            return LogResult(log_id=None, message=return_message("Redtail did not create the activity."))
        message = assignment_message(submission, owner, "Call logged", "Redtail", ttl=2000)
        if request.note and not _attach_note(api, log_id, None if uncategorised else category, request.note):
            message = return_message(
                f"{message['message']}; its note is in the description only",
                "warning",
                max(3000, message["ttl"]),
                details=message.get("details"),
            )
        if uncategorised:
            message = category_lost(message)
        return LogResult(log_id=log_id, message=message)

    def find_call_log(
        self, *, user: CrmUser, auth_header: str, request: CallLogWrite, since: float
    ) -> LogId | None:
        """The activity an interrupted attempt created for this call, completed and with its note attached
        if the attempt stopped before those steps."""
        api = RedtailApi(self, user.access_token)
        call_log = request.call_log
        found = find_activity(
            api,
            user,
            contact_id(request.contact_info),
            _subject(call_log, request.contact_info),
            when(call_log.get("startTime"), "logInfo.startTime"),
            since,
        )
        if found is None:
            return None
        activity = read_activity(api, found)
        if activity.get("completed") is not True:
            api.put(f"/activities/{found}", {"completed": True})
        if request.note and not _has_note(api, found, request.note):
            _attach_note(api, found, chosen_category(request.additional_submission, user), request.note)
        return found

    def update_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogUpdate) -> UpdateResult:
        """One PUT: the recomposed description, and the subject, times and assignee when given."""
        body: dict[str, Any] = {}
        if request.subject:
            body["subject"] = request.subject
        if request.composed_log_details is not None:
            body["description"] = request.composed_log_details
        if request.start_time not in (None, ""):
            body.update(span(when(request.start_time, "startTime"), duration_seconds(request.duration)))
        body.update(attendees(assignee(request.additional_submission, request.user_mappings)))
        if body:
            RedtailApi(self, user.access_token).put(f"/activities/{request.log_id}", body)
        return UpdateResult(
            updated_note=body.get("description"),
            message=return_message("Call log updated.", "success", 2000),
        )

    def get_call_log(self, *, user: CrmUser, auth_header: str, request: LogRef) -> CallLogDetails:
        activity = read_activity(RedtailApi(self, user.access_token), request.log_id)
        description = str(activity.get("description") or "")
        found = _AGENT_NOTE.search(description)
        linked = activity.get("linked_contacts") or []
        first = linked[0] if linked and isinstance(linked[0], dict) else {}
        name = " ".join(str(first.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
        return CallLogDetails(
            subject=activity.get("subject"),
            note=found.group(1) if found else "",
            contact_name=name or str(first.get("full_name") or "") or None,
            full_body=description,
            full_log_response={"activity": activity},
            dispositions={"category": activity.get("category_id")},
        )

    def upsert_call_disposition(
        self, *, user: CrmUser, auth_header: str, request: DispositionUpdate
    ) -> LogResult:
        """File the activity under the category chosen in the disposition form."""
        category = request.dispositions.get("category")
        if category not in (None, ""):
            RedtailApi(self, user.access_token).put(
                f"/activities/{request.log_id}", {"category_id": category}
            )
        return LogResult(log_id=request.log_id)
