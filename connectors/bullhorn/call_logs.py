"""Call logs as Bullhorn notes on the person (contact, candidate or lead), with the note action the user
chose, written by the user (or the admin's assignee) as commenting person.

A user whose Bullhorn role may create notes but not edit them gets a clear warning when an update or a
disposition is refused (403), and the log stays logged: never a call stuck "pending".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from appconnect.composer import parse_instant
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
from appconnect.connector.helpers import assigned_crm_user_id, duration_seconds
from appconnect.errors import CrmAuthError, CrmBadRequest, CrmError, details, return_message
from appconnect.observability import logger
from connectors.bullhorn.account_data import ENTITIES
from connectors.bullhorn.api import PLATFORM, BullhornApi, lucene_phrase

DEFAULT_ACTION = "pending note"
_NOTE = re.compile(r"<b>Agent notes</b>(.*?)<b>Call details</b>", re.DOTALL)
_SUMMARY = re.compile(r"<li><b>Summary</b>: (.*?)(?:</li>|<li>|$)", re.DOTALL)


def no_edit_permission(what: str) -> dict[str, Any]:
    """The answer when Bullhorn lets the user create notes but not edit them (403)."""
    return return_message(
        f"{what} was not updated: your Bullhorn account may not edit notes",
        "warning",
        5000,
        details=details(
            "The log itself is saved. Ask your Bullhorn administrator for permission to edit notes, or go to "
            "user settings -> Call and SMS logging and turn ON one-time call logging."
        ),
    )


def person(contact_info: Mapping[str, Any]) -> dict[str, Any]:
    """The note's ``personReference``: the contact's id and App Connect type, as the reference sends it."""
    text = str(contact_info.get("id") or "").strip()
    if not text.isdigit():
        raise CrmBadRequest(
            f"contactId {contact_info.get('id')!r} is not a Bullhorn person id", platform=PLATFORM
        )
    return {"id": int(text), "personSubtype": str(contact_info.get("type") or "Lead")}


def commenting_person(user: CrmUser, submission: Mapping[str, Any], mappings: Any) -> dict[str, Any]:
    """The admin's assignee, else the user: with a person reference, Bullhorn links the note to the person."""
    assignee = assigned_crm_user_id(submission, mappings, PLATFORM)
    chosen = assignee if assignee and assignee.isdigit() else user.platform_additional_info.get("id")
    return {"commentingPerson": {"id": int(chosen), "personSubtype": "CorporateUser"}} if chosen else {}


def epoch_ms(value: Any) -> int | None:
    moment = parse_instant(value)
    return int(moment.timestamp() * 1000) if moment else None


def _minutes(duration: Any) -> int | None:
    seconds = duration_seconds(duration)
    return None if seconds is None else math.ceil(seconds / 60)  # Bullhorn takes whole minutes


