"""Insightly call logs: an event per call, linked to the contact or lead and to the organisation,
opportunity and project the user chose (the call's dispositions).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from appconnect.connector import Connector, CrmUser
from appconnect.errors import CrmNotFound, return_message
from connectors.insightly.api import user_api
from connectors.insightly.events import create_event, find_event, read_event
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


def create_call_log(
    conf: Connector,
    *,
    user: CrmUser,
    auth_header: str,
    contact_info: Mapping[str, Any],
    call_log: Mapping[str, Any],
    additional_submission: Mapping[str, Any] | None,
    composed_log_details: str,
    user_mappings: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """An event for the call, linked to the contact or lead and to the organisation, opportunity and
    project chosen on the form; owned by the admin-assigned user when there is one."""
    api = user_api(conf, user, auth_header)
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
    return create_event(api, body, contact_info, additional_submission, "Call logged", 2000)


def find_call_log(
    conf: Connector,
    *,
    user: CrmUser,
    auth_header: str,
    contact_info: Mapping[str, Any],
    call_log: Mapping[str, Any],
    additional_submission: Mapping[str, Any] | None,
    user_mappings: Sequence[Mapping[str, Any]] | None,
    since: float,
) -> str | None:
    """The event an interrupted :func:`create_call_log` wrote for this call, or ``None``.

    ``GET /Events/Search`` for events with the call's title updated since the attempt began (a
    minute of slack for clock skew), then: the same start time, the same owner, created since then,
    and linked to the contact or lead. An event with no contact or lead link at all also counts (the
    attempt died between the event and its links): its missing links are written now. An older
    identical event (an earlier call logged the same way) was created before ``since`` and is left.
    """
    api = user_api(conf, user, auth_header)
    title = call_subject(call_log, str(contact_info.get("name") or ""))
    owner = assignee(additional_submission, user_mappings) or optional_id(user.id.split("-", 1)[0])
    return find_event(
        api,
        title,
        parse_time(call_log.get("startTime")),
        owner,
        contact_info,
        additional_submission,
        since,
    )


def update_call_log(
    conf: Connector,
    *,
    user: CrmUser,
    auth_header: str,
    log_id: Any,
    subject: str | None,
    start_time: Any,
    duration: Any,
    additional_submission: Mapping[str, Any] | None,
    composed_log_details: str | None,
    user_mappings: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """``PUT /events`` with only what changed (API v3.1 updates the fields it is given).

    The end time is start + duration; when only one of them is given the event's other time is read
    first, so the event keeps its length or its start (the reference reset a missing start to now).
    """
    api = user_api(conf, user, auth_header)
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


def get_call_log(conf: Connector, *, user: CrmUser, auth_header: str, log_id: Any) -> dict[str, Any]:
    """The event, its agent note parsed back out, the linked contact's or lead's name and the
    organisation, opportunity and project it is linked to."""
    api = user_api(conf, user, auth_header)
    event = read_event(api, numeric_id(log_id, "log id"))
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
    conf: Connector,
    *,
    user: CrmUser,
    auth_header: str,
    log_id: Any,
    dispositions: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Link the event to the chosen organisation, opportunity and project, replacing an earlier link of
    the same kind; a link that is already right is left alone (the reference added it again)."""
    wanted = chosen_related(dispositions)
    if not wanted:
        return {"logId": None}
    api = user_api(conf, user, auth_header)
    event_id = numeric_id(log_id, "log id")
    links = links_of(read_event(api, event_id))
    for kind, target in wanted:
        same_kind = [link for link in links if canonical_kind(link.get("LINK_OBJECT_NAME")) == kind]
        keep = next((link for link in same_kind if optional_id(link.get("LINK_OBJECT_ID")) == target), None)
        for link in same_kind:
            if link is not keep and link.get("LINK_ID") is not None:
                with contextlib.suppress(CrmNotFound):  # already gone
                    api.delete(f"/events/{event_id}/links/{link['LINK_ID']}")
        if keep is None:
            api.post(f"/events/{event_id}/links", {"LINK_OBJECT_NAME": kind, "LINK_OBJECT_ID": target})
    return {"logId": log_id, "extraDataTracking": api.tracking}
