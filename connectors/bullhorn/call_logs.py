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
from appconnect.connector.helpers import (
    assigned_crm_user_id,
    assignment_message,
    duration_seconds,
    numeric_id,
)
from appconnect.errors import CrmAuthError, CrmError, details, return_message
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
    person_id = numeric_id(contact_info.get("id"), "contactId", "Bullhorn person", PLATFORM)
    return {"id": person_id, "personSubtype": str(contact_info.get("type") or "Lead")}


def assignee(submission: Mapping[str, Any], mappings: Any) -> int | None:
    """The ``CorporateUser`` id an admin assigned the log to (server-side logging), or None.

    From the admin's user mapping (of ``CorporateUser`` ids): the assignee's App Connect token names their
    ``masterUserID`` (its user id is ``<masterUserID>-bullhorn``), which is no ``CorporateUser`` id and
    which Bullhorn refuses as the commenting person, so it is not read here.
    """
    chosen = assigned_crm_user_id({**submission, "adminAssignedUserToken": None}, mappings, PLATFORM)
    return int(chosen) if chosen is not None and chosen.isdigit() else None


def commenting_person(user: CrmUser, assigned: int | None) -> dict[str, Any]:
    """The admin's assignee (:func:`assignee`), else the user: with a person reference, Bullhorn links the
    note to the person."""
    chosen = assigned if assigned is not None else user.platform_additional_info.get("id")
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
        owner = assignee(submission, request.user_mappings)
        note: dict[str, Any] = {
            "comments": request.composed_log_details,
            "personReference": person(request.contact_info),
            "action": submission.get("noteActions") or DEFAULT_ACTION,
            "externalID": str(call_log.get("sessionId") or ""),
            **commenting_person(user, owner),
        }
        started, minutes = epoch_ms(call_log.get("startTime")), _minutes(call_log.get("duration"))
        if started is not None:
            note["dateAdded"] = started
        if minutes is not None:
            note["minutesSpent"] = minutes
        log_id = api.create("Note", note)
        message = assignment_message(submission, owner, "Call logged", "Bullhorn", ttl=2000)
        if (
            submission.get("copyToContactComments")
            and request.note
            and not _copy_to_person(api, request.contact_info, request.note)
        ):
            message = return_message(
                f"{message['message']}; the note was not copied to the person's comments",
                "warning",
                max(3000, message["ttl"]),
                details=message.get("details"),
            )
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
        owner = assignee(request.additional_submission, request.user_mappings)
        if owner is not None:
            changes.update(commenting_person(user, owner))
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


def _copy_to_person(api: BullhornApi, contact_info: Mapping[str, Any], note: str) -> bool:
    """The agent's note also in the person's own comments (a setting); the log stands if this fails
    (False)."""
    entity = ENTITIES.get(str(contact_info.get("type") or ""), "Lead")
    try:
        api.update(entity, person(contact_info)["id"], {"comments": note})
    except CrmError as error:
        logger.info("bullhorn copy to comments failed", extra={"error": type(error).__name__})
        return False
    return True
