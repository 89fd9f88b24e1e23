"""Message logs: SMS, MMS, voicemail and fax, each message logged once.

Two kinds of claim (see :mod:`appconnect.claims`), both scoped to the owner:

* ``msg#<message id>``: this message is in the CRM (a retry or a duplicate post skips it);
* ``conv#<conversationLogId>``: the CRM activity of this conversation-day (the first message creates
  it, later ones are appended to it); shared-SMS threads have one claim per thread.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, cast

from aws_lambda_powertools.metrics import MetricUnit

from appconnect import admin_configs, claims, locks, validation
from appconnect.account_cache import DynamoAccountCache
from appconnect.composer import LogFormat, compose_shared_sms_log, media_reader_link
from appconnect.context import AuthContext, authenticate, load_user
from appconnect.errors import BadRequest, return_message
from appconnect.http import Request
from appconnect.models import MessageLogModel
from appconnect.observability import logger, metrics
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


def _media(message: dict[str, Any]) -> dict[str, Any]:
    """Links to a message's media. Unlike the reference, never a link with the RC access token in it:
    that would write a live credential into the CRM."""
    recording = _attachment(message, "AudioRecording")
    fax = _attachment(message, "RenderedDocument")
    image = _attachment(message, "MmsAttachment", "image/")
    video = _attachment(message, "MmsAttachment", "video/")
    return {
        "recording_link": (recording or {}).get("link"),
        "fax_doc_link": (fax or {}).get("link"),
        "image_link": media_reader_link((image or {}).get("uri")),
        "image_content_type": (image or {}).get("contentType"),
        "video_link": media_reader_link((video or {}).get("uri")),
    }


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
    common: dict[str, Any] = {
        "contact_info": contact_info,
        "additional_submission": additional_submission,
        "admin_settings": admin_configs.settings_of(hashed_account),
        "hashed_account_id": hashed_account,
        "assignee_name": object_field(log_info, "assignee").get("name"),
        "owner_name": object_field(log_info, "owner").get("name"),
        "cache": DynamoAccountCache(context.platform),
    }
    # a CrmError is the handler's to answer ("Error creating message log")
    if common["owner_name"]:
        return _log_shared_thread(context, log_info, body, common)
    return _log_messages(context, log_info, messages, correspondents, body, common)


def _log_messages(
    context: AuthContext,
    log_info: dict[str, Any],
    messages: list[dict[str, Any]],
    correspondents: list[dict[str, Any]],
    body: dict[str, Any],
    common: dict[str, Any],
) -> dict[str, Any]:
    connector = context.connector
    group = len(correspondents) > 1
    suffix = f"-{body['contactId']}" if group else ""
    conversation_log_id = f"{log_info.get('conversationLogId') or log_info.get('conversationId')}{suffix}"
    conversation_id = f"{log_info.get('conversationId')}{suffix}"
    logged: list[str] = []
    last_message: Any = NOTHING_CALLED
    for message in reversed(messages):  # the extension sends newest first
        message_id = f"{message.get('id')}{suffix}"
        message_claim = claims.claim(
            MessageLogModel,
            context.model.id,
            f"msg#{message_id}",
            platform=context.platform,
            conversation_id=conversation_id,
            conversation_log_id=conversation_log_id,
        )
        if message_claim.outcome is claims.Outcome.LOGGED:
            # logged before: as the reference, the answer names only what this request logged
            metrics.add_metric(name="DuplicatesPrevented", unit=MetricUnit.Count, value=1)
            continue
        if message_claim.outcome is claims.Outcome.BUSY:
            return {
                "successful": False,
                "logIds": logged,
                "returnMessage": return_message(
                    "These messages are being logged by another request. Please check again in a moment.",
                    ttl=3000,
                ),
            }
        message = {**message, "id": message_id}
        conversation = claims.claim(
            MessageLogModel,
            context.model.id,
            f"conv#{conversation_log_id}",
            platform=context.platform,
            conversation_id=conversation_id,
            conversation_log_id=conversation_log_id,
        )
        try:
            # once the CRM has the message, failing to record it must not let the claims go
            with claims.attempting(conversation, message_claim) as attempt:
                if conversation.outcome is claims.Outcome.LOGGED:
                    media = _media(message)
                    with _appending(context, conversation_log_id):
                        result = context.call(
                            connector.update_message_log,
                            **common,
                            log_id=conversation.record.log_id,
                            message=message,
                            image_link=media["image_link"],
                            image_content_type=media["image_content_type"],
                            video_link=media["video_link"],
                        )
                    crm_log_id = conversation.record.log_id
                    attempt.written = True
                elif conversation.outcome is claims.Outcome.BUSY:
                    claims.release(message_claim)
                    return {
                        "successful": False,
                        "logIds": logged,
                        "returnMessage": return_message(
                            BUSY_CONVERSATION,
                            ttl=3000,
                        ),
                    }
                else:
                    recovered = _recover(context, conversation, common, message)
                    if recovered is not None:
                        crm_log_id = recovered
                        attempt.written = True
                        claims.complete(conversation, recovered)
                        attempt.settled(conversation)
                        if message_claim.outcome is claims.Outcome.RECOVER:
                            # the interrupted attempt created the activity with this very message in it
                            result = {"returnMessage": return_message("Message logged", "success", 1000)}
                        else:
                            media = _media(message)
                            with _appending(context, conversation_log_id):
                                result = context.call(
                                    connector.update_message_log,
                                    **common,
                                    log_id=recovered,
                                    message=message,
                                    image_link=media["image_link"],
                                    image_content_type=media["image_content_type"],
                                    video_link=media["video_link"],
                                )
                    else:
                        result = context.call(
                            connector.create_message_log,
                            **common,
                            message=message,
                            correspondents=correspondents[1:],
                            **_media(message),
                        )
                        crm_log_id = result.get("logId")
                        attempt.written = bool(crm_log_id)
                        if not crm_log_id:
                            claims.give_up(conversation)
                            claims.give_up(message_claim)
                            return {
                                "successful": False,
                                "logIds": logged,
                                "returnMessage": result.get("returnMessage"),
                            }
                        claims.complete(conversation, str(crm_log_id))
                        attempt.settled(conversation)
                claims.complete(message_claim, str(crm_log_id))
        except locks.LockBusy:
            return {
                "successful": False,
                "logIds": logged,
                "returnMessage": return_message(BUSY_CONVERSATION, ttl=3000),
            }
        logged.append(message_id)
        last_message = result.get("returnMessage")
    return with_last_message({"successful": True, "logIds": logged}, last_message)


def _appending(context: AuthContext, conversation_log_id: str) -> AbstractContextManager[None]:
    """One append at a time to a conversation's CRM record: each append reads the record and writes it
    back whole, so two at once would lose one of the messages."""
    return locks.held(f"append#{context.model.id}#{conversation_log_id}", APPEND_LEASE_S)


def _recover(
    context: AuthContext,
    conversation: claims.Claim,
    common: dict[str, Any],
    message: dict[str, Any],
    **content: Any,
) -> str | None:
    """The CRM record an interrupted attempt may have created for this conversation, when the claim says
    so and the connector can look."""
    connector = context.connector
    if conversation.outcome is not claims.Outcome.RECOVER or not type(connector).implements("findMessageLog"):
        return None
    found = context.call(
        connector.find_message_log,
        **common,
        message=message,
        since=conversation.record.claimed_at,
        **_media(message),
        **content,
    )
    if found:
        logger.info("recovered a message log written before a crash", extra={"platform": connector.platform})
        metrics.add_metric(name="DuplicatesPrevented", unit=MetricUnit.Count, value=1)
    return str(found) if found else None


def _log_shared_thread(
    context: AuthContext, log_info: dict[str, Any], body: dict[str, Any], common: dict[str, Any]
) -> dict[str, Any]:
    """A shared-inbox thread: one activity per thread, re-rendered whole on every post."""
    connector = context.connector
    conversation_log_id = str(log_info.get("conversationLogId") or log_info.get("conversationId"))
    content = compose_shared_sms_log(
        log_format=cast(LogFormat, connector.get_log_format_type()),
        conversation=log_info,
        contact_name=str(body.get("contactName") or ""),
        timezone_offset=context.user.timezone_offset or None,
    )
    shared = {
        "subject": content.subject,
        "body": content.body,
        "conversationCreatedDate": content.conversation_created_date,
    }
    thread = claims.claim(
        MessageLogModel,
        context.model.id,
        f"conv#{conversation_log_id}",
        platform=context.platform,
        conversation_id=str(log_info.get("conversationId")),
        conversation_log_id=conversation_log_id,
    )
    if thread.outcome is claims.Outcome.BUSY:
        return {
            "successful": False,
            "logIds": [],
            "returnMessage": return_message(
                BUSY_CONVERSATION,
                ttl=3000,
            ),
        }
    if thread.outcome is claims.Outcome.LOGGED:
        try:
            with _appending(context, conversation_log_id):
                result = context.call(
                    connector.update_message_log,
                    **common,
                    log_id=thread.record.log_id,
                    shared_sms_log_content=shared,
                )
        except locks.LockBusy:
            return {
                "successful": False,
                "logIds": [],
                "returnMessage": return_message(BUSY_CONVERSATION, ttl=3000),
            }
        return {"successful": True, "logIds": [], "returnMessage": result.get("returnMessage")}
    recovered = _recover(context, thread, common, log_info["messages"][0], shared_sms_log_content=shared)
    if recovered is not None:
        claims.complete(thread, recovered)
        result = context.call(
            connector.update_message_log, **common, log_id=recovered, shared_sms_log_content=shared
        )
        return {
            "successful": True,
            "logIds": [conversation_log_id],
            "returnMessage": result.get("returnMessage"),
        }
    with claims.writing(thread):
        result = context.call(
            connector.create_message_log,
            **common,
            shared_sms_log_content=shared,
            message=log_info["messages"][0],
        )
    if not result.get("logId"):
        claims.give_up(thread)
        return {"successful": False, "logIds": [], "returnMessage": result.get("returnMessage")}
    claims.complete(thread, str(result["logId"]))
    return {"successful": True, "logIds": [conversation_log_id], "returnMessage": result.get("returnMessage")}
