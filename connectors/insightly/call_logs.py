"""Insightly call logs: an event per call, linked to the contact or lead and to the organisation,
opportunity and project the user chose (the call's dispositions).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
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
from appconnect.errors import CrmNotFound, return_message
from connectors.insightly.api import user_api
from connectors.insightly.events import create_assigned_event, find_event, read_event
from connectors.insightly.records import (
    PERSON_COLLECTIONS,
    assignee,
    call_subject,
    canonical_kind,
    chosen_related,
    dispositions_of,
    full_name,
    iso,
    links_of,
    numeric_id,
    optional_id,
    parse_agent_note,
    parse_time,
    person_link,
    plus_seconds,
    seconds,
)


class CallLogs(Connector):
    """Insightly's call-log interfaces."""

    def create_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogWrite) -> LogResult:
        """An event for the call, linked to the contact or lead and to the organisation, opportunity and
        project chosen on the form; owned by the admin-assigned user when there is one."""
        api = user_api(self, user, auth_header)
        call_log, contact_info = request.call_log, request.contact_info
        start = parse_time(call_log.get("startTime")) or datetime.now(UTC)
        body: dict[str, Any] = {
            "TITLE": call_subject(call_log, str(contact_info.get("name") or "")),
            "DETAILS": request.composed_log_details or "",
            "START_DATE_UTC": iso(start),
            "END_DATE_UTC": iso(plus_seconds(start, call_log.get("duration"))),
        }
        return create_assigned_event(
            api, body, contact_info, request.additional_submission, request.user_mappings, "Call logged", 2000
        )

    def find_call_log(
        self, *, user: CrmUser, auth_header: str, request: CallLogWrite, since: float
    ) -> LogId | None:
        """The event an interrupted :func:`create_call_log` wrote for this call, or ``None``.

        ``GET /Events/Search`` for events with the call's title updated since the attempt began (a
        minute of slack for clock skew), then: the same start time, the same owner, created since then,
        and linked to the contact or lead. An event with no contact or lead link at all also counts (the
        attempt died between the event and its links): its missing links are written now. An older
        identical event (an earlier call logged the same way) was created before ``since`` and is left.
        """
        api = user_api(self, user, auth_header)
        title = call_subject(request.call_log, str(request.contact_info.get("name") or ""))
        owner = assignee(request.additional_submission, request.user_mappings) or optional_id(
            user.id.split("-", 1)[0]
        )
        return find_event(
            api,
            title,
            parse_time(request.call_log.get("startTime")),
            owner,
            request.contact_info,
            request.additional_submission,
            since,
        )

    def update_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogUpdate) -> UpdateResult:
        """``PUT /events`` with only what changed (API v3.1 updates the fields it is given).

        The end time is start + duration; when only one of them is given the event's other time is read
        first, so the event keeps its length or its start (the reference reset a missing start to now).
        """
        api = user_api(self, user, auth_header)
        event_id = numeric_id(request.log_id, "log id")
        body: dict[str, Any] = {"EVENT_ID": event_id}
        if request.composed_log_details:
            body["DETAILS"] = request.composed_log_details
        if request.subject:
            body["TITLE"] = request.subject
        start = parse_time(request.start_time)
        length = seconds(request.duration)
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
        owner = assignee(request.additional_submission, request.user_mappings)
        if owner:
            body["OWNER_USER_ID"] = owner
        api.put("/events", body)
        return UpdateResult(
            updated_note=body.get("DETAILS", request.composed_log_details),
            message=return_message("Call log updated.", "success", 2000),
        )

    def get_call_log(self, *, user: CrmUser, auth_header: str, request: LogRef) -> CallLogDetails:
        """The event, its agent note parsed back out, the linked contact's or lead's name and the
        organisation, opportunity and project it is linked to."""
        api = user_api(self, user, auth_header)
        event = read_event(api, numeric_id(request.log_id, "log id"))
        name = ""
        person = person_link(event)
        if person is not None:
            try:
                record = api.get(f"/{PERSON_COLLECTIONS[person[0]]}/{person[1]}")
                name = full_name(record) if isinstance(record, dict) else ""
            except CrmNotFound:
                name = ""
        details = str(event.get("DETAILS") or "")
        return CallLogDetails(
            subject=event.get("TITLE"),
            note=parse_agent_note(details),
            contact_name=name or "Unknown",
            full_body=details,
            full_log_response=event,
            dispositions=dispositions_of(event),
        )

    def upsert_call_disposition(
        self, *, user: CrmUser, auth_header: str, request: DispositionUpdate
    ) -> LogResult:
        """Link the event to the chosen organisation, opportunity and project, replacing an earlier link of
        the same kind; a link that is already right is left alone (the reference added it again)."""
        wanted = chosen_related(request.dispositions)
        if not wanted:
            return LogResult(log_id=None)
        api = user_api(self, user, auth_header)
        event_id = numeric_id(request.log_id, "log id")
        links = links_of(read_event(api, event_id))
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
        return LogResult(log_id=request.log_id)
