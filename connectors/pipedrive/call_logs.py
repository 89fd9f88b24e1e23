"""Call logs as done Pipedrive activities of the call type: create, recover, update, read back, and the
deal or lead disposition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from appconnect.connector.helpers import in_parallel
from appconnect.errors import CrmError, return_message
from connectors.pipedrive.activities import (
    activity_types,
    assignee,
    due,
    find_activity,
    links,
    org_of,
    post_activity,
)
from connectors.pipedrive.activity_types import CALL_SETTING
from connectors.pipedrive.api import PipedriveApi, api_for, data_of
from connectors.pipedrive.formatting import (
    admin_setting,
    numeric_id,
    optional_numeric_id,
    owner_id_of,
    parse_agent_note,
    pipedrive_duration,
    seconds,
)

CALL_TYPE_MISSING = (
    'Call logging requires an active activity type containing the word "call" (case insensitive), '
    "or one explicitly assigned by an admin under Admin > Account settings."
)


def _call_subject(call_log: Mapping[str, Any], contact_info: Mapping[str, Any]) -> str:
    subject = call_log.get("customSubject")
    if subject is not None:
        return str(subject)
    direction = call_log.get("direction") or ""
    preposition = "to" if direction == "Outbound" else "from"
    return f"{direction} Call {preposition} {contact_info.get('name') or ''}"


def _person_or_none(api: PipedriveApi, person_id: int) -> dict[str, Any] | None:
    try:
        data = data_of(api.get(api.company(f"/api/v2/persons/{person_id}")))
    except CrmError:
        return None
    return data if isinstance(data, dict) else None


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


class CallLogs(Connector):
    """Pipedrive's call-log interfaces."""

    def create_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogWrite) -> LogResult:
        """A done activity of the call type, on the contact (and its organisation), deal or lead."""
        api = api_for(self, auth_header, user.hostname)
        contact_info, call_log = request.contact_info, request.call_log
        person_id = numeric_id(contact_info.get("id"), "contact id")
        types = activity_types(api, user, request.cache)
        org_id, _ = in_parallel([lambda: org_of(api, person_id), types.prefetch])
        type_key = types.resolve(admin_setting(request.admin_settings, CALL_SETTING), "call")
        if type_key is None:
            return LogResult(log_id=None, message=return_message(CALL_TYPE_MISSING, "error", 2000))
        submission = request.additional_submission
        subject = _call_subject(call_log, contact_info)
        owner = assignee(submission, request.user_mappings)
        body: dict[str, Any] = {
            "owner_id": owner or owner_id_of(user.id),
            "subject": subject,
            "duration": pipedrive_duration(call_log.get("duration")) or "00:00",
            "note": request.composed_log_details or "",
            "done": True,
            "participants": [{"person_id": person_id, "primary": True}],
            "type": type_key,
        }
        body.update(due(call_log.get("startTime")))
        body.update(links(submission, org_id))
        return post_activity(api, body, submission, owner, "Call logged", 2000)

    def find_call_log(
        self, *, user: CrmUser, auth_header: str, request: CallLogWrite, since: float
    ) -> LogId | None:
        """The activity an interrupted attempt created for this call: the contact's activities of this
        owner updated since the attempt began, with the same subject and due date and time."""
        api = api_for(self, auth_header, user.hostname)
        owner = assignee(request.additional_submission, request.user_mappings) or owner_id_of(user.id)
        return find_activity(
            api,
            numeric_id(request.contact_info.get("id"), "contact id"),
            owner,
            _call_subject(request.call_log, request.contact_info),
            due(request.call_log.get("startTime")),
            since,
        )

    def update_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogUpdate) -> UpdateResult:
        """Set the composed note, and the subject, duration and assignee when given (one PATCH)."""
        api = api_for(self, auth_header, user.hostname)
        body: dict[str, Any] = {}
        if request.composed_log_details is not None:
            body["note"] = request.composed_log_details
        if request.subject:
            body["subject"] = request.subject
        if seconds(request.duration) is not None:
            body["duration"] = pipedrive_duration(request.duration)
        owner = assignee(request.additional_submission, request.user_mappings)
        if owner:
            body["owner_id"] = owner
        if body:
            api.patch(api.company(f"/api/v2/activities/{numeric_id(request.log_id, 'log id')}"), body)
        return UpdateResult(
            updated_note=request.composed_log_details,
            message=return_message("Call log updated.", "success", 2000),
        )

    def get_call_log(self, *, user: CrmUser, auth_header: str, request: LogRef) -> CallLogDetails:
        """The activity, its agent note parsed back out, and the contact's name.

        Pipedrive's API v2 returns no related objects, so the name is read from the person: in parallel
        with the activity when the core knows the contact, after it otherwise.
        """
        api = api_for(self, auth_header, user.hostname)
        activity_url = api.company(f"/api/v2/activities/{numeric_id(request.log_id, 'log id')}")
        known_person = optional_numeric_id(request.contact_id)
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
        return CallLogDetails(
            subject=data.get("subject"),
            note=parse_agent_note(note_body),
            contact_name=name or "Unknown",
            full_body=note_body,
            full_log_response=data,
            dispositions={"deals": data.get("deal_id"), "leads": data.get("lead_id")},
        )

    def upsert_call_disposition(
        self, *, user: CrmUser, auth_header: str, request: DispositionUpdate
    ) -> LogResult:
        """Link the activity to the chosen deal (clearing the lead) or else to the chosen lead."""
        dispositions = request.dispositions
        deal = optional_numeric_id(dispositions.get("deals"))
        lead = dispositions.get("leads") or None
        if deal is None and not lead:
            return LogResult(log_id=None)
        api = api_for(self, auth_header, user.hostname)
        body = (
            {"deal_id": deal, "lead_id": None}
            if deal is not None
            else {"lead_id": str(lead), "deal_id": None}
        )
        api.patch(api.company(f"/api/v2/activities/{numeric_id(request.log_id, 'log id')}"), body)
        return LogResult(log_id=request.log_id)