class CallLogs(Connector):
    """Bullhorn's call-log interfaces."""

    def create_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogWrite) -> LogResult:
        """A note with the composed log, the chosen action, the call's start and length in minutes, and
        the call's session id as ``externalID`` (found again by it after an interrupted attempt)."""
        api = BullhornApi(self, user)
        call_log, submission = request.call_log, request.additional_submission
        note: dict[str, Any] = {
            "comments": request.composed_log_details,
            "personReference": person(request.contact_info),
            "action": submission.get("noteActions") or DEFAULT_ACTION,
            "externalID": str(call_log.get("sessionId") or ""),
            **commenting_person(user, submission, request.user_mappings),
        }
        started, minutes = epoch_ms(call_log.get("startTime")), _minutes(call_log.get("duration"))
        if started is not None:
            note["dateAdded"] = started
        if minutes is not None:
            note["minutesSpent"] = minutes
        log_id = api.create("Note", note)
        message = return_message("Call logged", "success", 2000)
        if submission.get("copyToContactComments") and request.note:
            message = _copy_to_person(api, request.contact_info, request.note) or message
        return LogResult(log_id=log_id, message=message)

    def find_call_log(
        self, *, user: CrmUser, auth_header: str, request: CallLogWrite, since: float
    ) -> LogId | None:
        """The note an interrupted attempt wrote for this call: by its ``externalID`` and person."""
        session_id = str(request.call_log.get("sessionId") or "")
        if not session_id:
            return None
        found = BullhornApi(self, user).search(
            "Note", f"externalID:{lucene_phrase(session_id)} AND isDeleted:false", "id,personReference"
        )
        wanted = person(request.contact_info)["id"]
        for note in found:
            if (note.get("personReference") or {}).get("id") == wanted:
                found_id = note.get("id")
                return found_id if isinstance(found_id, int | str) else None
        return None

    def update_call_log(self, *, user: CrmUser, auth_header: str, request: CallLogUpdate) -> UpdateResult:
        """The recomposed note, start and minutes, and the admin's assignee."""
        changes: dict[str, Any] = {}
        if request.composed_log_details is not None:
            changes["comments"] = request.composed_log_details
        started, minutes = epoch_ms(request.start_time), _minutes(request.duration)
        if started is not None:
            changes["dateAdded"] = started
        if minutes:
            changes["minutesSpent"] = minutes
        assignee = assigned_crm_user_id(request.additional_submission, request.user_mappings, PLATFORM)
        if assignee and assignee.isdigit():
            changes["commentingPerson"] = {"id": int(assignee), "personSubtype": "CorporateUser"}
        if not changes:
            return UpdateResult(message=return_message("Call log updated.", "success", 2000))
        try:
            BullhornApi(self, user).update("Note", request.log_id, changes)
        except CrmAuthError as error:
            if error.status != 403:
                raise
            return UpdateResult(message=no_edit_permission("The call log"))
        return UpdateResult(
            updated_note=changes.get("comments"), message=return_message("Call log updated.", "success", 2000)
        )

    def get_call_log(self, *, user: CrmUser, auth_header: str, request: LogRef) -> CallLogDetails:
        note = BullhornApi(self, user).record(
            "Note", request.log_id, "comments,action,candidates,clientContacts,leads"
        )
        comments = str(note.get("comments") or "")
        agent = _NOTE.search(comments)
        summary = _SUMMARY.search(comments)
        return CallLogDetails(
            subject=summary.group(1).strip() if summary else None,
            note=agent.group(1).replace("<br>", "").strip() if agent else "",
            contact_name=_person_name(note),
            full_body=comments,
            full_log_response=note,
            dispositions={"noteActions": note.get("action")},
        )

    def upsert_call_disposition(
        self, *, user: CrmUser, auth_header: str, request: DispositionUpdate
    ) -> LogResult:
        """The note action chosen after the call. Refused (403): the log stays, with a warning."""
        action = request.dispositions.get("noteActions") or DEFAULT_ACTION
        try:
            BullhornApi(self, user).update("Note", request.log_id, {"action": action})
        except CrmAuthError as error:
            if error.status != 403:
                raise
            return LogResult(log_id=request.log_id, message=no_edit_permission("The note action"))
        return LogResult(log_id=request.log_id)


def _person_name(note: Mapping[str, Any]) -> str | None:
    for association in ("clientContacts", "candidates", "leads"):
        people = (note.get(association) or {}).get("data") or []
        if people and isinstance(people[0], dict):
            name = f"{people[0].get('firstName') or ''} {people[0].get('lastName') or ''}".strip()
            if name:
                return name
    return None


def _copy_to_person(api: BullhornApi, contact_info: Mapping[str, Any], note: str) -> dict[str, Any] | None:
    """The agent's note also in the person's own comments (a setting); the log stands if this fails."""
    entity = ENTITIES.get(str(contact_info.get("type") or ""), "Lead")
    try:
        api.update(entity, person(contact_info)["id"], {"comments": note})
    except CrmError as error:
        logger.info("bullhorn copy to comments failed", extra={"error": type(error).__name__})
        return return_message(
            "Call logged; the note was not copied to the person's comments", "warning", 3000
        )
    return None
