"""SMS, voicemail and fax logs as completed Redtail activities: one per conversation-day (or voicemail,
fax, shared thread), later messages of the day appended to its description.
"""

from __future__ import annotations

from typing import Any

from appconnect.composer import HTML, parse_instant
from appconnect.connector import Connector, CrmUser, LogId, LogResult, MessageLogWrite, UpdateResult
from appconnect.connector.helpers import (
    assignment_message,
    message_log_text,
    shared_sms_parts,
    with_message_appended,
)
from appconnect.errors import return_message
from connectors.redtail.activities import (
    CALL_ACTIVITY_CODE,
    attendees,
    category_lost,
    contact_id,
    create_activity,
    custom_utc_offset,
    find_activity,
    iso,
    read_activity,
    when,
)
from connectors.redtail.api import RedtailApi
from connectors.redtail.call_logs import assignee
from connectors.redtail.categories import chosen_category


def _content(user: CrmUser, request: MessageLogWrite) -> tuple[str, str, Any]:
    """Subject, description and time of the activity: the shared thread as the core rendered it, else the
    message's log in the user's time zone."""
    shared = shared_sms_parts(request.shared_sms_log_content)
    if shared is not None:
        return shared
    # by the username the advisor signed in with (the reference cut it at the first "-")
    text = message_log_text(
        request, log_format=HTML, user_name=user.name, utc_offset=custom_utc_offset(user.user_settings)
    )
    return text.subject, text.body, (request.message or {}).get("creationTime")


class Messages(Connector):
    """Redtail's message-log interfaces."""

    def create_message_log(self, *, user: CrmUser, auth_header: str, request: MessageLogWrite) -> LogResult:
        """A completed activity starting and ending at the message, filed under the chosen category (the
        reference filed message logs under none, although the log form asks for one), with the admin's
        assignee as attendee, as a call log."""
        subject, description, moment = _content(user, request)
        at = iso(when(moment, "the message's creationTime"))
        submission = request.additional_submission
        owner = assignee(submission, request.user_mappings)
        activity, uncategorised = create_activity(
            RedtailApi(self, user.access_token),
            {
                "subject": subject,
                "description": description,
                "start_date": at,
                "end_date": at,
                "activity_code_id": CALL_ACTIVITY_CODE,
                "category_id": chosen_category(submission, user),
                "repeats": "never",
                "linked_contacts": [{"contact_id": contact_id(request.contact_info)}],
                **attendees(owner),
            },
        )
        log_id = activity.get("id")
        if log_id is None:
            return LogResult(log_id=None, message=return_message("Redtail did not create the activity."))
        message = assignment_message(submission, owner, "Message logged", "Redtail", ttl=1000)
        return LogResult(log_id=log_id, message=category_lost(message) if uncategorised else message)

    def find_message_log(
        self, *, user: CrmUser, auth_header: str, request: MessageLogWrite, since: float
    ) -> LogId | None:
        """The activity an interrupted attempt created for this conversation-day, by subject and start."""
        subject, _description, moment = _content(user, request)
        return find_activity(
            RedtailApi(self, user.access_token),
            user,
            contact_id(request.contact_info),
            subject,
            when(moment, "the message's creationTime"),
            since,
        )

    def update_message_log(
        self, *, user: CrmUser, auth_header: str, log_id: LogId, request: MessageLogWrite
    ) -> UpdateResult:
        """Append the message to the day's activity and move its end to the message (a shared thread is
        rewritten whole). Times are in the user's time zone, as when the activity was created."""
        api = RedtailApi(self, user.access_token)
        shared = shared_sms_parts(request.shared_sms_log_content)
        message = request.message or {}
        if shared is not None:
            # the thread rewritten whole; it ends at its newest message (the extension sends it first)
            description, moment, start = shared[1], message.get("creationTime") or shared[2], None
        else:
            current = read_activity(api, log_id)
            start = parse_instant(current.get("start_date"))
            description = with_message_appended(
                str(current.get("description") or ""),
                request,
                log_format=HTML,
                user_name=user.name,
                utc_offset=custom_utc_offset(user.user_settings),
            )
            moment = message.get("creationTime")
        body: dict[str, Any] = {"description": description}
        end = parse_instant(moment)
        if end is not None and (start is None or end >= start):  # a late retry never ends it before it starts
            body["end_date"] = iso(end)
        api.patch(f"/activities/{log_id}", body)
        return UpdateResult()
