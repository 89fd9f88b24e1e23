"""Message logs: SMS, MMS, voicemail and fax, each message logged once.

Two kinds of claim (see :mod:`appconnect.claims`), both scoped to the owner:

* ``msg#<message id>``: this message is in the CRM (a retry or a duplicate post skips it);
* ``conv#<conversationLogId>``: the CRM activity of this conversation-day (the first message creates
  it, later ones are appended to it); shared-SMS threads have one claim per thread.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any, cast

from appconnect import admin_configs, claims, locks, validation
from appconnect.account_cache import DynamoAccountCache
from appconnect.connector import LogId, MessageLogWrite, ReturnMessage
from appconnect.context import AuthContext, authenticate, load_user
from appconnect.errors import BadRequest, return_message
from appconnect.http import Request
from appconnect.models import MessageLogModel
from appconnect.observability import MetricUnit, metrics
from appconnect.operations import NOTHING_CALLED, object_field, with_last_message

#: how long an append may hold its conversation (a few CRM calls); a crashed holder blocks no longer
APPEND_LEASE_S = 30
BUSY_CONVERSATION = "This conversation is being logged by another request. Please check again in a moment."


def _attachment(message: dict[str, Any], kind: str, content_prefix: str = "") -> dict[str, Any] | None:
    for attachment in message.get("attachments") or []:
        if (
            isinstance(attachment, dict)
            and attachment.get("type") == kind
            and str(attachment.get("contentType") or "").startswith(content_prefix)
        ):
            return attachment
    return None


def _write(common: MessageLogWrite, message: dict[str, Any]) -> MessageLogWrite:
    """``common`` for one message, with links to its media. Unlike the reference, never a link with the RC
    access token in it: that would write a live credential into the CRM."""
    from appconnect.composer import media_reader_link  # loaded by the connector already

    recording = _attachment(message, "AudioRecording")
    fax = _attachment(message, "RenderedDocument")
    image = _attachment(message, "MmsAttachment", "image/")
    video = _attachment(message, "MmsAttachment", "video/")
    return replace(
        common,
        message=message,
        recording_link=(recording or {}).get("link"),
        fax_doc_link=(fax or {}).get("link"),
        image_link=media_reader_link((image or {}).get("uri")),
        image_content_type=(image or {}).get("contentType"),
        video_link=media_reader_link((video or {}).get("uri")),
    )


def create_message_log(request: Request) -> dict[str, Any]:
    """POST /messageLog: log the conversation's new messages, each once."""
    body = request.json_body()
    log_info = body.get("logInfo")
    if not isinstance(log_info, dict):
        raise BadRequest("logInfo is required.")
    raw_messages = log_info.get("messages") or []
    if not isinstance(raw_messages, list):
        raise BadRequest("logInfo.messages must be a list.")
    validation.messages(raw_messages)
    messages = list(raw_messages)
    if not messages:
        return {"successful": False, "returnMessage": return_message("No message to log.", ttl=3000)}
    correspondents = [c for c in (log_info.get("correspondents") or []) if isinstance(c, dict)]
    contact_number = str((correspondents[0] if correspondents else {}).get("phoneNumber") or "")
    additional_submission = object_field(body, "additionalSubmission")
    loaded = load_user(request)
    contact_id = body.get("contactId")
    if not contact_id or contact_id in (0, "0"):
        return {
            "successful": False,
            "returnMessage": return_message(f"Contact not found for number {contact_number}", ttl=5000),
        }
    context = authenticate(request, loaded)
    contact_info = {
        "id": contact_id,
        "phoneNumber": contact_number,
        "type": body.get("contactType") or "",
        "name": body.get("contactName") or "",
    }
    hashed_account = context.model.hashed_rc_account_id  # vouched for at login, never the header
    company_settings, company_mappings = admin_configs.for_logging(hashed_account)
    common = MessageLogWrite(
        contact_info=contact_info,
        correspondents=correspondents[1:],
        additional_submission=additional_submission,
        admin_settings=company_settings,
        user_mappings=company_mappings,
        hashed_account_id=hashed_account,
        assignee_name=object_field(log_info, "assignee").get("name"),
        owner_name=object_field(log_info, "owner").get("name"),
        cache=DynamoAccountCache(context.platform),
    )
    # a CrmError is the handler's to answer ("Error creating message log")
    if common.owner_name:
        return _log_shared_thread(context, log_info, body, common)
    return _log_messages(context, log_info, messages, len(correspondents) > 1, body, common)


