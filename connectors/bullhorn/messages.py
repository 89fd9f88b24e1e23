"""SMS, voicemail and fax logs as Bullhorn notes: one per conversation-day (or voicemail, fax, shared
thread), later messages of the day appended to it.
"""

from __future__ import annotations

from typing import Any

from appconnect.composer import HTML
from appconnect.connector import Connector, CrmUser, LogId, LogResult, MessageLogWrite, UpdateResult
from appconnect.connector.helpers import (
    assignment_message,
    message_log_text,
    shared_sms_parts,
    with_message_appended,
)
from appconnect.errors import CrmAuthError, return_message
from connectors.bullhorn.api import BullhornApi
from connectors.bullhorn.call_logs import assignee, commenting_person, epoch_ms, no_edit_permission, person


def _content(user: CrmUser, request: MessageLogWrite) -> tuple[str, Any]:
    """The note's text and time: the shared thread as the core rendered it, else the message's log in the
    user's time zone, by the user's Bullhorn name."""
    shared = shared_sms_parts(request.shared_sms_log_content)
    if shared is not None:
        return shared[1], shared[2]
    text = message_log_text(
        request, log_format=HTML, user_name=user.name, utc_offset=user.timezone_offset or None
    )
    return text.body, (request.message or {}).get("creationTime")


class Messages(Connector):
    """Bullhorn's message-log interfaces."""

    def create_message_log(self, *, user: CrmUser, auth_header: str, request: MessageLogWrite) -> LogResult:
        """A note on the person, written by the admin's assignee (else the user), as a call log."""
        comments, moment = _content(user, request)
        submission = request.additional_submission
        owner = assignee(submission, request.user_mappings)
        note: dict[str, Any] = {
            "comments": comments,
            "action": submission.get("noteActions") or "",
            "personReference": person(request.contact_info),
            **commenting_person(user, owner),
        }
        when = epoch_ms(moment)
        if when is not None:
            note["dateAdded"] = when
        log_id = BullhornApi(self, user).create("Note", note)
        return LogResult(
            log_id=log_id,
            message=assignment_message(submission, owner, "Message logged", "Bullhorn", ttl=1000),
        )

    def update_message_log(
        self, *, user: CrmUser, auth_header: str, log_id: LogId, request: MessageLogWrite
    ) -> UpdateResult:
        """Append the message to the day's note (a shared thread is rewritten whole). For a user who may
        create notes but not edit them (403), the message gets a note of its own, with a warning."""
        api = BullhornApi(self, user)
        shared = shared_sms_parts(request.shared_sms_log_content)
        message = request.message or {}
        if shared is not None:
            comments = shared[1]
        else:
            comments = with_message_appended(
                str(api.record("Note", log_id, "id,comments").get("comments") or ""),
                request,
                log_format=HTML,
                user_name=user.name,
                utc_offset=user.timezone_offset or None,
            )
        changes: dict[str, Any] = {"comments": comments}
        when = epoch_ms(message.get("creationTime"))
        if when is not None:
            changes["dateAdded"] = when
        try:
            api.update("Note", log_id, changes)
        except CrmAuthError as error:
            if error.status != 403 or shared is not None:
                raise
            # may create notes but not edit them: the message gets a note of its own, so it is not lost
            created = self.create_message_log(user=user, auth_header=auth_header, request=request)
            return UpdateResult(
                message=return_message(
                    "Message logged as a note of its own: your Bullhorn account may not edit notes",
                    "warning",
                    3000,
                )
                if created.log_id is not None
                else no_edit_permission("The conversation's note")
            )
        return UpdateResult()