def _log_messages(
    context: AuthContext,
    log_info: dict[str, Any],
    messages: list[dict[str, Any]],
    group: bool,
    body: dict[str, Any],
    common: MessageLogWrite,
) -> dict[str, Any]:
    """Each new message once: the first of a conversation-day creates its CRM record, the others are
    appended to it."""
    suffix = f"-{body['contactId']}" if group else ""
    conversation_log_id = f"{log_info.get('conversationLogId') or log_info.get('conversationId')}{suffix}"
    conversation_id = f"{log_info.get('conversationId')}{suffix}"
    logged: list[str] = []
    last_message: Any = NOTHING_CALLED

    def busy(text: str) -> dict[str, Any]:
        return {"successful": False, "logIds": logged, "returnMessage": return_message(text, ttl=3000)}

    for message in reversed(messages):  # the extension sends newest first
        message_id = f"{message.get('id')}{suffix}"
        keys = {"platform": context.platform, "conversation_id": conversation_id}
        message_claim = claims.claim(
            MessageLogModel,
            context.model.id,
            f"msg#{message_id}",
            conversation_log_id=conversation_log_id,
            **keys,
        )
        if message_claim.outcome is claims.Outcome.LOGGED:
            # logged before: as the reference, the answer names only what this request logged
            metrics.add_metric(name="DuplicatesPrevented", unit=MetricUnit.Count, value=1)
            continue
        if message_claim.outcome is claims.Outcome.BUSY:
            return busy("These messages are being logged by another request. Please check again in a moment.")
        write = _write(common, {**message, "id": message_id})
        conversation = claims.claim(
            MessageLogModel,
            context.model.id,
            f"conv#{conversation_log_id}",
            conversation_log_id=conversation_log_id,
            **keys,
        )
        if conversation.outcome is claims.Outcome.BUSY:
            claims.give_up(message_claim)  # RECOVER stays unknown: an earlier attempt may have written
            return busy(BUSY_CONVERSATION)
        try:
            # once the CRM has the message, failing to record it must not let the message claim go
            with claims.attempting(message_claim) as attempt:
                result, crm_log_id = _log_one(context, conversation, message_claim, write, attempt)
                if crm_log_id is None:
                    claims.give_up(message_claim)
                    return {"successful": False, "logIds": logged, "returnMessage": result}
                claims.complete(message_claim, str(crm_log_id))
        except locks.LockBusy:
            return busy(BUSY_CONVERSATION)
        logged.append(message_id)
        last_message = result
    return with_last_message({"successful": True, "logIds": logged}, last_message)


def _log_one(
    context: AuthContext,
    conversation: claims.Claim,
    message_claim: claims.Claim,
    write: MessageLogWrite,
    attempt: claims.Attempt,
) -> tuple[ReturnMessage | None, LogId | None]:
    """Put one message into its conversation-day's CRM record: append it to the record, or create the
    record (adopting one an interrupted attempt created). The answer's message and the record's id (None:
    the CRM created nothing)."""
    thread = str(conversation.record.conversation_log_id)
    if conversation.outcome is claims.Outcome.LOGGED:
        log_id: LogId = conversation.record.log_id
        result = _append(context, thread, log_id, write)
        attempt.written = True
        return result, log_id
    done = claims.run(
        conversation,
        write=lambda: context.call(context.connector.create_message_log, request=write),
        recover=_recovery(context, write),
        attempt=attempt,
    )
    if done.result is not None or done.log_id is None:
        return (done.result.message if done.result else None), done.log_id
    if message_claim.outcome is claims.Outcome.RECOVER:
        # the interrupted attempt created the record with this very message in it
        return return_message("Message logged", "success", 1000), done.log_id
    return _append(context, thread, done.log_id, write), done.log_id


def _append(
    context: AuthContext, conversation_log_id: str, log_id: LogId, write: MessageLogWrite
) -> ReturnMessage | None:
    """Add to the conversation's CRM record (or re-render a shared thread), one request at a time."""
    with _appending(context, conversation_log_id):
        return context.call(context.connector.update_message_log, log_id=log_id, request=write).message


def _appending(context: AuthContext, conversation_log_id: str) -> AbstractContextManager[None]:
    """One append at a time to a conversation's CRM record: each append reads the record and writes it
    back whole, so two at once would lose one of the messages."""
    return locks.held(f"append#{context.model.id}#{conversation_log_id}", APPEND_LEASE_S)


def _recovery(context: AuthContext, write: MessageLogWrite) -> Callable[[float], LogId | None] | None:
    """How :func:`claims.run` looks for the record an interrupted attempt may have created, when the
    connector can look."""
    connector = context.connector
    if not type(connector).implements("findMessageLog"):
        return None
    return lambda since: context.call(connector.find_message_log, request=write, since=since)


def _log_shared_thread(
    context: AuthContext, log_info: dict[str, Any], body: dict[str, Any], common: MessageLogWrite
) -> dict[str, Any]:
    """A shared-inbox thread: one activity per thread, re-rendered whole on every post."""
    from appconnect.composer import LogFormat, compose_shared_sms_log  # loaded by the connector already

    conversation_log_id = str(log_info.get("conversationLogId") or log_info.get("conversationId"))
    content = compose_shared_sms_log(
        log_format=cast(LogFormat, context.connector.get_log_format_type()),
        conversation=log_info,
        contact_name=str(body.get("contactName") or ""),
        timezone_offset=context.connector.log_utc_offset(
            stored_offset=context.user.timezone_offset, user_settings=context.user.user_settings
        ),
    )
    shared = {
        "subject": content.subject,
        "body": content.body,
        "conversationCreatedDate": content.conversation_created_date,
    }
    write = _write(replace(common, shared_sms_log_content=shared), log_info["messages"][0])
    thread = claims.claim(
        MessageLogModel,
        context.model.id,
        f"conv#{conversation_log_id}",
        platform=context.platform,
        conversation_id=str(log_info.get("conversationId")),
        conversation_log_id=conversation_log_id,
    )
    busy = {"successful": False, "logIds": [], "returnMessage": return_message(BUSY_CONVERSATION, ttl=3000)}
    if thread.outcome is claims.Outcome.BUSY:
        return busy
    try:
        if thread.outcome is claims.Outcome.LOGGED:
            message = _append(context, conversation_log_id, thread.record.log_id, write)
            return {"successful": True, "logIds": [], "returnMessage": message}
        done = claims.run(
            thread,
            write=lambda: context.call(context.connector.create_message_log, request=write),
            recover=_recovery(context, write),
        )
        if done.log_id is None:
            return {"successful": False, "logIds": [], "returnMessage": done.result and done.result.message}
        # an adopted record is re-rendered with the whole thread
        message = _append(context, conversation_log_id, done.log_id, write) if done.recovered else None
    except locks.LockBusy:
        return busy
    if done.result is not None:
        message = done.result.message
    return {"successful": True, "logIds": [conversation_log_id], "returnMessage": message}
